"""The simulated ECU served on a kernel ISO-TP socket answers a kernel ISO-TP peer (in the VM).

Requests and answers are written out by hand from ISO 14229-1; the DID answer is also checked
frame by frame on the bus against ISO 15765-2 (SF request, FF + FC + CF answer).
"""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType

import pytest

from diagkit.sim import (
    DidSpec,
    MemoryRegionSpec,
    RoutineSpec,
    SimEcu,
    SimEcuSpec,
    SimServer,
    fixed,
)
from diagkit.transport.address import Address, AddressingMode
from diagkit.transport.kernel import KernelTransport
from diagkit.transport.options import LinkLayerOptions, LinkLayerProtocol, SocketOptions
from tests.kernel.helpers import sniffer

pytestmark = pytest.mark.kernel

h = bytes.fromhex
CLIENT = Address(AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8)
ECU = Address(AddressingMode.Normal_11bits, txid=0x7E8, rxid=0x7E0)
FD_OPTIONS = SocketOptions(
    link_layer=LinkLayerOptions(mtu=LinkLayerProtocol.CAN_FD, tx_dl=64, tx_flags=0x01)
)
VIN = b"WVWZZZ1JZXW000001"
SPEC = SimEcuSpec(
    name="kernel-sim",
    dids=MappingProxyType({0xF190: DidSpec(VIN), 0x0101: DidSpec(b"\x0c\x80")}),
    memory=(MemoryRegionSpec("app", 0x1000, 0x2000),),
    routines=MappingProxyType({0x1234: RoutineSpec(fixed(b"\x10"), duration=0.6)}),
    p2_star=0.4,
    max_block_length=0x1002,  # SID + block counter + 4096 data bytes
)
WAIT = 5.0  # generous: the VM runs Python about 20 times slower


@pytest.fixture(params=["classic", "fd"])
def client(request: pytest.FixtureRequest) -> Iterator[tuple[KernelTransport, SimEcu]]:
    """A kernel socket talking to a served simulated ECU on the same vcan interface."""
    if request.param == "classic":
        interface, options = request.getfixturevalue("classic_iface"), SocketOptions()
    else:
        interface, options = request.getfixturevalue("fd_iface"), FD_OPTIONS
    ecu = SimEcu(SPEC)
    server = SimServer(poll_interval=0.05)
    server.add(ecu, KernelTransport(interface, ECU, options), owned=True)
    with server, KernelTransport(interface, CLIENT, options) as tester:
        yield tester, ecu


def test_read_dids(client: tuple[KernelTransport, SimEcu]) -> None:
    tester, _ = client
    tester.send(h("22 F1 90 01 01"))
    assert tester.recv(WAIT) == h("62 F1 90") + VIN + h("01 01 0C 80")
    tester.send(h("22 12 34"))
    assert tester.recv(WAIT) == h("7F 22 31")


def test_download_of_a_4_kib_block(client: tuple[KernelTransport, SimEcu]) -> None:
    tester, ecu = client
    image = bytes((i * 7) & 0xFF for i in range(4096))
    for request, answer in (
        ("10 02", "50 02 00 32 00 28"),  # P2 50 ms, P2* 400 ms = 40 x 10 ms
        ("34 00 22 10 00 10 00", "74 20 10 02"),  # 4096 bytes at 0x1000
    ):
        tester.send(h(request))
        assert tester.recv(WAIT) == h(answer)
    tester.send(h("36 01") + image)  # a 4098-byte PDU
    assert tester.recv(WAIT) == h("76 01")
    tester.send(h("37"))
    assert tester.recv(WAIT) == h("77")
    assert ecu.state.read_memory(ecu.spec, 0x1000, 4096) == image


def test_slow_routine_pendings_reach_the_peer(client: tuple[KernelTransport, SimEcu]) -> None:
    tester, _ = client
    tester.send(h("31 01 12 34"))
    answers = []
    while True:
        answer = tester.recv(WAIT)
        assert answer is not None
        answers.append(answer)
        if answer != h("7F 31 78"):
            break
    # 0.6 s of work with P2* = 0.4 s: 0x78 at 0, 0.2 and 0.4 s, then the answer
    assert answers == [h("7F 31 78")] * 3 + [h("71 01 12 34 10")]


def test_read_vin_frames_on_the_wire(classic_iface: str) -> None:
    server = SimServer(poll_interval=0.05)
    server.add(SimEcu(SPEC), KernelTransport(classic_iface, ECU), owned=True)
    with (
        sniffer(classic_iface) as raw,
        server,
        KernelTransport(classic_iface, CLIENT) as tester,
    ):
        tester.send(h("22 F1 90"))
        assert tester.recv(WAIT) == h("62 F1 90") + VIN
        frames = [repr(f) for f in raw.frames()]
    assert frames == [
        "7E0#0322F190",  # SF, length 3
        "7E8#101462F190575657",  # FF, length 0x014 = 20: 62 F1 90 'WVW'
        "7E0#300000",  # FC: continue to send, BS 0, STmin 0
        "7E8#215A5A5A314A5A58",  # CF 1: 'ZZZ1JZX'
        "7E8#2257303030303031",  # CF 2: 'W000001'
    ]
