"""A small but complete simulated ECU for the protocol-logic tests, and a helper to talk to it."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

import pytest

from diagkit.sim import (
    EXTENDED_SESSION,
    PROGRAMMING_SESSION,
    DidSpec,
    DtcSpec,
    MemoryRegionSpec,
    RoutineSpec,
    SecurityLevelSpec,
    SimEcu,
    SimEcuSpec,
    check_crc32,
    erase_memory,
    fixed,
)

VIN = b"WDB1234567890ABCD"


def xor_a5(level: int, seed: bytes) -> bytes:
    """The bench's key algorithm: every seed byte XOR 0xA5."""
    return bytes(b ^ 0xA5 for b in seed)


def make_spec(**overrides: object) -> SimEcuSpec:
    """The test ECU; keyword arguments replace single fields."""
    fields: dict[str, object] = {
        "name": "test-ecu",
        "dids": MappingProxyType(
            {
                0xF190: DidSpec(
                    VIN,
                    writable=True,
                    write_sessions=frozenset({EXTENDED_SESSION}),
                    write_security=0x01,
                ),
                0x0101: DidSpec(b"\x0c\x80"),
                0x0200: DidSpec(b"\x05", read_sessions=frozenset({EXTENDED_SESSION})),
                0x0300: DidSpec(b"\xbe\xef", read_security=0x01),
                0xF18C: DidSpec(
                    b"\x00\x00\x00\x07", writable=True, validate=lambda v: v != bytes(4)
                ),
            }
        ),
        "security_levels": MappingProxyType(
            {
                0x01: SecurityLevelSpec(xor_a5, fixed_seed=b"\x11\x22\x33\x44"),
                0x11: SecurityLevelSpec(
                    xor_a5,
                    fixed_seed=b"\x01\x02",
                    seed_size=2,
                    sessions=frozenset({PROGRAMMING_SESSION}),
                ),
            }
        ),
        "routines": MappingProxyType(
            {
                0xFF00: RoutineSpec(
                    erase_memory("app"),
                    sessions=frozenset({PROGRAMMING_SESSION}),
                    security=0x11,
                ),
                0x0202: RoutineSpec(check_crc32("app"), stoppable=False),
                0x0203: RoutineSpec(fixed(b"\x00", b"\x00\x2a"), stoppable=False),
                0x1234: RoutineSpec(fixed(b"\x10"), duration=3.0),
            }
        ),
        "memory": (
            MemoryRegionSpec("boot", 0x0000, 0x100, writable=False),
            MemoryRegionSpec("app", 0x1000, 0x2000, security=0x11),
        ),
        "dtcs": MappingProxyType(
            {
                0x123456: DtcSpec(
                    status=0xAF,
                    snapshots=MappingProxyType(
                        {
                            0x01: ((0x0101, b"\x0c\x80"),),
                            0x02: ((0x0101, b"\x0d\x00"), (0xF18C, b"\x00\x00\x00\x01")),
                        }
                    ),
                    extended_data=MappingProxyType({0x01: b"\x05", 0x90: b"\x01\x02"}),
                ),
                0x0A0B0C: DtcSpec(status=0x24),
                0xABCDEF: DtcSpec(status=0x00),
            }
        ),
        "dtc_availability_mask": 0x7F,
        "p2": 0.050,
        "p2_star": 2.0,
        "max_block_length": 0x0102,
    }
    fields.update(overrides)
    return SimEcuSpec(**fields)  # type: ignore[arg-type]


Ask = Callable[..., bytes | None]


@pytest.fixture
def ecu() -> SimEcu:
    return SimEcu(make_spec(), rng_seed=1)


@pytest.fixture
def ask(ecu: SimEcu) -> Ask:
    """``ask("22 F1 90", now=0.0, functional=False)`` -> the final PDU sent, or None."""

    def _ask(request: str, now: float = 0.0, *, functional: bool = False) -> bytes | None:
        plan = ecu.plan(bytes.fromhex(request), now, functional=functional)
        return plan[-1].pdu if plan else None

    return _ask


@pytest.fixture
def spec_factory() -> Callable[..., SimEcuSpec]:
    """:func:`make_spec`, for tests that need a variant of the test ECU."""
    return make_spec
