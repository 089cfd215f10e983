"""Fixtures: the flash test ECU served over a MemoryTransport pair, or answering in-thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from diagkit.client import EcuClient
from diagkit.sim import Faults, SimEcu, SimServer
from diagkit.transport.memory import MemoryTransport
from tests.unit.flash._flash_ecu import Bench, BenchFactory, make_client, make_spec


@pytest.fixture
def served() -> Iterator[BenchFactory]:
    """``served(faults=..., **spec)``: the ECU served by a SimServer thread over a pair."""
    stack: list[tuple[SimServer, EcuClient]] = []

    def make(faults: Faults | None = None, **spec: object) -> Bench:
        ecu = SimEcu(make_spec(faults=faults or Faults(), **spec))
        tester, ecu_end = MemoryTransport.pair()
        server = SimServer(poll_interval=0.01)
        server.add(ecu, ecu_end, owned=True).start()
        client = make_client(tester)
        stack.append((server, client))
        return Bench(client, ecu, tester, ecu_end)

    yield make
    for server, client in stack:
        client.close()
        server.stop()


Rewrite = Callable[[bytes, bytes], bytes | None]


@pytest.fixture
def handled() -> Iterator[Callable[..., Bench]]:
    """``handled(rewrite)``: the ECU answering in the sending thread; ``rewrite(request,
    answer)`` may replace the final answer (None keeps it), to fail one chosen block."""
    clients: list[EcuClient] = []

    def make(rewrite: Rewrite | None = None, **spec: object) -> Bench:
        ecu = SimEcu(make_spec(**spec))

        def answer(request: bytes) -> list[bytes]:
            pdus = [e.pdu for e in ecu.plan(request, time.monotonic())]
            if rewrite is not None and pdus:
                replaced = rewrite(request, pdus[-1])
                if replaced is not None:
                    pdus[-1] = replaced
            return pdus

        tester = MemoryTransport(answer)
        client = make_client(tester)
        clients.append(client)
        return Bench(client, ecu, tester, tester)

    yield make
    for client in clients:
        client.close()


@pytest.fixture(autouse=True)
def _no_thread_left() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    left = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not left, f"threads left running: {left}"
