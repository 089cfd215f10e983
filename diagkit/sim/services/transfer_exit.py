"""RequestTransferExit (0x37): close a complete download (ISO 14229-1).

0x24 when no download is active or fewer bytes than the announced memorySize arrived; the
download then stays open so the client can still complete it.
"""

from __future__ import annotations

from diagkit.codes import Nrc
from diagkit.sim.reply import Reply, negative, positive
from diagkit.sim.spec import SimEcuSpec
from diagkit.sim.state import SimState


def request_transfer_exit(request: bytes, spec: SimEcuSpec, state: SimState, now: float) -> Reply:
    """``37 [record]`` -> ``77``."""
    sid = request[0]
    transfer = state.transfer
    if transfer is None or transfer.received < transfer.size:
        return negative(sid, Nrc.requestSequenceError)
    state.transfer = None
    return positive(sid)
