"""Client timing of ISO 14229-2: P2 for the first answer, P2* restarted by each 0x78 pending.

There is no overall limit unless the user sets ``request_timeout``: a long erase answering with
twenty pendings succeeds as long as each arrives within P2*. The waiting loop is a function of a
``recv(timeout)`` callable, so it runs unchanged over any transport.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NoReturn

from diagkit.client.errors import Timer, TimerExpiredError
from diagkit.codes import (
    NEGATIVE_RESPONSE_SID,
    POSITIVE_RESPONSE_OFFSET,
    Nrc,
    ServiceId,
    service_name,
)
from diagkit.errors import ConfigurationError, InvalidResponseError

RESPONSE_PENDING = int(Nrc.requestCorrectlyReceivedResponsePending)
_TESTER_PRESENT = int(ServiceId.TesterPresent)
_TESTER_PRESENT_RESPONSE = _TESTER_PRESENT + POSITIVE_RESPONSE_OFFSET

Recv = Callable[[float], "bytes | None"]


@dataclass(frozen=True, kw_only=True)
class Timing:
    """The client's timers, in seconds.

    ``p2`` and ``p2_star`` are used until the ECU announces its own P2server_max and
    P2*server_max in a DiagnosticSessionControl response (when ``use_server_timing``); the
    announced values plus ``margin`` (ISO 14229-2's delta for the network) replace them.
    ``request_timeout``, when set, bounds a whole exchange including all pendings.
    """

    p2: float = 1.0
    p2_star: float = 5.0
    request_timeout: float | None = None
    use_server_timing: bool = True
    margin: float = 0.05

    def __post_init__(self) -> None:
        for name in ("p2", "p2_star"):
            if not getattr(self, name) > 0:
                raise ConfigurationError(f"timing {name} must be > 0 s, got {getattr(self, name)}")
        if self.request_timeout is not None and not self.request_timeout > 0:
            raise ConfigurationError(
                f"timing request_timeout must be > 0 s or None, got {self.request_timeout}"
            )
        if self.margin < 0:
            raise ConfigurationError(f"timing margin must be >= 0 s, got {self.margin}")

    def with_server_timing(self, p2_server_max: float, p2_star_server_max: float) -> Timing:
        """The timing to use after the ECU announced its P2/P2* (unchanged when not used)."""
        if not self.use_server_timing:
            return self
        return replace(
            self,
            p2=max(p2_server_max, 0.0) + self.margin,
            p2_star=max(p2_star_server_max, 0.0) + self.margin,
        )


def is_pending(pdu: bytes, sid: int) -> bool:
    """True for ``7F <sid> 78``, the ECU's request to wait (P2*) for the final answer."""
    return (
        len(pdu) >= 3
        and pdu[0] == NEGATIVE_RESPONSE_SID
        and pdu[2] == RESPONSE_PENDING
        and pdu[1] == sid
    )


def is_stray_tester_present(pdu: bytes, sid: int) -> bool:
    """A TesterPresent answer arriving during another service's exchange (ECU ignored SPR)."""
    if sid == _TESTER_PRESENT or not pdu:
        return False
    return pdu[0] == _TESTER_PRESENT_RESPONSE or (
        len(pdu) >= 2 and pdu[0] == NEGATIVE_RESPONSE_SID and pdu[1] == _TESTER_PRESENT
    )


def await_final_response(
    recv: Recv,
    sid: int,
    timing: Timing,
    address: str = "",
    *,
    on_pending: Callable[[int], None] | None = None,
    echo: bytes = b"",
) -> bytes:
    """Receive until the final answer to request ``sid``; call right after the request was sent.

    The final answer is a positive response that echoes ``echo`` (the request bytes after the
    SID that ISO 14229-1 has the ECU repeat, e.g. the DID), a negative response to ``sid``, or
    a positive one too short to hold the echo (malformed: the caller rejects it). Pendings
    (``7F sid 78``) restart P2*. Stray TesterPresent answers and pendings for other services are
    skipped; answers to other requests (another SID, another DID) are dropped, so a late or
    queued answer is never taken for this one. Raises :class:`TimerExpiredError` naming the
    timer, or :class:`InvalidResponseError` when only answers to other requests came.
    """
    # One clock read per PDU: the first wait is the whole budget, measured from here.
    monotonic = time.monotonic
    start = monotonic()
    limit = timing.request_timeout
    overall_deadline = None if limit is None else start + limit
    timer: Timer = "P2"
    budget = timing.p2
    deadline = start + budget
    wait = budget if limit is None or budget < limit else limit
    pendings = 0
    positive = sid + POSITIVE_RESPONSE_OFFSET
    end = 1 + len(echo)
    foreign: list[bytes] | None = None
    while True:
        pdu = recv(wait)
        if pdu is None:
            now = monotonic()
            if overall_deadline is not None and now >= overall_deadline:
                assert limit is not None
                _expired(sid, "overall", limit, address, pendings, foreign=foreign, echo=echo)
            if now >= deadline:
                _expired(sid, timer, budget, address, pendings, foreign=foreign, echo=echo)
            # woken early without data: keep waiting
        elif pdu and pdu[0] == positive and (pdu[1:end] == echo or len(pdu) < end):
            return pdu  # the common case first
        elif not pdu:
            raise InvalidResponseError(
                f"{service_name(sid)} (0x{sid:02X}){_where(address)}: the transport delivered "
                "an empty PDU, which no UDS answer is"
            )
        elif is_pending(pdu, sid):
            pendings += 1
            if on_pending is not None:
                on_pending(pendings)
            timer, budget = "P2*", timing.p2_star
            now = monotonic()
            deadline = now + budget
        elif pdu[0] == NEGATIVE_RESPONSE_SID and (len(pdu) < 2 or pdu[1] == sid):
            return pdu  # the ECU's refusal (or a malformed one, for the caller to reject)
        else:
            if not is_stray(pdu, sid):
                foreign = [pdu] if foreign is None else [*foreign, pdu]
            now = monotonic()
        wait_until = deadline
        if overall_deadline is not None and overall_deadline < deadline:
            wait_until = overall_deadline
        wait = max(wait_until - now, 0.0)


def is_stray(pdu: bytes, sid: int) -> bool:
    """A PDU that answers nothing: a TesterPresent answer or a pending for another service."""
    return is_stray_tester_present(pdu, sid) or (
        len(pdu) >= 3 and pdu[0] == NEGATIVE_RESPONSE_SID and pdu[2] == RESPONSE_PENDING
    )


def describe_mismatch(pdu: bytes, sid: int, echo: bytes = b"") -> str:
    """Why ``pdu`` does not answer request ``sid`` (with ``echo``), in ISO 14229-1's terms."""
    if pdu and pdu[0] == sid + POSITIVE_RESPONSE_OFFSET and echo:
        return f"{echo.hex(' ')} not echoed in {pdu.hex(' ')}"
    return (
        f"expected a response starting 0x{sid + POSITIVE_RESPONSE_OFFSET:02X} or 7F {sid:02X}, "
        f"got {pdu.hex(' ')}"
    )


def _expired(
    sid: int,
    timer: Timer,
    timeout: float,
    address: str,
    pendings: int,
    *,
    foreign: list[bytes] | None,
    echo: bytes,
) -> NoReturn:
    if not foreign:
        raise TimerExpiredError(sid, timer, timeout, address, pendings)
    what = "overall request timeout" if timer == "overall" else timer
    raise InvalidResponseError(
        f"{service_name(sid)} (0x{sid:02X}){_where(address)}: no answer to this request before "
        f"{what} ({timeout:.3f} s) expired, only {len(foreign)} to other requests (dropped); "
        f"the last: {describe_mismatch(foreign[-1], sid, echo)}"
    )


def _where(address: str) -> str:
    return f" [{address}]" if address else ""
