"""RoutineControl (0x31): start, stop and request results of configured routines (ISO 14229-1).

NRC order after the sub-function checks: 0x13 (shorter than SID + type + RID), 0x31 (unknown
RID or not allowed in this session), 0x33 (security), 0x12 (stop/results not offered by this
routine), 0x24 (stop/results before start), then what the routine's action answers.
"""

from __future__ import annotations

from diagkit.codes import Nrc
from diagkit.sim.reply import Reply, negative, positive
from diagkit.sim.services.common import check_subfunction, subfunction, unlocked
from diagkit.sim.spec import SimEcuSpec, allowed
from diagkit.sim.state import RoutineRun, SimState

START = 0x01
STOP = 0x02
RESULTS = 0x03


def routine_control(request: bytes, spec: SimEcuSpec, state: SimState, now: float) -> Reply:
    """``31 type RID [option]`` -> ``71 type RID [status]``."""
    sid = request[0]
    nrc = check_subfunction(request, state, {START: None, STOP: None, RESULTS: None})
    if nrc:
        return negative(sid, nrc)
    if len(request) < 4:
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    control, rid = subfunction(request), int.from_bytes(request[2:4], "big")
    routine = spec.routines.get(rid)
    if routine is None or not allowed(routine.sessions, state.session):
        return negative(sid, Nrc.requestOutOfRange)
    if not unlocked(state, routine.security):
        return negative(sid, Nrc.securityAccessDenied)
    if (control == STOP and not routine.stoppable) or (
        control == RESULTS and not routine.has_results
    ):
        return negative(sid, Nrc.subFunctionNotSupported)
    run = state.routines.get(rid)
    if control == STOP:
        if run is None or not run.running:
            return negative(sid, Nrc.requestSequenceError)
        run.running = False
        return positive(sid, control, request[2:4])
    if control == RESULTS:
        if run is None:
            return negative(sid, Nrc.requestSequenceError)
        return positive(sid, control, request[2:4], run.results)
    outcome = routine.action(request[4:], spec, state)
    if outcome.nrc is not None:
        return negative(sid, outcome.nrc)
    state.routines[rid] = RoutineRun(running=True, results=outcome.results)
    reply = positive(sid, control, request[2:4], outcome.status)
    return Reply(reply.response, busy=routine.duration)
