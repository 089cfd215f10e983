"""The in-memory transport behaves as the Transport contract says, with handler and pair peers."""

from __future__ import annotations

import threading
import time

import pytest

from diagkit.errors import ConfigurationError, TransportClosedError
from diagkit.transport.memory import Delayed, MemoryTransport


def test_handler_answers_are_received_in_order_and_requests_recorded() -> None:
    pending = bytes([0x7F, 0x31, 0x78])
    t = MemoryTransport(lambda pdu: [pending, bytes([0x71]) + pdu[1:]])
    with t:
        t.send(b"\x31\x01\xff\x00")
        assert t.recv(0.1) == pending
        assert t.recv(0.1) == b"\x71\x01\xff\x00"
        assert t.recv(0.01) is None
        assert t.sent == [b"\x31\x01\xff\x00"]


def test_no_answer_from_handler_is_a_timeout_returning_none() -> None:
    with MemoryTransport(lambda pdu: []) as t:
        t.send(b"\x3e\x80")
        start = time.monotonic()
        assert t.recv(0.05) is None
        assert time.monotonic() - start >= 0.05


def test_delayed_answer_arrives_only_after_its_delay() -> None:
    with MemoryTransport(lambda pdu: [Delayed(0.08, b"\x50\x03")]) as t:
        t.send(b"\x10\x03")
        assert t.recv(0.02) is None
        assert t.recv(1.0) == b"\x50\x03"


def test_pair_delivers_both_ways_and_wakes_a_blocked_receiver() -> None:
    a, b = MemoryTransport.pair()
    with a, b:
        got: list[bytes | None] = []
        reader = threading.Thread(target=lambda: got.append(b.recv(2.0)))
        reader.start()
        a.send(b"\x22\xf1\x90")
        reader.join(2.0)
        assert got == [b"\x22\xf1\x90"]
        b.send(b"\x62\xf1\x90")
        assert a.recv(0.5) == b"\x62\xf1\x90"


def test_close_is_idempotent_and_use_after_close_is_refused() -> None:
    t = MemoryTransport()
    t.close()
    t.close()
    assert t.closed
    with pytest.raises(TransportClosedError):
        t.send(b"\x3e\x00")
    with pytest.raises(TransportClosedError):
        t.recv(0.0)


def test_close_wakes_a_blocked_receiver_with_an_error() -> None:
    t = MemoryTransport()
    errors: list[BaseException] = []

    def wait() -> None:
        try:
            t.recv(5.0)
        except TransportClosedError as exc:
            errors.append(exc)

    reader = threading.Thread(target=wait)
    reader.start()
    time.sleep(0.02)
    t.close()
    reader.join(1.0)
    assert not reader.is_alive()
    assert len(errors) == 1


def test_empty_and_oversized_pdus_are_refused() -> None:
    with MemoryTransport(max_pdu_size=16) as t:
        with pytest.raises(ConfigurationError, match="empty"):
            t.send(b"")
        with pytest.raises(ConfigurationError, match="max_pdu_size 16"):
            t.send(bytes(17))
