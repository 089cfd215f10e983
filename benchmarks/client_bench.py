"""Client round trips per second, each as a ratio to the bare transport exchanging the same PDUs.

The peer answers a fixed table (ReadDataByIdentifier of the VIN, ``22 F1 90`` -> ``62 F1 90`` +
17 bytes; WriteDataByIdentifier of it; TesterPresent; RoutineControl start) in the same run, and
every rate is divided by the rate of bare ``send`` + ``recv`` of the same request and answer::

    python benchmarks/client_bench.py                     # memory transport, no CAN needed
    python benchmarks/client_bench.py --kernel vcan0      # kernel ISO-TP sockets (Linux, VM)

Cases: diagkit's ``EcuClient`` ``read_did``, ``read_dids``, ``write_did``, ``tester_present``
and ``start_routine``; udsoncan's own ``Client`` reading the VIN over diagkit's connection; with
``--kernel`` also udsoncan's ``Client`` over its own ``IsoTPSocketConnection`` (thread + queue).
"""

from __future__ import annotations

import argparse
import logging
import socket
import statistics
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
WRITE = b"\x2e\xf1\x90" + VIN
TESTER_PRESENT = b"\x3e\x00"
ROUTINE = b"\x31\x01\xff\x00"
ANSWERS = {
    REQUEST: ANSWER,
    WRITE: b"\x6e\xf1\x90",
    TESTER_PRESENT: b"\x7e\x00",
    ROUTINE: b"\x71\x01\xff\x00\x00",
}
CONFIG: dict[str, Any] = {"data_identifiers": {0xF190: AsciiCodec(17)}}

Opener = Callable[[], Transport]
Steps = Callable[[], AbstractContextManager[Callable[[], object]]]  # opens, yields a step


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


def bare_step(transport: Transport, request: bytes) -> Callable[[], object]:
    expected = ANSWERS[request]

    def step() -> object:
        transport.send(request)
        answer = transport.recv(1.0)
        assert answer == expected
        return answer

    return step


def memory_transport() -> Transport:
    return MemoryTransport(lambda pdu: [ANSWERS[pdu]] if pdu in ANSWERS else [])


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
        answer = ANSWERS.get(sock.recv(8300))
        if answer is not None:
            sock.send(answer)


def udsoncan_own_socket_step(interface: str) -> Steps:
    """udsoncan's Client over its own IsoTPSocketConnection (python-can-isotp's socket)."""
    import isotp  # noqa: PLC0415 (kernel only)
    from udsoncan.connections import IsoTPSocketConnection  # noqa: PLC0415

    @contextmanager
    def make() -> Iterator[Callable[[], object]]:
        address = isotp.Address(isotp.AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8)
        connection = IsoTPSocketConnection(interface, address)
        with Client(connection, config=CONFIG) as client:  # type: ignore[arg-type]
            yield lambda: client.read_data_by_identifier(0xF190)

    return make


Case = Callable[[EcuClient], object]
CASES: list[tuple[str, bytes, Case]] = [
    ("read_did(0xF190)", REQUEST, lambda c: c.read_did(0xF190)),
    ("read_dids([0xF190])", REQUEST, lambda c: c.read_dids([0xF190])),
    ("write_did(0xF190, vin)", WRITE, lambda c: c.write_did(0xF190, VIN.decode())),
    ("tester_present()", TESTER_PRESENT, lambda c: c.tester_present()),
    ("start_routine(0xFF00)", ROUTINE, lambda c: c.start_routine(0xFF00)),
]


def paired(bare: Steps, measured: Steps, seconds: float, rounds: int) -> tuple[float, float, float]:
    """Median rates of ``measured`` and ``bare`` and the median of their per-round ratios.

    The two alternate in ``rounds`` short slices, each on its own freshly opened transport (two
    kernel sockets bound to the same ids would each get the answers), so a load drift hits
    both alike and one slow slice moves the median little.
    """
    values, bases, ratios = [], [], []
    for _ in range(rounds):
        with bare() as step:
            base = rate(step, seconds / rounds)
        with measured() as step:
            value = rate(step, seconds / rounds)
        values.append(value)
        bases.append(base)
        ratios.append(value / base)
    return statistics.median(values), statistics.median(bases), statistics.median(ratios)


def run(opener: Opener, seconds: float, rounds: int, extra: dict[str, Steps]) -> None:
    """Each case alternating with the bare exchange of its PDUs; see :func:`paired`."""

    def bare(request: bytes) -> Steps:
        @contextmanager
        def make() -> Iterator[Callable[[], object]]:
            with opener() as transport:
                yield bare_step(transport, request)

        return make

    def client(call: Case) -> Steps:
        @contextmanager
        def make() -> Iterator[Callable[[], object]]:
            with EcuClient(opener(), config=CONFIG, keep_alive=KeepAlive(enabled=False)) as c:
                yield lambda: call(c)

        return make

    @contextmanager
    def udsoncan_client() -> Iterator[Callable[[], object]]:
        with Client(TransportConnection(opener()), config=CONFIG) as plain:  # type: ignore[arg-type]
            yield lambda: plain.read_data_by_identifier(0xF190)

    print(f"{'case':40} {'round trips/s':>14} {'bare same PDUs':>15} {'ratio':>6}")

    def show(name: str, measured: Steps, base: Steps) -> None:
        value, bare_value, ratio = paired(base, measured, seconds, rounds)
        print(f"{name:40} {value:14,.0f} {bare_value:15,.0f} {ratio:6.2f}", flush=True)

    for name, request, call in CASES:
        show(f"diagkit {name}", client(call), bare(request))
    show("udsoncan Client, diagkit connection", udsoncan_client, bare(REQUEST))
    for name, steps in extra.items():
        show(name, steps, bare(REQUEST))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="duration of each case")
    parser.add_argument(
        "--rounds", type=int, default=5, help="slices each case alternates with the bare one"
    )
    parser.add_argument("--kernel", metavar="IFACE", help="use kernel ISO-TP sockets on IFACE")
    parser.add_argument("--serve", metavar="IFACE", help=argparse.SUPPRESS)  # the peer process
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    logging.getLogger("diagkit").setLevel(logging.WARNING)  # a script may configure logging
    if args.kernel is None:
        print("transport: memory (handler answers in the sending thread)")
        run(memory_transport, args.seconds, args.rounds, {})
        return
    opener, peer = kernel_opener(args.kernel)
    print(f"transport: kernel ISO-TP sockets on {args.kernel}, peer in another process")
    with peer():
        run(
            opener,
            args.seconds,
            args.rounds,
            {"udsoncan Client, udsoncan socket conn.": udsoncan_own_socket_step(args.kernel)},
        )


if __name__ == "__main__":
    main()
