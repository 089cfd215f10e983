"""``diagkit dtc FILE``: list DTCs by status mask (0x19 0x02), optionally clear them (0x14).

``--fail-on confirmed|pending|any`` makes the exit code a check for scripts (1 when such a DTC
is stored). DTCs are shown as the profile's ``dtc.format`` says: hex, or SAE J2012 (P0123-45).
"""

from __future__ import annotations

import argparse
from typing import Any

from diagkit.cli.exitcodes import ExitCode
from diagkit.cli.output import Output
from diagkit.cli.target import Target, add_target_arguments, number, run_on_target

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
PENDING = 0x04
CONFIRMED = 0x08
_SAE_SYSTEMS = "PCBU"  # SAE J2012: the two top bits of the DTC's high byte


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument("--mask", type=number, help="status mask (default: the profile's)")
    parser.add_argument("--clear", action="store_true", help="clear all DTCs afterwards (0x14)")
    parser.add_argument(
        "--fail-on",
        choices=("confirmed", "pending", "any"),
        help="exit 1 when a DTC of this kind is stored (checked before --clear)",
    )
    parser.set_defaults(func=run)


def describe(status: int) -> str:
    """The names of the status bits set in ``status``."""
    return ", ".join(name for bit, name in enumerate(STATUS_BITS) if status >> bit & 1)


def sae_code(dtc: int) -> str:
    """A 3-byte DTC in SAE J2012 form: system letter, four digits, failure type (P0123-45)."""
    high, low, failure_type = dtc >> 16 & 0xFF, dtc >> 8 & 0xFF, dtc & 0xFF
    return f"{_SAE_SYSTEMS[high >> 6]}{high >> 4 & 0x3}{high & 0xF:X}{low:02X}-{failure_type:02X}"


def run(args: argparse.Namespace) -> int:
    return run_on_target(args, "dtc", lambda target, out: report(target, out, args))


def report(target: Target, out: Output, args: argparse.Namespace) -> ExitCode:
    sae = target.profile.dtc.format == "sae"
    dtcs = target.client.read_dtcs(args.mask)
    out.columns("DTC", "status", "meaning")
    for dtc in dtcs:
        status = dtc.status.get_byte_as_int()
        shown = sae_code(dtc.id) if sae else f"{dtc.id:06X}"
        out.add(
            "dtcs",
            {
                "dtc": shown,
                "id": dtc.id,
                "hex": f"0x{dtc.id:06X}",
                "status": status,
                "status_hex": f"0x{status:02X}",
                "status_bits": [n for b, n in enumerate(STATUS_BITS) if status >> b & 1],
            },
        )
        out.row(shown, f"0x{status:02X}", describe(status))
    out.set("count", len(dtcs))
    if not dtcs and not args.json:
        out.line("no DTC stored")
    failed = _failing(dtcs, args.fail_on)
    if args.clear:
        target.client.clear_dtcs()
        out.set("cleared", True)
        out.line("cleared (ClearDiagnosticInformation, group 0xFFFFFF)")
    if failed:
        return out.check_failed(f"{failed} {args.fail_on} DTC(s) stored")
    return ExitCode.OK


def _failing(dtcs: list[Any], fail_on: str | None) -> int:
    if fail_on is None:
        return 0
    if fail_on == "any":
        return len(dtcs)
    bit = CONFIRMED if fail_on == "confirmed" else PENDING
    return sum(1 for dtc in dtcs if dtc.status.get_byte_as_int() & bit)
