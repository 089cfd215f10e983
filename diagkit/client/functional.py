"""Functional requests: send once to the functional address, gather every ECU's answer.

Each ECU answers on its own physical response id, so each has its own receiving transport.
An ECU's answer counts when it arrives within P2 of the request, or within P2* of its last
0x78 pending; ECUs that stay silent are simply absent from the result.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from types import TracebackType

from diagkit.client.tester_present import Sender
from diagkit.client.timing import Timing, is_pending, is_stray_tester_present
from diagkit.codes import service_name
from diagkit.errors import ConfigurationError
from diagkit.transport.base import Transport

logger = logging.getLogger(__name__)


class FunctionalGroup:
    """A functional sender and one receiving transport per ECU, named by the caller.

    The group owns the sender and the receivers and closes them in :meth:`close`.
    ``poll_interval`` bounds how long one receiver is waited on while others may have data.
    """

    def __init__(
        self,
        sender: Sender,
        receivers: Mapping[str, Transport],
        timing: Timing | None = None,
        *,
        poll_interval: float = 0.002,
    ) -> None:
        if not receivers:
            raise ConfigurationError("a functional group needs at least one receiver")
        if not poll_interval > 0:
            raise ConfigurationError(f"poll_interval must be > 0 s, got {poll_interval}")
        self.sender = sender
        self.receivers = dict(receivers)
        self.timing = timing or Timing()
        self.poll_interval = poll_interval

    def request(self, payload: bytes, *, timing: Timing | None = None) -> dict[str, bytes]:
        """Send ``payload`` once; return each responder's final answer (positive or 0x7F).

        Pendings (``7F sid 78``) are not final: they extend that ECU's wait to P2*.
        """
        if not payload:
            raise ConfigurationError("a UDS request needs at least its service id byte")
        timing = timing or self.timing
        sid = payload[0]
        for receiver in self.receivers.values():
            while receiver.recv(0.0) is not None:  # late answers to an earlier request
                pass
        self.sender.send(payload)
        start = time.monotonic()
        overall = None if timing.request_timeout is None else start + timing.request_timeout
        deadlines = {name: start + timing.p2 for name in self.receivers}
        answers: dict[str, bytes] = {}
        while deadlines:
            now = time.monotonic()
            for name, deadline in list(deadlines.items()):
                if now >= deadline or (overall is not None and now >= overall):
                    del deadlines[name]
            if not deadlines:
                break
            got = False
            for name in list(deadlines):
                pdu = self.receivers[name].recv(0.0)
                if pdu is not None:
                    got = True
                    self._take(name, pdu, sid, timing, deadlines=deadlines, answers=answers)
            if got or not deadlines:
                continue
            first = min(deadlines, key=deadlines.__getitem__)
            wait = min(self.poll_interval, max(deadlines[first] - time.monotonic(), 0.0))
            pdu = self.receivers[first].recv(wait)
            if pdu is not None:
                self._take(first, pdu, sid, timing, deadlines=deadlines, answers=answers)
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s (0x%02X) functional: %d of %d answered (%s) in %.1f ms",
                service_name(sid),
                sid,
                len(answers),
                len(self.receivers),
                ", ".join(answers) or "none",
                (time.monotonic() - start) * 1000.0,
            )
        return answers

    @staticmethod
    def _take(
        name: str,
        pdu: bytes,
        sid: int,
        timing: Timing,
        *,
        deadlines: dict[str, float],
        answers: dict[str, bytes],
    ) -> None:
        if is_pending(pdu, sid):
            deadlines[name] = time.monotonic() + timing.p2_star
        elif not is_stray_tester_present(pdu, sid):
            answers[name] = pdu
            del deadlines[name]

    def close(self) -> None:
        """Close the sender and every receiver; idempotent."""
        self.sender.close()
        for receiver in self.receivers.values():
            receiver.close()

    def __enter__(self) -> FunctionalGroup:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
