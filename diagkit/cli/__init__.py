"""The ``diagkit`` command: one module per subcommand, imported only when that command runs.

Each module has ``add_arguments(parser)`` setting ``func=run(args) -> int``; the table below
gives each command's one-line help, so ``diagkit --help`` imports no command at all. Errors print
``error: ...`` and exit with the code of :mod:`diagkit.cli.exitcodes` (tracebacks with
``--debug``); ``-v`` turns on INFO logging (one line per exchange), ``-vv`` DEBUG (every PDU).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

# command -> (module under diagkit.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "run a simulated ECU and a short diagnostic session against it"),
    "read": ("read", "read DIDs (ReadDataByIdentifier 0x22)"),
    "write": ("write", "write a DID (WriteDataByIdentifier 0x2E)"),
    "dtc": ("dtc", "read (and clear) diagnostic trouble codes"),
    "session": ("session", "change the diagnostic session (DiagnosticSessionControl 0x10)"),
    "reset": ("reset", "reset the ECU (ECUReset 0x11)"),
    "unlock": ("unlock", "unlock a security level (SecurityAccess 0x27)"),
    "routine": ("routine", "control a routine (RoutineControl 0x31)"),
    "io": ("io", "control an input/output (InputOutputControlByIdentifier 0x2F)"),
    "tester-present": ("tester_present", "send TesterPresent (0x3E) periodically until stopped"),
    "send": ("send", "send a raw request and print the raw answer"),
    "scan": ("scan", "find the ECUs on a bus, and the services and DIDs one answers"),
    "flash": (
        "flash",
        "download a firmware file (binary, Intel HEX, S-record) into an ECU region",
    ),
    "run": ("run", "run an end-of-line sequence on one ECU or a whole bench, with reports"),
    "simulate": ("simulate", "answer like the ECUs of a profile or bench until stopped"),
    "profile": ("profile", "check, dump or export ECU profiles"),
    "trace": ("trace", "print a recorded CAN trace (pcapng, asc, blf...) decoded as UDS"),
}
_GLOBAL_FLAGS = {"--debug", "-v", "--verbose", "-vv", "-vvv", "-h", "--help"}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; only ``command``'s module is imported (all of them with ``"*"``)."""
    parser = argparse.ArgumentParser(
        prog="diagkit", description="UDS diagnostics over ISO-TP (kernel, userspace or memory)."
    )
    _add_global_flags(parser, argparse.SUPPRESS)
    parser.set_defaults(debug=False, verbose=0)
    # The same flags after the command (`diagkit read ... -v`); unset there, they keep the above.
    common = argparse.ArgumentParser(add_help=False)
    _add_global_flags(common, argparse.SUPPRESS)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(
            name, help=help_text, description=help_text, parents=[common]
        )
        if command in (name, "*"):
            module = importlib.import_module(f"diagkit.cli.{module_name}")
            module.add_arguments(sub)
    return parser


def _add_global_flags(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--debug", action="store_true", default=default, help="show tracebacks on errors"
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default,
        help="log exchanges (-v) and PDUs (-vv)",
    )


def chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is not a global flag)."""
    for word in argv:
        if word in _GLOBAL_FLAGS or (word.startswith("-v") and set(word[1:]) == {"v"}):
            continue
        return word if word in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(chosen_command(words))
    args = parser.parse_args(words)
    if args.command is None:
        parser.print_help()
        return 2
    if args.verbose:
        level = logging.DEBUG if args.verbose > 1 else logging.INFO
        logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from diagkit.cli.exitcodes import exit_code  # noqa: PLC0415
    from diagkit.errors import DiagkitError  # noqa: PLC0415

    try:
        status: int = args.func(args)
    except DiagkitError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return int(exit_code(exc))
    except KeyboardInterrupt as exc:
        print("interrupted", file=sys.stderr)
        return int(exit_code(exc))
    return status
