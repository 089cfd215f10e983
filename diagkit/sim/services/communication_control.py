"""CommunicationControl (0x28): switch normal/NM message rx and tx (ISO 14229-1).

Control types 0x00-0x03 take a communicationType byte whose two low bits select normal (1),
network management (2) or both (3) messages; zero there is out of range.
"""

from __future__ import annotations

from diagkit.codes import Nrc
from diagkit.sim.reply import Reply, negative, positive
from diagkit.sim.services.common import check_subfunction, subfunction
from diagkit.sim.spec import SimEcuSpec
from diagkit.sim.state import SimState

CONTROL_TYPES = (0x00, 0x01, 0x02, 0x03)


def communication_control(request: bytes, spec: SimEcuSpec, state: SimState, now: float) -> Reply:
    """``28 controlType communicationType`` -> ``68 controlType``."""
    sid = request[0]
    nrc = check_subfunction(request, state, dict.fromkeys(CONTROL_TYPES))
    if nrc:
        return negative(sid, nrc)
    if len(request) != 3:
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    communication_type = request[2]
    if communication_type & 0x03 == 0:
        return negative(sid, Nrc.requestOutOfRange)
    control = subfunction(request)
    state.communication = (control, communication_type)
    return positive(sid, control)
