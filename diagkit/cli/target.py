"""The ECU a command talks to: FILE (profile or bench) + ``--ecu``, overrides, ``--sim``, and names.

Every ECU command takes the same target options. ``--sim`` serves the same profile as a simulated
ECU in this process (over the memory transport) so every command runs without hardware. Names
from the profile are accepted wherever an id is: DIDs, routines, sessions, security levels,
reset types. Preconditions the profile declares (a session, a security level) are reached by
:func:`reach`, which records each step it took.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from diagkit.cli.exitcodes import ExitCode
from diagkit.cli.output import Output
from diagkit.errors import ConfigurationError

if TYPE_CHECKING:
    from diagkit.client import EcuClient
    from diagkit.profile import EcuProfile

# ISO 14229-1 table 34: ECUReset resetType
RESET_TYPES = {"hard": 0x01, "key_off_on": 0x02, "soft": 0x03}
_DEFAULT_SESSION = 0x01


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """FILE (a profile or a bench) plus --ecu, --interface, --backend, --sim and --json."""
    from diagkit.cli.common import add_target_arguments as add_file  # noqa: PLC0415

    add_file(parser)
    parser.add_argument(
        "--sim",
        action="store_true",
        help="talk to a simulated ECU built from the same profile, in this process",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document on stdout, nothing else"
    )
    from diagkit.trace.options import add_trace_arguments  # noqa: PLC0415

    add_trace_arguments(parser)


def number(text: str) -> int:
    """An integer as typed: decimal or 0x hex."""
    try:
        return int(text, 0)
    except ValueError:
        raise ConfigurationError(f"{text!r} is not a number (write 17 or 0x11)") from None


def session_id(profile: EcuProfile, text: str) -> int:
    """A session by ISO name (default, programming, extended, safety_system) or number."""
    from diagkit.profile.uds import SESSIONS  # noqa: PLC0415

    if text.strip().lower() in SESSIONS:
        return SESSIONS[text.strip().lower()]
    value = _number_or_none(text)
    if value is None or not 0x01 <= value <= 0x7F:
        raise ConfigurationError(
            f"{text!r} is not a session: use {', '.join(SESSIONS)} or a number 0x01-0x7F"
        )
    return value


def security_level(profile: EcuProfile, text: str) -> int:
    """An odd RequestSeed level, by number or by the name the profile gives it."""
    for level in profile.security:
        if level.name and text.strip().lower() == level.name.lower():
            return level.level
    value = _number_or_none(text)
    if value is None or not 0x01 <= value <= 0x7E:
        known = ", ".join(f"0x{lv.level:02X} ({lv.name})" for lv in profile.security) or "none"
        raise ConfigurationError(f"{text!r} is not a security level (the profile's: {known})")
    return value


def routine_id(profile: EcuProfile, text: str) -> int:
    """A routine identifier by the profile's name or by number."""
    for routine in profile.routines:
        if text == routine.name:
            return routine.id
    value = _number_or_none(text)
    if value is None or not 0 <= value <= 0xFFFF:
        known = ", ".join(f"{r.name} (0x{r.id:04X})" for r in profile.routines) or "none"
        raise ConfigurationError(f"{text!r} is not a routine (the profile's: {known})")
    return value


def did_id(profile: EcuProfile, text: str) -> int:
    """A DID by the profile's name or by number."""
    for did in profile.dids:
        if text == did.name:
            return did.id
    value = _number_or_none(text)
    if value is None or not 0 <= value <= 0xFFFF:
        known = ", ".join(f"{d.name} (0x{d.id:04X})" for d in profile.dids) or "none"
        raise ConfigurationError(f"{text!r} is not a DID (the profile's: {known})")
    return value


def reset_type(text: str) -> int:
    """An ECUReset resetType by ISO name (hard, soft, key_off_on) or number."""
    if text.strip().lower() in RESET_TYPES:
        return RESET_TYPES[text.strip().lower()]
    value = _number_or_none(text)
    if value is None or not 0x01 <= value <= 0x7F:
        raise ConfigurationError(
            f"{text!r} is not a reset type: use {', '.join(RESET_TYPES)} or a number 0x01-0x7F"
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


@dataclass
class Target:
    """An open client, the profile it was built from, and the state reached so far."""

    profile: EcuProfile
    client: EcuClient
    simulated: bool
    session: int = _DEFAULT_SESSION
    unlocked: set[int] = field(default_factory=set)

    def describe(self) -> dict[str, Any]:
        """The ECU as the JSON output names it."""
        profile = self.profile
        return {
            "name": profile.name,
            "interface": "(simulated)" if self.simulated else profile.interface,
            "backend": "memory" if self.simulated else profile.backend,
            "address": self.client.address,
            "simulated": self.simulated,
        }


@contextmanager
def open_target(args: argparse.Namespace) -> Iterator[Target]:
    """The client for the ECU the command line names, with a simulated ECU behind it for --sim."""
    from diagkit.cli.common import load_one_profile  # noqa: PLC0415
    from diagkit.client.factory import open_client  # noqa: PLC0415

    profile = load_one_profile(args)
    with ExitStack() as stack:
        if args.sim:
            from diagkit.sim import SimEcu, SimServer, spec_from_profile  # noqa: PLC0415
            from diagkit.sim.from_profile import simulation_environ  # noqa: PLC0415
            from diagkit.transport.memory import MemoryTransport  # noqa: PLC0415

            environ = simulation_environ([profile])
            client_end, ecu_end = MemoryTransport.pair()
            server = SimServer(poll_interval=0.01).add(
                SimEcu(spec_from_profile(profile, environ=environ)), ecu_end, owned=True
            )
            stack.enter_context(server.start())
            client = stack.enter_context(
                open_client(profile, transport=client_end, environ=environ)
            )
        else:
            client = stack.enter_context(open_client(profile))
        if getattr(args, "trace", None):
            from diagkit.trace.options import record_from_args  # noqa: PLC0415

            stack.enter_context(record_from_args(args, profile, client.connection.transport))
        yield Target(profile, client, simulated=args.sim)


def reach(target: Target, out: Output, *, session: int | None, level: int | None) -> None:
    """Enter ``session`` and unlock ``level`` (with the session the level needs) if not yet done.

    Each step taken is reported with :meth:`Output.step` (``-v`` and ``--json`` show them).
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
        out.step(f"DiagnosticSessionControl 0x{session:02X}")
    if level is not None and level not in target.unlocked:
        target.client.unlock(level)
        target.unlocked.add(level)
        out.step(f"SecurityAccess level 0x{level:02X} unlocked")


def run_on_target(
    args: argparse.Namespace,
    command: str,
    body: Callable[[Target, Output], ExitCode | None],
) -> int:
    """Open the target, run ``body``, print the output once; every error becomes its exit code."""
    from diagkit.errors import DiagkitError  # noqa: PLC0415

    out = Output(command, json_mode=args.json, verbose=args.verbose)
    code: ExitCode | None = ExitCode.OK
    try:
        with open_target(args) as target:
            out.set("ecu", target.describe())
            code = body(target, out)
    except DiagkitError as exc:
        if args.debug:
            raise
        code = out.fail(exc)
    except KeyboardInterrupt as exc:
        code = out.fail(exc)
    out.finish()
    return int(code or ExitCode.OK)
