"""``diagkit flash PROFILE --region NAME FILE``: download a firmware file into an ECU region.

Shows a progress bar (bytes, rate, time left) on stderr and ends with one line on stdout:
size, time and throughput. Failures print ``error: ...`` naming the step, block, address and
NRC, and whether the region was left erased or partially written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from diagkit.cli.common import add_target_arguments, load_one_profile
from diagkit.errors import ConfigurationError

if TYPE_CHECKING:
    from diagkit.flash import FlashResult, Progress


def _int(text: str) -> int:
    """An integer in decimal or with a 0x/0o/0b prefix."""
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (e.g. 0x08004000)") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from diagkit.trace.options import add_trace_arguments  # noqa: PLC0415

    add_target_arguments(parser)
    add_trace_arguments(parser)
    parser.add_argument("image", type=Path, metavar="FIRMWARE", help="the firmware file")
    parser.add_argument(
        "--region", required=True, help="the profile's memory region to flash (memory: name)"
    )
    parser.add_argument("--no-erase", action="store_true", help="skip the erase routine")
    parser.add_argument("--no-verify", action="store_true", help="skip the checksum routine")
    parser.add_argument(
        "--format",
        choices=("bin", "ihex", "srec"),
        help="firmware file format (default: by suffix: .hex, .s19/.s28/.s37/.srec, else bin)",
    )
    parser.add_argument(
        "--address", type=_int, help="start address of a raw binary (default: the region's start)"
    )
    parser.add_argument(
        "--fill",
        type=_int,
        metavar="BYTE",
        help="pad the image to the region's end (e.g. 0xFF); a whole-region checksum needs no "
        "padding: bytes beyond the image count as the region's erased_value",
    )
    parser.set_defaults(func=run)


@contextmanager
def progress_bar(label: str) -> Iterator[Progress]:
    """A rich progress bar on stderr (bytes, rate, time left), as a flash progress callback."""
    from rich.console import Console  # noqa: PLC0415 (only flashing draws progress)
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        DownloadColumn,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )
    from rich.progress import Progress as ProgressBar  # noqa: PLC0415

    bar = ProgressBar(
        TextColumn(f"flashing {label}"),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )
    with bar:
        task = bar.add_task("flash", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield progress


def run(args: argparse.Namespace) -> int:
    from diagkit.client.factory import open_client  # noqa: PLC0415
    from diagkit.flash import FlashRegion, flash, load_image  # noqa: PLC0415

    profile = load_one_profile(args)
    region = FlashRegion.from_profile(profile, args.region)
    image = load_image(args.image, format=args.format)
    address = args.address
    if image.address is not None:
        if address is not None and address != image.address:
            raise ConfigurationError(
                f"--address 0x{address:X} contradicts {args.image}, which starts at "
                f"0x{image.address:X}"
            )
        address = image.address
    with ExitStack() as stack:
        client = stack.enter_context(open_client(profile))
        if args.trace:
            from diagkit.trace.options import record_from_args  # noqa: PLC0415

            stack.enter_context(record_from_args(args, profile, client.connection.transport))
        progress = stack.enter_context(progress_bar(region.label))
        try:
            result = flash(
                client,
                region,
                image.data,
                progress=progress,
                erase=not args.no_erase,
                verify=not args.no_verify,
                address=address,
                fill=args.fill,
                max_block_length=profile.isotp.max_pdu_size,
            )
        except KeyboardInterrupt:
            print(
                f"flash of {region.label} interrupted: the region may be erased or partially "
                "written; flash it again before resetting the ECU",
                file=sys.stderr,
            )
            raise
    print(summary(result))
    return 0


def summary(result: FlashResult) -> str:
    """The final line: what was written where, how long it took, how fast, what was checked."""
    steps = [
        "erased" if result.erased else "not erased",
        "verified" if result.verified else "not verified",
    ]
    retries = f", {result.retries} blocks repeated" if result.retries else ""
    padding = (
        f" ({result.size - result.padding} bytes of image, {result.padding} of fill)"
        if result.padding
        else ""
    )
    return (
        f"flashed {result.size} bytes into {result.region} at 0x{result.address:X}{padding} in "
        f"{result.total_seconds:.2f} s ({result.blocks} blocks of up to "
        f"{result.max_block_length - 2} bytes, {result.rate / 1024:.1f} KiB/s){retries}; "
        + ", ".join(steps)
    )
