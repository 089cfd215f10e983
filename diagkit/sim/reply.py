"""What the protocol logic answers to one request, and when each byte goes on the wire.

A :class:`Reply` is the answer plus timing hints; :func:`schedule` turns it into the exact list of
PDUs and their send times (0x78 pendings included), so the serving loop only has to wait and send.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from diagkit.codes import NEGATIVE_RESPONSE_SID, POSITIVE_RESPONSE_OFFSET, Nrc


@dataclass(frozen=True)
class Reply:
    """The answer to one request: ``response`` (None: stay silent) and how to deliver it.

    ``busy`` is how long the server works on it; when that exceeds half of P2 the server covers
    the wait with 0x78 pendings as ISO 14229-1:2013 7.5 asks. ``pending`` (a fault) forces
    exactly that many 0x78 first, ``pending_interval`` apart or spread over ``busy``; ``late``
    (a fault) sends the answer that many seconds late with no 0x78 at all.
    ``suppress_positive`` is the suppressPosRspMsgIndicationBit of the request.
    """

    response: bytes | None
    busy: float = 0.0
    suppress_positive: bool = False
    pending: int | None = None
    pending_interval: float | None = None
    late: float | None = None

    @property
    def is_negative(self) -> bool:
        """True when the answer is a negative response (0x7F)."""
        return self.response is not None and self.response[0] == NEGATIVE_RESPONSE_SID


@dataclass(frozen=True)
class Emission:
    """One PDU the server sends ``at`` seconds after the request arrived."""

    at: float
    pdu: bytes


def positive(sid: int, *params: int | bytes) -> Reply:
    """A positive response: SID + 0x40 followed by the given bytes (ints are single bytes)."""
    out = bytearray([sid + POSITIVE_RESPONSE_OFFSET])
    for item in params:
        if isinstance(item, int):
            out.append(item)
        else:
            out += item
    return Reply(bytes(out))


def negative(sid: int, nrc: int) -> Reply:
    """A negative response ``7F SID NRC``."""
    return Reply(negative_bytes(sid, nrc))


def negative_bytes(sid: int, nrc: int) -> bytes:
    """The three bytes of a negative response."""
    return bytes([NEGATIVE_RESPONSE_SID, sid, nrc])


def schedule(reply: Reply, sid: int, p2: float, p2_star: float) -> tuple[Emission, ...]:
    """The PDUs to send for ``reply`` to a request ``sid`` and when, for server P2/P2*.

    Pendings go out at once and then every P2*/2 until the work is done. A suppressed positive
    response is still sent after a 0x78 (ISO 14229-1 annex A.1, NRC 0x78).
    """
    if reply.response is None:
        return ()
    pending_pdu = negative_bytes(sid, Nrc.requestCorrectlyReceivedResponsePending)
    pendings = tuple(Emission(at, pending_pdu) for at in _pending_times(reply, p2, p2_star))
    return _final(reply, pendings, answer_time(reply))


def answer_time(reply: Reply) -> float:
    """Seconds from the request to the final answer (sent or not): when the exchange ends."""
    if reply.late is not None:
        return reply.late
    if reply.pending and reply.pending_interval is not None:
        return max(reply.busy, reply.pending * reply.pending_interval)
    return reply.busy


def _pending_times(reply: Reply, p2: float, p2_star: float) -> list[float]:
    if reply.late is not None:
        return []
    if reply.pending is not None:
        # Forced pendings: at the given interval, else spread over the work (back to back
        # when there is none).
        count = reply.pending
        interval = reply.pending_interval
        if interval is None:
            interval = reply.busy / count if count else 0.0
        return [i * interval for i in range(count)]
    if reply.busy <= p2 / 2:
        return []
    interval = reply.pending_interval if reply.pending_interval is not None else p2_star / 2
    return [i * interval for i in range(math.ceil(reply.busy / interval))]


def _final(reply: Reply, pendings: tuple[Emission, ...], at: float) -> tuple[Emission, ...]:
    assert reply.response is not None
    if reply.suppress_positive and not reply.is_negative and not pendings:
        return ()
    return (*pendings, Emission(at, reply.response))
