"""A simulated ECU (UDS server): protocol logic without I/O, fault injection, a serving loop.

Build a :class:`SimEcuSpec` (directly, or from a profile with
:func:`diagkit.sim.from_profile.spec_from_profile`), wrap it in a :class:`SimEcu` and serve it
over any transport with :class:`SimServer`, or serve whole benches with :func:`run_bench`.
"""

from __future__ import annotations

from diagkit.sim.bench import run_bench
from diagkit.sim.ecu import SimEcu, handle
from diagkit.sim.faults import Fault, Faults
from diagkit.sim.from_profile import spec_from_profile
from diagkit.sim.reply import Emission, Reply, schedule
from diagkit.sim.routines import RoutineOutcome, check_crc32, erase_memory, fixed
from diagkit.sim.server import SimServer
from diagkit.sim.spec import (
    DEFAULT_SESSION,
    EXTENDED_SESSION,
    PROGRAMMING_SESSION,
    DidSpec,
    DtcSpec,
    MemoryRegionSpec,
    RoutineSpec,
    SecurityLevelSpec,
    ServiceSpec,
    SimEcuSpec,
)
from diagkit.sim.state import SimState

__all__ = [
    "DEFAULT_SESSION",
    "EXTENDED_SESSION",
    "PROGRAMMING_SESSION",
    "DidSpec",
    "DtcSpec",
    "Emission",
    "Fault",
    "Faults",
    "MemoryRegionSpec",
    "Reply",
    "RoutineOutcome",
    "RoutineSpec",
    "SecurityLevelSpec",
    "ServiceSpec",
    "SimEcu",
    "SimEcuSpec",
    "SimServer",
    "SimState",
    "check_crc32",
    "erase_memory",
    "fixed",
    "handle",
    "run_bench",
    "schedule",
    "spec_from_profile",
]
