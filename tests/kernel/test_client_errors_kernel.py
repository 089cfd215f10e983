"""What the kernel reports on vcan reaches a client user as one class per meaning, errno kept:
no flow control from a peer (ECOMM), no interface (ENODEV), an interface that is down
(ENETDOWN); a suppressed request on a dead channel raises instead of passing for done."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import diagkit
from diagkit.client import EcuClient
from diagkit.errors import InterfaceError, ResponseTimeoutError, TransportTimeoutError
from diagkit.transport.address import Address, AddressingMode
from diagkit.transport.kernel import KernelTransport

pytestmark = pytest.mark.kernel

ENGINE = Path(__file__).resolve().parents[2] / "profiles" / "engine.yaml"
ENVIRON = {"ENGINE_SA_KEY": "00112233445566778899AABBCCDDEEFF"}
TESTER = Address(AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8)
# WriteDataByIdentifier F1 90 with a 17-byte VIN: 20 bytes, a first frame needing flow control
LONG_REQUEST = bytes([0x2E, 0xF1, 0x90]) + b"WVWZZZ1JZXW000001"


def test_no_flow_control_from_a_peer_is_a_transport_timeout_with_ecomm(
    classic_iface: str,
) -> None:
    with (
        EcuClient(KernelTransport(classic_iface, TESTER), address="nobody") as client,
        pytest.raises(TransportTimeoutError, match="no flow control") as info,
    ):
        client.request(LONG_REQUEST)
    assert not isinstance(info.value, ResponseTimeoutError)  # not the ECU's silence
    assert info.value.errno == errno.ECOMM


def test_a_suppressed_request_without_flow_control_raises(classic_iface: str) -> None:
    with (
        EcuClient(KernelTransport(classic_iface, TESTER), address="nobody") as client,
        pytest.raises(TransportTimeoutError) as info,
        client.uds.suppress_positive_response,
    ):
        client.uds.start_routine(0x0203, data=bytes(16))  # 31 01 02 03 + 16: multi-frame
    assert info.value.errno == errno.ECOMM


def test_no_interface_is_an_interface_error_with_enodev(classic_iface: str) -> None:
    with pytest.raises(InterfaceError, match="no CAN interface named 'nocan7'") as info:
        diagkit.open(ENGINE, interface="nocan7", backend="kernel", environ=ENVIRON)
    assert info.value.errno == errno.ENODEV


@pytest.fixture
def down_interface() -> Iterator[str]:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to create a vcan interface")
    name = "dkdown1"
    subprocess.run(["ip", "link", "add", "dev", name, "type", "vcan"], check=True, timeout=30)
    try:
        yield name
    finally:
        subprocess.run(["ip", "link", "delete", name], check=False, timeout=30)


def test_an_interface_that_is_down_is_an_interface_error_with_enetdown(
    down_interface: str,
) -> None:
    with pytest.raises(InterfaceError, match=f"ip link set {down_interface} up") as info:
        diagkit.open(ENGINE, interface=down_interface, backend="kernel", environ=ENVIRON)
    assert info.value.errno == errno.ENETDOWN
