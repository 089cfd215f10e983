"""What a simulated routine does when started: fixed answers, erase memory, check a checksum.

A :data:`RoutineAction` gets the routineControlOptionRecord and may change the ECU state; its
:class:`RoutineOutcome` carries the status record of the start response (routineInfo and
routineStatusRecord as the ECU sends them), the record requestRoutineResults reports later,
or an NRC refusing the start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from diagkit.codes import Nrc
from diagkit.profile.catalogue import RegionChecksum
from diagkit.sim.spec import MemoryRegionSpec, SimEcuSpec
from diagkit.sim.state import SimState

ROUTINE_OK = b"\x00"
ROUTINE_FAILED = b"\x01"


@dataclass(frozen=True)
class RoutineOutcome:
    """The start response's status record, the later results record, or a refusing NRC."""

    status: bytes = b""
    results: bytes = b""
    nrc: int | None = None


RoutineAction = Callable[[bytes, SimEcuSpec, SimState], RoutineOutcome]
"""``(option_record, spec, state) -> RoutineOutcome``; runs when the routine is started."""


def fixed(status: bytes = b"", results: bytes = ROUTINE_OK) -> RoutineAction:
    """A routine that accepts any option record and always answers the same."""

    def action(option: bytes, spec: SimEcuSpec, state: SimState) -> RoutineOutcome:
        return RoutineOutcome(status, results)

    return action


def erase_memory(region: str | None = None) -> RoutineAction:
    """Erase ``region`` (to its fill byte), or the range the option record names.

    The option record, when given, is addressAndLengthFormatIdentifier + address + size (as in
    RequestDownload); the range must lie inside one region, else 0x31.
    """

    def action(option: bytes, spec: SimEcuSpec, state: SimState) -> RoutineOutcome:
        if option:
            parsed = parse_address_and_size(option)
            if parsed is None:
                return RoutineOutcome(nrc=Nrc.incorrectMessageLengthOrInvalidFormat)
            address, size = parsed
            target = spec.region_for(address, size)
        else:
            target = _region_named(spec, region)
            address, size = (target.address, target.size) if target else (0, 0)
        if target is None or not target.writable:
            return RoutineOutcome(nrc=Nrc.requestOutOfRange)
        start = address - target.address
        state.memory[target.name][start : start + size] = bytes([target.fill]) * size
        return RoutineOutcome(ROUTINE_OK, ROUTINE_OK)

    return action


def check_crc32(region: str, checksum: RegionChecksum | None = None) -> RoutineAction:
    """Check ``region`` as ``checksum`` says (default: CRC-32 of the whole region, the 4-byte
    big-endian value alone as option record).

    With ``record: address_size_checksum`` the record is ALFID + address + size + value; the
    range must be the whole region (``covers: region``) or lie inside it (``covers: image``),
    else 0x31. Status 0x00 means the content matches, 0x01 that it does not; a record of the
    wrong length is 0x13.
    """
    setting = checksum if checksum is not None else RegionChecksum()

    def action(option: bytes, spec: SimEcuSpec, state: SimState) -> RoutineOutcome:
        target = _region_named(spec, region)
        if target is None:
            return RoutineOutcome(nrc=Nrc.conditionsNotCorrect)
        bare = setting.record == "checksum"
        if (bare and len(option) != setting.size) or (not bare and len(option) <= setting.size):
            return RoutineOutcome(nrc=Nrc.incorrectMessageLengthOrInvalidFormat)
        expected = option[-setting.size :]
        start, size = 0, target.size
        if setting.record == "address_size_checksum":
            parsed = parse_address_and_size(option[: -setting.size])
            if parsed is None:
                return RoutineOutcome(nrc=Nrc.incorrectMessageLengthOrInvalidFormat)
            address, size = parsed
            whole = (address, size) == (target.address, target.size)
            if not target.contains(address, size) or (setting.covers == "region" and not whole):
                return RoutineOutcome(nrc=Nrc.requestOutOfRange)
            start = address - target.address
        actual = setting.compute(state.memory[target.name][start : start + size])
        verdict = ROUTINE_OK if actual == expected else ROUTINE_FAILED
        return RoutineOutcome(verdict, verdict)

    return action


def parse_address_and_size(data: bytes) -> tuple[int, int] | None:
    """``ALFID address size`` -> (address, size), or None when lengths do not add up.

    The ALFID's low nibble is the address length, its high nibble the size length (1-4 each,
    per ISO 14229-1 memoryAddress/memorySize).
    """
    if not data:
        return None
    address_len, size_len = data[0] & 0x0F, data[0] >> 4
    if not (1 <= address_len <= 4 and 1 <= size_len <= 4):
        return None
    if len(data) != 1 + address_len + size_len:
        return None
    address = int.from_bytes(data[1 : 1 + address_len], "big")
    size = int.from_bytes(data[1 + address_len :], "big")
    return address, size


def _region_named(spec: SimEcuSpec, name: str | None) -> MemoryRegionSpec | None:
    for candidate in spec.memory:
        if name is None or candidate.name == name:
            return candidate
    return None
