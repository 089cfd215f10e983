"""``diagkit unlock FILE LEVEL``: SecurityAccess (0x27) with the profile's algorithm.

The level's session (from the profile) is entered first. Seeds and keys are never printed.
"""

from __future__ import annotations

import argparse

from diagkit.cli.exitcodes import ExitCode
from diagkit.cli.output import Output
from diagkit.cli.target import Target, add_target_arguments, reach, run_on_target, security_level


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument("level", help="the odd RequestSeed level (0x01) or its name")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_on_target(args, "unlock", lambda target, out: unlock(target, out, args))


def unlock(target: Target, out: Output, args: argparse.Namespace) -> ExitCode:
    level = security_level(target.profile, args.level)
    reach(target, out, session=None, level=level)
    out.add("results", {"level": level, "level_hex": f"0x{level:02X}", "unlocked": True})
    out.line(f"security level 0x{level:02X} unlocked")
    return ExitCode.OK
