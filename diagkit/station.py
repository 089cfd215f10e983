"""What the tools share to work on one ECU: open it (or its simulation), name things, reach states.

The command line, the sequence runner (:mod:`diagkit.sequence`) and test benches use the same
functions: :func:`open_target` opens a client for a profile, with the profile's simulated ECU
served in this process over a memory pair (:func:`open_simulated`) when ``simulated``; names
from the profile are accepted wherever an id is (DIDs, routines, sessions, security levels,
reset types); :func:`reach` enters the session and unlocks the level an action needs,
reporting each step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from diagkit.errors import ConfigurationError

if TYPE_CHECKING:
    from diagkit.client import EcuClient
    from diagkit.profile import EcuProfile
    from diagkit.sim import SimEcu, SimServer

# ISO 14229-1 table 34: ECUReset resetType
RESET_TYPES = {"hard": 0x01, "key_off_on": 0x02, "soft": 0x03}
DEFAULT_SESSION = 0x01


def number(text: str) -> int:
    """An integer as typed: decimal or 0x hex."""
    try:
        return int(text, 0)
    except ValueError:
        raise ConfigurationError(f"{text!r} is not a number (write 17 or 0x11)") from None


def session_id(profile: EcuProfile, text: str) -> int:
    """A session by ISO name (default, programming, extended, safety_system) or number."""
    from diagkit.profile.uds import SESSIONS  # noqa: PLC0415

    return _iso_name_or_number(text, SESSIONS, "session")


def security_level(profile: EcuProfile, text: str) -> int:
    """An odd RequestSeed level, by number or by the name the profile gives it (any case)."""
    named = {level.name.lower(): level.level for level in profile.security if level.name}
    known = [f"0x{lv.level:02X} ({lv.name})" for lv in profile.security]
    key = text.strip().lower()
    return _named_or_number(text, named, (0x01, 0x7E), "security level", known, key=key)


def routine_id(profile: EcuProfile, text: str) -> int:
    """A routine identifier by the profile's name or by number."""
    named = {routine.name: routine.id for routine in profile.routines}
    known = [f"{r.name} (0x{r.id:04X})" for r in profile.routines]
    return _named_or_number(text, named, (0, 0xFFFF), "routine", known)


def did_id(profile: EcuProfile, text: str) -> int:
    """A DID by the profile's name or by number."""
    named = {did.name: did.id for did in profile.dids}
    known = [f"{d.name} (0x{d.id:04X})" for d in profile.dids]
    return _named_or_number(text, named, (0, 0xFFFF), "DID", known)


def _named_or_number(
    text: str,
    named: Mapping[str, int],
    limits: tuple[int, int],
    what: str,
    known: list[str],
    *,
    key: str | None = None,
) -> int:
    """``named[key]`` (``key`` defaults to ``text``), else ``text`` as a number in ``limits``."""
    lookup = text if key is None else key
    if lookup in named:
        return named[lookup]
    value = _number_or_none(text)
    if value is None or not limits[0] <= value <= limits[1]:
        article = "an" if what[0] in "aeiouAEIOU" else "a"
        listed = ", ".join(known) or "none"
        raise ConfigurationError(f"{text!r} is not {article} {what} (the profile's: {listed})")
    return value


def reset_type(text: str) -> int:
    """An ECUReset resetType by ISO name (hard, soft, key_off_on) or number."""
    return _iso_name_or_number(text, RESET_TYPES, "reset type")


def _iso_name_or_number(text: str, names: Mapping[str, int], what: str) -> int:
    """``names[text]`` (any case), else ``text`` as a sub-function number 0x01-0x7F."""
    key = text.strip().lower()
    if key in names:
        return names[key]
    value = _number_or_none(text)
    if value is None or not 0x01 <= value <= 0x7F:
        raise ConfigurationError(
            f"{text!r} is not a {what}: use {', '.join(names)} or a number 0x01-0x7F"
        )
    return value


def parse_hex(text: str) -> bytes:
    """Bytes written as hex, with or without spaces, colons or a 0x prefix: ``22 F1 90``."""
    cleaned = text.replace(" ", "").replace(":", "").replace("_", "")
    if cleaned[:2].lower() == "0x":
        cleaned = cleaned[2:]
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise ConfigurationError(f"{text!r} is not hex bytes (write 22 F1 90)") from None


def _number_or_none(text: str) -> int | None:
    try:
        return int(text.strip(), 0)
    except ValueError:
        return None


def parse_value(codec: Any, text: str) -> Any:
    """``text`` as the value ``codec.encode`` takes: numbers (with the codec's unit), strings, hex.

    ``850rpm`` and ``850 rpm`` are 850 for a codec in rpm; a different unit is refused. Enum
    codecs take a name or a number, byte codecs hex (``A1 B2`` or ``0xA1B2``).
    """
    kind = getattr(codec, "type", "")
    if kind in ("ascii", "utf8"):
        return text
    if kind in ("bytes", "hex"):
        return parse_hex(text)
    if kind == "enum":
        if text in getattr(codec, "values", {}).values():
            return text
        return _integer(text, codec)
    if kind == "scaled":
        return parse_physical(text, str(getattr(codec, "unit", "") or ""))
    if kind in ("uint", "int", "bcd"):
        return _integer(text, codec)
    return text


def _integer(text: str, codec: Any) -> int:
    try:
        return int(text.strip(), 0)
    except ValueError:
        raise ConfigurationError(
            f"{text!r} is not an integer for a {codec.describe()} (write 17 or 0x11)"
        ) from None


def parse_physical(text: str, unit: str) -> float | int:
    """A number, optionally followed by ``unit`` (``850rpm``, ``850 rpm``); another unit fails."""
    stripped = text.strip()
    if unit and stripped.endswith(unit):
        stripped = stripped[: -len(unit)].strip()
    try:
        value = float(stripped)
    except ValueError:
        shown = f" in {unit}" if unit else ""
        raise ConfigurationError(
            f"{text!r} is not a number{shown} (write e.g. 850{unit or ''})"
        ) from None
    return int(value) if value.is_integer() else value


@dataclass
class Target:
    """An open client, the profile it was built from, and the state reached so far."""

    profile: EcuProfile
    client: EcuClient
    simulated: bool
    session: int = DEFAULT_SESSION
    unlocked: set[int] = field(default_factory=set)

    def describe(self) -> dict[str, Any]:
        """The ECU as JSON output and reports name it."""
        profile = self.profile
        return {
            "name": profile.name,
            "interface": "(simulated)" if self.simulated else profile.interface,
            "backend": "memory" if self.simulated else profile.backend,
            "address": self.client.address,
            "simulated": self.simulated,
        }


@contextmanager
def open_target(profile: EcuProfile, *, simulated: bool = False) -> Iterator[Target]:
    """A client for ``profile``'s ECU; with ``simulated``, the profile's simulated ECU answers
    in this process (over a memory pair, served by a thread of its own)."""
    from diagkit.client.factory import open_client  # noqa: PLC0415

    with ExitStack() as stack:
        if simulated:
            from diagkit.sim import SimEcu, spec_from_profile  # noqa: PLC0415
            from diagkit.sim.from_profile import simulation_environ  # noqa: PLC0415

            environ = simulation_environ([profile])
            sim = SimEcu(spec_from_profile(profile, environ=environ))
            client, server = open_simulated(profile, sim, environ=environ)
            stack.callback(server.stop)
            stack.enter_context(client)
        else:
            client = stack.enter_context(open_client(profile))
        yield Target(profile, client, simulated=simulated)


def open_simulated(
    profile: EcuProfile,
    sim: SimEcu,
    *,
    environ: Mapping[str, str] | None = None,
    poll_interval: float = 0.01,
) -> tuple[EcuClient, SimServer]:
    """A client of ``profile`` and the started server of ``sim`` on the two ends of a memory
    pair carrying PDUs as large as the profile's transport does. Close both when done."""
    from diagkit.client.factory import open_client  # noqa: PLC0415
    from diagkit.profile import transport_config  # noqa: PLC0415
    from diagkit.sim import SimServer  # noqa: PLC0415
    from diagkit.transport.memory import MemoryTransport  # noqa: PLC0415

    client_end, ecu_end = MemoryTransport.pair(max_pdu_size=transport_config(profile).max_pdu_size)
    server = SimServer(poll_interval=poll_interval).add(sim, ecu_end, owned=True).start()
    try:
        return open_client(profile, transport=client_end, environ=environ), server
    except BaseException:
        server.stop()
        raise


def run_routine(client: EcuClient, action: str, routine: int, data: bytes | None) -> bytes:
    """RoutineControl ``action`` (start, stop or result: sub-functions 0x01-0x03) of
    ``routine``; the routineStatusRecord the ECU answered."""
    call = {
        "start": client.start_routine,
        "stop": client.stop_routine,
        "result": client.routine_result,
    }[action]
    return call(routine, data)


def reach(
    target: Target,
    *,
    session: int | None,
    level: int | None,
    step: Callable[[str], None] | None = None,
) -> None:
    """Enter ``session`` and unlock ``level`` (with the session the level needs) if not yet done.

    ``step`` is told each step taken, in words.
    """
    profile = target.profile
    if level is not None:
        for entry in profile.security:
            if entry.level == level and entry.session is not None and session is None:
                session = entry.session
    if session is not None and session != target.session:
        target.client.change_session(session)
        target.session = session
        target.unlocked.clear()
        if step is not None:
            step(f"DiagnosticSessionControl 0x{session:02X}")
    if level is not None and level not in target.unlocked:
        target.client.unlock(level)
        target.unlocked.add(level)
        if step is not None:
            step(f"SecurityAccess level 0x{level:02X} unlocked")
