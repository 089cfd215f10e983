"""The ``isotp:`` section: ISO 15765-2 link options (padding, flow control, timing, CAN FD)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from diagkit.profile.problems import Path, raise_findings
from diagkit.profile.values import FROZEN, Byte, Count, Seconds, check_stmin, nanoseconds

StMin = Annotated[Seconds, AfterValidator(check_stmin)]
"""An STmin ISO 15765-2 can encode exactly: 0-127 ms in 1 ms steps, 100-900 us in 100 us steps."""

# ISO 11898-1 CAN FD data lengths usable as TX_DL (ISO 15765-2:2016 table 6).
CAN_FD_DATA_LENGTHS = (8, 12, 16, 20, 24, 32, 48, 64)
MAX_NS = 0xFFFFFFFF  # the kernel's STmin/frame_txtime options are u32 nanoseconds

PaddingCheck = Literal["none", "length", "data", "length_and_data"]


class FlowControlSection(BaseModel):
    """What our flow control frames ask of the ECU when it sends us a multi-frame response."""

    model_config = FROZEN

    block_size: Count = Field(
        default=0, ge=0, le=255, description="BS: frames per block, 0 = no limit"
    )
    stmin: StMin = Field(
        default=0.0, description="STmin the ECU must leave between consecutive frames"
    )
    wft_max: Count = Field(default=0, ge=0, le=255, description="how many FC.WAIT frames we accept")


class IsoTpSection(BaseModel):
    """ISO-TP behaviour of the channel to this ECU.

    Padding is off unless asked for (``tx_padding: 0xCC`` is the common choice; many ECUs
    reject unpadded frames). ``wait_tx_done`` makes a send return only once the last frame is
    on the bus, so transfer errors surface at send rather than at the next call.
    """

    model_config = FROZEN

    tx_padding: Byte | None = Field(default=None, description="pad every sent frame with this byte")
    rx_padding: Byte | None = Field(default=None, description="padding byte expected from the ECU")
    rx_padding_check: PaddingCheck = Field(
        default="none",
        description="drop received frames whose padding length and/or bytes are wrong",
    )
    flow_control: FlowControlSection = Field(default_factory=FlowControlSection)
    tx_stmin: Seconds | None = Field(
        default=None, description="ignore the ECU's STmin and leave this gap between our frames"
    )
    rx_stmin: Seconds | None = Field(
        default=None, description="ignore consecutive frames arriving faster than this"
    )
    frame_txtime: Seconds | None = Field(
        default=None, description="gap between frames when no STmin applies; unset = kernel default"
    )
    wait_tx_done: bool = Field(
        default=True, description="send() returns once the PDU is on the bus"
    )
    half_duplex: bool = Field(default=False, description="refuse to send while receiving")
    can_fd: bool = Field(default=False, description="use CAN FD frames")
    tx_dl: Count = Field(
        default=8, description="CAN frame data length when sending (8; FD: up to 64)"
    )
    bitrate_switch: bool = Field(
        default=False, description="CAN FD bit rate switch (BRS) on sent frames"
    )
    send_timeout: Seconds = Field(
        default=2.0, gt=0, description="longest wait for a send to complete (WAIT_TX_DONE)"
    )
    max_pdu_size: Count = Field(
        default=8300,
        ge=1,
        le=0xFFFFFFFF,
        description="largest PDU accepted (FF_DL > 4095 is allowed)",
    )

    @model_validator(mode="after")
    def _check_consistency(self) -> IsoTpSection:
        findings: list[tuple[Path, str]] = []
        if self.rx_padding_check != "none" and self.rx_padding is None:
            findings.append(
                (
                    ("rx_padding",),
                    f"required by rx_padding_check: {self.rx_padding_check} (the byte the "
                    "ECU pads with, e.g. 0xCC)",
                )
            )
        if self.rx_padding is not None and self.rx_padding_check == "none":
            findings.append(
                (
                    ("rx_padding_check",),
                    "rx_padding has no effect without a check; set rx_padding_check: data "
                    "(or length_and_data)",
                )
            )
        if self.can_fd:
            if self.tx_dl not in CAN_FD_DATA_LENGTHS:
                findings.append(
                    (
                        ("tx_dl",),
                        f"{self.tx_dl} is not a CAN FD data length; use one of "
                        + ", ".join(str(n) for n in CAN_FD_DATA_LENGTHS),
                    )
                )
        else:
            if self.tx_dl != 8:
                findings.append(
                    (("tx_dl",), f"{self.tx_dl} needs CAN FD; set isotp.can_fd: true or use 8")
                )
            if self.bitrate_switch:
                findings.append((("bitrate_switch",), "needs CAN FD; set isotp.can_fd: true"))
        if self.rx_stmin == 0:
            findings.append((("rx_stmin",), "0 drops no frame; remove it"))
        for name in ("tx_stmin", "rx_stmin", "frame_txtime"):
            value = getattr(self, name)
            if value is None:
                continue
            try:
                if nanoseconds(value) > MAX_NS:
                    findings.append(((name,), "is above the kernel's limit of 4.294967295s"))
            except ValueError as exc:
                findings.append(((name,), str(exc)))
        raise_findings(findings)
        return self
