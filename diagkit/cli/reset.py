"""``diagkit reset FILE [hard|soft|key_off_on|N]``: ECUReset (0x11)."""

from __future__ import annotations

import argparse

from diagkit.cli.exitcodes import ExitCode
from diagkit.cli.output import Output
from diagkit.cli.target import Target, add_target_arguments, reset_type, run_on_target


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument(
        "type", nargs="?", default="hard", help="hard (default), key_off_on, soft or 0x.."
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_on_target(args, "reset", lambda target, out: reset(target, out, args))


def reset(target: Target, out: Output, args: argparse.Namespace) -> ExitCode:
    kind = reset_type(args.type)
    response = target.client.ecu_reset(kind)
    power_down = response.service_data.powerdown_time
    out.add("results", {"reset_type": kind, "power_down_time_s": power_down})
    out.line(f"ECUReset 0x{kind:02X} accepted")
    return ExitCode.OK
