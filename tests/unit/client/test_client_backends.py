"""The client suite over a memory pair and over userspace ISO-TP on python-can's virtual bus.

The kernel runs the same suite in ``tests/kernel/test_client_kernel.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import can
import pytest
from can.interfaces import virtual

from diagkit.transport.address import Address
from diagkit.transport.base import Transport
from diagkit.transport.memory import MemoryTransport
from diagkit.transport.userspace import UserspaceTransport
from tests.unit.client.client_suite import (
    MakeEcuPair,
    test_long_pdus_both_ways_are_never_truncated,
    test_negative_response_names_the_nrc,
    test_pending_chain_longer_than_any_overall_timeout_succeeds,
    test_read_vin_in_a_multi_frame_answer,
    test_silent_ecu_is_a_p2_timeout_naming_the_address,
    test_tester_present_never_lands_inside_an_exchange,
    test_unlock_over_the_wire,
)

__all__ = [
    "test_long_pdus_both_ways_are_never_truncated",
    "test_negative_response_names_the_nrc",
    "test_pending_chain_longer_than_any_overall_timeout_succeeds",
    "test_read_vin_in_a_multi_frame_answer",
    "test_silent_ecu_is_a_p2_timeout_naming_the_address",
    "test_tester_present_never_lands_inside_an_exchange",
    "test_unlock_over_the_wire",
]

CLIENT = Address(txid=0x7E0, rxid=0x7E8)
ECU = Address(txid=0x7E8, rxid=0x7E0)
_channels = itertools.count()


def userspace_pair() -> tuple[Transport, Transport]:
    channel = f"client-suite-{next(_channels)}"
    ends: list[Transport] = []
    for address in (CLIENT, ECU):
        bus = can.Bus(interface="virtual", channel=channel)
        try:
            ends.append(UserspaceTransport(bus, address, own_bus=True))
        except BaseException:
            bus.shutdown()
            for end in ends:
                end.close()
            raise
    return ends[0], ends[1]


@pytest.fixture(params=["memory", "userspace"])
def ecu_pair(request: pytest.FixtureRequest) -> Iterator[MakeEcuPair]:
    """Connected (client, ECU) transports of the backend under test, all closed afterwards."""
    opened: list[Transport] = []
    channels_before = set(virtual.channels)

    def make() -> tuple[Transport, Transport]:
        pair = MemoryTransport.pair() if request.param == "memory" else userspace_pair()
        opened.extend(pair)
        return pair

    yield make
    for transport in opened:
        transport.close()
    assert all(t.closed for t in opened)
    assert set(virtual.channels) == channels_before, "a virtual bus was left open"
