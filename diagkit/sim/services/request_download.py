"""RequestDownload (0x34): open a download into the memory image (ISO 14229-1).

NRC order: 0x13 (too short), 0x31 (dataFormatIdentifier other than 0x00, i.e. compression or
encryption; bad addressAndLengthFormatIdentifier), 0x13 (length does not match it), 0x31
(range outside every region, or empty), 0x33 (region needs security), 0x22 (a transfer is
already active), 0x70 (region is read-only).
"""

from __future__ import annotations

from diagkit.codes import Nrc
from diagkit.sim.reply import Reply, negative, positive
from diagkit.sim.routines import parse_address_and_size
from diagkit.sim.services.common import big, unlocked
from diagkit.sim.spec import SimEcuSpec
from diagkit.sim.state import SimState, Transfer

PLAIN_DATA_FORMAT = 0x00


def request_download(request: bytes, spec: SimEcuSpec, state: SimState, now: float) -> Reply:
    """``34 DFI ALFID address size`` -> ``74 LFID maxNumberOfBlockLength``."""
    sid = request[0]
    if len(request) < 5:
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    if request[1] != PLAIN_DATA_FORMAT:
        return negative(sid, Nrc.requestOutOfRange)
    alfid = request[2]
    if not (1 <= alfid & 0x0F <= 4 and 1 <= alfid >> 4 <= 4):
        return negative(sid, Nrc.requestOutOfRange)
    parsed = parse_address_and_size(request[2:])
    if parsed is None:
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    address, size = parsed
    region = spec.region_for(address, size)
    if region is None or size == 0:
        return negative(sid, Nrc.requestOutOfRange)
    if not unlocked(state, region.security):
        return negative(sid, Nrc.securityAccessDenied)
    if state.transfer is not None:
        return negative(sid, Nrc.conditionsNotCorrect)
    if not region.writable:
        return negative(sid, Nrc.uploadDownloadNotAccepted)
    state.transfer = Transfer(region=region, address=address, size=size)
    width = 2 if spec.max_block_length <= 0xFFFF else 4
    return positive(sid, width << 4, big(spec.max_block_length, width))
