"""ISO 15765-2 addressing: which CAN ids and extension bytes one ISO-TP channel uses.

Modes and names follow python-can-isotp's ``isotp.Address``. Derived 29-bit ids are those of
ISO 15765-2 (normal fixed: 0x18DA_TA_SA physical, 0x18DB_TA_SA functional; mixed 29-bit:
0x18CE_TA_SA physical, 0x18CD_TA_SA functional; priority 6, J1939-style PDU1 layout); responses
come back physically with TA and SA swapped. In extended mode the target address is the first
data byte of sent frames and the source address the first byte of received frames; in mixed
mode the address extension byte is first in both directions.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from diagkit.errors import ConfigurationError
from diagkit.transport.options import Flags, require_int, require_u8

CAN_EFF_FLAG = 0x80000000
CAN_SFF_MASK = 0x7FF
CAN_EFF_MASK = 0x1FFFFFFF

NORMAL_FIXED_PHYSICAL = 0xDA
NORMAL_FIXED_FUNCTIONAL = 0xDB
MIXED_29_PHYSICAL = 0xCE
MIXED_29_FUNCTIONAL = 0xCD
PRIORITY_6 = 0x18  # priority 6 in bits 28..26 of the 29-bit id, as ISO 15765-2 fixes it


class AddressingMode(enum.Enum):
    """The seven ISO 15765-2 addressing modes (python-can-isotp's names and values)."""

    Normal_11bits = 0
    Normal_29bits = 1
    NormalFixed_29bits = 2
    Extended_11bits = 3
    Extended_29bits = 4
    Mixed_11bits = 5
    Mixed_29bits = 6


class TargetAddressType(enum.Enum):
    """Physical (1 to 1) or functional (1 to n) target."""

    Physical = 0
    Functional = 1


_USES_IDS = {
    AddressingMode.Normal_11bits,
    AddressingMode.Normal_29bits,
    AddressingMode.Extended_11bits,
    AddressingMode.Extended_29bits,
    AddressingMode.Mixed_11bits,
}
_USES_TA_SA = {
    AddressingMode.NormalFixed_29bits,
    AddressingMode.Extended_11bits,
    AddressingMode.Extended_29bits,
    AddressingMode.Mixed_29bits,
}
_USES_AE = {AddressingMode.Mixed_11bits, AddressingMode.Mixed_29bits}
_IS_29BIT = {
    AddressingMode.Normal_29bits,
    AddressingMode.NormalFixed_29bits,
    AddressingMode.Extended_29bits,
    AddressingMode.Mixed_29bits,
}


@dataclass(frozen=True)
class Address:
    """One ISO-TP address: the ids (and extension bytes) to send with and to receive on.

    ``txid``/``rxid`` are bare 11- or 29-bit CAN ids (no CAN_EFF_FLAG) for the normal, extended
    and mixed 11-bit modes; ``target_address``/``source_address`` are the TA/SA bytes for normal
    fixed, extended and mixed 29-bit modes; ``address_extension`` is the AE byte of mixed modes.
    """

    addressing_mode: AddressingMode = AddressingMode.Normal_11bits
    txid: int | None = None
    rxid: int | None = None
    target_address: int | None = None
    source_address: int | None = None
    address_extension: int | None = None
    target_type: TargetAddressType = TargetAddressType.Physical

    def __post_init__(self) -> None:
        mode = self.addressing_mode
        if not isinstance(mode, AddressingMode):
            raise ConfigurationError(
                f"addressing_mode must be an AddressingMode "
                f"({', '.join(m.name for m in AddressingMode)}), got {mode!r}"
            )
        if not isinstance(self.target_type, TargetAddressType):
            raise ConfigurationError(
                f"target_type must be TargetAddressType.Physical or .Functional, "
                f"got {self.target_type!r}"
            )
        self._require_fields("txid", self.txid, mode in _USES_IDS)
        self._require_fields("rxid", self.rxid, mode in _USES_IDS)
        self._require_fields("target_address", self.target_address, mode in _USES_TA_SA)
        self._require_fields("source_address", self.source_address, mode in _USES_TA_SA)
        self._require_fields("address_extension", self.address_extension, mode in _USES_AE)
        high = CAN_EFF_MASK if mode in _IS_29BIT else CAN_SFF_MASK
        bits = "29" if mode in _IS_29BIT else "11"
        for name in ("txid", "rxid"):
            value = getattr(self, name)
            if value is not None:
                require_int(f"{name} ({bits}-bit CAN id, {mode.name})", value, 0, high, hex_width=3)
        for name in ("target_address", "source_address", "address_extension"):
            value = getattr(self, name)
            if value is not None:
                require_u8(name, value)
        if self.target_type is TargetAddressType.Physical and self.tx_id == self.rx_id:
            raise ConfigurationError(
                f"tx id and rx id must differ for a physical address (the kernel refuses equal "
                f"ids with EADDRNOTAVAIL), got 0x{self.tx_id:X} for both"
            )

    def _require_fields(self, name: str, value: int | None, used: bool) -> None:
        mode = self.addressing_mode.name
        if used and value is None:
            raise ConfigurationError(f"{name} is required for {mode} addressing, got None")
        if not used and value is not None:
            raise ConfigurationError(
                f"{name} is not used by {mode} addressing and must be None, got {value!r}"
            )

    @property
    def is_29bit(self) -> bool:
        """True when the CAN ids are 29-bit (extended frame format)."""
        return self.addressing_mode in _IS_29BIT

    @property
    def tx_id(self) -> int:
        """The bare CAN id frames are sent with (derived from TA/SA in fixed/mixed 29-bit)."""
        if self.txid is not None:
            return self.txid
        assert self.target_address is not None and self.source_address is not None
        if self.addressing_mode is AddressingMode.NormalFixed_29bits:
            pf = (
                NORMAL_FIXED_FUNCTIONAL
                if self.target_type is TargetAddressType.Functional
                else NORMAL_FIXED_PHYSICAL
            )
        else:
            pf = (
                MIXED_29_FUNCTIONAL
                if self.target_type is TargetAddressType.Functional
                else MIXED_29_PHYSICAL
            )
        return (PRIORITY_6 << 24) | (pf << 16) | (self.target_address << 8) | self.source_address

    @property
    def rx_id(self) -> int:
        """The bare CAN id frames are received on (responses are physical: SA and TA swapped)."""
        if self.rxid is not None:
            return self.rxid
        assert self.target_address is not None and self.source_address is not None
        pf = (
            NORMAL_FIXED_PHYSICAL
            if self.addressing_mode is AddressingMode.NormalFixed_29bits
            else MIXED_29_PHYSICAL
        )
        return (PRIORITY_6 << 24) | (pf << 16) | (self.source_address << 8) | self.target_address

    @property
    def tx_ext_address(self) -> int | None:
        """The byte put first in every sent frame (extended: TA, mixed: AE), or None."""
        if self.addressing_mode in (AddressingMode.Extended_11bits, AddressingMode.Extended_29bits):
            return self.target_address
        return self.address_extension

    @property
    def rx_ext_address(self) -> int | None:
        """The byte expected first in every received frame (extended: SA, mixed: AE), or None."""
        if self.addressing_mode in (AddressingMode.Extended_11bits, AddressingMode.Extended_29bits):
            return self.source_address
        return self.address_extension

    @property
    def kernel_tx_id(self) -> int:
        """``tx_id`` as the kernel takes it: 29-bit ids carry CAN_EFF_FLAG (0x80000000)."""
        return self.tx_id | CAN_EFF_FLAG if self.is_29bit else self.tx_id

    @property
    def kernel_rx_id(self) -> int:
        """``rx_id`` as the kernel takes it: 29-bit ids carry CAN_EFF_FLAG (0x80000000)."""
        return self.rx_id | CAN_EFF_FLAG if self.is_29bit else self.rx_id

    @property
    def kernel_flags(self) -> Flags:
        """Flags this mode needs: EXTEND_ADDR with an extension byte, RX_EXT_ADDR if rx differs."""
        if self.tx_ext_address is None:
            return Flags(0)
        if self.rx_ext_address != self.tx_ext_address:
            return Flags.EXTEND_ADDR | Flags.RX_EXT_ADDR
        return Flags.EXTEND_ADDR

    def functional(self) -> Address:
        """The functional counterpart: same TA/SA, functional ids (normal fixed, mixed 29-bit).

        Normal, extended and mixed 11-bit addressing define no functional id (it is a separate
        CAN id, typically 0x7DF); build that address yourself with
        ``target_type=TargetAddressType.Functional``.
        """
        if self.target_type is TargetAddressType.Functional:
            return self
        if self.addressing_mode not in (
            AddressingMode.NormalFixed_29bits,
            AddressingMode.Mixed_29bits,
        ):
            raise ConfigurationError(
                f"{self.addressing_mode.name} addressing defines no functional CAN id: create "
                "Address(..., txid=<functional id, e.g. 0x7DF>, rxid=<response id>, "
                "target_type=TargetAddressType.Functional)"
            )
        return Address(
            self.addressing_mode,
            target_address=self.target_address,
            source_address=self.source_address,
            address_extension=self.address_extension,
            target_type=TargetAddressType.Functional,
        )

    def __str__(self) -> str:
        width = 8 if self.is_29bit else 3
        mode = self.addressing_mode.name
        text = f"{mode} tx 0x{self.tx_id:0{width}X} rx 0x{self.rx_id:0{width}X}"
        if self.tx_ext_address is not None:
            text += f" ext 0x{self.tx_ext_address:02X}/0x{self.rx_ext_address:02X}"
        if self.target_type is TargetAddressType.Functional:
            text += " functional"
        return text
