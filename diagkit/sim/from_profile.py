"""Build a :class:`SimEcuSpec` from an :class:`~diagkit.profile.EcuProfile`, so the simulated ECU
answers with the same identity, DIDs, codecs, security, routines and memory a client expects.

Initial DID values come from the profile's ``simulation.dids`` (encoded with each DID's codec),
else the first all-zero, all-space or all-'0' record the codec accepts. Keys are computed with
the algorithm the profile names (looked up in :mod:`diagkit.security` when a key is checked, so
an unset ``key_env`` only matters once that level is used). A region's erase and checksum
routines erase it (to its ``erased_value``) and check it as its ``checksum`` says (algorithm,
covered bytes, option record); download into a region needs the security level of its erase
routine. A DID's ``session`` applies to reading and writing, as the profile
documents it. ``simulation.faults`` become :class:`~diagkit.sim.faults.Fault` values (for
routine_control a fault's ``did`` names a routine); ``truncate: true`` drops one byte,
``late: true`` answers after twice the client's P2 plus 0.1 s. RequestDownload announces
``simulation.max_block_length``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from diagkit.errors import ConfigurationError, DiagkitError
from diagkit.profile.simulation import service_id
from diagkit.sim.faults import Fault, Faults
from diagkit.sim.routines import ROUTINE_OK, RoutineAction, check_crc32, erase_memory, fixed
from diagkit.sim.spec import (
    DEFAULT_MAX_BLOCK_LENGTH,
    EXTENDED_SESSION,
    PROGRAMMING_SESSION,
    DidSpec,
    DtcSpec,
    MemoryRegionSpec,
    RoutineSpec,
    SecurityLevelSpec,
    SimEcuSpec,
)

if TYPE_CHECKING:
    from diagkit.profile import EcuProfile
    from diagkit.profile.catalogue import DataIdentifier, Routine
    from diagkit.profile.security import SecurityLevel
    from diagkit.profile.simulation import Fault as ProfileFault

KeyAlgorithm = Callable[[int, bytes, Mapping[str, Any]], bytes]
"""``(level, seed, params) -> key``, e.g. ``diagkit.security.get(name).compute_key``."""

EXTENDED_DATA_RECORD = 0x01
LATE_MARGIN = 0.1
"""A ``late: true`` answer comes this long after twice the client's P2."""


def spec_from_profile(
    profile: EcuProfile,
    *,
    algorithms: Callable[[str], KeyAlgorithm] | None = None,
    environ: Mapping[str, str] | None = None,
) -> SimEcuSpec:
    """The simulated ECU a client using ``profile`` expects.

    ``algorithms`` resolves an algorithm name (default: the :mod:`diagkit.security` registry);
    ``environ`` replaces ``os.environ`` for ``key_env`` lookups.
    """
    resolve = algorithms if algorithms is not None else _registry_algorithm
    simulation = profile.simulation
    initial = dict(simulation.dids) if simulation is not None else {}
    dids = {d.id: _did_spec(d, _initial_value(d, initial)) for d in profile.dids}
    levels = {level.level: _security_level(level, resolve, environ) for level in profile.security}
    routine_actions, region_security = _memory(profile)
    routines = {
        r.id: RoutineSpec(
            routine_actions.get(r.id, fixed(ROUTINE_OK, ROUTINE_OK)),
            sessions=None if r.session is None else frozenset({r.session}),
            security=r.security_level,
        )
        for r in profile.routines
    }
    memory = tuple(
        MemoryRegionSpec(
            r.name, r.address, r.size, security=region_security.get(r.name), fill=r.erased_value
        )
        for r in profile.memory
    )
    block = None if simulation is None else simulation.max_block_length
    return SimEcuSpec(
        name=profile.name,
        dids=MappingProxyType(dids),
        security_levels=MappingProxyType(levels),
        routines=MappingProxyType(routines),
        memory=memory,
        dtcs=MappingProxyType(_dtcs(profile)),
        p2=profile.uds.p2,
        p2_star=profile.uds.p2_star,
        max_block_length=DEFAULT_MAX_BLOCK_LENGTH if block is None else block,
        faults=_faults(profile),
    )


def _registry_algorithm(name: str) -> KeyAlgorithm:
    from diagkit import security  # noqa: PLC0415 (only needed once a key is checked)

    return security.get(name).compute_key


def _initial_value(did: DataIdentifier, initial: Mapping[str | int, object]) -> bytes:
    for ref in (did.name, did.id):
        if ref in initial:
            return did.codec.encode(initial[ref])
    size = did.codec.byte_length
    for candidate in (bytes(size), b" " * size, b"0" * size):
        try:
            did.codec.decode(candidate)
        except DiagkitError:
            continue
        return candidate
    raise ConfigurationError(
        f"DID {did.name} (0x{did.id:04X}) needs an initial value in simulation.dids: "
        f"its codec accepts no all-zero record"
    )


def _did_spec(did: DataIdentifier, value: bytes) -> DidSpec:
    sessions = None if did.session is None else frozenset({did.session})

    def valid(record: bytes) -> bool:
        try:
            did.codec.decode(record)
        except DiagkitError:
            return False
        return True

    return DidSpec(
        value,
        writable=did.writable,
        read_sessions=sessions,
        write_sessions=sessions,
        write_security=did.security_level,
        validate=valid,
    )


def _security_level(
    level: SecurityLevel,
    resolve: Callable[[str], KeyAlgorithm],
    environ: Mapping[str, str] | None,
) -> SecurityLevelSpec:
    def key(odd_level: int, seed: bytes) -> bytes:
        return resolve(level.algorithm)(odd_level, seed, level.resolved_params(environ))

    sessions = (
        frozenset({level.session})
        if level.session is not None
        else frozenset({PROGRAMMING_SESSION, EXTENDED_SESSION})
    )
    return SecurityLevelSpec(key, sessions=sessions)


def _memory(profile: EcuProfile) -> tuple[dict[int, RoutineAction], dict[str, int | None]]:
    actions: dict[int, RoutineAction] = {}
    security: dict[str, int | None] = {}
    for region in profile.memory:
        if region.erase_routine is not None:
            routine = _routine(profile, region.erase_routine)
            actions[routine.id] = erase_memory(region.name)
            security[region.name] = routine.security_level
        if region.checksum_routine is not None:
            routine = _routine(profile, region.checksum_routine)
            actions[routine.id] = check_crc32(region.name, region.checksum)
    return actions, security


def _routine(profile: EcuProfile, ref: str | int) -> Routine:
    for routine in profile.routines:
        if ref in (routine.id, routine.name):
            return routine
    raise ConfigurationError(f"profile {profile.name}: no routine {ref!r}")


def _dtcs(profile: EcuProfile) -> dict[int, DtcSpec]:
    if profile.simulation is None:
        return {}
    dtc = profile.dtc
    out: dict[int, DtcSpec] = {}
    for entry in profile.simulation.dtcs:
        size = dtc.extended_data_sizes.get(entry.code, dtc.extended_data_size)
        extended = {EXTENDED_DATA_RECORD: bytes(size)} if size else {}
        out[entry.code] = DtcSpec(status=entry.status, extended_data=MappingProxyType(extended))
    return out


def _faults(profile: EcuProfile) -> Faults:
    if profile.simulation is None:
        return Faults()
    return Faults(*(_fault(profile, f) for f in profile.simulation.faults))


def _fault(profile: EcuProfile, fault: ProfileFault) -> Fault:
    return Fault(
        service=service_id(fault.service),
        did=profile.fault_target(fault),
        delay=fault.delay or 0.0,
        nrc=fault.nrc,
        pending=fault.pending,
        pending_interval=fault.pending_interval,
        no_answer=fault.no_answer,
        truncate=1 if fault.truncate else 0,
        wrong_sid=fault.wrong_sid,
        late=2 * profile.uds.p2 + LATE_MARGIN if fault.late else None,
        reset_after_blocks=fault.reset_after_blocks,
        times=fault.times,
    )


SIMULATION_KEY = "000102030405060708090a0b0c0d0e0f"
"""The key a simulated bench uses for every ``key_env`` left unset: made up, never a real one."""


def simulation_environ(profiles: Iterable[EcuProfile]) -> dict[str, str]:
    """The environment with :data:`SIMULATION_KEY` for every ``key_env`` that is not set.

    A simulated ECU and its client both read keys from it, so simulations run without the
    bench's real keys; a key that is set in the environment is used as it is.
    """
    environ = dict(os.environ)
    for profile in profiles:
        for level in profile.security:
            if level.key_env is not None and not environ.get(level.key_env):
                environ[level.key_env] = SIMULATION_KEY
    return environ
