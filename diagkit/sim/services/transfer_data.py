"""TransferData (0x36): one block of an active download (ISO 14229-1).

The block sequence counter starts at 0x01 and wraps from 0xFF to 0x00. A repeated block (the
previous counter again, e.g. after a lost response) is answered positively and not written
twice. NRC order: 0x13 (no counter), 0x24 (no download active), 0x73 (wrong counter), 0x13
(block longer than maxNumberOfBlockLength), 0x71 (more data than the announced memorySize;
the download is aborted).
"""

from __future__ import annotations

from diagkit.codes import Nrc
from diagkit.sim.reply import Reply, negative, positive
from diagkit.sim.spec import SimEcuSpec
from diagkit.sim.state import SimState


def transfer_data(request: bytes, spec: SimEcuSpec, state: SimState, now: float) -> Reply:
    """``36 counter data`` -> ``76 counter``."""
    sid = request[0]
    if len(request) < 2:
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    transfer = state.transfer
    if transfer is None:
        return negative(sid, Nrc.requestSequenceError)
    counter, data = request[1], request[2:]
    if transfer.blocks and counter == transfer.last_counter:
        return positive(sid, counter)
    if counter != (transfer.last_counter + 1) & 0xFF:
        return negative(sid, Nrc.wrongBlockSequenceCounter)
    if len(request) > spec.max_block_length:
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    if transfer.received + len(data) > transfer.size:
        state.transfer = None
        return negative(sid, Nrc.transferDataSuspended)
    start = transfer.address - transfer.region.address + transfer.received
    state.memory[transfer.region.name][start : start + len(data)] = data
    transfer.received += len(data)
    transfer.last_counter = counter
    transfer.blocks += 1
    return positive(sid, counter)
