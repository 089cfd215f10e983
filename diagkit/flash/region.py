"""Where a download goes and how the ECU wants it: a region with its routines and formats.

:meth:`FlashRegion.from_profile` reads a profile's ``memory:`` entry, resolves its erase and
checksum routines to ids, takes the session and security level those routines need, and the
checksum setting (algorithm, covered bytes, option record layout) its check routine expects.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from diagkit.errors import ConfigurationError
from diagkit.profile.catalogue import RegionChecksum

if TYPE_CHECKING:
    from diagkit.profile import EcuProfile
    from diagkit.profile.catalogue import Routine

DEFAULT_SESSION = 0x01
PROGRAMMING_SESSION = 0x02
_FORMAT_BITS = (8, 16, 24, 32, 40)


@dataclass(frozen=True, kw_only=True)
class FlashRegion:
    """A memory region to download into.

    ``size`` None means "as large as the data". ``erase_routine``/``check_routine`` are
    RoutineControl ids (None: that step is skipped). ``session``/``security_level``, when set,
    are entered/unlocked before erasing. ``address_bits``/``size_bits`` fix the widths of
    memoryAddress and memorySize (the profile's ``server_address_format`` /
    ``server_memorysize_format``); None uses the fewest bytes that hold the value.
    ``checksum`` says what the check routine computes (by default CRC-32 of the whole region,
    sent alone) and ``erased_value`` what bytes the image does not cover hold after erasing.
    """

    address: int
    size: int | None = None
    name: str = ""
    erase_routine: int | None = None
    check_routine: int | None = None
    session: int | None = None
    security_level: int | None = None
    address_bits: int | None = None
    size_bits: int | None = None
    checksum: RegionChecksum = dataclasses.field(default_factory=RegionChecksum)
    erased_value: int = 0xFF

    def __post_init__(self) -> None:
        if self.address < 0 or (self.size is not None and self.size <= 0):
            raise ConfigurationError(
                f"region {self.label}: address must be >= 0 and size > 0, "
                f"got 0x{self.address:X} and {self.size}"
            )
        for field, bits in (("address_bits", self.address_bits), ("size_bits", self.size_bits)):
            if bits is not None and bits not in _FORMAT_BITS:
                raise ConfigurationError(
                    f"region {self.label}: {field} must be one of {_FORMAT_BITS}, got {bits}"
                )
        if not 0 <= self.erased_value <= 0xFF:
            raise ConfigurationError(
                f"region {self.label}: erased_value must be one byte, got {self.erased_value!r}"
            )

    @property
    def label(self) -> str:
        """How messages name the region: its name, else its address."""
        return self.name or f"0x{self.address:X}"

    @classmethod
    def from_profile(cls, profile: EcuProfile, name: str) -> FlashRegion:
        """The region ``name`` of ``profile``'s ``memory:`` section, ready for :func:`flash`.

        The session is the erase (else checksum) routine's, else programming (0x02); the
        security level is the erase (else checksum) routine's, as the simulated ECU has it.
        """
        found = next((r for r in profile.memory if r.name == name), None)
        if found is None:
            known = ", ".join(r.name for r in profile.memory) or "none"
            raise ConfigurationError(
                f"profile {profile.name} has no memory region {name!r} (regions: {known})"
            )
        erase = _routine(profile, found.erase_routine)
        check = _routine(profile, found.checksum_routine)
        routines = [r for r in (erase, check) if r is not None]
        session = next((r.session for r in routines if r.session is not None), None)
        level = next((r.security_level for r in routines if r.security_level is not None), None)
        return cls(
            address=found.address,
            size=found.size,
            name=found.name,
            erase_routine=None if erase is None else erase.id,
            check_routine=None if check is None else check.id,
            session=PROGRAMMING_SESSION if session is None else session,
            security_level=level,
            address_bits=profile.uds.server_address_format,
            size_bits=profile.uds.server_memorysize_format,
            checksum=found.checksum,
            erased_value=found.erased_value,
        )

    def address_and_size(self, address: int, size: int) -> bytes:
        """``addressAndLengthFormatIdentifier memoryAddress memorySize`` (ISO 14229-1).

        The ALFID's high nibble is the memorySize length, its low nibble the memoryAddress
        length, in bytes.
        """
        address_len = _length("memoryAddress", address, self.address_bits)
        size_len = _length("memorySize", size, self.size_bits)
        return (
            bytes([size_len << 4 | address_len])
            + address.to_bytes(address_len, "big")
            + size.to_bytes(size_len, "big")
        )


def _length(what: str, value: int, bits: int | None) -> int:
    if bits is None:
        return max(1, (value.bit_length() + 7) // 8)
    if value >= 1 << bits:
        raise ConfigurationError(f"{what} 0x{value:X} does not fit the {bits}-bit format")
    return bits // 8


def _routine(profile: EcuProfile, ref: str | int | None) -> Routine | None:
    if ref is None:
        return None
    for routine in profile.routines:
        if ref in (routine.id, routine.name):
            return routine
    raise ConfigurationError(f"profile {profile.name}: no routine {ref!r}")
