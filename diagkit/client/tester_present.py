"""Keeps a non-default session alive with TesterPresent (0x3E) while the tester is idle.

The keeper sends only when the ECU heard nothing from us for ``interval`` seconds, and only
while holding the exchange lock, so it never lands between a request and its answers. It stops
on :meth:`TesterPresentKeeper.stop` and by itself on the first error, which it keeps in
:attr:`TesterPresentKeeper.error` and logs as a warning.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

from diagkit.client.exchange import Exchange
from diagkit.codes import SUPPRESS_POSITIVE_RESPONSE, ServiceId
from diagkit.errors import ConfigurationError, DiagkitError

logger = logging.getLogger(__name__)


class Sender(Protocol):
    """Anything that transmits one PDU, e.g. a functional-address transport or socket."""

    def send(self, pdu: bytes, /) -> object: ...

    def close(self) -> None: ...


class TesterPresentKeeper:
    """A background thread sending ``3E 80`` (``3E 00`` with ``suppress=False``) when idle.

    With ``functional`` (a transmit-only sender on the functional address) the request goes to
    every ECU of the bus and is always sent with the suppress bit, as ISO 14229-2 expects.
    ``interval`` should stay well below the ECU's S3 (5 s by ISO 14229-2); 2 s is the default.
    """

    def __init__(
        self,
        exchange: Exchange,
        *,
        interval: float = 2.0,
        suppress: bool = True,
        functional: Sender | None = None,
    ) -> None:
        if not interval > 0:
            raise ConfigurationError(f"tester present interval must be > 0 s, got {interval}")
        self.exchange = exchange
        self.interval = interval
        self.suppress = suppress or functional is not None
        self.functional = functional
        self.error: BaseException | None = None
        self.sent = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    @property
    def running(self) -> bool:
        """True while the thread is alive."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start(self) -> None:
        """Start the thread (no-op when running); clears a previous error."""
        with self._guard:
            if self.running:
                return
            self.error = None
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._run,
                args=(self._stop,),
                name=f"diagkit-tester-present[{self.exchange.address}]",
                daemon=True,
            )
            self._thread.start()
        logger.debug("[%s] tester present every %.3f s", self.exchange.address, self.interval)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop and join the thread; safe in any state, also from the thread itself."""
        with self._guard:
            self._stop.set()
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def send_once(self) -> None:
        """Send one TesterPresent now, under the exchange lock."""
        payload = bytes(
            (ServiceId.TesterPresent, SUPPRESS_POSITIVE_RESPONSE if self.suppress else 0)
        )
        exchange = self.exchange
        with exchange.lock:
            if self.functional is not None:
                self.functional.send(payload)
                exchange.last_activity = time.monotonic()
            else:
                exchange.request(payload, suppress=self.suppress)
            self.sent += 1

    def _run(self, stop: threading.Event) -> None:
        delay = self.interval
        while not stop.wait(delay):
            idle = time.monotonic() - self.exchange.last_activity
            if idle < self.interval:
                delay = self.interval - idle
                continue
            delay = self.interval
            if not self.exchange.lock.acquire(timeout=self.interval):
                continue  # a long exchange is running: it keeps the session alive itself
            try:
                if stop.is_set():
                    return
                self.send_once()
            except (DiagkitError, OSError) as exc:
                self.error = exc
                logger.warning("[%s] tester present stopped: %s", self.exchange.address, exc)
                return
            finally:
                self.exchange.lock.release()
