"""ReadDataByIdentifier (0x22): one or more DIDs per request (ISO 14229-1).

NRC order: 0x13 (length, too many DIDs), 0x31 (no requested DID readable in this session),
0x33 (a DID needs a security level that is locked), 0x14 (answer too long). As the standard
says, DIDs not supported in the active session are left out while at least one is.
"""

from __future__ import annotations

from diagkit.codes import Nrc
from diagkit.sim.faults import identifiers
from diagkit.sim.reply import Reply, negative, positive
from diagkit.sim.services.common import big, unlocked
from diagkit.sim.spec import SimEcuSpec, allowed
from diagkit.sim.state import SimState


def read_data_by_identifier(request: bytes, spec: SimEcuSpec, state: SimState, now: float) -> Reply:
    """``22 DID [DID...]`` -> ``62 DID data [DID data...]``."""
    sid = request[0]
    if len(request) < 3 or (len(request) - 1) % 2:
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    dids = identifiers(request)
    if spec.max_dids_per_read is not None and len(dids) > spec.max_dids_per_read:
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    readable = [
        did
        for did in dids
        if did in spec.dids and allowed(spec.dids[did].read_sessions, state.session)
    ]
    if not readable:
        return negative(sid, Nrc.requestOutOfRange)
    if not all(unlocked(state, spec.dids[did].read_security) for did in readable):
        return negative(sid, Nrc.securityAccessDenied)
    reply = positive(sid, *(big(did, 2) + state.dids[did] for did in readable))
    assert reply.response is not None
    if len(reply.response) > spec.max_response_length:
        return negative(sid, Nrc.responseTooLong)
    return reply
