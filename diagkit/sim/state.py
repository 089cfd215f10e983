"""The mutable state of a simulated ECU: session, security, DIDs, DTCs, transfer and memory image.

Only the protocol logic changes it; tests and benches read it (e.g. :meth:`SimState.read_memory`
to check what a download wrote). Time is never read here: callers pass ``now``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from diagkit.sim.spec import DEFAULT_SESSION, MemoryRegionSpec, SimEcuSpec

CLEARED_DTC_STATUS = 0x50
"""ISO 14229-1 annex D: after a clear, testNotCompletedSinceLastClear and ...ThisOperationCycle."""


@dataclass
class DtcState:
    """A DTC's current status byte and the records stored for it."""

    status: int
    snapshots: dict[int, tuple[tuple[int, bytes], ...]]
    extended_data: dict[int, bytes]


@dataclass
class Transfer:
    """An active RequestDownload: where it writes and which block comes next."""

    region: MemoryRegionSpec
    address: int
    size: int
    received: int = 0
    last_counter: int = 0x00
    blocks: int = 0


@dataclass
class RoutineRun:
    """A started routine and the status record its results sub-function reports."""

    running: bool
    results: bytes


@dataclass
class SimState:
    """Everything that changes while the ECU runs; :meth:`initial` gives the power-on state.

    ``s3_start`` is when the S3 session timer last restarted: the end of the last exchange.
    """

    session: int = DEFAULT_SESSION
    s3_start: float | None = None
    security_level: int = 0
    seed: tuple[int, bytes] | None = None
    failed_attempts: dict[int, int] = field(default_factory=dict)
    delay_until: dict[int, float] = field(default_factory=dict)
    dids: dict[int, bytes] = field(default_factory=dict)
    dtcs: dict[int, DtcState] = field(default_factory=dict)
    dtc_setting_on: bool = True
    communication: tuple[int, int] = (0x00, 0x03)
    routines: dict[int, RoutineRun] = field(default_factory=dict)
    transfer: Transfer | None = None
    memory: dict[str, bytearray] = field(default_factory=dict)
    offline_until: float | None = None
    resets: int = 0
    fault_hits: dict[int, int] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def initial(cls, spec: SimEcuSpec, *, rng_seed: int | None = None) -> SimState:
        """The power-on state of the ECU ``spec`` describes."""
        return cls(
            dids={did: d.value for did, d in spec.dids.items()},
            dtcs={
                code: DtcState(
                    status=d.status & spec.dtc_availability_mask,
                    snapshots=dict(d.snapshots),
                    extended_data=dict(d.extended_data),
                )
                for code, d in spec.dtcs.items()
            },
            memory={r.name: bytearray([r.fill]) * r.size for r in spec.memory},
            rng=random.Random(rng_seed),
        )

    def enter_default_session(self) -> None:
        """What leaving a non-default session undoes (ISO 14229-1 DiagnosticSessionControl)."""
        self.session = DEFAULT_SESSION
        self.relock()
        self.dtc_setting_on = True
        self.communication = (0x00, 0x03)
        self.transfer = None
        for run in self.routines.values():
            run.running = False

    def enter_session(self, session: int) -> None:
        """A DiagnosticSessionControl transition to ``session`` (the same one included).

        Security locks again (ISO 14229-1 DiagnosticSessionControl) and this ECU ends an active
        download with it, since the download was accepted under that security: a client can
        always end a download it abandoned by leaving or re-entering the session.
        """
        if session == DEFAULT_SESSION:
            self.enter_default_session()
            return
        self.relock()
        self.transfer = None
        self.session = session

    def relock(self) -> None:
        """Lock security access again and forget any seed handed out."""
        self.security_level = 0
        self.seed = None

    def power_cycle(self, spec: SimEcuSpec, now: float) -> None:
        """An ECU reset: volatile state back to power-on, silent for ``spec.reset_time``."""
        self.enter_default_session()
        self.routines.clear()
        self.s3_start = None
        self.offline_until = now + spec.reset_time
        self.resets += 1

    def read_memory(self, spec: SimEcuSpec, address: int, size: int) -> bytes:
        """The memory image bytes at ``[address, address + size)``; for assertions on downloads."""
        region = spec.region_for(address, size)
        if region is None:
            raise ValueError(f"0x{address:X}+{size} is not inside one memory region of the ECU")
        start = address - region.address
        return bytes(self.memory[region.name][start : start + size])
