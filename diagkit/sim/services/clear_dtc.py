"""ClearDiagnosticInformation (0x14): clear one DTC or a group (ISO 14229-1).

Group 0xFFFFFF clears all DTCs. A cleared DTC loses its records and its status becomes 0x50
(testNotCompletedSinceLastClear and testNotCompletedThisOperationCycle).
"""

from __future__ import annotations

from diagkit.codes import Nrc
from diagkit.sim.reply import Reply, negative, positive
from diagkit.sim.spec import SimEcuSpec
from diagkit.sim.state import CLEARED_DTC_STATUS, SimState

ALL_GROUPS = 0xFFFFFF


def clear_diagnostic_information(
    request: bytes, spec: SimEcuSpec, state: SimState, now: float
) -> Reply:
    """``14 group(3) [memorySelection]`` -> ``54``."""
    sid = request[0]
    if len(request) not in (4, 5):
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    group = int.from_bytes(request[1:4], "big")
    if group != ALL_GROUPS and group not in state.dtcs:
        return negative(sid, Nrc.requestOutOfRange)
    for code, dtc in state.dtcs.items():
        if group in (ALL_GROUPS, code):
            dtc.status = CLEARED_DTC_STATUS & spec.dtc_availability_mask
            dtc.snapshots.clear()
            dtc.extended_data.clear()
    return positive(sid)
