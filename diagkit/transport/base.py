"""The transport contract every diagkit transport honours: send a PDU, receive a PDU, close.

A transport carries whole ISO-TP PDUs (one UDS message each); segmentation, flow control and
padding happen below it (in the kernel, in the userspace stack, or not at all in memory).
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import TypeVar

_T = TypeVar("_T", bound="Transport")


class Transport(abc.ABC):
    """One ISO-TP channel to one peer.

    ``send`` blocks until the PDU is handed over (with the kernel's WAIT_TX_DONE: until it is on
    the bus) and raises :class:`~diagkit.errors.TransportTimeoutError` when that does not happen
    within ``timeout``. ``recv`` returns the next PDU, or ``None`` when none arrived within
    ``timeout`` seconds; it never blocks longer. Both raise
    :class:`~diagkit.errors.TransportClosedError` once :meth:`close` was called, and
    :meth:`close` is safe to call in any state, any number of times.
    """

    @abc.abstractmethod
    def send(self, pdu: bytes, timeout: float | None = None) -> None:
        """Send one PDU; ``timeout`` is in seconds, ``None`` for the transport's default."""

    @abc.abstractmethod
    def recv(self, timeout: float) -> bytes | None:
        """Return the next received PDU, or ``None`` when nothing arrived within ``timeout`` s."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the channel; idempotent."""

    @property
    @abc.abstractmethod
    def closed(self) -> bool:
        """True once :meth:`close` was called."""

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
