"""Failures on a real kernel end as clear diagkit errors within their timeouts; nothing hangs."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest

from diagkit.errors import (
    InterfaceError,
    TransferError,
    TransportTimeoutError,
)
from diagkit.transport.address import Address, AddressingMode
from diagkit.transport.kernel import KernelTransport
from diagkit.transport.kernel_socket import IsoTpSocket
from tests.kernel.helpers import RawCan, sniffer

pytestmark = pytest.mark.kernel

TESTER = Address(AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8)
ECU = Address(AddressingMode.Normal_11bits, txid=0x7E8, rxid=0x7E0)
N_BS = 1.0  # the kernel's flow control timeout (ISOTP_FC_TIMEOUT)
N_CR = 1.0  # the kernel's consecutive frame timeout (ISOTP_FC_TIMEOUT on the rx path)


def test_missing_interface(classic_iface: str) -> None:
    started = time.monotonic()
    with pytest.raises(InterfaceError, match="no CAN interface named 'nocan7'") as info:
        KernelTransport("nocan7", TESTER)
    assert time.monotonic() - started < 2.0
    assert isinstance(info.value.__cause__, OSError)
    assert info.value.__cause__.errno == errno.ENODEV


def test_send_without_a_receiver_times_out_at_send(classic_iface: str) -> None:
    with KernelTransport(classic_iface, TESTER, send_timeout=2.0) as tester:
        started = time.monotonic()
        with pytest.raises(TransportTimeoutError, match="no flow control") as info:
            tester.send(bytes(64))  # multi-frame: needs flow control nobody sends
        elapsed = time.monotonic() - started
    assert N_BS * 0.9 < elapsed < 2 * 2.0
    assert isinstance(info.value.__cause__, OSError)
    assert info.value.__cause__.errno == errno.ECOMM


def test_a_send_error_without_wait_tx_done_surfaces_at_the_next_recv(classic_iface: str) -> None:
    with IsoTpSocket(timeout=3.0) as tester:
        tester.bind(classic_iface, TESTER)
        assert tester.send(bytes(64)) == 64  # returns at once, transfer still pending
        started = time.monotonic()
        with pytest.raises(TransportTimeoutError, match="earlier send") as info:
            tester.recv()
        assert time.monotonic() - started < 2 * 3.0
        assert isinstance(info.value.__cause__, OSError)
        assert info.value.__cause__.errno == errno.ECOMM


def test_recv_returns_none_within_its_timeout(classic_iface: str) -> None:
    with KernelTransport(classic_iface, TESTER) as tester:
        started = time.monotonic()
        assert tester.recv(timeout=1.0) is None
        elapsed = time.monotonic() - started
    assert 0.95 < elapsed < 2 * 1.0


def test_consecutive_frames_that_stop_are_a_timeout(classic_iface: str) -> None:
    with KernelTransport(classic_iface, ECU) as ecu, sniffer(classic_iface) as raw:
        raw.send(0x7E0, bytes.fromhex("1014000102030405"))  # FF of 20 bytes, then nothing
        # a raw socket does not see its own frames: the first one seen is the ECU's FC
        assert [repr(f) for f in raw.wait_for(1)] == ["7E8#300000"]
        started = time.monotonic()
        with pytest.raises(TransportTimeoutError, match="broke off") as info:
            ecu.recv(timeout=3.0)
        assert time.monotonic() - started < 3.0
        assert isinstance(info.value.__cause__, OSError)
        assert info.value.__cause__.errno == errno.ETIMEDOUT
        assert ecu.recv(timeout=0.05) is None  # reported once; the channel still works


def test_a_wrong_sequence_number_is_a_transfer_error(classic_iface: str) -> None:
    with KernelTransport(classic_iface, ECU) as ecu, sniffer(classic_iface) as raw:
        raw.send(0x7E0, bytes.fromhex("1014000102030405"))
        assert [repr(f) for f in raw.wait_for(1)] == ["7E8#300000"]
        raw.send(0x7E0, bytes.fromhex("2206070809000102"))  # SN 2 where 1 is due
        with pytest.raises(TransferError, match="wrong sequence number") as info:
            ecu.recv(timeout=3.0)
        assert isinstance(info.value.__cause__, OSError)
        assert info.value.__cause__.errno == errno.EILSEQ


def test_flow_control_overflow_is_a_transfer_error_at_send(classic_iface: str) -> None:
    raw = RawCan(classic_iface)

    def answer_overflow() -> None:
        frames = raw.wait_for(1, timeout=5.0)
        if frames and frames[0].data[:1] == b"\x10":
            raw.send(0x7E8, bytes.fromhex("320000"))  # FC flow status 2: overflow

    helper = threading.Thread(target=answer_overflow)
    try:
        with KernelTransport(classic_iface, TESTER) as tester:
            helper.start()
            with pytest.raises(TransferError, match="overflow") as info:
                tester.send(bytes(64))
            assert isinstance(info.value.__cause__, OSError)
            assert info.value.__cause__.errno == errno.EMSGSIZE
    finally:
        helper.join(timeout=10.0)
        raw.close()
    assert not helper.is_alive()


@pytest.fixture
def down_interface() -> Iterator[str]:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to create a vcan interface")
    name = "dkdown0"
    subprocess.run(["ip", "link", "add", "dev", name, "type", "vcan"], check=True, timeout=30)
    try:
        yield name
    finally:
        subprocess.run(["ip", "link", "delete", name], check=False, timeout=30)


def test_an_interface_that_is_down(down_interface: str) -> None:
    with pytest.raises(InterfaceError, match=f"ip link set {down_interface} up") as info:
        KernelTransport(down_interface, TESTER)
    assert isinstance(info.value.__cause__, OSError)
    assert info.value.__cause__.errno == errno.ENETDOWN
