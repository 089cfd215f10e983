"""``diagkit run SEQUENCE (--profile P | --bench B [--ecu NAME ...])``: an end-of-line sequence.

Every ECU runs in a thread of its own (at most ``--jobs`` at once), with a live table on a
terminal and one line per step when piped; ``--junit``/``--json`` write the reports, ``--trace``
the CAN frames, ``--artifacts DIR`` a folder per ECU (:mod:`diagkit.sequence.artifacts`). Ctrl-C or
SIGTERM stops every ECU at its next step boundary (a flash ends its download first), writes
both reports with the steps not run marked unfinished, and exits 130. Exit codes: 0 every step
passed, 1 a step failed, 2 a bad sequence, profile or argument (docs/sequences.md).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from diagkit.errors import ConfigurationError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from diagkit.cli.common import add_backend_argument  # noqa: PLC0415

    parser.add_argument("sequence", type=Path, help="the sequence file (YAML or JSON)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--profile", type=Path, help="run on the ECU of this profile")
    where.add_argument("--bench", type=Path, help="run on every ECU of this bench at once")
    parser.add_argument(
        "--ecu", action="append", default=[], help="only this ECU of the bench (repeatable)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a value for the sequence's ${NAME} (repeatable)",
    )
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write a JSON report")
    parser.add_argument(
        "--trace",
        type=Path,
        metavar="FILE",
        help="record every ECU's CAN frames: .pcapng .pcap .asc .blf .log .csv .mf4",
    )
    parser.add_argument(
        "--artifacts",
        type=Path,
        metavar="DIR",
        help="reports, and per ECU its reports, trace, profile and sequence, in DIR",
    )
    parser.add_argument("--jobs", type=int, help="at most this many ECUs at once (default: all)")
    parser.add_argument(
        "--sim", action="store_true", help="run against the profiles' simulated ECUs, in process"
    )
    parser.add_argument(
        "--stop-on-failure", action="store_true", help="stop every ECU once a step failed"
    )
    parser.add_argument("--interface", help="CAN interface for every ECU instead of the profile's")
    add_backend_argument(parser, "transport backend instead")
    parser.set_defaults(func=run)


def variables(pairs: list[str]) -> dict[str, str]:
    """``--set k=v`` pairs as a mapping; a pair without ``=`` is a usage error."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise ConfigurationError(f"--set {pair}: write NAME=VALUE")
        values[name.strip()] = value
    return values


def run(args: argparse.Namespace) -> int:
    from diagkit.sequence import load_sequence, run_sequence  # noqa: PLC0415
    from diagkit.sequence.artifacts import recording, write_artifacts  # noqa: PLC0415
    from diagkit.sequence.runner import Selection, select  # noqa: PLC0415

    if args.jobs is not None and args.jobs < 1:
        raise ConfigurationError(f"--jobs must be at least 1, got {args.jobs}")
    if args.profile is not None and args.ecu:
        raise ConfigurationError("--ecu picks ECUs of a --bench, not of a --profile")
    loaded = load_sequence(args.sequence)
    chosen = select(args.bench or args.profile, args.ecu)
    profiles = {name: _override(p, args) for name, p in chosen.profiles.items()}
    stop = threading.Event()
    restore = _handle_signals(stop)
    try:
        with (
            recording(profiles, trace=args.trace, artifacts=args.artifacts, simulated=args.sim),
            _display(list(profiles)) as display,
        ):
            result = run_sequence(
                loaded,
                Selection(profiles, chosen.source, chosen.sha256, chosen.known),
                variables=variables(args.set),
                simulated=args.sim,
                jobs=args.jobs,
                stop_on_failure=args.stop_on_failure,
                stop=stop,
                observer=display,
                junit=args.junit,
                json=args.json,
            )
    finally:
        restore()
    if args.artifacts is not None:
        write_artifacts(args.artifacts, result, loaded, profiles)
    print(summary(result), flush=True)
    return result.exit_code


def _override(profile: Any, args: argparse.Namespace) -> Any:
    from diagkit.cli.common import resolve_backend  # noqa: PLC0415

    chosen = profile.with_overrides(interface=args.interface)
    if args.backend is None:
        return chosen
    return chosen.with_overrides(backend=resolve_backend(chosen, args.backend))


def _display(ecus: list[str]) -> Any:
    from diagkit.sequence.display import LineDisplay, LiveDisplay  # noqa: PLC0415

    if sys.stdout.isatty():
        return LiveDisplay(sys.stdout, ecus)
    return LineDisplay(sys.stdout)


def _handle_signals(stop: threading.Event) -> Any:
    """SIGINT and SIGTERM set ``stop``; a second SIGINT interrupts at once. Returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum: int, frame: FrameType | None) -> None:
        del frame
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()
        name = signal.Signals(signum).name
        print(
            f"{name}: stopping every ECU at its next step boundary (Ctrl-C again to abort)",
            file=sys.stderr,
            flush=True,
        )

    for sig in previous:
        signal.signal(sig, handler)

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore


def summary(result: Any) -> str:
    """The last line: how many ECUs passed, which steps failed, and where the reports are."""
    failed = [
        f"{e.name}: {', '.join(s.name for s in e.failed) or e.error}"
        for e in result.ecus
        if not e.passed and (e.failed or e.error)
    ]
    passed = sum(1 for e in result.ecus if e.passed)
    state = "interrupted" if result.interrupted else ("PASSED" if result.passed else "FAILED")
    text = (
        f"{result.sequence}: {state}, {passed} of {len(result.ecus)} ECUs passed "
        f"in {result.duration:.2f} s"
    )
    return text + (f"; failed: {'; '.join(failed)}" if failed else "")
