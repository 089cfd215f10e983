"""No read returns another request's answer on kernel ISO-TP sockets (classic and FD, in the VM).

The scenarios are those the host backends run (``tests/unit/client/_stale_scenarios.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from diagkit.transport.address import Address
from diagkit.transport.base import Transport
from diagkit.transport.kernel import KernelTransport
from diagkit.transport.options import LinkLayerOptions, LinkLayerProtocol, SocketOptions
from tests.unit.client import _stale_scenarios as scenarios

FD_OPTIONS = SocketOptions(
    link_layer=LinkLayerOptions(mtu=LinkLayerProtocol.CAN_FD, tx_dl=64, tx_flags=0x01)
)


@pytest.fixture(params=["kernel", "kernel-fd"])
def make_pair(request: pytest.FixtureRequest) -> Iterator[scenarios.MakePair]:
    if request.param == "kernel":
        interface, options = request.getfixturevalue("classic_iface"), SocketOptions()
    else:
        interface, options = request.getfixturevalue("fd_iface"), FD_OPTIONS
    opened: list[Transport] = []

    def make() -> tuple[Transport, Transport]:
        ends = (
            KernelTransport(interface, Address(txid=0x7E0, rxid=0x7E8), options),
            KernelTransport(interface, Address(txid=0x7E8, rxid=0x7E0), options),
        )
        opened.extend(ends)
        return ends

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
