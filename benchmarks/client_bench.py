"""ReadDataByIdentifier round trips per second: bare transport vs diagkit's client vs udsoncan.

Every case reads the VIN (``22 F1 90`` -> ``62 F1 90`` + 17 bytes) from the same peer in the same
run, and the rates are printed as ratios to the bare transport (send + recv, no UDS logic)::

    python benchmarks/client_bench.py                     # memory transport, no CAN needed
    python benchmarks/client_bench.py --kernel vcan0      # kernel ISO-TP sockets (Linux, VM)

Cases: the bare transport; diagkit's ``EcuClient.read_did`` (fast path); ``read_dids`` (through
udsoncan's service codec); udsoncan's own ``Client`` over diagkit's connection; with
``--kernel`` also udsoncan's ``Client`` over its own ``IsoTPSocketConnection`` (thread + queue).
"""

from __future__ import annotations

import argparse
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from udsoncan import AsciiCodec
from udsoncan.client import Client

from diagkit.client import EcuClient, KeepAlive
from diagkit.connection import TransportConnection
from diagkit.transport.base import Transport
from diagkit.transport.memory import MemoryTransport

VIN = b"WVWZZZ1JZXW000001"
REQUEST = b"\x22\xf1\x90"
ANSWER = b"\x62\xf1\x90" + VIN
CONFIG: dict[str, Any] = {"data_identifiers": {0xF190: AsciiCodec(17)}}

Opener = Callable[[], Transport]


def rate(step: Callable[[], object], seconds: float) -> float:
    """Calls of ``step`` per second, over about ``seconds`` (after a short warm-up)."""
    for _ in range(20):
        step()
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(50):
            step()
        count += 50
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def bare_step(transport: Transport) -> Callable[[], object]:
    def step() -> object:
        transport.send(REQUEST)
        answer = transport.recv(1.0)
        assert answer == ANSWER
        return answer

    return step


def memory_transport() -> Transport:
    return MemoryTransport(lambda pdu: [ANSWER] if pdu == REQUEST else [])


def kernel_opener(interface: str) -> tuple[Opener, Callable[[], AbstractContextManager[Any]]]:
    """Client transports on ``interface`` (0x7E0/0x7E8) and a peer process answering on it.

    The peer is a separate process on a bare blocking socket, so it takes no time (and no GIL)
    from the client being measured.
    """
    from diagkit.transport.address import Address  # noqa: PLC0415 (kernel only)
    from diagkit.transport.kernel import KernelTransport  # noqa: PLC0415

    client = Address(txid=0x7E0, rxid=0x7E8)

    def transport() -> Transport:
        return KernelTransport(interface, client)

    @contextmanager
    def peer() -> Iterator[None]:
        command = [sys.executable, __file__, "--serve", interface]
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
            try:
                assert process.stdout is not None
                if process.stdout.readline().strip() != "ready":
                    raise RuntimeError("the peer process did not start")
                yield None
            finally:
                process.terminate()
                process.wait(5.0)

    return transport, peer


def serve(interface: str) -> None:
    """The peer: answer every VIN request on ``interface`` (ECU side 0x7E8/0x7E0), forever."""
    sock = socket.socket(socket.AF_CAN, socket.SOCK_DGRAM, socket.CAN_ISOTP)
    sock.bind((interface, 0x7E0, 0x7E8))  # (interface, rx id, tx id)
    print("ready", flush=True)
    while True:
        if sock.recv(8300) == REQUEST:
            sock.send(ANSWER)


def udsoncan_own_socket_step(interface: str) -> AbstractContextManager[Callable[[], object]]:
    """udsoncan's Client over its own IsoTPSocketConnection (python-can-isotp's socket)."""
    import isotp  # noqa: PLC0415 (kernel only)
    from udsoncan.connections import IsoTPSocketConnection  # noqa: PLC0415

    @contextmanager
    def make() -> Iterator[Callable[[], object]]:
        address = isotp.Address(isotp.AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8)
        connection = IsoTPSocketConnection(interface, address)
        with Client(connection, config=CONFIG) as client:  # type: ignore[arg-type]
            yield lambda: client.read_data_by_identifier(0xF190)

    return make()


def run(opener: Opener, seconds: float, extra: dict[str, AbstractContextManager[Any]]) -> None:
    results: list[tuple[str, float]] = []
    with opener() as transport:
        results.append(("bare transport send+recv", rate(bare_step(transport), seconds)))
    with EcuClient(opener(), config=CONFIG, keep_alive=KeepAlive(enabled=False)) as c:
        assert c.read_did(0xF190) == VIN.decode()
        results.append(("diagkit EcuClient.read_did", rate(lambda: c.read_did(0xF190), seconds)))
        results.append(
            ("diagkit EcuClient.read_dids", rate(lambda: c.read_dids([0xF190]), seconds))
        )
    connection = TransportConnection(opener())
    with Client(connection, config=CONFIG) as plain:  # type: ignore[arg-type]
        results.append(
            (
                "udsoncan Client, diagkit connection",
                rate(lambda: plain.read_data_by_identifier(0xF190), seconds),
            )
        )
    for name, manager in extra.items():
        with manager as step:
            results.append((name, rate(step, seconds)))
    base = results[0][1]
    print(f"{'case':40} {'round trips/s':>14} {'vs bare':>8}")
    for name, value in results:
        print(f"{name:40} {value:14,.0f} {value / base:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="duration of each case")
    parser.add_argument("--kernel", metavar="IFACE", help="use kernel ISO-TP sockets on IFACE")
    parser.add_argument("--serve", metavar="IFACE", help=argparse.SUPPRESS)  # the peer process
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    logging.getLogger("diagkit").setLevel(logging.WARNING)  # a script may configure logging
    if args.kernel is None:
        print("transport: memory (handler answers in the sending thread)")
        run(memory_transport, args.seconds, {})
        return
    opener, peer = kernel_opener(args.kernel)
    print(f"transport: kernel ISO-TP sockets on {args.kernel}, peer in another process")
    with peer():
        run(
            opener,
            args.seconds,
            {"udsoncan Client, udsoncan socket conn.": udsoncan_own_socket_step(args.kernel)},
        )


if __name__ == "__main__":
    main()
