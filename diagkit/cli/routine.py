"""``diagkit routine FILE ROUTINE start|stop|result [--data HEX]``: RoutineControl (0x31).

The routine's session and security level (from the profile) are reached first.
"""

from __future__ import annotations

import argparse

from diagkit.cli.exitcodes import ExitCode
from diagkit.cli.output import Output
from diagkit.cli.target import (
    Target,
    add_target_arguments,
    parse_hex,
    reach,
    routine_id,
    run_on_target,
)
from diagkit.station import run_routine

ACTIONS = ("start", "stop", "result")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument("routine", help="routine name from the profile, or number (0xFF00)")
    parser.add_argument("action", choices=ACTIONS, help="startRoutine, stopRoutine or results")
    parser.add_argument("--data", default="", help="routineControlOptionRecord as hex")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_on_target(args, "routine", lambda target, out: control(target, out, args))


def control(target: Target, out: Output, args: argparse.Namespace) -> ExitCode:
    profile = target.profile
    number = routine_id(profile, args.routine)
    data = parse_hex(args.data) if args.data else None
    described = next((r for r in profile.routines if r.id == number), None)
    if described is not None:
        reach(target, out, session=described.session, level=described.security_level)
    record = run_routine(target.client, args.action, number, data)
    name = described.name if described else f"0x{number:04X}"
    out.add(
        "results",
        {
            "routine": f"0x{number:04X}",
            "name": name,
            "action": args.action,
            "status_record": record.hex(" "),
        },
    )
    shown = record.hex(" ") or "(no status record)"
    out.line(f"{name} {args.action}: {shown}")
    return ExitCode.OK
