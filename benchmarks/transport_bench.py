"""Transport benchmark: diagkit's KernelTransport against a bare kernel ISO-TP socket.

Both sides talk to the same bare-socket peer process (``_peer.py``) in the same run, so the
figures are ratios, robust to the machine's noise. Needs kernel CAN_ISOTP: run it inside the
project's VM from the repository root::

    python -m tools.kernelvm -- .venv/bin/python benchmarks/transport_bench.py
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from collections.abc import Callable
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
from _peer import bare_socket

BLOCK = 4093  # TransferData payload per request with maxNumberOfBlockLength 4095


def start_peer(iface: str, fd: bool, txtime_zero: bool) -> subprocess.Popen[str]:
    """Start the bare-socket ECU process and wait until it listens."""
    peer = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "_peer.py"), iface,
         "fd" if fd else "classic", "txtime0" if txtime_zero else "default"],
        stdout=subprocess.PIPE, text=True,
    )
    assert peer.stdout is not None
    if peer.stdout.readline().strip() != "ready":
        raise RuntimeError("benchmark peer did not start")
    return peer


def diagkit_transport(iface: str, fd: bool, txtime_zero: bool) -> KernelTransport:
    """diagkit's transport with the same options as the bare socket."""
    general = GeneralOptions(frame_txtime_ns=FRAME_TXTIME_ZERO if txtime_zero else 0)
    link = LinkLayerOptions(mtu=LinkLayerProtocol.CAN_FD, tx_dl=64) if fd else LinkLayerOptions()
    address = Address(AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8)
    return KernelTransport(iface, address, SocketOptions(general=general, link_layer=link))


def run_case(
    iface: str, fd: bool, txtime_zero: bool, work: Callable[[Callable[[bytes], bytes]], int]
) -> tuple[float, float]:
    """Run ``work`` once over a bare socket and once over KernelTransport; (bare, ours) rates."""
    rates = []
    for kind in ("bare", "diagkit"):
        peer = start_peer(iface, fd, txtime_zero)
        try:
            if kind == "bare":
                sock = bare_socket(iface, 0x7E0, 0x7E8, fd, txtime_zero)
                sock.settimeout(2.0)

                def exchange_bare(pdu: bytes, sock: socket.socket = sock) -> bytes:
                    sock.send(pdu)
                    return sock.recv(8400)

                start = time.perf_counter()
                units = work(exchange_bare)
                elapsed = time.perf_counter() - start
                sock.send(b"\x11\x01")
                sock.recv(8400)
                sock.close()
            else:
                with diagkit_transport(iface, fd, txtime_zero) as transport:

                    def exchange_ours(pdu: bytes) -> bytes:
                        transport.send(pdu)
                        answer = transport.recv(2.0)
                        if answer is None:
                            raise TimeoutError("benchmark peer did not answer within 2 s")
                        return answer

                    start = time.perf_counter()
                    units = work(exchange_ours)
                    elapsed = time.perf_counter() - start
                    transport.send(b"\x11\x01")
                    transport.recv(2.0)
        finally:
            peer.wait(timeout=10)
        rates.append(units / elapsed)
    return rates[0], rates[1]


def read_did_loop(count: int) -> Callable[[Callable[[bytes], bytes]], int]:
    """ReadDataByIdentifier 0xF190 round trips; the unit is one round trip."""

    def work(exchange: Callable[[bytes], bytes]) -> int:
        for _ in range(count):
            exchange(b"\x22\xf1\x90")
        return count

    return work


def transfer_loop(total: int) -> Callable[[Callable[[bytes], bytes]], int]:
    """TransferData of ``total`` bytes in 4093-byte blocks; the unit is one payload byte."""
    payload = bytes(range(256)) * (BLOCK // 256 + 1)

    def work(exchange: Callable[[bytes], bytes]) -> int:
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
    parser.add_argument("--round-trips", type=int, default=3000)
    parser.add_argument("--bytes", type=int, default=1 << 20)
    args = parser.parse_args()
    cases = [
        ("ReadDID round trips/s, classic", args.classic, False, False,
         read_did_loop(args.round_trips)),
        ("ReadDID round trips/s, CAN FD", args.fd, True, False, read_did_loop(args.round_trips)),
        ("1 MiB TransferData B/s, classic, frame_txtime 0", args.classic, False, True,
         transfer_loop(args.bytes)),
        ("1 MiB TransferData B/s, classic, kernel default 50 us", args.classic, False, False,
         transfer_loop(args.bytes // 4)),
        ("1 MiB TransferData B/s, CAN FD, frame_txtime 0", args.fd, True, True,
         transfer_loop(args.bytes)),
    ]
    print(f"{'case':58} {'bare socket':>12} {'diagkit':>12} {'ratio':>6}")
    for name, iface, fd, txtime_zero, work in cases:
        bare, ours = run_case(iface, fd, txtime_zero, work)
        print(f"{name:58} {bare:12.0f} {ours:12.0f} {ours / bare:6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
