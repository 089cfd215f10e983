"""Checks across the sections of a profile: references, uniqueness, and reachable preconditions.

They run on a complete profile (from the model's validator) and also on the parts of a profile
that parsed when other parts did not (:func:`parts_of`), so one run reports every problem: an
unknown security level is not hidden behind a misspelled key elsewhere. References into a
section whose items did not all parse are only reported when no written item could match.

Preconditions follow ISO 14229-1: SecurityAccess (0x27) and RequestDownload (0x34) are not
available in the default session, and every session change locks the ECU again, so a level
must be unlockable in the very session its DID, routine or memory region needs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from diagkit.codes import ServiceId
from diagkit.errors import ConfigurationError
from diagkit.profile.addressing import AddressingSection
from diagkit.profile.catalogue import (
    DataIdentifier,
    MemoryRegion,
    Routine,
    check_memory,
    check_unique,
)
from diagkit.profile.isotp import IsoTpSection
from diagkit.profile.problems import Path
from diagkit.profile.security import SecurityLevel
from diagkit.profile.simulation import Fault, SimulationSection, service_id
from diagkit.profile.uds import SESSIONS, UdsSection, session_name
from diagkit.profile.values import hex_text, parse_int

Findings = list[tuple[Path, str]]
Item = TypeVar("Item", bound=BaseModel)

DEFAULT_SESSION = SESSIONS["default"]
PROGRAMMING_SESSION = SESSIONS["programming"]


@dataclass(frozen=True)
class Parts:
    """The parsed parts of a profile; list items keyed by their index in the file.

    ``unparsed_*`` hold the names and ids written in items that did not parse (None: the
    section itself did not parse, so any reference into it might be right). A section is
    None when it was written and did not parse.
    """

    dids: Mapping[int, DataIdentifier] = field(default_factory=dict)
    security: Mapping[int, SecurityLevel] = field(default_factory=dict)
    routines: Mapping[int, Routine] = field(default_factory=dict)
    memory: Mapping[int, MemoryRegion] = field(default_factory=dict)
    addressing: AddressingSection | None = None
    isotp: IsoTpSection | None = None
    uds: UdsSection | None = None
    simulation: SimulationSection | None = None
    unparsed_dids: frozenset[str | int] | None = frozenset()
    unparsed_levels: frozenset[str | int] | None = frozenset()
    unparsed_routines: frozenset[str | int] | None = frozenset()


def parts_of(data: Mapping[str, Any]) -> Parts:
    """Every part of a profile's merged data that parses on its own."""
    dids, unparsed_dids = _items(data.get("dids"), DataIdentifier, ("id", "name"))
    security, unparsed_levels = _items(data.get("security"), SecurityLevel, ("level",))
    routines, unparsed_routines = _items(data.get("routines"), Routine, ("id", "name"))
    memory, _ = _items(data.get("memory"), MemoryRegion, ("name",))
    simulation = data.get("simulation")
    return Parts(
        dids=dids,
        security=security,
        routines=routines,
        memory=memory,
        addressing=_section(data, "addressing", AddressingSection),
        isotp=_section(data, "isotp", IsoTpSection),
        uds=_section(data, "uds", UdsSection),
        simulation=None if simulation is None else _section(data, "simulation", SimulationSection),
        unparsed_dids=unparsed_dids,
        unparsed_levels=unparsed_levels,
        unparsed_routines=unparsed_routines,
    )


def _section(data: Mapping[str, Any], key: str, model: type[Item]) -> Item | None:
    if key not in data:
        try:
            return model()  # every field has a default, or this is the required addressing
        except ValidationError:
            return None
    try:
        return model.model_validate(data[key])
    except (ValidationError, RecursionError):
        return None


def _items(
    raw: object, model: type[Item], keys: tuple[str, ...]
) -> tuple[dict[int, Item], frozenset[str | int] | None]:
    if raw is None:
        return {}, frozenset()
    if not isinstance(raw, list | tuple):
        return {}, None
    parsed: dict[int, Item] = {}
    unparsed: set[str | int] = set()
    for index, item in enumerate(raw):
        try:
            parsed[index] = model.model_validate(item)
        except (ValidationError, RecursionError):
            if not isinstance(item, Mapping):
                continue
            for key in keys:
                value = item.get(key)
                if isinstance(value, str):
                    unparsed.add(value)
                with contextlib.suppress(ValueError):
                    unparsed.add(parse_int(value))
    return parsed, frozenset(unparsed)


def check_references(parts: Parts) -> Findings:
    """Every cross-section finding about ``parts`` (paths from the profile's top)."""
    findings: Findings = []
    findings += check_unique(parts.dids, "dids", ("id", "name"))
    findings += check_unique(parts.routines, "routines", ("id", "name"))
    findings += check_unique(parts.security, "security", ("level",))
    findings += check_unique(parts.memory, "memory", ("name",))
    findings += check_memory(
        parts.memory,
        parts.routines,
        None if parts.uds is None else parts.uds.server_address_format,
        None if parts.uds is None else parts.uds.server_memorysize_format,
        unknown_ok=parts.unparsed_routines,
    )
    findings += _check_levels_exist(parts)
    findings += check_sessions(parts)
    if parts.uds is not None and parts.addressing is not None:
        tester = parts.uds.tester_present
        functional = tester.enabled and tester.addressing == "functional"
        if functional and not parts.addressing.has_functional:
            findings.append(
                (
                    ("uds", "tester_present", "addressing"),
                    "functional needs a functional address (addressing.functional_txid "
                    "or addressing.functional_target_address)",
                )
            )
    if parts.simulation is not None:
        findings += _check_simulation(parts, parts.simulation)
    return findings


def _known(unparsed: frozenset[str | int] | None, ref: str | int) -> bool:
    """Whether an item that did not parse may be the one ``ref`` names."""
    return unparsed is None or ref in unparsed


def _check_levels_exist(parts: Parts) -> Findings:
    findings: Findings = []
    levels = {level.level for level in parts.security.values()}
    needs: list[tuple[str, int, int | None]] = [
        ("dids", i, d.security_level) for i, d in parts.dids.items()
    ] + [("routines", i, r.security_level) for i, r in parts.routines.items()]
    for section, index, wanted in needs:
        if (
            wanted is not None
            and wanted not in levels
            and not _known(parts.unparsed_levels, wanted)
        ):
            findings.append(
                (
                    (section, index, "security_level"),
                    f"{hex_text(wanted, 2)} is not a level in security:",
                )
            )
    return findings


session_text = session_name


def check_sessions(parts: Parts) -> Findings:
    """Every DID, routine and memory region must be usable: its security level unlockable in
    the session it needs, and a region's erase, download and check steps in one session."""
    findings: Findings = []
    levels = {level.level: (index, level) for index, level in parts.security.items()}
    for index, level in parts.security.items():
        if level.session == DEFAULT_SESSION:
            findings.append(
                (
                    ("security", index, "session"),
                    "SecurityAccess (0x27) is not available in the default session (ISO "
                    "14229-1; the ECU answers NRC 0x7F): give the session the level is "
                    "unlocked in, e.g. extended or programming",
                )
            )
    users: list[tuple[str, int, str, int | None, int | None]] = [
        ("dids", i, "DID", d.session, d.security_level) for i, d in parts.dids.items()
    ] + [("routines", i, "routine", r.session, r.security_level) for i, r in parts.routines.items()]
    for section, index, what, session, wanted in users:
        if session is None or wanted is None or wanted not in levels:
            continue
        needs = f"this {what} needs the {session_text(session)} session"
        problem = _unlock_problem(levels[wanted], session, needs)
        if problem is not None:
            findings.append(((section, index, "security_level"), problem))
    for index, region in parts.memory.items():
        findings += _check_region(parts, levels, index, region)
    return findings


def _unlock_problem(entry: tuple[int, SecurityLevel], session: int, needs: str) -> str | None:
    """Why level ``entry`` cannot be unlocked in ``session`` (which ``needs`` says who needs),
    or None when it can."""
    index, level = entry
    name = hex_text(level.level, 2)
    if level.session == DEFAULT_SESSION:
        return None  # reported at the level itself
    if session == DEFAULT_SESSION:
        return (
            f"level {name} cannot be unlocked in the default session, and {needs}: "
            "SecurityAccess (0x27) needs a non-default session (ISO 14229-1; NRC 0x7F); "
            f"use session: {session_text(level.session or 0x03)}"
        )
    if level.session is None or level.session == session:
        return None
    return (
        f"level {name} is unlocked only in the {session_text(level.session)} session "
        f"(security[{index}].session), but {needs}; a session change locks the ECU again "
        "(ISO 14229-1), so the unlock would fail with NRC 0x7E: use a level unlocked in "
        f"{session_text(session)}, or make the two sessions agree"
    )


def _find_routine(routines: Mapping[int, Routine], ref: str | int) -> Routine | None:
    return next((r for r in routines.values() if ref in (r.id, r.name)), None)


def _check_region(
    parts: Parts,
    levels: Mapping[int, tuple[int, SecurityLevel]],
    index: int,
    region: MemoryRegion,
) -> Findings:
    """The flash of a region enters the erase (else checksum) routine's session, else
    programming, unlocks the erase (else checksum) routine's level, then erases, downloads and
    checks, all in that one session (as :class:`diagkit.flash.FlashRegion` does)."""
    steps: list[tuple[str, Routine]] = []
    for key in ("erase_routine", "checksum_routine"):
        ref = getattr(region, key)
        routine = None if ref is None else _find_routine(parts.routines, ref)
        if routine is not None:
            steps.append((key, routine))
    if not steps:
        return []
    findings: Findings = []
    source = next(((k, r) for k, r in steps if r.session is not None), None)
    session = PROGRAMMING_SESSION if source is None else source[1].session
    assert session is not None
    why = (
        "the flash default: its routines name no session"
        if source is None
        else f"{source[0]} {source[1].name!r}"
    )
    label = f"the flash of region {region.name!r} runs in the {session_text(session)} session"
    if session == DEFAULT_SESSION and source is not None:
        findings.append(
            (
                ("memory", index, source[0]),
                f"{label} ({why}), where RequestDownload (0x34) is not available (ISO 14229-1; "
                "NRC 0x7F): give the routine session: programming",
            )
        )
        return findings
    level_source = next(((k, r) for k, r in steps if r.security_level is not None), None)
    for key, routine in steps:
        if routine.session is not None and routine.session != session:
            findings.append(
                (
                    ("memory", index, key),
                    f"routine {routine.name!r} needs the {session_text(routine.session)} "
                    f"session, but {label} ({why}) and a session change would lock the ECU "
                    "and end the download: give both routines one session",
                )
            )
        if (
            level_source is not None
            and routine.security_level is not None
            and routine.security_level != level_source[1].security_level
        ):
            findings.append(
                (
                    ("memory", index, key),
                    f"routine {routine.name!r} needs level "
                    f"{hex_text(routine.security_level, 2)}, but the flash unlocks level "
                    f"{hex_text(level_source[1].security_level or 0, 2)} (from "
                    f"{level_source[0]}): give both routines one level",
                )
            )
    if level_source is not None:
        key, routine = level_source
        wanted = routine.security_level
        if wanted is not None and wanted in levels and routine.session is None:
            # (with a session of its own, the routine's problem is reported at the routine)
            problem = _unlock_problem(levels[wanted], session, f"{label} ({why})")
            if problem is not None:
                findings.append((("memory", index, key), problem))
    return findings


def _find_did(dids: Mapping[int, DataIdentifier], ref: str | int) -> DataIdentifier | None:
    return next((d for d in dids.values() if ref in (d.id, d.name)), None)


def _check_simulation(parts: Parts, simulation: SimulationSection) -> Findings:
    findings: Findings = []
    for ref, value in simulation.dids.items():
        did = _find_did(parts.dids, ref)
        if did is None:
            if not _known(parts.unparsed_dids, ref):
                findings.append((("simulation", "dids", ref), unknown_did(ref)))
            continue
        try:
            did.codec.encode(value)
        except ConfigurationError as exc:
            findings.append((("simulation", "dids", ref), f"{did.name}: {exc}"))
    for index, fault in enumerate(simulation.faults):
        if fault.did is None:
            continue
        routine = is_routine_control(fault)
        if routine:
            found = _find_routine(parts.routines, fault.did) is not None
            unparsed = parts.unparsed_routines
        else:
            found = _find_did(parts.dids, fault.did) is not None
            unparsed = parts.unparsed_dids
        if not found and not _known(unparsed, fault.did):
            what, section = ("routine", "routines") if routine else ("DID", "dids")
            shown = hex_text(fault.did, 4) if isinstance(fault.did, int) else repr(fault.did)
            findings.append(
                (
                    ("simulation", "faults", index, "did"),
                    f"{what} {shown} is not defined in {section}:",
                )
            )
    block = simulation.max_block_length
    if parts.isotp is not None and block is not None and block > parts.isotp.max_pdu_size:
        findings.append(
            (
                ("simulation", "max_block_length"),
                f"{block} is more than isotp.max_pdu_size ({parts.isotp.max_pdu_size}): "
                "a TransferData request that long could not be sent",
            )
        )
    return findings


def unknown_did(ref: str | int) -> str:
    """The message for a DID reference that names no DID."""
    shown = hex_text(ref, 4) if isinstance(ref, int) else repr(ref)
    return f"DID {shown} is not defined in dids:"


def is_routine_control(fault: Fault) -> bool:
    """Whether a fault's ``did`` names a routine (its service is RoutineControl)."""
    return service_id(fault.service) == ServiceId.RoutineControl
