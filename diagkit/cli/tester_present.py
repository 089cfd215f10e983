"""``diagkit tester-present FILE``: TesterPresent (0x3E 0x00) every ``--interval`` until stopped.

Each request waits for its ``7E 00``, so a silent ECU ends the command with exit code 4;
``--count N`` stops after N requests (a script's "is it there?" is ``--count 1``).
"""

from __future__ import annotations

import argparse
import time

from diagkit.cli.exitcodes import ExitCode
from diagkit.cli.output import Output
from diagkit.cli.target import Target, add_target_arguments, run_on_target


def _seconds(text: str) -> float:
    from diagkit.errors import ConfigurationError  # noqa: PLC0415

    stripped = text.strip().lower()
    scale = 1.0
    if stripped.endswith("ms"):
        stripped, scale = stripped[:-2], 0.001
    elif stripped.endswith("s"):
        stripped = stripped[:-1]
    try:
        value = float(stripped) * scale
    except ValueError:
        raise ConfigurationError(f"{text!r} is not a time (write 2s or 500ms)") from None
    if not value > 0:
        raise ConfigurationError(f"the interval must be more than 0 s, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument(
        "--interval", type=_seconds, help="time between requests (default: the profile's)"
    )
    parser.add_argument("--count", type=int, help="stop after this many requests")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_on_target(args, "tester-present", lambda target, out: keep(target, out, args))


def keep(target: Target, out: Output, args: argparse.Namespace) -> ExitCode:
    interval = args.interval or target.profile.uds.tester_present.interval
    sent = 0
    try:
        while args.count is None or sent < args.count:
            if sent:
                time.sleep(interval)
            start = time.monotonic()
            target.client.tester_present()
            sent += 1
            elapsed = (time.monotonic() - start) * 1000.0
            out.add("results", {"n": sent, "response_ms": round(elapsed, 2)})
            if not args.json:
                print(f"7E 00 in {elapsed:.1f} ms", flush=True)
    except KeyboardInterrupt:
        pass  # stopping is the normal end without --count
    out.set("sent", sent)
    return ExitCode.OK
