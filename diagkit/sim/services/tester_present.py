"""TesterPresent (0x3E): keeps a non-default session alive (ISO 14229-1)."""

from __future__ import annotations

from diagkit.codes import Nrc
from diagkit.sim.reply import Reply, negative, positive
from diagkit.sim.services.common import check_subfunction
from diagkit.sim.spec import SimEcuSpec
from diagkit.sim.state import SimState

ZERO_SUBFUNCTION = 0x00


def tester_present(request: bytes, spec: SimEcuSpec, state: SimState, now: float) -> Reply:
    """``3E 00`` -> ``7E 00``; ``3E 80`` gets no answer (the S3 timer restarts either way)."""
    sid = request[0]
    nrc = check_subfunction(request, state, {ZERO_SUBFUNCTION: None})
    if nrc:
        return negative(sid, nrc)
    if len(request) != 2:
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    return positive(sid, ZERO_SUBFUNCTION)
