"""Masking SecurityAccess seeds and keys in a stream of CAN frames, before they reach a file.

Every byte after the sub-function of a SecurityAccess request (0x27: the key of sendKey, the
optional data of requestSeed) and of its positive response (0x67: the seed) is replaced by
:data:`MASK_BYTE`, whether the PDU is a single frame or a first frame and its consecutive
frames (ISO 15765-2 segmentation, followed per CAN id). PCI bytes, flow control, padding and
every other service pass unchanged, so the trace still decodes. 0xFF, not 0x00: an all-zero
seed means "already unlocked" (ISO 14229-1 10.4), which a masked seed must not claim.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from diagkit.trace.frame import TraceFrame

MASK_BYTE = 0xFF
SECRET_SIDS = frozenset((0x27, 0x67))  # SecurityAccess request and positive response
_KEEP = 2  # the SID and the sub-function stay readable


@dataclass
class _Transfer:
    """A segmented SecurityAccess PDU being masked: bytes seen so far of its total length."""

    seen: int
    total: int


class SecretMasker:
    """Masks seeds and keys frame by frame; one per trace, it remembers segmented transfers.

    ``prefix`` maps ``(arbitration_id, is_extended_id)`` to the number of address bytes before
    the PCI on that id (1 for extended and mixed addressing, default 0).
    """

    def __init__(self, prefix: Mapping[tuple[int, bool], int] | None = None) -> None:
        self._prefix = dict(prefix or {})
        self._transfers: dict[tuple[int, bool], _Transfer] = {}

    def mask(self, frame: TraceFrame) -> TraceFrame:
        """The frame with secret bytes replaced (the same object when nothing is secret)."""
        key = (frame.arbitration_id, frame.is_extended_id)
        data = bytearray(frame.data)
        pci = self._prefix.get(key, 0)
        if len(data) <= pci:
            return frame
        kind = data[pci] >> 4
        if kind == 0:  # single frame; a zero length nibble is the CAN FD escape
            length, start = (data[pci] & 0x0F, pci + 1)
            if length == 0 and len(data) > pci + 1:
                length, start = data[pci + 1], pci + 2
            self._transfers.pop(key, None)
            end = min(start + length, len(data))
            if length > 0 and data[start] in SECRET_SIDS:
                data[start + _KEEP : end] = bytes([MASK_BYTE]) * max(end - start - _KEEP, 0)
        elif kind == 1:  # first frame: 12-bit length, or 0 then 32-bit (ISO 15765-2:2016)
            if len(data) < pci + 2:
                return frame
            length, start = ((data[pci] & 0x0F) << 8) | data[pci + 1], pci + 2
            if length == 0 and len(data) >= pci + 6:
                length, start = int.from_bytes(data[pci + 2 : pci + 6], "big"), pci + 6
            self._transfers.pop(key, None)
            if start < len(data) and data[start] in SECRET_SIDS:
                end = min(len(data), start + length)
                data[start + _KEEP : end] = bytes([MASK_BYTE]) * max(end - start - _KEEP, 0)
                self._transfers[key] = _Transfer(seen=end - start, total=length)
        elif kind == 2:  # consecutive frame of a transfer being masked
            transfer = self._transfers.get(key)
            if transfer is None:
                return frame
            start = pci + 1
            count = min(len(data) - start, transfer.total - transfer.seen)
            data[start : start + count] = bytes([MASK_BYTE]) * count
            transfer.seen += count
            if transfer.seen >= transfer.total:
                del self._transfers[key]
        if bytes(data) == frame.data:
            return frame
        return frame.with_data(bytes(data))
