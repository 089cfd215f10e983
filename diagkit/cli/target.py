"""The ECU a command talks to: FILE (profile or bench) + ``--ecu``, overrides, ``--sim``, and names.

Every ECU command takes the same target options. ``--sim`` serves the same profile as a simulated
ECU in this process (over the memory transport) so every command runs without hardware. Names
from the profile are accepted wherever an id is: DIDs, routines, sessions, security levels,
reset types. Preconditions the profile declares (a session, a security level) are reached by
:func:`reach`, which records each step it took. What is not about argparse lives in
:mod:`diagkit.station`, shared with the sequence runner; its names are re-exported here.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from diagkit import station
from diagkit.cli.exitcodes import ExitCode
from diagkit.cli.output import Output, reported
from diagkit.station import (
    RESET_TYPES,
    Target,
    did_id,
    number,
    parse_hex,
    reset_type,
    routine_id,
    security_level,
    session_id,
)

__all__ = [
    "RESET_TYPES",
    "Target",
    "add_target_arguments",
    "did_id",
    "number",
    "open_target",
    "parse_hex",
    "reach",
    "reset_type",
    "routine_id",
    "run_on_target",
    "security_level",
    "session_id",
]


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


@contextmanager
def open_target(args: argparse.Namespace) -> Iterator[Target]:
    """The client for the ECU the command line names, with a simulated ECU behind it for --sim."""
    from diagkit.cli.common import load_one_profile  # noqa: PLC0415

    profile = load_one_profile(args)
    with ExitStack() as stack:
        target = stack.enter_context(station.open_target(profile, simulated=args.sim))
        if getattr(args, "trace", None):
            from diagkit.trace.options import record_from_args  # noqa: PLC0415

            transport = target.client.connection.transport
            stack.enter_context(record_from_args(args, profile, transport))
        yield target


def reach(target: Target, out: Output, *, session: int | None, level: int | None) -> None:
    """Enter ``session`` and unlock ``level`` (see :func:`diagkit.station.reach`).

    Each step taken is reported with :meth:`Output.step` (``-v`` and ``--json`` show them).
    """
    station.reach(target, session=session, level=level, step=out.step)


def run_on_target(
    args: argparse.Namespace,
    command: str,
    body: Callable[[Target, Output], ExitCode | None],
) -> int:
    """Open the target, run ``body``, print the output once; every error becomes its exit code."""

    def opened(out: Output) -> ExitCode | None:
        with open_target(args) as target:
            out.set("ecu", target.describe())
            return body(target, out)

    return reported(args, command, opened)
