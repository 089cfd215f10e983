"""No read ever returns another request's answer: late, foreign and stray answers (host backends).

The same scenarios run on kernel sockets in ``tests/kernel/test_stale_answers_kernel.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import can
import pytest

from diagkit.client import EcuClient
from diagkit.errors import InvalidResponseError
from diagkit.transport.address import Address
from diagkit.transport.base import Transport
from diagkit.transport.memory import MemoryTransport
from diagkit.transport.userspace import UserspaceTransport
from tests.unit.client import _stale_scenarios as scenarios

_channels = itertools.count()


def _userspace_pair() -> tuple[Transport, Transport]:
    channel = f"stale-{next(_channels)}"
    ends: list[Transport] = []
    for tx, rx in ((0x7E0, 0x7E8), (0x7E8, 0x7E0)):
        bus = can.Bus(interface="virtual", channel=channel)
        ends.append(UserspaceTransport(bus, Address(txid=tx, rxid=rx), own_bus=True))
    return ends[0], ends[1]


_PAIRS: dict[str, Callable[[], tuple[Transport, Transport]]] = {
    "memory": MemoryTransport.pair,
    "userspace": _userspace_pair,
}


@pytest.fixture(params=sorted(_PAIRS))
def make_pair(request: pytest.FixtureRequest) -> Iterator[scenarios.MakePair]:
    opened: list[Transport] = []

    def make() -> tuple[Transport, Transport]:
        pair = _PAIRS[request.param]()
        opened.extend(pair)
        return pair

    yield make
    for transport in opened:
        transport.close()


def test_a_late_answer_is_never_taken_for_a_later_request(make_pair: scenarios.MakePair) -> None:
    scenarios.late_answer_then_reads(make_pair)


def test_answers_to_other_dids_and_services_are_dropped(make_pair: scenarios.MakePair) -> None:
    scenarios.foreign_answers_are_dropped(make_pair)


def test_answers_queued_between_requests_are_drained(make_pair: scenarios.MakePair) -> None:
    scenarios.queued_answers_are_drained(make_pair)


def test_a_flood_of_strays_before_the_answer_is_skipped(make_pair: scenarios.MakePair) -> None:
    scenarios.stray_flood_is_skipped(make_pair)


def test_strays_without_an_answer_end_in_p2(make_pair: scenarios.MakePair) -> None:
    scenarios.stray_flood_without_answer_times_out(make_pair)


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
    with EcuClient(transport, config=scenarios.CONFIG, timing=scenarios.TIMING) as client:
        with pytest.raises(InvalidResponseError, match="needs 4 data bytes"):
            client.read_did(scenarios.COUNTER_DID)
        transport.inject(b"\x62\xf1\x8c\x00\x00\x00\x01")  # what the ECU sent after, late
        assert client.read_did(scenarios.COUNTER_DID) == 2
        assert client.read_did(scenarios.COUNTER_DID) == 3
