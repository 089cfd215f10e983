"""WriteDataByIdentifier (0x2E): write one DID's record (ISO 14229-1).

NRC order: 0x13 (shorter than SID + DID + one byte), 0x31 (DID unknown, read-only or not
writable in this session), 0x33 (security), 0x13 (record length wrong for the DID),
0x31 (value refused by the DID's validator).
"""

from __future__ import annotations

from diagkit.codes import Nrc
from diagkit.sim.reply import Reply, negative, positive
from diagkit.sim.services.common import unlocked
from diagkit.sim.spec import SimEcuSpec, allowed
from diagkit.sim.state import SimState


def write_data_by_identifier(
    request: bytes, spec: SimEcuSpec, state: SimState, now: float
) -> Reply:
    """``2E DID data`` -> ``6E DID``."""
    sid = request[0]
    if len(request) < 4:
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    did = int.from_bytes(request[1:3], "big")
    record = request[3:]
    did_spec = spec.dids.get(did)
    if (
        did_spec is None
        or not did_spec.writable
        or not allowed(did_spec.write_sessions, state.session)
    ):
        return negative(sid, Nrc.requestOutOfRange)
    if not unlocked(state, did_spec.write_security):
        return negative(sid, Nrc.securityAccessDenied)
    if not did_spec.variable_length and len(record) != len(did_spec.value):
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    if did_spec.validate is not None and not did_spec.validate(record):
        return negative(sid, Nrc.requestOutOfRange)
    state.dids[did] = bytes(record)
    return positive(sid, request[1:3])
