"""The ``diagkit`` command: one module per subcommand, errors as ``error: ...`` and exit 1.

Tracebacks are shown only with ``--debug``; ``-v`` turns on INFO logging (one line per exchange),
``-vv`` DEBUG (hex dumps of every PDU).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from diagkit.errors import DiagkitError

# Subcommand modules, each with add_subparser(subparsers) setting func=run(args) -> int.
COMMANDS = ("demo", "simulate", "profile", "read", "dtc", "flash")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="diagkit", description="UDS diagnostics over ISO-TP (kernel, userspace or memory)."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log exchanges (-v) and PDUs (-vv)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"diagkit.cli.{name}")
        module.add_subparser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.verbose:
        level = logging.DEBUG if args.verbose > 1 else logging.INFO
        logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        status: int = args.func(args)
    except DiagkitError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return status
