"""``diagkit session FILE NAME``: DiagnosticSessionControl (0x10) by ISO name or number."""

from __future__ import annotations

import argparse
from typing import Any

from diagkit.cli.exitcodes import ExitCode
from diagkit.cli.output import Output
from diagkit.cli.target import Target, add_target_arguments, run_on_target, session_id


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument("session", help="default, programming, extended, safety_system or 0x..")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_on_target(args, "session", lambda target, out: change(target, out, args))


def change(target: Target, out: Output, args: argparse.Namespace) -> ExitCode:
    session = session_id(target.profile, args.session)
    response = target.client.change_session(session)
    data = response.service_data
    result: dict[str, Any] = {"session": session, "session_hex": f"0x{session:02X}"}
    if data.p2_server_max is not None:
        result["p2_server_max_s"] = data.p2_server_max
        result["p2_star_server_max_s"] = data.p2_star_server_max
    out.add("results", result)
    timing = ""
    if data.p2_server_max is not None and data.p2_star_server_max is not None:
        timing = (
            f" (P2 {data.p2_server_max * 1000:g} ms, P2* {data.p2_star_server_max * 1000:g} ms)"
        )
    out.line(f"session 0x{session:02X} entered{timing}")
    return ExitCode.OK
