"""What a simulated ECU offers, as frozen values: DIDs, security, routines, memory, DTCs, timing.

A :class:`SimEcuSpec` is all the protocol logic needs to answer like a real server; it is built
directly in Python or from a profile (:mod:`diagkit.sim.from_profile`). Session numbers are the
ISO 14229-1 ``diagnosticSessionType`` values (0x01 default, 0x02 programming, 0x03 extended).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from diagkit.codes import ServiceId
from diagkit.errors import ConfigurationError
from diagkit.sim.faults import Faults

if TYPE_CHECKING:
    from diagkit.sim.routines import RoutineAction

DEFAULT_SESSION = 0x01
PROGRAMMING_SESSION = 0x02
EXTENDED_SESSION = 0x03

DEFAULT_MAX_BLOCK_LENGTH = 0x0402
"""maxNumberOfBlockLength when none is configured: 1 KiB of data plus SID and counter."""

Sessions = frozenset[int] | None
"""Sessions in which something is allowed; ``None`` means every session."""

KeyFunction = Callable[[int, bytes], bytes]
"""``(level, seed) -> key``: the key the ECU expects for the odd RequestSeed ``level``."""

DidValidator = Callable[[bytes], bool]
"""Whether a written data record is a legal value (False answers requestOutOfRange)."""


def allowed(sessions: Sessions, session: int) -> bool:
    """True when ``session`` is one of ``sessions`` (``None`` allows every session)."""
    return sessions is None or session in sessions


@dataclass(frozen=True)
class ServiceSpec:
    """Where a service is available: its sessions (else 0x7F) and the security it needs (0x33)."""

    sessions: Sessions = None
    security: int | None = None


@dataclass(frozen=True)
class DidSpec:
    """One data identifier: its initial raw value and who may read or write it."""

    value: bytes
    writable: bool = False
    read_sessions: Sessions = None
    read_security: int | None = None
    write_sessions: Sessions = None
    write_security: int | None = None
    variable_length: bool = False
    validate: DidValidator | None = None


@dataclass(frozen=True)
class SecurityLevelSpec:
    """A SecurityAccess level: the odd RequestSeed value, its key function and anti-hammering."""

    key: KeyFunction
    seed_size: int = 4
    sessions: Sessions = frozenset({PROGRAMMING_SESSION, EXTENDED_SESSION})
    max_attempts: int = 3
    delay: float = 10.0
    fixed_seed: bytes | None = None


@dataclass(frozen=True)
class RoutineSpec:
    """A RoutineControl routine: access rules, what start does and how long it takes."""

    action: RoutineAction
    sessions: Sessions = None
    security: int | None = None
    duration: float = 0.0
    stoppable: bool = True
    has_results: bool = True


@dataclass(frozen=True)
class MemoryRegionSpec:
    """A region of the ECU's memory image; downloads must fit entirely inside one region."""

    name: str
    address: int
    size: int
    writable: bool = True
    security: int | None = None
    fill: int = 0xFF

    @property
    def end(self) -> int:
        """First address after the region."""
        return self.address + self.size

    def contains(self, address: int, size: int) -> bool:
        """True when ``[address, address + size)`` lies inside this region."""
        return self.address <= address and address + size <= self.end


@dataclass(frozen=True)
class DtcSpec:
    """A DTC the ECU supports, with its status byte, snapshot and extended data records.

    ``snapshots`` maps a DTCSnapshotRecordNumber to its ``(DID, data)`` pairs;
    ``extended_data`` maps a DTCExtDataRecordNumber to its raw bytes.
    """

    status: int = 0x00
    snapshots: Mapping[int, tuple[tuple[int, bytes], ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    extended_data: Mapping[int, bytes] = field(default_factory=lambda: MappingProxyType({}))


def default_services() -> Mapping[int, ServiceSpec]:
    """Services and their sessions as most ECUs configure them (common OEM practice)."""
    non_default = frozenset({PROGRAMMING_SESSION, EXTENDED_SESSION})
    programming = frozenset({PROGRAMMING_SESSION})
    return MappingProxyType(
        {
            ServiceId.DiagnosticSessionControl: ServiceSpec(),
            ServiceId.ECUReset: ServiceSpec(),
            ServiceId.ClearDiagnosticInformation: ServiceSpec(),
            ServiceId.ReadDTCInformation: ServiceSpec(),
            ServiceId.ReadDataByIdentifier: ServiceSpec(),
            ServiceId.SecurityAccess: ServiceSpec(non_default),
            ServiceId.CommunicationControl: ServiceSpec(non_default),
            ServiceId.WriteDataByIdentifier: ServiceSpec(),
            ServiceId.RoutineControl: ServiceSpec(),
            ServiceId.RequestDownload: ServiceSpec(programming),
            ServiceId.TransferData: ServiceSpec(programming),
            ServiceId.RequestTransferExit: ServiceSpec(programming),
            ServiceId.TesterPresent: ServiceSpec(),
            ServiceId.ControlDTCSetting: ServiceSpec(non_default),
        }
    )


@dataclass(frozen=True)
class SimEcuSpec:
    """Everything the simulated ECU answers from; changing it means building a new one.

    Timing is in seconds: ``p2``/``p2_star`` are the server's P2server_max and P2*server_max
    announced in the DiagnosticSessionControl response, ``s3`` the session timeout,
    ``reset_time`` how long the ECU stays silent after an ECUReset.
    ``max_block_length`` is the maxNumberOfBlockLength announced by RequestDownload (it counts
    the TransferData SID and block sequence counter). ``sessions`` maps each session the ECU
    offers to the sessions it may be entered from (``None``: any; otherwise 0x7E).
    ``security_levels`` are keyed by their odd RequestSeed value; a level "needed" by a DID,
    routine, region or service must be the one unlocked.
    """

    name: str = "ecu"
    services: Mapping[int, ServiceSpec] = field(default_factory=default_services)
    sessions: Mapping[int, Sessions] = field(
        default_factory=lambda: MappingProxyType(
            {DEFAULT_SESSION: None, PROGRAMMING_SESSION: None, EXTENDED_SESSION: None}
        )
    )
    dids: Mapping[int, DidSpec] = field(default_factory=lambda: MappingProxyType({}))
    security_levels: Mapping[int, SecurityLevelSpec] = field(
        default_factory=lambda: MappingProxyType({})
    )
    routines: Mapping[int, RoutineSpec] = field(default_factory=lambda: MappingProxyType({}))
    memory: tuple[MemoryRegionSpec, ...] = ()
    dtcs: Mapping[int, DtcSpec] = field(default_factory=lambda: MappingProxyType({}))
    dtc_availability_mask: int = 0xFF
    dtc_format: int = 0x01
    reset_types: frozenset[int] = frozenset({0x01, 0x02, 0x03})
    reset_time: float = 0.05
    p2: float = 0.050
    p2_star: float = 5.0
    s3: float = 5.0
    max_block_length: int = DEFAULT_MAX_BLOCK_LENGTH
    max_dids_per_read: int | None = None
    max_response_length: int = 4095
    faults: Faults = field(default_factory=Faults)

    def __post_init__(self) -> None:
        if not 0 < self.p2 <= 0xFFFF / 1000:
            raise ConfigurationError(f"p2 must be within 0..65.535 s, got {self.p2}")
        if not 0 < self.p2_star <= 0xFFFF / 100:
            raise ConfigurationError(f"p2_star must be within 0..655.35 s, got {self.p2_star}")
        if self.max_block_length < 3:
            raise ConfigurationError(
                "max_block_length counts SID and block counter, so it must be 3 or more, "
                f"got {self.max_block_length}"
            )
        for level in self.security_levels:
            if level % 2 == 0 or not 0x01 <= level <= 0x7D:
                raise ConfigurationError(
                    f"security level 0x{level:02X} must be an odd RequestSeed value 0x01-0x7D"
                )
        for did, spec in self.dids.items():
            if not 0 <= did <= 0xFFFF:
                raise ConfigurationError(f"DID {did!r} is not a 16-bit identifier")
            if not spec.value and not spec.variable_length:
                raise ConfigurationError(f"DID 0x{did:04X} has an empty fixed-length value")

    def region_for(self, address: int, size: int) -> MemoryRegionSpec | None:
        """The memory region holding ``[address, address + size)`` entirely, if any."""
        for region in self.memory:
            if region.contains(address, size):
                return region
        return None
