"""No read ever returns another request's answer: late, foreign, queued and stray answers.

Every test runs over every backend (memory, userspace, kernel in the VM; classic and CAN FD).
The ECU numbers its answers: the n-th ReadDataByIdentifier it receives is answered with the
4-byte big-endian value n (ISO 14229-1 ``62 F1 8C <value>``), so a read that returned an
earlier request's answer cannot pass.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from udsoncan import DidCodec

from diagkit.client import EcuClient, KeepAlive, Timing
from diagkit.errors import InvalidResponseError, ResponseTimeoutError, TransportClosedError
from diagkit.transport.base import Transport
from diagkit.transport.memory import MemoryTransport
from tests.backends import MakePair

COUNTER_DID = 0xF18C
READ_COUNTER = b"\x22\xf1\x8c"
P2 = 0.3  # long enough for a loaded machine's slowest stack; late answers come after it
TIMING = Timing(p2=P2, p2_star=0.5, use_server_timing=False)


class Counter(DidCodec):
    """A 4-byte big-endian unsigned number."""

    def encode(self, value: int) -> bytes:
        return value.to_bytes(4, "big")

    def decode(self, did_payload: bytes) -> int:
        return int.from_bytes(did_payload, "big")

    def __len__(self) -> int:
        return 4


CONFIG = {"data_identifiers": {COUNTER_DID: Counter}}

# (request number n, request) -> what the ECU sends, each after its delay in seconds
Plan = Callable[[int, bytes], list[tuple[float, bytes]]]


def answer(n: int) -> bytes:
    """The ECU's positive answer to its n-th read of the counter DID."""
    return b"\x62\xf1\x8c" + n.to_bytes(4, "big")


class NumberingEcu:
    """Answers every request on ``transport`` from ``plan``, in its own thread, one at a time.

    Requests are handled in arrival order, as a single-threaded ECU does: while it sleeps before
    a late answer, later requests wait in the transport's queue.
    """

    def __init__(self, transport: Transport, plan: Plan) -> None:
        self.transport = transport
        self.plan = plan
        self.received = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="numbering-ecu", daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                request = self.transport.recv(0.02)
            except TransportClosedError:
                return
            if request is None:
                continue
            if request == READ_COUNTER:
                self.received += 1
            for delay, pdu in self.plan(self.received, request):
                if self._stop.wait(delay):
                    return
                self.transport.send(pdu, 1.0)

    @contextmanager
    def running(self) -> Iterator[NumberingEcu]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(2.0)


def _client(transport: Transport, timing: Timing = TIMING) -> EcuClient:
    return EcuClient(
        transport, timing=timing, config=CONFIG, keep_alive=KeepAlive(enabled=False)
    )


def read_all(client: EcuClient, reads: int) -> list[tuple[int, int | str]]:
    """(request number, value read or the error's class name) for ``reads`` reads in a row."""
    results: list[tuple[int, int | str]] = []
    for n in range(1, reads + 1):
        try:
            results.append((n, client.read_did(COUNTER_DID)))
        except (ResponseTimeoutError, InvalidResponseError) as exc:
            results.append((n, type(exc).__name__))
    return results


def test_a_late_answer_is_never_taken_for_a_later_request(make_pair: MakePair) -> None:
    """One answer after P2 has run out, then 40 reads: none returns another request's value."""
    late = 2 * P2 + 0.03

    def plan(n: int, request: bytes) -> list[tuple[float, bytes]]:
        return [(late if n == 1 else 0.0, answer(n))]

    client_end, ecu_end = make_pair()
    with NumberingEcu(ecu_end, plan).running(), _client(client_end) as client:
        results = read_all(client, 40)
    wrong = [(n, v) for n, v in results if isinstance(v, int) and v != n]
    assert wrong == [], f"reads returned other requests' values: {results}"
    assert not isinstance(results[0][1], int), results  # the late one itself timed out
    answered = [n for n, v in results if v == n]
    assert len(answered) >= 35, results  # and the client is back in step right after


def test_answers_to_other_dids_and_services_are_dropped(make_pair: MakePair) -> None:
    """An answer for another DID (and for another service) before each real one costs nothing."""

    def plan(n: int, request: bytes) -> list[tuple[float, bytes]]:
        vin = b"\x62\xf1\x90WVWZZZ1JZXW000001"
        session = b"\x50\x03\x00\x32\x01\xf4"
        return [(0.0, vin), (0.0, session), (0.0, answer(n))]

    client_end, ecu_end = make_pair()
    with NumberingEcu(ecu_end, plan).running(), _client(client_end) as client:
        results = read_all(client, 40)
    assert results == [(n, n) for n in range(1, 41)]


def test_answers_queued_between_requests_are_drained(make_pair: MakePair) -> None:
    """After a timeout, answers queued before the next request are not taken for its own."""

    def plan(n: int, request: bytes) -> list[tuple[float, bytes]]:
        return [] if n == 1 else [(0.0, answer(n))]  # the first request is never answered

    client_end, ecu_end = make_pair()
    with NumberingEcu(ecu_end, plan).running() as ecu, _client(client_end) as client:
        try:
            client.read_did(COUNTER_DID)
        except ResponseTimeoutError:
            pass
        else:
            raise AssertionError("an unanswered read returned a value")
        for _ in range(3):  # unsolicited: copies of an old answer, answers for other DIDs
            ecu_end.send(answer(99), 1.0)
            ecu_end.send(b"\x62\xf1\x90WVWZZZ1JZXW000001", 1.0)
        time.sleep(0.1)  # let them all arrive before the next request
        assert [client.read_did(COUNTER_DID) for _ in range(5)] == [2, 3, 4, 5, 6]
        assert ecu.received == 6


def test_a_flood_of_strays_before_the_answer_is_skipped(make_pair: MakePair) -> None:
    """A flood of stray 7E 00 and pendings for other services before the answer is skipped."""
    strays = [b"\x7e\x00", b"\x7f\x10\x78", b"\x7f\x31\x78"] * 10

    def plan(n: int, request: bytes) -> list[tuple[float, bytes]]:
        return [(0.0, pdu) for pdu in strays] + [(0.0, answer(n))]

    client_end, ecu_end = make_pair()
    # 31 frames per answer: P2 long enough for the slowest stack to carry them all
    patient = Timing(p2=2.0, p2_star=2.0, use_server_timing=False)
    with NumberingEcu(ecu_end, plan).running(), _client(client_end, patient) as client:
        results = read_all(client, 10)
    assert results == [(n, n) for n in range(1, 11)]


def test_strays_without_an_answer_end_in_p2(make_pair: MakePair) -> None:
    """Strays alone never extend P2 (pendings for other services are not this one's)."""

    def plan(n: int, request: bytes) -> list[tuple[float, bytes]]:
        return [(P2 / 10, pdu) for pdu in [b"\x7e\x00", b"\x7f\x10\x78"] * 10]

    client_end, ecu_end = make_pair()
    with NumberingEcu(ecu_end, plan).running(), _client(client_end) as client:
        try:
            client.read_did(COUNTER_DID)
        except ResponseTimeoutError as exc:
            assert "P2 of 0.300 s expired" in str(exc), exc  # P2 itself, never a P2* restart
        else:
            raise AssertionError("a read answered only by strays returned a value")


def test_an_empty_pdu_is_an_invalid_response() -> None:
    with (
        EcuClient(MemoryTransport(lambda pdu: [b""])) as client,
        pytest.raises(InvalidResponseError, match="empty PDU"),
    ):
        client.request(b"\x22\xf1\x90")


def test_after_a_rejected_answer_the_next_read_gets_its_own() -> None:
    # The first answer is malformed for the codec (2 of 4 bytes); its request's real answer
    # follows late. The next read must not take that one for its own.
    answers = iter(
        [
            [b"\x62\xf1\x8c\x00\x01"],
            [b"\x62\xf1\x8c\x00\x00\x00\x02"],
            [b"\x62\xf1\x8c\x00\x00\x00\x03"],
        ]
    )
    transport = MemoryTransport(lambda pdu: next(answers))
    with EcuClient(transport, config=CONFIG, timing=TIMING) as client:
        with pytest.raises(InvalidResponseError, match="needs 4 data bytes"):
            client.read_did(COUNTER_DID)
        transport.inject(b"\x62\xf1\x8c\x00\x00\x00\x01")  # what the ECU sent after, late
        assert client.read_did(COUNTER_DID) == 2
        assert client.read_did(COUNTER_DID) == 3
