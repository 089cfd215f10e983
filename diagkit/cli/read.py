"""``diagkit read FILE DID...``: read data identifiers by name or number, decoded by the profile.

Each DID's session (from the profile) is entered first. ``--raw`` reads DIDs the profile does
not describe and shows their bytes; ``--json`` gives value, unit and raw hex per DID.
"""

from __future__ import annotations

import argparse
from typing import Any

from diagkit.cli.exitcodes import ExitCode
from diagkit.cli.output import Output
from diagkit.cli.target import (
    Target,
    add_target_arguments,
    did_id,
    reach,
    run_on_target,
    security_level,
    session_id,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument("dids", nargs="+", help="DID names from the profile, or numbers (0xF190)")
    parser.add_argument(
        "--raw", action="store_true", help="show the bytes; also for DIDs the profile lacks"
    )
    parser.add_argument("--session", help="enter this session first (name or number)")
    parser.add_argument("--unlock", metavar="LEVEL", help="unlock this security level first")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_on_target(args, "read", lambda target, out: read(target, out, args))


def read(target: Target, out: Output, args: argparse.Namespace) -> ExitCode:
    profile = target.profile
    reach(
        target,
        out,
        session=session_id(profile, args.session) if args.session else None,
        level=security_level(profile, args.unlock) if args.unlock else None,
    )
    out.columns("DID", "value", "unit")
    for text in args.dids:
        number = did_id(profile, text)
        described = next((d for d in profile.dids if d.id == number), None)
        if described is None and not args.raw:
            known = ", ".join(d.name for d in profile.dids) or "none"
            from diagkit.errors import ConfigurationError  # noqa: PLC0415

            raise ConfigurationError(
                f"DID {text} (0x{number:04X}) is not in the profile (its DIDs: {known}); "
                "add --raw to read its bytes"
            )
        reach(target, out, session=described.session if described else None, level=None)
        name = described.name if described else f"0x{number:04X}"
        value: Any
        if described is None or args.raw:
            data = target.client.read_did_data(number)
            value, unit = data.hex(" "), ""
        else:
            value, data = target.client.read_did_record(number)
            unit = getattr(described.codec, "unit", "") or ""
        out.add(
            "results",
            {
                "did": f"0x{number:04X}",
                "name": name,
                "value": value if not isinstance(value, bytes) else value.hex(" "),
                "unit": unit,
                "raw": data.hex(" "),
            },
        )
        out.row(name, _shown(value), unit)
    return ExitCode.OK


def _shown(value: Any) -> str:
    if isinstance(value, bytes):
        return value.hex(" ")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
