"""Functional requests the kernel-correct way: one SF_BROADCAST send reaches every listener."""

from __future__ import annotations

import pytest

from diagkit.errors import ConfigurationError
from diagkit.transport.address import Address, AddressingMode, TargetAddressType
from diagkit.transport.kernel import KernelTransport, functional_sender
from tests.kernel.helpers import sniffer

pytestmark = pytest.mark.kernel

M = AddressingMode
FUNCTIONAL = Address(
    M.Normal_11bits, txid=0x7DF, rxid=0x7E8, target_type=TargetAddressType.Functional
)
TESTER = Address(M.Normal_11bits, txid=0x7E0, rxid=0x7E8)
# two ECUs listening to the functional id, each answering on its own physical id
ECU_A = Address(M.Normal_11bits, txid=0x7E8, rxid=0x7DF)
ECU_B = Address(M.Normal_11bits, txid=0x7E9, rxid=0x7DF)


def test_one_functional_send_reaches_two_listeners(classic_iface: str) -> None:
    with (
        sniffer(classic_iface) as raw,
        functional_sender(classic_iface, FUNCTIONAL) as sender,
        KernelTransport(classic_iface, ECU_A) as ecu_a,
        KernelTransport(classic_iface, ECU_B) as ecu_b,
        KernelTransport(classic_iface, TESTER) as tester,
    ):
        assert sender.send(b"\x3e\x80") == 2
        assert ecu_a.recv(timeout=2.0) == b"\x3e\x80"
        assert ecu_b.recv(timeout=2.0) == b"\x3e\x80"
        ecu_a.send(b"\x7e\x00")  # a physical answer reaches the tester's physical channel
        assert tester.recv(timeout=2.0) == b"\x7e\x00"
        frames = [repr(f) for f in raw.frames()]
    assert frames == ["7DF#023E80", "7E8#027E00"]  # one SF; nobody sends flow control


def test_normal_fixed_functional_id_on_the_wire(classic_iface: str) -> None:
    physical = Address(M.NormalFixed_29bits, target_address=0x33, source_address=0xF1)
    listener = Address(M.Normal_29bits, txid=0x18DAF133, rxid=0x18DB33F1)
    with (
        sniffer(classic_iface) as raw,
        functional_sender(classic_iface, physical) as sender,
        KernelTransport(classic_iface, listener) as ecu,
    ):
        sender.send(b"\x10\x03")
        assert ecu.recv(timeout=2.0) == b"\x10\x03"
        frames = raw.frames()
    assert [repr(f) for f in frames] == ["18DB33F1#021003"]
    assert frames[0].extended


def test_a_functional_sender_refuses_multi_frame_pdus(classic_iface: str) -> None:
    with functional_sender(classic_iface, FUNCTIONAL) as sender:
        with pytest.raises(ConfigurationError, match="single frames only: at most 7 bytes"):
            sender.send(bytes(8))
        assert sender.send(bytes(7)) == 7


def test_a_functional_address_cannot_receive(classic_iface: str) -> None:
    with pytest.raises(ConfigurationError, match="SF_BROADCAST"):
        KernelTransport(classic_iface, FUNCTIONAL)
