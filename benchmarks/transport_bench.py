"""Transport benchmark: diagkit's KernelTransport against a bare kernel ISO-TP socket.

Both sides talk to the same bare-socket peer process (``_peer.py``) and use the same kernel
options (KernelTransport always sets WAIT_TX_DONE, so the bare socket does too): the difference
is diagkit's own cost. Each case runs ``--trials`` pairs of back-to-back trials, alternating
which side goes first, and reports the medians and the median of the per-pair ratios, in wall
time (rate) and in CPU time of the measuring process (robust to a noisy machine: the peer's time
is not in it). Needs kernel CAN_ISOTP: run it inside the project's VM from the repository root::

    python -m tools.kernelvm -- .venv/bin/python benchmarks/transport_bench.py
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from diagkit.transport.address import Address, AddressingMode
from diagkit.transport.kernel import KernelTransport
from diagkit.transport.options import (
    FRAME_TXTIME_ZERO,
    GeneralOptions,
    LinkLayerOptions,
    LinkLayerProtocol,
    SocketOptions,
)

sys.path.insert(0, str(Path(__file__).parent))
from _peer import WAIT_TX_DONE, bare_socket

BLOCK = 4093  # TransferData payload per request with maxNumberOfBlockLength 4095
WARM_UP = 20  # untimed exchanges before each trial
Exchange = Callable[[bytes], bytes]
Work = Callable[[Exchange], int]


@dataclass(frozen=True)
class Case:
    name: str
    iface: str
    fd: bool
    txtime_zero: bool
    work: Work


@dataclass(frozen=True)
class Trial:
    rate: float  # units per wall-clock second
    cpu: float  # CPU seconds of this process per unit


@contextmanager
def peer(case: Case) -> Iterator[None]:
    """The bare-socket ECU process for one case: started once, stopped by an ECUReset."""
    process = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).parent / "_peer.py"),
            case.iface,
            "fd" if case.fd else "classic",
            "txtime0" if case.txtime_zero else "default",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("benchmark peer did not start")
        yield
        with bare(case) as exchange:
            exchange(b"\x11\x01")
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def bare(case: Case) -> Iterator[Exchange]:
    """A plain Python socket with the transport's kernel options (WAIT_TX_DONE included)."""
    sock: socket.socket = bare_socket(
        case.iface, 0x7E0, 0x7E8, case.fd, case.txtime_zero, flags=WAIT_TX_DONE
    )
    sock.settimeout(2.0)

    def exchange(pdu: bytes) -> bytes:
        sock.send(pdu)
        return sock.recv(8400)

    try:
        yield exchange
    finally:
        sock.close()


@contextmanager
def ours(case: Case) -> Iterator[Exchange]:
    """diagkit's KernelTransport with the same options as the bare socket."""
    general = GeneralOptions(frame_txtime_ns=FRAME_TXTIME_ZERO if case.txtime_zero else 0)
    link = LinkLayerOptions(LinkLayerProtocol.CAN_FD, tx_dl=64) if case.fd else LinkLayerOptions()
    address = Address(AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8)
    with KernelTransport(case.iface, address, SocketOptions(general, link_layer=link)) as t:

        def exchange(pdu: bytes) -> bytes:
            t.send(pdu)
            answer = t.recv(2.0)
            if answer is None:
                raise TimeoutError("benchmark peer did not answer within 2 s")
            return answer

        yield exchange


def trial(case: Case, side: Callable[[Case], AbstractContextManager[Exchange]]) -> Trial:
    """One timed run of the case's work on one side, after a warm-up."""
    with side(case) as exchange:
        for _ in range(WARM_UP):
            exchange(b"\x22\xf1\x90")
        cpu, wall = time.process_time(), time.perf_counter()
        units = case.work(exchange)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Trial(units / wall, cpu / units)


def run_case(case: Case, trials: int) -> tuple[list[Trial], list[Trial]]:
    """``trials`` pairs of (bare, diagkit) trials, alternating which goes first."""
    bares: list[Trial] = []
    diagkits: list[Trial] = []
    with peer(case):
        for index in range(trials):
            if index % 2:
                diagkits.append(trial(case, ours))
                bares.append(trial(case, bare))
            else:
                bares.append(trial(case, bare))
                diagkits.append(trial(case, ours))
    return bares, diagkits


def read_did_loop(count: int) -> Work:
    """ReadDataByIdentifier 0xF190 round trips; the unit is one round trip."""

    def work(exchange: Exchange) -> int:
        for _ in range(count):
            exchange(b"\x22\xf1\x90")
        return count

    return work


def transfer_loop(total: int) -> Work:
    """TransferData of ``total`` bytes in 4093-byte blocks; the unit is one payload byte."""
    payload = bytes(range(256)) * (BLOCK // 256 + 1)

    def work(exchange: Exchange) -> int:
        sent, seq = 0, 1
        while sent < total:
            chunk = payload[: min(BLOCK, total - sent)]
            exchange(bytes([0x36, seq]) + chunk)
            sent += len(chunk)
            seq = (seq + 1) & 0xFF
        return sent

    return work


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classic", default="vcan0", help="classic CAN interface")
    parser.add_argument("--fd", default="vcan1", help="CAN FD interface (mtu 72)")
    parser.add_argument("--trials", type=int, default=5, help="pairs of trials per case")
    parser.add_argument("--round-trips", type=int, default=1000, help="per trial")
    parser.add_argument("--bytes", type=int, default=1 << 20, help="per transfer trial")
    args = parser.parse_args()
    kib = args.bytes // 1024
    slow_kib = kib // 4  # 50 us between frames: a quarter keeps the run short
    rounds = read_did_loop(args.round_trips)
    cases = [
        Case("ReadDID round trips/s, classic", args.classic, False, False, rounds),
        Case("ReadDID round trips/s, CAN FD", args.fd, True, False, rounds),
        Case(
            f"{kib} KiB TransferData B/s, classic, frame_txtime 0",
            args.classic,
            False,
            True,
            transfer_loop(args.bytes),
        ),
        Case(
            f"{slow_kib} KiB TransferData B/s, classic, kernel default 50 us",
            args.classic,
            False,
            False,
            transfer_loop(slow_kib * 1024),
        ),
        Case(
            f"{kib} KiB TransferData B/s, CAN FD, frame_txtime 0",
            args.fd,
            True,
            True,
            transfer_loop(args.bytes),
        ),
    ]
    print(f"median of {args.trials} alternating pairs of trials per case")
    print(f"{'case':56} {'bare socket':>12} {'diagkit':>12} {'ratio':>6} {'CPU ratio':>9}")
    for case in cases:
        bares, diagkits = run_case(case, args.trials)
        ratio = statistics.median(d.rate / b.rate for b, d in zip(bares, diagkits, strict=True))
        cpu = statistics.median(b.cpu / d.cpu for b, d in zip(bares, diagkits, strict=True))
        print(
            f"{case.name:56} {statistics.median(b.rate for b in bares):12.0f} "
            f"{statistics.median(d.rate for d in diagkits):12.0f} {ratio:6.2f} {cpu:9.2f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
