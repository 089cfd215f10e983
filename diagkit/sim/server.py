"""The serving loop: simulated ECUs answering over real transports until stopped.

One thread per receiving transport reads requests, asks the ECU's protocol logic for a wire
plan (:meth:`SimEcu.plan`) and sends each PDU at its time, 0x78 pendings included. Every wait
is bounded by ``poll_interval`` or the stop event, so :meth:`SimServer.stop` returns promptly
even in the middle of a long pending sequence. One INFO line is logged per exchange; PDUs are
dumped at DEBUG, SecurityAccess data never.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from diagkit.codes import NEGATIVE_RESPONSE_SID, Nrc, ServiceId, nrc_name, service_name
from diagkit.errors import TransportClosedError, TransportError
from diagkit.sim.ecu import SimEcu
from diagkit.sim.reply import Emission, negative_bytes
from diagkit.transport.base import Transport

log = logging.getLogger(__name__)

_SECRET_SERVICES = {ServiceId.SecurityAccess, ServiceId.SecurityAccess + 0x40}


@dataclass(frozen=True)
class _Listener:
    ecu: SimEcu
    rx: Transport
    tx: Transport
    functional: bool


class SimServer:
    """Serves simulated ECUs, each on its own transport (and optional functional one).

    ``add`` the ECUs, then ``start()`` (or use it as a context manager); ``stop()`` ends every
    thread within about ``poll_interval`` and closes the transports added with ``owned=True``.
    """

    def __init__(
        self, *, poll_interval: float = 0.05, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if poll_interval <= 0:
            raise ValueError(f"poll_interval must be positive, got {poll_interval}")
        self._poll = poll_interval
        self._clock = clock
        self._listeners: list[_Listener] = []
        self._owned: list[Transport] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._started = False

    def add(
        self,
        ecu: SimEcu,
        transport: Transport,
        *,
        functional: Transport | None = None,
        owned: bool = False,
    ) -> SimServer:
        """Serve ``ecu`` on ``transport``; requests on ``functional`` are functional ones.

        Answers to functional requests go out on ``transport``. With ``owned`` the server
        closes both transports when it stops.
        """
        if self._started:
            raise RuntimeError("add ECUs before start()")
        self._listeners.append(_Listener(ecu, transport, transport, functional=False))
        if functional is not None:
            self._listeners.append(_Listener(ecu, functional, transport, functional=True))
        if owned:
            self._owned += [t for t in (transport, functional) if t is not None]
        return self

    @property
    def ecus(self) -> list[SimEcu]:
        """The served ECUs, in the order they were added."""
        seen: list[SimEcu] = []
        for listener in self._listeners:
            if listener.ecu not in seen:
                seen.append(listener.ecu)
        return seen

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._started and not self._stop.is_set()

    def start(self) -> SimServer:
        """Start one serving thread per receiving transport."""
        if self._started:
            raise RuntimeError("the server was already started")
        self._started = True
        for listener in self._listeners:
            kind = "functional" if listener.functional else "physical"
            thread = threading.Thread(
                target=self._serve,
                args=(listener,),
                name=f"diagkit-sim-{listener.ecu.name}-{kind}",
                daemon=True,
            )
            self._threads.append(thread)
            thread.start()
        log.info("simulating %s", ", ".join(ecu.name for ecu in self.ecus) or "no ECU")
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving and close owned transports; returns within about ``timeout`` seconds."""
        self._stop.set()
        for transport in self._owned:
            transport.close()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("%s did not stop within %.1f s", thread.name, timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until :meth:`stop` is called (True) or ``timeout`` passes (False)."""
        return self._stop.wait(timeout)

    def __enter__(self) -> SimServer:
        return self.start() if not self._started else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(self, listener: _Listener) -> None:
        while not self._stop.is_set():
            try:
                request = listener.rx.recv(self._poll)
            except TransportClosedError:
                return
            except TransportError as exc:
                log.warning("%s: receive failed: %s", listener.ecu.name, exc)
                self._stop.wait(self._poll)
                continue
            if request is None:
                continue
            arrived = self._clock()
            plan = self._plan(listener, request, arrived)
            _log_exchange(listener, request, plan)
            if not self._send_plan(listener, plan, arrived):
                return

    def _plan(self, listener: _Listener, request: bytes, arrived: float) -> tuple[Emission, ...]:
        try:
            return listener.ecu.plan(request, arrived, functional=listener.functional)
        except Exception:
            # A failing routine action or key function must not take the ECU off the bus.
            log.exception("%s: the simulation failed on %s", listener.ecu.name, _name(request))
            return (Emission(0.0, negative_bytes(request[0], Nrc.generalReject)),)

    def _send_plan(self, listener: _Listener, plan: tuple[Emission, ...], arrived: float) -> bool:
        """Send each PDU at its time; False when the server is stopping or the channel closed."""
        for emission in plan:
            if self._stop.wait(max(0.0, arrived + emission.at - self._clock())):
                return False
            try:
                listener.tx.send(emission.pdu)
            except TransportClosedError:
                return False
            except TransportError as exc:
                log.warning("%s: could not send the answer: %s", listener.ecu.name, exc)
                return True
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%s: sent %s", listener.ecu.name, _dump(emission.pdu))
        return True


def _name(request: bytes) -> str:
    return service_name(request[0]) if request else "an empty request"


def _log_exchange(listener: _Listener, request: bytes, plan: tuple[Emission, ...]) -> None:
    if log.isEnabledFor(logging.DEBUG):
        log.debug("%s: received %s", listener.ecu.name, _dump(request))
    if not log.isEnabledFor(logging.INFO):
        return
    outcome = "no answer"
    if plan:
        final = plan[-1].pdu
        if final[0] == NEGATIVE_RESPONSE_SID and len(final) >= 3:
            outcome = f"NRC 0x{final[2]:02X} {nrc_name(final[2])}"
        else:
            outcome = f"positive, {len(final)} bytes"
        if len(plan) > 1:  # every PDU before the final one is a 0x78 pending
            outcome = f"{len(plan) - 1}x 0x78, then {outcome}"
    log.info(
        "%s: %s%s -> %s",
        listener.ecu.name,
        _name(request),
        " (functional)" if listener.functional else "",
        outcome,
    )


def _dump(pdu: bytes) -> str:
    if pdu and pdu[0] in _SECRET_SERVICES:
        return f"{pdu[:2].hex(' ').upper()} <{len(pdu) - 2} bytes hidden>"
    return pdu.hex(" ").upper()
