"""``diagkit send FILE HEX``: one raw request, the raw answer printed; ``--functional`` gathers all.

The answer is printed as hex (and in ``--json`` with the NRC named). With ``--functional`` the
request goes to the functional address and every ECU that answers is listed with its answer: a
bench file gathers all its ECUs, a profile its one ECU.
"""

from __future__ import annotations

import argparse

from diagkit.cli.exitcodes import ExitCode
from diagkit.cli.output import Output
from diagkit.cli.target import Target, add_target_arguments, parse_hex, run_on_target


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument("request", help="the request as hex: 22 F1 90")
    parser.add_argument(
        "--functional", action="store_true", help="send to the functional address, gather all"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.functional:
        from diagkit.cli.functional import run_functional  # noqa: PLC0415

        return run_functional(args)
    return run_on_target(args, "send", lambda target, out: send(target, out, args))


def send(target: Target, out: Output, args: argparse.Namespace) -> ExitCode:
    from diagkit.errors import NegativeResponseError  # noqa: PLC0415

    request = parse_hex(args.request)
    try:
        answer = target.client.request(request)
    except NegativeResponseError as exc:
        response = bytes(getattr(exc, "response", b""))
        out.add("results", {"request": request.hex(" "), "response": response.hex(" ")})
        out.line(response.hex(" "))
        raise
    out.add("results", {"request": request.hex(" "), "response": answer.hex(" ")})
    out.line(answer.hex(" "))
    return ExitCode.OK
