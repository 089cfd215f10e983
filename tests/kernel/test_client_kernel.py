"""The client on kernel ISO-TP sockets, what only the kernel shows (inside the VM).

One exchange checked frame by frame against ISO 15765-2, and a functional request gathered
from three ECUs. The tests every backend runs: ``tests/unit/client/test_client_backends.py``.
"""

from __future__ import annotations

import threading

import pytest

from diagkit.client import EcuClient, FunctionalGroup, Timing
from diagkit.transport.address import Address, AddressingMode, TargetAddressType
from diagkit.transport.base import Transport
from diagkit.transport.kernel import KernelTransport, functional_sender
from tests.kernel.helpers import sniffer
from tests.unit.client._ecu_peer import CONFIG, VIN, EcuPeer

pytestmark = pytest.mark.kernel

M = AddressingMode
CLIENT = Address(M.Normal_11bits, txid=0x7E0, rxid=0x7E8)
ECU = Address(M.Normal_11bits, txid=0x7E8, rxid=0x7E0)


def test_read_vin_frames_on_the_wire(classic_iface: str) -> None:
    """ISO 15765-2 on classic CAN: SF request, FF + FC + CFs for the 20-byte answer."""
    answer = b"\x62\xf1\x90" + VIN
    with (
        sniffer(classic_iface) as raw,
        EcuPeer(KernelTransport(classic_iface, ECU), {b"\x22\xf1\x90": [answer]}),
        EcuClient(KernelTransport(classic_iface, CLIENT), config=CONFIG) as client,
    ):
        assert client.read_did(0xF190) == VIN.decode()
        frames = [repr(f) for f in raw.frames()]
    assert frames == [
        "7E0#0322F190",  # SF, length 3
        "7E8#101462F190575657",  # FF, length 0x014 = 20: 62 F1 90 'WVW'
        "7E0#300000",  # FC: continue to send, BS 0, STmin 0
        "7E8#215A5A5A314A5A58",  # CF 1: 'ZZZ1JZX'
        "7E8#2257303030303031",  # CF 2: 'W000001'
    ]


def test_functional_request_gathers_three_ecus(classic_iface: str) -> None:
    """One SF_BROADCAST request to 0x7DF; ECUs 0x7E8..0x7EA answer on their own ids."""
    functional = Address(
        M.Normal_11bits, txid=0x7DF, rxid=0x7E8, target_type=TargetAddressType.Functional
    )
    names = ("engine", "gearbox", "abs")
    request = b"\x22\xf1\x90"
    ecus = [
        EcuPeer(
            KernelTransport(classic_iface, Address(M.Normal_11bits, txid=0x7E8 + i, rxid=0x7DF)),
            {request: [b"\x62\xf1\x90" + name[:4].encode()]}
            if name != "abs"
            else {request: [b"\x7f\x22\x78", b"\x7f\x22\x31"]},
        )
        for i, name in enumerate(names)
    ]
    receivers: dict[str, Transport] = {
        name: KernelTransport(
            classic_iface, Address(M.Normal_11bits, txid=0x7E0 + i, rxid=0x7E8 + i)
        )
        for i, name in enumerate(names)
    }
    threads = threading.active_count()
    try:
        for ecu in ecus:
            ecu.__enter__()
        sender = functional_sender(classic_iface, functional)
        with FunctionalGroup(sender, receivers, Timing(p2=1.0, p2_star=2.0)) as group:
            answers = group.request(request)
    finally:
        for ecu in ecus:
            ecu.__exit__(None, None, None)
    assert answers == {
        "engine": b"\x62\xf1\x90engi",
        "gearbox": b"\x62\xf1\x90gear",
        "abs": b"\x7f\x22\x31",
    }
    assert all(ecu.received == [request] for ecu in ecus)
    assert all(ecu.error is None for ecu in ecus)
    assert threading.active_count() <= threads
