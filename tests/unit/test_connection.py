"""The udsoncan Connection over a diagkit transport: udsoncan's contract, diagkit's errors."""

from __future__ import annotations

import errno
import threading

import pytest
from udsoncan import AsciiCodec
from udsoncan.client import Client
from udsoncan.exceptions import TimeoutException

from diagkit.connection import TransportConnection
from diagkit.errors import (
    InterfaceError,
    TransferError,
    TransportClosedError,
    TransportError,
    TransportTimeoutError,
)
from diagkit.transport.memory import MemoryTransport


class Failing(MemoryTransport):
    """A transport whose receive fails the way a kernel ISO-TP socket can."""

    def __init__(self, error: OSError) -> None:
        super().__init__()
        self.error = error

    def recv(self, timeout: float) -> bytes | None:
        raise self.error


class RecordingTimeout(MemoryTransport):
    def __init__(self) -> None:
        super().__init__(lambda pdu: [])
        self.timeouts: list[float | None] = []

    def send(self, pdu: bytes, timeout: float | None = None) -> None:
        self.timeouts.append(timeout)
        super().send(pdu, timeout)


def test_open_starts_no_thread_and_close_is_safe_in_any_state() -> None:
    threads = threading.active_count()
    connection = TransportConnection(MemoryTransport(), "engine")
    assert not connection.is_open()
    connection.close()  # never opened
    connection = TransportConnection(MemoryTransport(), "engine")
    assert connection.open() is connection
    assert connection.is_open()
    assert threading.active_count() == threads
    connection.close()
    connection.close()
    assert not connection.is_open()
    assert connection.transport.closed


def test_use_before_open_or_after_close_is_a_closed_transport_error() -> None:
    connection = TransportConnection(MemoryTransport())
    with pytest.raises(TransportClosedError, match="not opened"):
        connection.send(b"\x3e\x00")
    connection.open()
    connection.close()
    with pytest.raises(TransportClosedError, match="closed"):
        connection.wait_frame(0.01)
    with pytest.raises(TransportClosedError):
        TransportConnection(connection.transport).open()


def test_wait_frame_returns_the_pdu_or_times_out_as_udsoncan_expects() -> None:
    transport = MemoryTransport(lambda pdu: [b"\x50\x03\x00\x32\x01\xf4"])
    with TransportConnection(transport).open() as connection:
        connection.send(b"\x10\x03")
        assert connection.wait_frame(0.5) == b"\x50\x03\x00\x32\x01\xf4"
        assert connection.wait_frame(0.01) is None
        with pytest.raises(TimeoutException):
            connection.wait_frame(0.01, exception=True)


@pytest.mark.parametrize("exception", [False, True])
def test_transport_errors_surface_even_when_udsoncan_asks_for_no_exception(
    exception: bool,
) -> None:
    broken = TransferError(errno.ECOMM, "communication error on send")
    with (
        TransportConnection(Failing(broken)).open() as connection,
        pytest.raises(TransferError) as info,
    ):
        connection.wait_frame(0.1, exception=exception)
    assert info.value is broken


@pytest.mark.parametrize(
    ("os_error", "expected"),
    [
        (OSError(errno.ECOMM, "Communication error on send"), TransportTimeoutError),
        (OSError(errno.EILSEQ, "Invalid or incomplete multibyte"), TransferError),
        (TimeoutError(errno.ETIMEDOUT, "Connection timed out"), TransportTimeoutError),
        (OSError(errno.ENETDOWN, "Network is down"), InterfaceError),
    ],
)
def test_raw_os_errors_of_a_foreign_transport_become_diagkit_errors(
    os_error: OSError, expected: type[TransportError]
) -> None:
    with (
        TransportConnection(Failing(os_error), "engine").open() as connection,
        pytest.raises(expected) as info,
    ):
        connection.wait_frame(0.1)
    assert info.value.__cause__ is os_error
    assert info.value.errno == os_error.errno
    assert "engine" in str(info.value)


def test_send_timeout_is_passed_to_the_transport() -> None:
    transport = RecordingTimeout()
    with TransportConnection(transport, send_timeout=0.25).open() as connection:
        connection.send(b"\x3e\x00")
        connection.send(b"\x3e\x00", timeout=1.5)
    assert transport.timeouts == [0.25, 1.5]


def test_long_pdus_are_never_truncated() -> None:
    block = bytes(range(256)) * 16 + b"\x01\x02"  # 4098 bytes: beyond udsoncan's 4095 default
    transport = MemoryTransport(lambda pdu: [b"\x76\x01"], max_pdu_size=8300)
    with TransportConnection(transport).open() as connection:
        connection.send(b"\x36\x01" + block)
        assert transport.sent == [b"\x36\x01" + block]
    a, b = MemoryTransport.pair()
    with TransportConnection(a).open() as connection, b:
        b.send(b"\x75\x01" + block)
        assert connection.wait_frame(0.5) == b"\x75\x01" + block


def test_empty_rxqueue_drops_what_is_already_there() -> None:
    transport = MemoryTransport(lambda pdu: [b"\x7e\x00", b"\x7e\x00"])
    with TransportConnection(transport).open() as connection:
        connection.send(b"\x3e\x00")
        connection.empty_rxqueue()
        assert connection.wait_frame(0.01) is None


def test_plain_udsoncan_client_runs_over_the_connection() -> None:
    vin = b"WVWZZZ1JZXW000001"
    transport = MemoryTransport(
        lambda pdu: [b"\x62\xf1\x90" + vin] if pdu == b"\x22\xf1\x90" else []
    )
    config = {"data_identifiers": {0xF190: AsciiCodec(17)}}
    with Client(TransportConnection(transport), config=config) as client:  # type: ignore[arg-type]
        response = client.read_data_by_identifier(0xF190)
        assert response.service_data.values[0xF190] == vin.decode()
    assert transport.closed
