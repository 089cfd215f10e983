"""``diagkit simulate FILE``: serve a profile (or every ECU of a bench) as simulated ECUs.

``--trace FILE`` records every frame they and their testers exchange, until the end.
"""

from __future__ import annotations

import argparse
import time
from contextlib import ExitStack

from diagkit.cli.common import add_target_arguments, load_profiles

POLL_INTERVAL = 0.5
"""How soon a serving thread notices the server stopping. Requests are answered as they
arrive whatever it is; at 50 ms, 16 idle ECUs' 32 threads kept 4 % of a (VM's) CPU busy."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from diagkit.trace.options import add_trace_arguments  # noqa: PLC0415

    add_target_arguments(parser)
    add_trace_arguments(parser)
    parser.add_argument(
        "--duration", type=float, help="stop after this many seconds (default: until Ctrl-C)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from diagkit.sim import run_bench  # noqa: PLC0415

    profiles = load_profiles(args)
    with ExitStack() as stack:
        server = stack.enter_context(run_bench(profiles, poll_interval=POLL_INTERVAL))
        if args.trace:  # every frame the simulated ECUs and their testers exchange
            from diagkit.trace import record_profiles  # noqa: PLC0415

            mask = not args.trace_unmasked
            stack.enter_context(record_profiles(profiles, args.trace, mask_secrets=mask))
        for profile in profiles:
            print(f"simulating {profile.name} on {profile.interface} ({profile.backend})")
        deadline = None if args.duration is None else time.monotonic() + args.duration
        while deadline is None or time.monotonic() < deadline:
            remaining = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
            if server.wait(max(remaining, 0.0)):
                break
    return 0
