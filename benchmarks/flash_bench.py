"""Flash benchmark: 1 MiB download, bare kernel socket vs diagkit's flash() vs udsoncan's Client.

All three talk to the same bare-socket ECU stand-in (a separate process answering
RequestDownload, TransferData and RequestTransferExit at kernel speed), in the same run, so the
figures are ratios robust to the machine's noise. Each case does the same exchanges:
``34`` (maxNumberOfBlockLength 4095: 4093 data bytes per block), 257 x ``36 counter data``,
``37``. Needs kernel CAN_ISOTP: run it inside the project's VM from the repository root::

    python -m tools.kernelvm -- .venv/bin/python benchmarks/flash_bench.py

Cases: (a) a bare python socket doing the raw loop and checking ``76 counter``; (b)
``diagkit.flash.flash()`` without erase/verify over ``EcuClient`` on ``KernelTransport``;
(c) udsoncan's ``Client`` over its own ``IsoTPSocketConnection`` (receive thread + queue).
"""

from __future__ import annotations

import argparse
import functools
import socket
import statistics
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _peer import (
    CAN_ISOTP_LL_OPTS,
    CAN_ISOTP_OPTS,
    FRAME_TXTIME_ZERO,
    SOL_CAN_ISOTP,
    bare_socket,
)

from diagkit.client import EcuClient, KeepAlive, Timing
from diagkit.flash import flash
from diagkit.transport.address import Address, AddressingMode
from diagkit.transport.kernel import KernelTransport
from diagkit.transport.options import (
    GeneralOptions,
    LinkLayerOptions,
    LinkLayerProtocol,
    SocketOptions,
)

CAN_ISOTP_WAIT_TX_DONE = 0x400
MAX_BLOCK_LENGTH = 4095  # the whole TransferData request: SID + counter + 4093 data bytes
ADDRESS = 0x00100000
TXID, RXID = 0x7E0, 0x7E8


def serve(iface: str, fd: bool) -> None:
    """The ECU stand-in: answer 0x34/0x36/0x37 until an ECUReset (0x11) arrives."""
    s = bare_socket(iface, RXID, TXID, fd, True)
    download = b"\x74\x20" + MAX_BLOCK_LENGTH.to_bytes(2, "big")
    print("ready", flush=True)
    while True:
        req = s.recv(8400)
        sid = req[0]
        if sid == 0x36:
            s.send(b"\x76" + req[1:2])
        elif sid == 0x34:
            s.send(download)
        elif sid == 0x37:
            s.send(b"\x77")
        elif sid == 0x11:
            s.send(b"\x51\x01")
            return
        else:
            s.send(bytes([0x7F, sid, 0x11]))


def start_peer(iface: str, fd: bool) -> subprocess.Popen[str]:
    mode = "fd" if fd else "classic"
    peer = subprocess.Popen(
        [sys.executable, __file__, "--serve", iface, mode], stdout=subprocess.PIPE, text=True
    )
    assert peer.stdout is not None
    if peer.stdout.readline().strip() != "ready":
        raise RuntimeError("benchmark peer did not start")
    return peer


def download_request(size: int) -> bytes:
    """RequestDownload: DFI 0x00, ALFID 0x44, 4-byte address, 4-byte size."""
    return b"\x34\x00\x44" + ADDRESS.to_bytes(4, "big") + size.to_bytes(4, "big")


def bare(iface: str, fd: bool, image: bytes, *, wait_tx_done: bool = False) -> float:
    """(a) The raw loop on a bare socket: the floor any UDS layer adds to."""
    sock = bare_socket(iface, TXID, RXID, fd, True)
    if wait_tx_done:  # what KernelTransport always sets: send() returns once on the bus
        sock.close()
        sock = socket.socket(socket.AF_CAN, socket.SOCK_DGRAM, socket.CAN_ISOTP)
        opts = struct.pack("=IIBBBB", CAN_ISOTP_WAIT_TX_DONE, FRAME_TXTIME_ZERO, 0, 0, 0, 0)
        sock.setsockopt(SOL_CAN_ISOTP, CAN_ISOTP_OPTS, opts)
        if fd:
            sock.setsockopt(SOL_CAN_ISOTP, CAN_ISOTP_LL_OPTS, struct.pack("=BBB", 72, 64, 0))
        sock.bind((iface, RXID, TXID))
    sock.settimeout(5.0)
    try:
        start = time.perf_counter()
        sock.send(download_request(len(image)))
        answer = sock.recv(8400)
        block = int.from_bytes(answer[2:4], "big") - 2
        view = memoryview(image)
        counter = 1
        for offset in range(0, len(image), block):
            sock.send(bytes((0x36, counter)) + view[offset : offset + block])
            if sock.recv(8400) != bytes((0x76, counter)):
                raise RuntimeError("bad TransferData answer")
            counter = (counter + 1) & 0xFF
        sock.send(b"\x37")
        sock.recv(8400)
        return time.perf_counter() - start
    finally:
        stop_peer_with(sock)


def stop_peer_with(sock: socket.socket) -> None:
    sock.send(b"\x11\x01")
    sock.recv(8400)
    sock.close()


def diagkit_flash(iface: str, fd: bool, image: bytes) -> float:
    """(b) diagkit's flash() over EcuClient on KernelTransport, same socket options."""
    general = GeneralOptions(frame_txtime_ns=FRAME_TXTIME_ZERO)
    link = LinkLayerOptions(mtu=LinkLayerProtocol.CAN_FD, tx_dl=64) if fd else LinkLayerOptions()
    transport = KernelTransport(
        iface,
        Address(AddressingMode.Normal_11bits, txid=TXID, rxid=RXID),
        SocketOptions(general=general, link_layer=link),
    )
    with EcuClient(
        transport, timing=Timing(p2=5.0, p2_star=5.0), keep_alive=KeepAlive(enabled=False)
    ) as client:
        try:
            start = time.perf_counter()
            result = flash(client, ADDRESS, image, erase=False, verify=False)
            elapsed = time.perf_counter() - start
            assert result.size == len(image)
            return elapsed
        finally:
            client.send(b"\x11\x01")
            transport.recv(5.0)


def udsoncan_client(iface: str, fd: bool, image: bytes) -> float:
    """(c) udsoncan's Client over its IsoTPSocketConnection, same socket options."""
    import isotp  # noqa: PLC0415
    from udsoncan.client import Client  # noqa: PLC0415
    from udsoncan.common.MemoryLocation import MemoryLocation  # noqa: PLC0415
    from udsoncan.connections import IsoTPSocketConnection  # noqa: PLC0415

    tpsock = isotp.socket(timeout=0.1)
    tpsock.set_opts(frame_txtime=FRAME_TXTIME_ZERO)
    if fd:
        tpsock.set_ll_opts(mtu=72, tx_dl=64)
    address = isotp.Address(isotp.AddressingMode.Normal_11bits, txid=TXID, rxid=RXID)
    connection = IsoTPSocketConnection(iface, address, tpsock=tpsock)
    config = {"request_timeout": 5.0, "p2_timeout": 5.0}
    with Client(connection, config=config) as client:  # type: ignore[arg-type]
        try:
            start = time.perf_counter()
            location = MemoryLocation(ADDRESS, len(image), 32, 32)
            response = client.request_download(location)
            block = int(response.service_data.max_length) - 2
            view = memoryview(image)
            counter = 1
            for offset in range(0, len(image), block):
                client.transfer_data(counter, bytes(view[offset : offset + block]))
                counter = (counter + 1) & 0xFF
            client.request_transfer_exit()
            return time.perf_counter() - start
        finally:
            connection.send(b"\x11\x01")
            connection.wait_frame(timeout=5.0)


CASES: dict[str, Callable[[str, bool, bytes], float]] = {
    "bare socket": bare,
    "bare socket, WAIT_TX_DONE": functools.partial(bare, wait_tx_done=True),
    "diagkit flash()": diagkit_flash,
    "udsoncan Client": udsoncan_client,
}


def measure(case: Callable[[str, bool, bytes], float], iface: str, fd: bool, image: bytes) -> float:
    """Bytes per second of one download (RequestDownload to RequestTransferExit answered),
    with a fresh peer; opening and closing the channel are not counted."""
    peer = start_peer(iface, fd)
    try:
        elapsed = case(iface, fd, image)
    finally:
        peer.wait(timeout=30)
    return len(image) / elapsed


def profile(iface: str, fd: bool, image: bytes) -> None:
    """cProfile of one diagkit download: where our time goes above the socket calls."""
    import cProfile  # noqa: PLC0415
    import pstats  # noqa: PLC0415

    peer = start_peer(iface, fd)
    profiler = cProfile.Profile()
    try:
        profiler.runcall(diagkit_flash, iface, fd, image)
    finally:
        peer.wait(timeout=30)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classic", default="vcan0", help="classic CAN interface")
    parser.add_argument("--fd", default="vcan1", help="CAN FD interface (mtu 72)")
    parser.add_argument("--bytes", type=int, default=1 << 20)
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (median)")
    parser.add_argument("--profile", action="store_true", help="cProfile the diagkit case")
    parser.add_argument("--serve", nargs=2, metavar=("IFACE", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve[0], args.serve[1] == "fd")
        return 0
    image = bytes((i * 131) & 0xFF for i in range(args.bytes))
    if args.profile:
        profile(args.classic, False, image)
        return 0
    print(f"{args.bytes} bytes, frame_txtime 0, median of {args.repeat} runs per case")
    print(f"{'case':44} {'B/s':>12} {'vs bare':>8}")
    for label, iface, fd in (("classic", args.classic, False), ("CAN FD", args.fd, True)):
        rates: dict[str, list[float]] = {name: [] for name in CASES}
        for _ in range(args.repeat):  # interleaved, so drifts hit every case alike
            for name, case in CASES.items():
                rates[name].append(measure(case, iface, fd, image))
        base = statistics.median(rates["bare socket"])
        for name, values in rates.items():
            rate = statistics.median(values)
            print(f"{name + ', ' + label:44} {rate:12.0f} {rate / base:8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
