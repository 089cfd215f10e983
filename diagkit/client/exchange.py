"""One request/response exchange at a time on one connection, each logged in one INFO line.

Every path to the ECU (udsoncan services, the fast paths, tester present) goes through
:meth:`Exchange.request`, which holds the exchange lock from sending the request until the final
answer, so a tester present never lands between a request and its pending responses.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from logging import DEBUG, INFO
from time import monotonic

from diagkit.client.errors import NrcError
from diagkit.client.timing import Recv, Timing, await_final_response
from diagkit.codes import NEGATIVE_RESPONSE_SID, POSITIVE_RESPONSE_OFFSET, service_name
from diagkit.connection import TransportConnection
from diagkit.connection import logger as _connection_logger
from diagkit.errormap import Context, translate
from diagkit.errors import ConfigurationError, DiagkitError, InvalidResponseError

logger = logging.getLogger("diagkit.client")


class Exchange:
    """Sends requests on ``connection`` and returns the positive answers, raising otherwise.

    ``address`` names the ECU in messages and logs (e.g. ``"engine vcan0 7E0->7E8"``).
    ``timing`` may be replaced (e.g. when the ECU announces its P2/P2*); ``last_activity``
    (monotonic seconds) tells a tester-present keeper when the ECU last heard from us.
    """

    def __init__(self, connection: TransportConnection, address: str, timing: Timing) -> None:
        self.connection = connection
        self.address = address
        self.timing = timing
        self.lock = threading.RLock()
        self.last_activity = monotonic()
        # True when a late or unrequested answer may be waiting (after a suppressed request,
        # a timeout or a foreign answer): the next request drops it first.
        self._stale = True

    def request(
        self, payload: bytes, *, suppress: bool = False, timing: Timing | None = None
    ) -> bytes | None:
        """Send ``payload`` and return the positive response (``None`` when ``suppress``).

        ``suppress`` means no answer is awaited (the SPR bit is the caller's business).
        Raises :class:`~diagkit.client.errors.NrcError` on a negative response,
        :class:`~diagkit.client.errors.TimerExpiredError` when P2/P2*/overall expires,
        :class:`~diagkit.errors.InvalidResponseError` for an answer to another service.
        """
        if not payload:
            raise ConfigurationError("a UDS request needs at least its service id byte")
        sid = payload[0]
        connection = self.connection
        # The connection's hex lines are its only addition to the transport: without DEBUG,
        # talk to the transport directly and map its OSErrors here.
        send: Callable[[bytes, float | None], None]
        recv: Recv
        if _connection_logger.isEnabledFor(DEBUG):
            send, recv = connection.specific_send, connection.recv
            send_timeout = None
        else:
            transport = connection.transport
            send, recv = transport.send, transport.recv
            send_timeout = connection.send_timeout
        info = logger.isEnabledFor(INFO)
        start = monotonic() if info else 0.0
        with self.lock:
            try:
                if self._stale:
                    connection.empty_rxqueue()
                    self._stale = False
                send(payload, send_timeout)
                if suppress:
                    self._stale = True
                    pdu = None
                else:
                    pdu = await_final_response(recv, sid, timing or self.timing, self.address)
            except DiagkitError as exc:
                self._stale = True
                if info:
                    self._log(sid, start, type(exc).__name__)
                raise
            except OSError as exc:
                self._stale = True
                failure = translate(exc, "exchange", Context(address=connection.name))
                if info:
                    self._log(sid, start, type(failure).__name__)
                raise failure from exc
            finally:
                self.last_activity = monotonic()
        if pdu is None:
            if info:
                self._log(sid, start, "sent, no response expected")
            return None
        if pdu[0] == sid + POSITIVE_RESPONSE_OFFSET:
            if info:
                self._log(sid, start, "positive")
            return pdu
        if pdu[0] == NEGATIVE_RESPONSE_SID and len(pdu) >= 3 and pdu[1] == sid:
            error = NrcError(sid, pdu[2], self.address, pdu)
            if info:
                self._log(sid, start, f"NRC 0x{pdu[2]:02X} {error.nrc_name}")
            raise error
        self._stale = True
        if info:
            self._log(sid, start, "invalid response")
        raise InvalidResponseError(
            f"{service_name(sid)} (0x{sid:02X}) [{self.address}]: expected a response starting "
            f"0x{sid + POSITIVE_RESPONSE_OFFSET:02X} or 7F {sid:02X}, got {pdu.hex(' ')}"
        )

    def _log(self, sid: int, start: float, outcome: str) -> None:
        logger.info(
            "%s (0x%02X) [%s]: %s in %.1f ms",
            service_name(sid),
            sid,
            self.address,
            outcome,
            (monotonic() - start) * 1000.0,
        )
