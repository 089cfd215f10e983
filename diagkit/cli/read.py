"""``diagkit read FILE DID...``: read data identifiers by name or number, decoded by the profile."""

from __future__ import annotations

import argparse
from typing import Any

from diagkit.cli.common import add_target_arguments, load_one_profile


def add_subparser(subparsers: Any) -> None:
    parser = subparsers.add_parser("read", help="read DIDs (ReadDataByIdentifier 0x22)")
    add_target_arguments(parser)
    parser.add_argument("dids", nargs="+", help="DID names from the profile, or numbers (0xF190)")
    parser.add_argument("--session", type=lambda v: int(v, 0), help="switch to this session first")
    parser.add_argument(
        "--unlock", type=lambda v: int(v, 0), metavar="LEVEL", help="security level to unlock first"
    )
    parser.set_defaults(func=run)


def did_ref(text: str) -> int | str:
    """A DID as the user typed it: a number (decimal or 0x hex) or a profile name."""
    try:
        return int(text, 0)
    except ValueError:
        return text


def run(args: argparse.Namespace) -> int:
    from diagkit.client.factory import open_client  # noqa: PLC0415

    with open_client(load_one_profile(args)) as ecu:
        if args.session is not None:
            ecu.change_session(args.session)
        if args.unlock is not None:
            ecu.unlock(args.unlock)
        for text in args.dids:
            print(f"{text} = {ecu.read_did(did_ref(text))!r}")
    return 0
