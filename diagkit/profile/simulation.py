"""The optional ``simulation:`` section: initial state and injected faults of the simulated ECU."""

from __future__ import annotations

import difflib
import re
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema, model_validator

from diagkit.codes import ServiceId
from diagkit.profile.catalogue import Reference
from diagkit.profile.problems import raise_findings
from diagkit.profile.values import FROZEN, Byte, Count, DtcNumber, Seconds, hex_text, parse_int

SimValue = str | int | float | bool


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


SERVICE_NAMES: dict[str, int] = {_snake(member.name): int(member) for member in ServiceId}
"""Service names as profiles write them (``read_data_by_identifier``) -> request SID."""


def service_id(service: str | int) -> int:
    """A request SID from a number or a name (``read_data_by_identifier`` or ``ECUReset``).

    ValueError naming the closest known service when the name is unknown.
    """
    if isinstance(service, int):
        return service
    wanted = re.sub(r"[^a-z0-9]", "", service.lower())
    for name, sid in SERVICE_NAMES.items():
        if name.replace("_", "") == wanted:
            return sid
    close = difflib.get_close_matches(service.lower(), SERVICE_NAMES, n=1)
    if close:
        raise ValueError(f"unknown service {service!r}; did you mean {close[0]!r}?")
    raise ValueError(f"unknown service {service!r}; known services: {', '.join(SERVICE_NAMES)}")


def parse_service(value: object) -> str | int:
    """A service by name (``read_data_by_identifier``) or by its request SID (``0x22``)."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        service_id(value)
        return value
    try:
        number = parse_int(value)
    except ValueError:
        raise ValueError(f"{value!r} is neither a service name nor a service id") from None
    if not 0 <= number <= 0xFF:
        raise ValueError(f"{hex_text(number)} is not a service id (0x00-0xFF)")
    return number


Service = Annotated[
    str | int,
    BeforeValidator(parse_service),
    WithJsonSchema(
        {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0, "maximum": 0xFF}]}
    ),
]


class SimulatedDtc(BaseModel):
    """A DTC the simulated ECU reports, with its ISO 14229 status byte."""

    model_config = FROZEN

    code: DtcNumber
    status: Byte = Field(
        default=0x09, description="DTC status byte (default: testFailed|confirmedDTC)"
    )


class Fault(BaseModel):
    """A misbehaviour injected into the simulated ECU's answers to one service (and DID)."""

    model_config = FROZEN

    service: Service = Field(description="service name or request SID the fault applies to")
    did: Reference | None = Field(
        default=None, description="only for this DID or routine (name or id)"
    )
    delay: Seconds | None = Field(default=None, description="answer only after this time")
    nrc: Byte | None = Field(default=None, description="answer with this negative response code")
    pending: Count | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="send exactly this many 0x78 first (default: as many as delay needs)",
    )
    pending_interval: Seconds | None = Field(
        default=None, description="time between the 0x78 (default: spread over delay)"
    )
    no_answer: bool = Field(default=False, description="do not answer at all")
    truncate: bool = Field(default=False, description="cut the answer short by one byte")
    wrong_sid: bool = Field(default=False, description="answer with another service's id")
    late: bool = Field(default=False, description="answer after the client's P2 expired")
    reset_after_blocks: Count | None = Field(
        default=None,
        ge=0,
        description="transfer_data only: reset, silently, when the block after this many arrives",
    )
    times: Count | None = Field(
        default=None, ge=1, description="apply to this many matching requests only (default: all)"
    )

    @model_validator(mode="after")
    def _check_reset(self) -> Fault:
        if (
            self.reset_after_blocks is not None
            and service_id(self.service) != ServiceId.TransferData
        ):
            raise_findings(
                [(("reset_after_blocks",), "only applies to service: transfer_data (0x36)")]
            )
        return self


class SimulationSection(BaseModel):
    """State and faults for the simulated ECU; ignored when talking to a real one."""

    model_config = FROZEN

    dids: dict[Reference, SimValue] = Field(
        default_factory=dict, description="initial DID values by DID name or id"
    )
    dtcs: tuple[SimulatedDtc, ...] = ()
    max_block_length: Count | None = Field(
        default=None,
        ge=3,
        le=0xFFFFFFFF,
        description="maxNumberOfBlockLength RequestDownload announces, SID and counter included",
    )
    faults: tuple[Fault, ...] = ()
