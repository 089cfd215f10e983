"""The command line's ``--trace FILE`` and ``--trace-unmasked``, for every ECU command.

Kept here so the commands' shared target code only calls two functions: one adds the options,
one opens the recording around the command's client.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from diagkit.profile import EcuProfile
    from diagkit.trace.recorder import Recorder
    from diagkit.transport.base import Transport


def add_trace_arguments(parser: argparse.ArgumentParser) -> None:
    """``--trace FILE`` (the suffix chooses the format) and the lab opt-in ``--trace-unmasked``."""
    parser.add_argument(
        "--trace",
        type=Path,
        metavar="FILE",
        help="record the exchange's CAN frames: .pcapng .pcap .asc .blf .log .csv .mf4",
    )
    parser.add_argument(
        "--trace-unmasked",
        action="store_true",
        help="lab benches only: keep SecurityAccess seeds and keys in the trace (masked otherwise)",
    )


def record_from_args(
    args: argparse.Namespace,
    profile: EcuProfile,
    transport: Transport,
    profiles: Sequence[EcuProfile] = (),
) -> AbstractContextManager[Recorder]:
    """The recording ``--trace`` asks for, on the client's own transport.

    ``profiles``, when given, are every ECU the command talks to (a functional request), all
    recorded; else only ``profile``'s ids.
    """
    from diagkit.trace.recorder import record  # noqa: PLC0415

    targets = list(profiles) or [profile]
    return record(targets, args.trace, mask_secrets=not args.trace_unmasked, transport=transport)
