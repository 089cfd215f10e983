"""``diagkit write FILE DID VALUE``: WriteDataByIdentifier (0x2E), the value encoded by the profile.

The DID's session and security level (from the profile) are reached first; the value is parsed
the way its codec reads it (numbers with the codec's unit, strings, hex).
"""

from __future__ import annotations

import argparse

from diagkit.cli.exitcodes import ExitCode
from diagkit.cli.output import Output
from diagkit.cli.target import Target, add_target_arguments, did_id, reach, run_on_target


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument("did", help="DID name from the profile, or number (0xF190)")
    parser.add_argument("value", help="the value: 850rpm, WVWZZZ1JZXW000001, A1 B2...")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_on_target(args, "write", lambda target, out: write(target, out, args))


def write(target: Target, out: Output, args: argparse.Namespace) -> ExitCode:
    from diagkit.cli.values import parse_value  # noqa: PLC0415
    from diagkit.errors import ConfigurationError  # noqa: PLC0415

    profile = target.profile
    number = did_id(profile, args.did)
    described = next((d for d in profile.dids if d.id == number), None)
    if described is None:
        raise ConfigurationError(
            f"DID {args.did} (0x{number:04X}) is not in the profile: its codec is needed to "
            "encode the value (use `diagkit send` for raw bytes)"
        )
    if not described.writable:
        raise ConfigurationError(
            f"DID {described.name} (0x{number:04X}) is not writable in the profile"
        )
    value = parse_value(described.codec, args.value)
    data = described.codec.encode(value)
    reach(target, out, session=described.session, level=described.security_level)
    target.client.write_did(number, value)
    out.add(
        "results",
        {"did": f"0x{number:04X}", "name": described.name, "value": value, "raw": data.hex(" ")},
    )
    out.line(f"{described.name} written: {args.value} ({data.hex(' ')})")
    return ExitCode.OK
