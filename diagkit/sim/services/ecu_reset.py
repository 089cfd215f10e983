"""ECUReset (0x11): answer, then reset; the ECU is silent for ``reset_time`` (ISO 14229-1)."""

from __future__ import annotations

from diagkit.codes import Nrc
from diagkit.sim.reply import Reply, negative, positive
from diagkit.sim.services.common import check_subfunction, subfunction
from diagkit.sim.spec import SimEcuSpec
from diagkit.sim.state import SimState

ENABLE_RAPID_POWER_SHUTDOWN = 0x04
POWER_DOWN_TIME_NOT_AVAILABLE = 0xFF


def ecu_reset(request: bytes, spec: SimEcuSpec, state: SimState, now: float) -> Reply:
    """``11 type`` -> ``51 type`` (plus powerDownTime for enableRapidPowerShutDown)."""
    sid = request[0]
    nrc = check_subfunction(request, state, dict.fromkeys(spec.reset_types))
    if nrc:
        return negative(sid, nrc)
    if len(request) != 2:
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    reset_type = subfunction(request)
    if reset_type == ENABLE_RAPID_POWER_SHUTDOWN:
        return positive(sid, reset_type, POWER_DOWN_TIME_NOT_AVAILABLE)
    state.power_cycle(spec, now)
    return positive(sid, reset_type)
