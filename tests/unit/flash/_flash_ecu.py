"""The flash tests' simulated ECU (8 KiB region behind security level 0x11) and client."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from diagkit import security
from diagkit.client import EcuClient, KeepAlive, SecuritySettings, Timing
from diagkit.flash import FlashRegion
from diagkit.sim import (
    PROGRAMMING_SESSION,
    MemoryRegionSpec,
    RoutineSpec,
    SecurityLevelSpec,
    SimEcu,
    SimEcuSpec,
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
