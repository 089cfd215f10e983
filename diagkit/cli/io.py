"""``diagkit io FILE DID ACTION [VALUE]``: InputOutputControlByIdentifier (0x2F).

ACTION is ISO 14229-1's inputOutputControlParameter: ``return`` (0x00 returnControlToECU),
``reset`` (0x01 resetToDefault), ``freeze`` (0x02 freezeCurrentState) or ``adjust`` (0x03
shortTermAdjustment, which takes VALUE as hex controlState bytes).
"""

from __future__ import annotations

import argparse

from diagkit.cli.exitcodes import ExitCode
from diagkit.cli.output import Output
from diagkit.cli.target import Target, add_target_arguments, did_id, parse_hex, reach, run_on_target

IO_CONTROL = 0x2F
ACTIONS = {"return": 0x00, "reset": 0x01, "freeze": 0x02, "adjust": 0x03}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument("did", help="DID name from the profile, or number")
    parser.add_argument("action", choices=tuple(ACTIONS), help="inputOutputControlParameter")
    parser.add_argument("value", nargs="?", default="", help="controlState as hex, for adjust")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_on_target(args, "io", lambda target, out: control(target, out, args))


def control(target: Target, out: Output, args: argparse.Namespace) -> ExitCode:
    from diagkit.errors import ConfigurationError  # noqa: PLC0415

    profile = target.profile
    number = did_id(profile, args.did)
    parameter = ACTIONS[args.action]
    state = parse_hex(args.value) if args.value else b""
    if parameter == ACTIONS["adjust"] and not state:
        raise ConfigurationError("io ... adjust needs the controlState bytes as hex")
    described = next((d for d in profile.dids if d.id == number), None)
    if described is not None:
        reach(target, out, session=described.session, level=described.security_level)
    request = bytes((IO_CONTROL, number >> 8, number & 0xFF, parameter)) + state
    answer = target.client.request(request, echo=3)
    if answer[1:4] != request[1:4]:  # too short to hold the echo
        from diagkit.errors import InvalidResponseError  # noqa: PLC0415

        raise InvalidResponseError(
            f"InputOutputControlByIdentifier (0x2F): {request[1:4].hex(' ')} not echoed in "
            f"{answer.hex(' ')}"
        )
    record = answer[4:]
    name = described.name if described else f"0x{number:04X}"
    out.add(
        "results",
        {
            "did": f"0x{number:04X}",
            "name": name,
            "action": args.action,
            "control_status": record.hex(" "),
        },
    )
    out.line(f"{name} {args.action}: {record.hex(' ') or '(no controlStatusRecord)'}")
    return ExitCode.OK
