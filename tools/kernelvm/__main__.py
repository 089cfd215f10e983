"""Command line: ``python -m tools.kernelvm [--setup|--info] [--rw DIR]... [--] CMD ARGS...``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from . import EXIT_VM_FAILURE, SetupError, VmConfig, VmConfigError, run, setup
from .config import parse_interfaces

PROG = "kernelvm"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tools.kernelvm",
        description="Run CMD as root in a QEMU VM with kernel CAN ISO-TP and vcan interfaces."
        " Exit status: CMD's own, 124 when a timer ended it, 125 when the VM failed."
        " Settings come from DIAGKIT_VM_* variables (see docs/kernel-vm.md).",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--setup", action="store_true", help="only install, download and build")
    mode.add_argument("--info", action="store_true", help="print kernel and cache, build if needed")
    p.add_argument(
        "--rw",
        action="append",
        metavar="DIR",
        help="share DIR read-write at the same path (repeatable; default: the current directory)",
    )
    p.add_argument("--no-rw", action="store_true", help="share nothing read-write")
    p.add_argument("--timeout", type=float, help="seconds CMD may run (DIAGKIT_VM_TIMEOUT)")
    p.add_argument("--ifaces", help='vcan interfaces, e.g. "vcan0:16 vcan1:72" (DIAGKIT_VM_IFACES)')
    p.add_argument("cmd", nargs=argparse.REMAINDER, help="command and arguments")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    cmd = list(args.cmd)
    if cmd[:1] == ["--"]:
        cmd = cmd[1:]
    logging.basicConfig(level=logging.INFO, format=f"{PROG}: %(message)s")
    try:
        cfg = VmConfig.from_env()
        interfaces = parse_interfaces(args.ifaces) if args.ifaces is not None else None
    except VmConfigError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    if args.setup or args.info:
        try:
            image = setup(cfg)
        except SetupError as exc:
            print(f"{PROG}: VM setup failed: {exc}", file=sys.stderr)
            return EXIT_VM_FAILURE
        if args.info:
            print(f"kernel package: {image.package}")
            print(f"kernel release: {image.kernel_release}")
            print(f"cache: {cfg.cache_dir}")
            print(f"image: {image.directory}")
        return 0
    if not cmd:
        _parser().print_usage(sys.stderr)
        return 2
    rw = [] if args.no_rw else (args.rw or [os.getcwd()])
    result = run(cmd, rw_dirs=rw, interfaces=interfaces, timeout=args.timeout, config=cfg)
    if result.status.name != "EXITED":
        print(f"{PROG}: {result.status.value}: {result.reason}", file=sys.stderr)
        if result.console_tail:
            print(f"{PROG}: guest console tail:\n{result.console_tail}", file=sys.stderr)
    elif cfg.verbose:
        print(
            f"{PROG}: {result.kernel_release} on {result.machine},"
            f" boot {result.boot_time or 0:.2f}s, wall {result.wall_time:.2f}s",
            file=sys.stderr,
        )
    return result.cli_exit_code


if __name__ == "__main__":
    sys.exit(main())
