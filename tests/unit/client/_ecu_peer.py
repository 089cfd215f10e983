"""An ECU played on the far end of any transport: :class:`EcuPeer` answers from a script.

The script maps ISO 14229-1 requests to their answers written out as bytes; the peer notes any
request arriving while one of its answers is still due. :func:`run` opens a client and a peer
on a pair of connected transports (from ``make_pair``), :func:`finish` closes both.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping
from types import TracebackType

from udsoncan import AsciiCodec

from diagkit.client import EcuClient
from diagkit.client import Timing as ClientTiming
from diagkit.errors import TransportError
from diagkit.transport.base import Transport
from diagkit.transport.memory import Delayed, Response
from tests.backends import MakePair

Script = Mapping[bytes, list[Response]]

VIN = b"WVWZZZ1JZXW000001"
TP_SUPPRESSED = b"\x3e\x80"
CONFIG = {"data_identifiers": {0xF190: AsciiCodec(17), 0x0100: ">H"}}
TIMING = ClientTiming(p2=1.0, p2_star=2.0)


class EcuPeer:
    """A thread answering requests on ``transport`` from ``script`` (unknown ones: no answer)."""

    def __init__(self, transport: Transport, script: Script) -> None:
        self.transport = transport
        self.script = script
        self.received: list[bytes] = []
        self.interleaved: list[bytes] = []
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="test-ecu-peer", daemon=True)

    def __enter__(self) -> EcuPeer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(5.0)
        self.transport.close()
        assert not self._thread.is_alive()

    def _run(self) -> None:
        backlog: deque[bytes] = deque()
        try:
            while not self._stop.is_set():
                pdu = backlog.popleft() if backlog else self.transport.recv(0.02)
                if pdu is None:
                    continue
                self.received.append(pdu)
                start = time.monotonic()
                for item in self.script.get(pdu, []):
                    delay, answer = (
                        (item.delay, item.pdu) if isinstance(item, Delayed) else (0, item)
                    )
                    due = start + delay
                    while (now := time.monotonic()) < due and not self._stop.is_set():
                        early = self.transport.recv(min(due - now, 0.02))
                        if early is not None:  # a request while our answer is still due
                            self.interleaved.append(early)
                            backlog.append(early)
                    self.transport.send(answer)
        except TransportError as exc:
            if not self._stop.is_set():
                self.error = exc


def run(make: MakePair, script: Script, **client_args: object) -> tuple[EcuClient, EcuPeer]:
    client_end, ecu_end = make()
    peer = EcuPeer(ecu_end, script).__enter__()
    client_args.setdefault("config", CONFIG)
    client_args.setdefault("timing", TIMING)
    return EcuClient(client_end, address="ecu", **client_args), peer  # type: ignore[arg-type]


def finish(client: EcuClient, peer: EcuPeer) -> None:
    client.close()
    peer.__exit__(None, None, None)
    assert peer.error is None
