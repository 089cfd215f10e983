"""A simulated ECU with a flashable region, served over a MemoryTransport pair, and a client."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import MappingProxyType

import pytest

from diagkit import security
from diagkit.client import EcuClient, KeepAlive, SecuritySettings, Timing
from diagkit.flash import FlashRegion
from diagkit.sim import (
    PROGRAMMING_SESSION,
    Faults,
    MemoryRegionSpec,
    RoutineSpec,
    SecurityLevelSpec,
    SimEcu,
    SimEcuSpec,
    SimServer,
    check_crc32,
    erase_memory,
)
from diagkit.transport.memory import MemoryTransport

MASK = {"mask": 0x5A}
APP = 0x1000
APP_SIZE = 0x2000
ERASE_ID = 0xFF00
CHECK_ID = 0x0202
LEVEL = 0x11
REGION = FlashRegion(
    address=APP,
    size=APP_SIZE,
    name="app",
    erase_routine=ERASE_ID,
    check_routine=CHECK_ID,
    session=PROGRAMMING_SESSION,
    security_level=LEVEL,
    address_bits=32,
    size_bits=32,
)


def key(level: int, seed: bytes) -> bytes:
    return security.compute_key("xor_mask", level, seed, MASK)


def make_spec(**overrides: object) -> SimEcuSpec:
    """The flash test ECU: 8 KiB 'app' at 0x1000 behind level 0x11, 256 data bytes per block."""
    fields: dict[str, object] = {
        "name": "flash-ecu",
        "security_levels": MappingProxyType(
            {
                LEVEL: SecurityLevelSpec(
                    key,
                    fixed_seed=b"\x12\x34",
                    seed_size=2,
                    sessions=frozenset({PROGRAMMING_SESSION}),
                )
            }
        ),
        "routines": MappingProxyType(
            {
                ERASE_ID: RoutineSpec(
                    erase_memory("app"),
                    sessions=frozenset({PROGRAMMING_SESSION}),
                    security=LEVEL,
                ),
                CHECK_ID: RoutineSpec(check_crc32("app"), stoppable=False),
            }
        ),
        "memory": (MemoryRegionSpec("app", APP, APP_SIZE, security=LEVEL),),
        "p2": 0.05,
        "p2_star": 1.0,
        "max_block_length": 0x0102,  # SID + counter + 256 data bytes
    }
    fields.update(overrides)
    return SimEcuSpec(**fields)  # type: ignore[arg-type]


def make_client(transport: MemoryTransport) -> EcuClient:
    return EcuClient(
        transport,
        address="flash-ecu",
        timing=Timing(p2=0.2, p2_star=2.0),
        security_settings=SecuritySettings(algorithm="xor_mask", params=MASK),
        keep_alive=KeepAlive(enabled=False),
    )


@dataclass
class Bench:
    """The client, the simulated ECU, and both ends' records of what they sent."""

    client: EcuClient
    ecu: SimEcu
    tester: MemoryTransport
    ecu_end: MemoryTransport

    def requests(self, sid: int) -> list[bytes]:
        """Every request with service id ``sid`` the client sent, in order."""
        return [pdu for pdu in self.tester.sent if pdu[0] == sid]

    def memory(self, address: int = APP, size: int = APP_SIZE) -> bytes:
        return self.ecu.state.read_memory(self.ecu.spec, address, size)


BenchFactory = Callable[..., Bench]


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
