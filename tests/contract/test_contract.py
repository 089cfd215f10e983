"""The Transport contract, over every backend (``make_pair``: memory, userspace, kernel).

A pair is (client end, peer end) with mirrored addresses: what one sends, the other receives.
The kernel parameters run in the kernel VM (see ``tests/conftest.py``).
"""

from __future__ import annotations

import contextlib
import time

import pytest

from diagkit.errors import ConfigurationError, TransferError, TransportClosedError
from tests.backends import MakePair

RECV = 5.0  # generous: the VM runs Python ~20x slower; a working pair answers in milliseconds
TIMEOUT_MARGIN = 0.5  # how much later than its timeout an empty recv may return
ROUND_TRIP_SIZES = (1, 7, 8, 62, 63, 4095)  # SF/FF limits of classic CAN and CAN FD, 12-bit FF_DL


def pattern(size: int, seed: int) -> bytes:
    """A PDU whose every byte depends on its position, so a lost or reordered frame shows."""
    return bytes((seed + 31 * i + (i >> 8)) & 0xFF for i in range(size))


@pytest.mark.parametrize("size", ROUND_TRIP_SIZES)
def test_round_trip_both_ways(make_pair: MakePair, size: int) -> None:
    client, peer = make_pair()
    request, response = pattern(size, 0x11), pattern(size, 0x5A)
    client.send(request)
    assert peer.recv(RECV) == request
    peer.send(response)
    assert client.recv(RECV) == response


@pytest.mark.parametrize("timeout", [0.0, 0.05, 0.3])
def test_recv_timeout_returns_none_within_its_timeout(make_pair: MakePair, timeout: float) -> None:
    client, _peer = make_pair()
    start = time.monotonic()
    assert client.recv(timeout) is None
    elapsed = time.monotonic() - start
    assert elapsed >= timeout - 0.01, "recv returned before its timeout with nothing received"
    assert elapsed < timeout + TIMEOUT_MARGIN, f"recv({timeout}) took {elapsed:.3f} s"


def test_close_is_idempotent(make_pair: MakePair) -> None:
    client, peer = make_pair()
    assert not client.closed
    for end in (client, peer, client, peer):
        end.close()
    assert client.closed and peer.closed


def test_send_and_recv_after_close_raise_transport_closed(make_pair: MakePair) -> None:
    client, peer = make_pair()
    client.close()
    with pytest.raises(TransportClosedError):
        client.send(b"\x3e\x00")
    with pytest.raises(TransportClosedError):
        client.recv(0.1)
    assert peer.recv(0.05) is None  # nothing went out from the closed end


def test_context_manager_closes_both_ends(make_pair: MakePair) -> None:
    client, peer = make_pair()
    with client as c, peer as p:
        assert c is client and p is peer
        c.send(b"\x10\x03")
        assert p.recv(RECV) == b"\x10\x03"
    assert client.closed and peer.closed
    with pytest.raises(TransportClosedError):
        client.send(b"\x10\x03")


def test_many_exchanges_in_a_row_keep_their_order(make_pair: MakePair) -> None:
    client, peer = make_pair()
    for n in range(200):
        size = 1 + (n * 37) % 150  # single and multi frame, flow control in between
        request = n.to_bytes(2, "big") + pattern(size, n)
        client.send(request)
        got = peer.recv(RECV)
        assert got == request, f"exchange {n}: request changed or out of order"
        peer.send(b"\x50" + got[:2])
        assert client.recv(RECV) == b"\x50" + n.to_bytes(2, "big"), f"exchange {n}: response"


def test_queued_pdus_are_received_in_send_order(make_pair: MakePair) -> None:
    client, peer = make_pair()
    sent = [n.to_bytes(1, "big") + pattern(1 + (n * 13) % 100, n) for n in range(30)]
    for pdu in sent:
        client.send(pdu)
    assert [peer.recv(RECV) for _ in sent] == sent
    assert peer.recv(0.05) is None


def test_empty_pdu_is_refused(make_pair: MakePair) -> None:
    client, peer = make_pair()
    with pytest.raises(ConfigurationError):
        client.send(b"")
    assert peer.recv(0.05) is None


def test_pdu_over_max_pdu_size_is_refused_and_nothing_is_sent(make_pair: MakePair) -> None:
    client, peer = make_pair(max_pdu_size=100)
    with pytest.raises(ConfigurationError, match="100"):
        client.send(pattern(101, 1))
    assert peer.recv(0.2) is None, "a PDU over max_pdu_size went out (maybe truncated)"
    client.send(pattern(100, 2))  # exactly the limit is fine and arrives whole
    assert peer.recv(RECV) == pattern(100, 2)


def test_pdu_over_receiver_limit_is_never_delivered_truncated(make_pair: MakePair) -> None:
    client, peer = make_pair(max_pdu_size=100, peer_max_pdu_size=8300)
    with contextlib.suppress(TransferError):  # the receiver may answer FC "overflow"
        peer.send(pattern(101, 3))
    with pytest.raises(TransferError):
        got = client.recv(RECV)
        pytest.fail(f"recv returned {None if got is None else len(got)} instead of raising")
    peer.send(pattern(100, 4))  # the channel keeps working afterwards
    assert client.recv(RECV) == pattern(100, 4)
