"""PDUs of every size class round-trip intact through the kernel, classic CAN and CAN FD."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from diagkit.transport.address import Address, AddressingMode
from diagkit.transport.kernel import KernelTransport
from diagkit.transport.options import (
    FRAME_TXTIME_ZERO,
    GeneralOptions,
    LinkLayerOptions,
    LinkLayerProtocol,
    SocketOptions,
)
from tests.kernel.helpers import payload

pytestmark = pytest.mark.kernel

TESTER = Address(AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8)
ECU = Address(AddressingMode.Normal_11bits, txid=0x7E8, rxid=0x7E0)
FAST = GeneralOptions(frame_txtime_ns=FRAME_TXTIME_ZERO)  # keep ~1100-frame transfers quick
CLASSIC = SocketOptions(general=FAST)
FD = SocketOptions(general=FAST, link_layer=LinkLayerOptions(LinkLayerProtocol.CAN_FD, 64))
SIZES = [1, 7, 8, 62, 63, 4095, 4096, 8000]


@pytest.fixture(scope="module")
def classic_pair(classic_iface: str) -> Iterator[tuple[KernelTransport, KernelTransport]]:
    with (
        KernelTransport(classic_iface, TESTER, CLASSIC) as tester,
        KernelTransport(classic_iface, ECU, CLASSIC) as ecu,
    ):
        yield tester, ecu


@pytest.fixture(scope="module")
def fd_pair(fd_iface: str) -> Iterator[tuple[KernelTransport, KernelTransport]]:
    with (
        KernelTransport(fd_iface, TESTER, FD) as tester,
        KernelTransport(fd_iface, ECU, FD) as ecu,
    ):
        yield tester, ecu


def _round_trip(pair: tuple[KernelTransport, KernelTransport], size: int) -> None:
    tester, ecu = pair
    request = payload(size)
    tester.send(request)
    assert ecu.recv(timeout=10.0) == request
    response = bytes(reversed(request))
    ecu.send(response)
    assert tester.recv(timeout=10.0) == response
    assert tester.recv(timeout=0) is None and ecu.recv(timeout=0) is None


@pytest.mark.parametrize("size", SIZES)
def test_classic_can_round_trip(
    classic_pair: tuple[KernelTransport, KernelTransport], size: int
) -> None:
    _round_trip(classic_pair, size)


@pytest.mark.parametrize("size", SIZES)
def test_can_fd_round_trip(fd_pair: tuple[KernelTransport, KernelTransport], size: int) -> None:
    _round_trip(fd_pair, size)


def test_default_options_round_trip(classic_iface: str) -> None:
    # kernel defaults (50 us frame gap), nothing tuned
    with (
        KernelTransport(classic_iface, TESTER) as tester,
        KernelTransport(classic_iface, ECU) as ecu,
    ):
        tester.send(payload(100))
        assert ecu.recv(timeout=5.0) == payload(100)
