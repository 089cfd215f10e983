"""The exchange talks to the transport directly unless DEBUG is on: same errors, same timeouts."""

from __future__ import annotations

import errno
import logging

import pytest

from diagkit.client import EcuClient, Timing
from diagkit.client.timing import await_final_response
from diagkit.errors import InterfaceError, TransferError, TransportError, TransportTimeoutError
from diagkit.transport.memory import MemoryTransport

VIN_REQUEST = b"\x22\xf1\x90"
SERIAL_REQUEST = b"\x22\xf1\x8c"
ANSWERS = {
    VIN_REQUEST: b"\x62\xf1\x90" + b"WVWZZZ1JZXW000001",
    SERIAL_REQUEST: b"\x62\xf1\x8c" + b"SN42",
}


class Flaky(MemoryTransport):
    """Answers from ANSWERS; raises ``error`` once from ``recv`` or ``send`` when armed."""

    def __init__(self) -> None:
        super().__init__(lambda pdu: [ANSWERS[pdu]] if pdu in ANSWERS else [])
        self.recv_error: OSError | None = None
        self.send_error: OSError | None = None
        self.send_timeouts: list[float | None] = []

    def send(self, pdu: bytes, timeout: float | None = None) -> None:
        self.send_timeouts.append(timeout)
        error, self.send_error = self.send_error, None
        if error is not None:
            raise error
        super().send(pdu, timeout)

    def recv(self, timeout: float) -> bytes | None:
        error, self.recv_error = self.recv_error, None
        if error is not None:
            raise error
        return super().recv(timeout)


@pytest.fixture(params=[logging.WARNING, logging.DEBUG], ids=["quiet", "debug"])
def connection_level(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> int:
    level: int = request.param
    caplog.set_level(level, logger="diagkit.connection")
    return level


@pytest.mark.parametrize(
    ("os_error", "expected"),
    [
        (OSError(errno.ECOMM, "Communication error on send"), TransportTimeoutError),
        (OSError(errno.EILSEQ, "Invalid or incomplete multibyte"), TransferError),
        (TimeoutError(errno.ETIMEDOUT, "Connection timed out"), TransportTimeoutError),
        (OSError(errno.ENETDOWN, "Network is down"), InterfaceError),
    ],
)
@pytest.mark.parametrize("where", ["send", "recv"])
def test_raw_os_errors_become_diagkit_errors_naming_the_ecu(
    connection_level: int, os_error: OSError, expected: type[TransportError], where: str
) -> None:
    transport = Flaky()
    with EcuClient(transport, address="engine") as client:
        client.request(VIN_REQUEST)  # the first request drains the queue: this one fails in it
        setattr(transport, f"{where}_error", os_error)
        with pytest.raises(expected) as info:
            client.request(VIN_REQUEST)
    assert info.value.__cause__ is os_error
    assert info.value.errno == os_error.errno
    assert "engine" in str(info.value)


def test_after_a_broken_receive_the_late_answer_is_not_taken_for_the_next_one(
    connection_level: int,
) -> None:
    transport = Flaky()
    with EcuClient(transport, address="engine") as client:
        client.request(SERIAL_REQUEST)
        transport.recv_error = OSError(errno.EILSEQ, "Invalid or incomplete multibyte")
        with pytest.raises(TransferError):
            client.request(VIN_REQUEST)  # its answer stays queued
        assert client.request(SERIAL_REQUEST) == b"\x62\xf1\x8cSN42"


def test_the_send_timeout_reaches_the_transport(connection_level: int) -> None:
    transport = Flaky()
    with EcuClient(transport, send_timeout=0.25) as client:
        client.request(VIN_REQUEST)
        client.send(b"\x3e\x80")
    assert transport.send_timeouts == [0.25, 0.25]


def test_debug_still_shows_both_pdus_in_hex(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="diagkit.connection")
    with EcuClient(Flaky(), address="engine") as client:
        client.request(SERIAL_REQUEST)
    lines = [r.getMessage() for r in caplog.records if r.name == "diagkit.connection"]
    assert lines == ["Connection[engine] tx 22 f1 8c", "Connection[engine] rx 62 f1 8c 53 4e 34 32"]


def test_the_first_wait_is_p2_or_the_shorter_overall_timeout() -> None:
    waits: list[float] = []

    def recv(timeout: float) -> bytes | None:
        waits.append(timeout)
        return b"\x62\xf1\x8cSN42"

    await_final_response(recv, 0x22, Timing(p2=0.5))
    await_final_response(recv, 0x22, Timing(p2=0.5, request_timeout=0.2))
    assert waits == [0.5, 0.2]


def test_an_early_wake_without_data_keeps_waiting_within_p2() -> None:
    waits: list[float] = []
    answers: list[bytes | None] = [None, None, b"\x62\xf1\x8cSN42"]

    def recv(timeout: float) -> bytes | None:
        waits.append(timeout)
        return answers.pop(0)

    assert await_final_response(recv, 0x22, Timing(p2=30.0)) == b"\x62\xf1\x8cSN42"
    assert len(waits) == 3
    assert all(0.0 < wait <= 30.0 for wait in waits)
