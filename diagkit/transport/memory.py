"""In-memory transports: a handler-driven test double and connected pairs, no CAN involved.

``MemoryTransport(handler)`` answers each sent PDU with what ``handler(pdu)`` returns: no item
means no answer (a suppressed response), several mean e.g. 0x78 pendings then the final one.
An item may be :class:`Delayed` to arrive later, so timing (P2, P2*) can be exercised without
threads. :meth:`MemoryTransport.pair` gives two connected ends, e.g. a client and a simulated ECU.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from diagkit.errors import ConfigurationError, TransportClosedError
from diagkit.transport.base import Transport


@dataclass(frozen=True)
class Delayed:
    """A response that becomes receivable ``delay`` seconds after the request was sent."""

    delay: float
    pdu: bytes


Response = bytes | Delayed
Handler = Callable[[bytes], Iterable[Response]]


class MemoryTransport(Transport):
    """A transport whose peer is a function or another in-memory end; records what it sent."""

    def __init__(self, handler: Handler | None = None, *, max_pdu_size: int = 8300) -> None:
        self.sent: list[bytes] = []
        self.max_pdu_size = max_pdu_size
        self._handler = handler
        self._peer: MemoryTransport | None = None
        self._inbox: list[tuple[float, int, bytes]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._closed = False

    @classmethod
    def pair(cls, *, max_pdu_size: int = 8300) -> tuple[MemoryTransport, MemoryTransport]:
        """Two connected ends: what one sends, the other receives."""
        a, b = cls(max_pdu_size=max_pdu_size), cls(max_pdu_size=max_pdu_size)
        a._peer, b._peer = b, a
        return a, b

    @property
    def closed(self) -> bool:
        return self._closed

    def send(self, pdu: bytes, timeout: float | None = None) -> None:
        """Deliver ``pdu`` to the peer (or run the handler); never blocks."""
        self._check_open()
        data = bytes(pdu)
        if not data:
            raise ConfigurationError("cannot send an empty PDU: ISO-TP carries 1 byte or more")
        if len(data) > self.max_pdu_size:
            raise ConfigurationError(
                f"PDU of {len(data)} bytes exceeds max_pdu_size {self.max_pdu_size}"
            )
        self.sent.append(data)
        if self._peer is not None:
            self._peer.inject(data)
        elif self._handler is not None:
            for item in self._handler(data):
                if isinstance(item, Delayed):
                    self.inject(item.pdu, delay=item.delay)
                else:
                    self.inject(item)

    def inject(self, pdu: bytes, delay: float = 0.0) -> None:
        """Make ``pdu`` receivable after ``delay`` seconds (dropped if this end is closed)."""
        with self._cond:
            if self._closed:
                return
            due = time.monotonic() + delay
            heapq.heappush(self._inbox, (due, next(self._seq), bytes(pdu)))
            self._cond.notify_all()

    def recv(self, timeout: float) -> bytes | None:
        """The next due PDU, or ``None`` once ``timeout`` seconds passed without one."""
        deadline = time.monotonic() + max(timeout, 0.0)
        with self._cond:
            while True:
                self._check_open()
                now = time.monotonic()
                if self._inbox and self._inbox[0][0] <= now:
                    return heapq.heappop(self._inbox)[2]
                if now >= deadline:
                    return None
                wake = deadline if not self._inbox else min(deadline, self._inbox[0][0])
                self._cond.wait(wake - now)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._inbox.clear()
            self._cond.notify_all()

    def _check_open(self) -> None:
        if self._closed:
            raise TransportClosedError("the memory transport is closed")
