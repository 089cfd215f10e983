"""DiagnosticSessionControl (0x10): switch session and announce P2/P2* (ISO 14229-1).

Every accepted request is a session transition, even to the active session: security locks
again and an active download ends (see :meth:`SimState.enter_session`).
"""

from __future__ import annotations

from diagkit.codes import Nrc
from diagkit.sim.reply import Reply, negative, positive
from diagkit.sim.services.common import big, subfunction
from diagkit.sim.spec import SimEcuSpec, allowed
from diagkit.sim.state import SimState


def diagnostic_session_control(
    request: bytes, spec: SimEcuSpec, state: SimState, now: float
) -> Reply:
    """``10 type`` -> ``50 type P2(ms, 2 bytes) P2*(10 ms, 2 bytes)``."""
    sid = request[0]
    target = subfunction(request)
    if target not in spec.sessions:
        return negative(sid, Nrc.subFunctionNotSupported)
    if not allowed(spec.sessions[target], state.session):
        return negative(sid, Nrc.subFunctionNotSupportedInActiveSession)
    if len(request) != 2:
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    state.enter_session(target)
    p2 = big(round(spec.p2 * 1000), 2)
    p2_star = big(round(spec.p2_star * 100), 2)
    return positive(sid, target, p2, p2_star)
