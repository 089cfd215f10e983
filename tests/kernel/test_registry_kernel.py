"""The registry's kernel backend on a real CAN_ISOTP socket: auto picks it, its functional
sender is a Transport putting one single frame on the functional id."""

from __future__ import annotations

import pytest

from diagkit.transport import registry
from diagkit.transport.address import Address, AddressingMode, TargetAddressType
from diagkit.transport.config import TransportConfig
from diagkit.transport.factory import open_functional, open_transport
from diagkit.transport.kernel import KernelTransport
from tests.kernel.helpers import sniffer

pytestmark = pytest.mark.kernel

M = AddressingMode
TESTER = Address(M.Normal_11bits, txid=0x7E0, rxid=0x7E8)
FUNCTIONAL = Address(
    M.Normal_11bits, txid=0x7DF, rxid=0x7E8, target_type=TargetAddressType.Functional
)
LISTENER = Address(M.Normal_11bits, txid=0x7E8, rxid=0x7DF)  # an ECU hearing 0x7DF


def test_auto_picks_the_kernel_where_it_can_serve_the_interface(classic_iface: str) -> None:
    config = TransportConfig(interface=classic_iface, address=TESTER)
    assert registry.choose(config).name == "kernel"


def test_the_kernel_functional_sender_is_a_transport_sending_one_single_frame(
    classic_iface: str,
) -> None:
    config = TransportConfig(interface=classic_iface, address=TESTER, functional_address=FUNCTIONAL)
    with (
        sniffer(classic_iface) as raw,
        open_transport(config) as physical,
        open_functional(config, physical) as sender,
        KernelTransport(classic_iface, LISTENER) as ecu,
    ):
        sender.send(b"\x3e\x80")
        assert ecu.recv(timeout=2.0) == b"\x3e\x80"
        assert sender.recv(0.05) is None  # transmit-only: it registers no receive id
        frames = [repr(f) for f in raw.frames()]
    assert sender.closed
    # ISO 15765-2 single frame: PCI 0x02 (2 data bytes), then TesterPresent 3E 80
    assert frames == ["7DF#023E80"]
