"""One request/response exchange at a time on one connection, each logged in one INFO line.

Every path to the ECU (udsoncan services, the fast paths, tester present) goes through
:meth:`Exchange.request`, which holds the exchange lock from sending the request until the final
answer, so a tester present never lands between a request and its pending responses.

UDS answers carry no request number, so an answer the ECU sends after the client gave up (a late
answer) looks like the answer to the next request. The exchange therefore counts the requests
that timed out: it drops what is queued before sending, and while an earlier request may still be
answered, it takes an answer for its own only once every earlier one has come or a quiet P2 has
passed after it. The price is one P2 of waiting, once, on the first answer after a timeout.
Two cases stay out of its reach: when a late answer arrives and the next request's own answer
is lost (two faults in a row), the late one is taken for it; and an unsolicited copy of an
answer with no timeout before it is not drained (that would cost a receive call on every
request).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from logging import DEBUG, INFO
from time import monotonic

from diagkit.client.errors import NrcError
from diagkit.client.timing import Recv, Timing, await_final_response, describe_mismatch, is_stray
from diagkit.codes import NEGATIVE_RESPONSE_SID, POSITIVE_RESPONSE_OFFSET, service_name
from diagkit.connection import TransportConnection
from diagkit.connection import logger as _connection_logger
from diagkit.errormap import Context, translate
from diagkit.errors import (
    ConfigurationError,
    DiagkitError,
    InvalidResponseError,
    ResponseTimeoutError,
)

logger = logging.getLogger(__name__)

_DRAIN_LIMIT = 1024  # a peer flooding us must not keep the drain busy forever
_MAX_UNANSWERED = 16  # more late answers than this are not waited for, only drained


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
        # a timeout or a rejected answer): the next request drops what is queued first.
        self._stale = True
        # Requests that timed out and whose answers may still arrive (see the module doc).
        self._unanswered = 0

    def mark_stale(self) -> None:
        """Say the last answer was rejected above the exchange (e.g. by a DID decoder)."""
        self._stale = True

    def request(
        self,
        payload: bytes,
        *,
        suppress: bool = False,
        timing: Timing | None = None,
        echo: int = 0,
    ) -> bytes | None:
        """Send ``payload`` and return the positive response (``None`` when ``suppress``).

        ``suppress`` means no answer is awaited (the SPR bit is the caller's business).
        ``echo`` is how many request bytes after the SID the positive answer repeats (ISO
        14229-1: the DID, the routine control type and id...); answers repeating others belong
        to other requests and are dropped. Raises :class:`~diagkit.errors.NegativeResponseError` on
        a negative response, :class:`~diagkit.errors.ResponseTimeoutError` when
        P2/P2*/overall expires, :class:`~diagkit.errors.InvalidResponseError` for a malformed
        answer or when only answers to other requests came.
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
        expected = payload[1 : 1 + echo] if echo else b""
        with self.lock:
            try:
                if self._stale or self._unanswered:
                    self._drain(recv)
                    self._stale = False
                send(payload, send_timeout)
                if suppress:
                    self._stale = True
                    pdu = None
                elif self._unanswered:
                    pdu = self._resynchronise(recv, sid, timing or self.timing, expected)
                else:
                    pdu = await_final_response(
                        recv, sid, timing or self.timing, self.address, echo=expected
                    )
            except ResponseTimeoutError as exc:
                self._stale = True
                self._unanswered = min(self._unanswered + 1, _MAX_UNANSWERED)
                if info:
                    self._log(sid, start, type(exc).__name__)
                raise
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
            f"{service_name(sid)} (0x{sid:02X}) [{self.address}]: "
            f"{describe_mismatch(pdu, sid, expected)}"
        )

    def _drain(self, recv: Recv) -> None:
        """Drop every PDU already received; each final answer among them was a late one."""
        for _ in range(_DRAIN_LIMIT):
            pdu = recv(0.0)
            if pdu is None:
                return
            if self._unanswered and not is_stray(pdu, -1):
                self._unanswered -= 1

    def _resynchronise(self, recv: Recv, sid: int, timing: Timing, echo: bytes) -> bytes:
        """The answer to this request while ``_unanswered`` earlier ones may still be answered.

        Every final answer is a candidate; the last one before a quiet P2 (or the one that
        accounts for every earlier request) is this request's. Earlier answers are dropped.
        """
        pdu = await_final_response(recv, sid, timing, self.address, echo=echo)
        settle = Timing(p2=timing.p2, p2_star=timing.p2_star, use_server_timing=False)
        while self._unanswered:
            self._unanswered -= 1
            try:
                later = await_final_response(recv, sid, settle, self.address, echo=echo)
            except (ResponseTimeoutError, InvalidResponseError):
                break  # quiet: the last answer was this request's
            logger.info(  # its bytes are not logged: they may be a seed
                "%s (0x%02X) [%s]: dropped a late answer to an earlier request (%d bytes)",
                service_name(sid),
                sid,
                self.address,
                len(pdu),
            )
            pdu = later
        self._unanswered = 0
        return pdu

    def _log(self, sid: int, start: float, outcome: str) -> None:
        logger.info(
            "%s (0x%02X) [%s]: %s in %.1f ms",
            service_name(sid),
            sid,
            self.address,
            outcome,
            (monotonic() - start) * 1000.0,
        )
