"""ReadDTCInformation (0x19): report types 0x01, 0x02, 0x04, 0x06 and 0x0A (ISO 14229-1).

DTCs are 3 bytes, each followed by its status byte; a DTC matches a status mask when
``status & mask & availability`` is not zero. Record number 0xFF asks for all records.
"""

from __future__ import annotations

from collections.abc import Callable

from diagkit.codes import Nrc
from diagkit.sim.reply import Reply, negative, positive
from diagkit.sim.services.common import big, check_subfunction, subfunction
from diagkit.sim.spec import SimEcuSpec
from diagkit.sim.state import DtcState, SimState

ALL_RECORDS = 0xFF
ALL_OBD_RECORDS = 0xFE


def read_dtc_information(request: bytes, spec: SimEcuSpec, state: SimState, now: float) -> Reply:
    """Dispatch on reportType after the sub-function and length checks."""
    sid = request[0]
    nrc = check_subfunction(request, state, dict.fromkeys(_REPORTS))
    if nrc:
        return negative(sid, nrc)
    length, report = _REPORTS[subfunction(request)]
    if len(request) != length:
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    return report(request, spec, state)


def _matching(spec: SimEcuSpec, state: SimState, mask: int) -> list[tuple[int, DtcState]]:
    wanted = mask & spec.dtc_availability_mask
    return [(code, dtc) for code, dtc in sorted(state.dtcs.items()) if dtc.status & wanted]


def _number_by_status_mask(request: bytes, spec: SimEcuSpec, state: SimState) -> Reply:
    """``19 01 mask`` -> ``59 01 availability format count(2)``."""
    count = len(_matching(spec, state, request[2]))
    return positive(request[0], 0x01, spec.dtc_availability_mask, spec.dtc_format, big(count, 2))


def _by_status_mask(request: bytes, spec: SimEcuSpec, state: SimState) -> Reply:
    """``19 02 mask`` -> ``59 02 availability [DTC(3) status]...``."""
    matching = _matching(spec, state, request[2])
    records = (big(code, 3) + bytes([dtc.status]) for code, dtc in matching)
    return positive(request[0], 0x02, spec.dtc_availability_mask, *records)


def _supported(request: bytes, spec: SimEcuSpec, state: SimState) -> Reply:
    """``19 0A`` -> ``59 0A availability [DTC(3) status]...`` for every supported DTC."""
    records = (big(code, 3) + bytes([dtc.status]) for code, dtc in sorted(state.dtcs.items()))
    return positive(request[0], 0x0A, spec.dtc_availability_mask, *records)


def _snapshot(request: bytes, spec: SimEcuSpec, state: SimState) -> Reply:
    """``19 04 DTC(3) rec`` -> ``59 04 DTC status [rec count [DID(2) data]...]...``."""
    sid, code, number = request[0], int.from_bytes(request[2:5], "big"), request[5]
    dtc_spec = spec.dtcs.get(code)
    if dtc_spec is None or (number != ALL_RECORDS and number not in dtc_spec.snapshots):
        return negative(sid, Nrc.requestOutOfRange)
    dtc = state.dtcs[code]
    out = bytearray()
    for rec in sorted(dtc.snapshots):
        if number in (ALL_RECORDS, rec):
            pairs = dtc.snapshots[rec]
            out += bytes([rec, len(pairs)])
            for did, data in pairs:
                out += big(did, 2) + data
    return positive(sid, 0x04, request[2:5], dtc.status, bytes(out))


def _extended_data(request: bytes, spec: SimEcuSpec, state: SimState) -> Reply:
    """``19 06 DTC(3) rec`` -> ``59 06 DTC status [rec data]...``."""
    sid, code, number = request[0], int.from_bytes(request[2:5], "big"), request[5]
    dtc_spec = spec.dtcs.get(code)
    if dtc_spec is None or (
        number not in (ALL_RECORDS, ALL_OBD_RECORDS) and number not in dtc_spec.extended_data
    ):
        return negative(sid, Nrc.requestOutOfRange)
    dtc = state.dtcs[code]
    out = bytearray()
    for rec in sorted(dtc.extended_data):
        obd = 0x90 <= rec <= 0xEF
        if number in (rec, ALL_RECORDS) or (number == ALL_OBD_RECORDS and obd):
            out += bytes([rec]) + dtc.extended_data[rec]
    return positive(sid, 0x06, request[2:5], dtc.status, bytes(out))


_Report = Callable[[bytes, SimEcuSpec, SimState], Reply]
_REPORTS: dict[int, tuple[int, _Report]] = {
    0x01: (3, _number_by_status_mask),
    0x02: (3, _by_status_mask),
    0x04: (6, _snapshot),
    0x06: (6, _extended_data),
    0x0A: (2, _supported),
}
