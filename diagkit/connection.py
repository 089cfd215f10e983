"""The udsoncan ``Connection`` over any diagkit transport: no receive thread, no queue hop.

``wait_frame`` calls ``transport.recv(timeout)`` directly, so a response is handed to udsoncan
the moment the transport has it, and a broken transfer (ECOMM, EILSEQ, ETIMEDOUT...) surfaces
as a diagkit :class:`~diagkit.errors.TransportError` in the caller instead of killing a thread.
A foreign transport's raw ``OSError`` is mapped by :mod:`diagkit.errormap`, as every backend's.
PDUs are dumped at DEBUG with seeds and keys hidden (:mod:`diagkit.logsafe`).

It implements udsoncan's ``BaseConnection`` contract without importing ``udsoncan.connections``
(which imports python-can and python-can-isotp, whatever the transport): it is registered as a
virtual subclass of ``BaseConnection`` when udsoncan's client is first built
(:func:`register_with_udsoncan`), so ``isinstance(connection, BaseConnection)`` holds wherever
udsoncan could see it. Type checkers see no subclass: cast where udsoncan's annotations want one.
"""

from __future__ import annotations

import logging
from types import TracebackType

from udsoncan.exceptions import TimeoutException
from udsoncan.Request import Request
from udsoncan.Response import Response

from diagkit.errormap import Context, translate
from diagkit.errors import DiagkitError, TransportClosedError
from diagkit.logsafe import pdu_text
from diagkit.transport.base import Transport

logger = logging.getLogger(__name__)

_DRAIN_LIMIT = 1024  # a peer flooding us must not keep empty_rxqueue() busy forever
_FOREVER = 86400.0  # udsoncan may wait with timeout=None; the transport needs a number


class TransportConnection:
    """A udsoncan connection sending and receiving whole PDUs through ``transport``.

    The connection owns the transport: :meth:`close` closes it, in any state, any number of
    times. ``send_timeout`` (seconds, ``None`` for the transport's own) bounds every send.
    PDUs are never truncated; the transport refuses what it cannot carry.
    """

    def __init__(
        self,
        transport: Transport,
        name: str | None = None,
        *,
        send_timeout: float | None = None,
    ) -> None:
        self.name = f"Connection[{name}]" if name else "Connection"  # as udsoncan names them
        self.logger = logger  # udsoncan's default is a root-level "Connection" logger
        self.transport = transport
        self.send_timeout = send_timeout
        self._opened = False

    # -- udsoncan's contract ------------------------------------------------------------------

    def open(self) -> TransportConnection:
        """Mark the connection usable; the transport is already open when it is constructed."""
        if self.transport.closed:
            raise TransportClosedError(f"{self.name}: cannot open, the transport is closed")
        self._opened = True
        return self

    def close(self) -> None:
        """Close the transport; safe in any state."""
        self._opened = False
        self.transport.close()

    def is_open(self) -> bool:
        return self._opened and not self.transport.closed

    def check_connection_opened(self) -> None:
        """Raise :class:`~diagkit.errors.TransportClosedError` unless open (not RuntimeError)."""
        if not self._opened or self.transport.closed:
            state = "closed" if self.transport.closed else "not opened"
            raise TransportClosedError(f"{self.name} is {state}")

    def send(self, data: bytes | Request | Response, timeout: float | None = None) -> None:
        """Send one PDU (or a udsoncan Request/Response's payload)."""
        self.check_connection_opened()
        payload = data if isinstance(data, bytes) else data.get_payload()
        self.specific_send(payload, timeout)

    def specific_send(self, payload: bytes, timeout: float | None = None) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s tx %s", self.name, pdu_text(payload))
        try:
            self.transport.send(payload, self.send_timeout if timeout is None else timeout)
        except DiagkitError:
            raise
        except OSError as exc:
            raise translate(exc, "send", Context(address=self.name)) from exc

    def wait_frame(self, timeout: float | None = None, exception: bool = False) -> bytes | None:
        """The next PDU; on timeout ``None``, or udsoncan's TimeoutException with ``exception``.

        Unlike udsoncan's default, transport errors are raised in both modes: a dead channel
        must never look like a silent ECU.
        """
        self.check_connection_opened()
        try:
            return self.specific_wait_frame(timeout)
        except TimeoutException:
            if exception:
                raise
            return None

    def specific_wait_frame(self, timeout: float | None = None) -> bytes | None:
        pdu = self.recv(_FOREVER if timeout is None else timeout)
        if pdu is None:
            # udsoncan's exception class is unannotated; its contract requires raising it here.
            raise TimeoutException(  # type: ignore[no-untyped-call]
                f"{self.name}: no PDU received within {timeout} s"
            )
        return pdu

    def recv(self, timeout: float) -> bytes | None:
        """The next PDU or ``None`` after ``timeout`` s: the fast path the diagkit client uses."""
        try:
            pdu = self.transport.recv(timeout)
        except DiagkitError:
            raise
        except OSError as exc:
            raise translate(exc, "recv", Context(address=self.name)) from exc
        if pdu is not None and logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s rx %s", self.name, pdu_text(pdu))
        return pdu

    def empty_rxqueue(self) -> None:
        """Drop PDUs already received (late answers to an earlier request) without waiting."""
        for _ in range(_DRAIN_LIMIT):
            if self.recv(0.0) is None:
                return

    def __enter__(self) -> TransportConnection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def register_with_udsoncan() -> None:
    """Make :class:`TransportConnection` a (virtual) udsoncan ``BaseConnection``; idempotent."""
    from udsoncan.connections import BaseConnection  # noqa: PLC0415 (python-can comes along)

    BaseConnection.register(TransportConnection)
