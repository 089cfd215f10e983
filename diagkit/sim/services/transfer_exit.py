"""RequestTransferExit (0x37): close a complete download (ISO 14229-1).

0x24 requestSequenceError when no download is active or fewer bytes than the announced
memorySize arrived. An exit in the middle of a transfer is refused and changes nothing (the
download stays open, so the client can still complete it); a client abandoning a download ends
it by a session change (DiagnosticSessionControl, even to the active session) or an ECUReset.
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
