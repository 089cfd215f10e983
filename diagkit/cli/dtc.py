"""``diagkit dtc FILE``: list DTCs by status mask (0x19 0x02), optionally clear them (0x14)."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console
from rich.table import Table

from diagkit.cli.common import add_target_arguments, load_one_profile

# DTC status bits, ISO 14229-1 D.2
STATUS_BITS = (
    "testFailed",
    "testFailedThisOperationCycle",
    "pendingDTC",
    "confirmedDTC",
    "testNotCompletedSinceLastClear",
    "testFailedSinceLastClear",
    "testNotCompletedThisOperationCycle",
    "warningIndicatorRequested",
)


def add_subparser(subparsers: Any) -> None:
    parser = subparsers.add_parser("dtc", help="read (and clear) diagnostic trouble codes")
    add_target_arguments(parser)
    parser.add_argument(
        "--mask", type=lambda v: int(v, 0), help="status mask (default: the profile's)"
    )
    parser.add_argument("--clear", action="store_true", help="clear all DTCs afterwards (0x14)")
    parser.set_defaults(func=run)


def describe(status: int) -> str:
    """The names of the status bits set in ``status``."""
    return ", ".join(name for bit, name in enumerate(STATUS_BITS) if status >> bit & 1)


def run(args: argparse.Namespace) -> int:
    from diagkit.client.factory import open_client  # noqa: PLC0415

    console = Console(highlight=False)
    with open_client(load_one_profile(args)) as ecu:
        dtcs = ecu.read_dtcs(args.mask)
        table = Table(title=f"{len(dtcs)} DTC(s)", title_justify="left")
        for column in ("DTC", "status", "meaning"):
            table.add_column(column)
        for dtc in dtcs:
            status = dtc.status.get_byte_as_int()
            table.add_row(f"{dtc.id:06X}", f"0x{status:02X}", describe(status))
        console.print(table)
        if args.clear:
            ecu.clear_dtcs()
            console.print("cleared (ClearDiagnosticInformation, group 0xFFFFFF)")
    return 0
