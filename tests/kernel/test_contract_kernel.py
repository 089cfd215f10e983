"""The Transport contract over two kernel ISO-TP sockets with mirrored addresses (in the VM).

The test functions are the ones every backend runs (``tests/contract/contract_suite.py``); this
module only supplies kernel pairs on ``classic_iface`` (vcan0) and ``fd_iface`` (vcan1).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from diagkit.transport.address import Address
from diagkit.transport.base import Transport
from diagkit.transport.kernel import KernelTransport
from diagkit.transport.options import LinkLayerOptions, LinkLayerProtocol, SocketOptions
from tests.contract.contract_suite import (
    MakePair,
    test_close_is_idempotent,
    test_context_manager_closes_both_ends,
    test_empty_pdu_is_refused,
    test_many_exchanges_in_a_row_keep_their_order,
    test_pdu_over_max_pdu_size_is_refused_and_nothing_is_sent,
    test_pdu_over_receiver_limit_is_never_delivered_truncated,
    test_queued_pdus_are_received_in_send_order,
    test_recv_timeout_returns_none_within_its_timeout,
    test_round_trip_both_ways,
    test_send_and_recv_after_close_raise_transport_closed,
)
from tests.contract.leaks import no_leaks

__all__ = [
    "test_close_is_idempotent",
    "test_context_manager_closes_both_ends",
    "test_empty_pdu_is_refused",
    "test_many_exchanges_in_a_row_keep_their_order",
    "test_pdu_over_max_pdu_size_is_refused_and_nothing_is_sent",
    "test_pdu_over_receiver_limit_is_never_delivered_truncated",
    "test_queued_pdus_are_received_in_send_order",
    "test_recv_timeout_returns_none_within_its_timeout",
    "test_round_trip_both_ways",
    "test_send_and_recv_after_close_raise_transport_closed",
]

pytestmark = pytest.mark.kernel


CLIENT = Address(txid=0x7E0, rxid=0x7E8)
PEER = Address(txid=0x7E8, rxid=0x7E0)
FD_OPTIONS = SocketOptions(
    link_layer=LinkLayerOptions(mtu=LinkLayerProtocol.CAN_FD, tx_dl=64, tx_flags=0x01)
)


@pytest.fixture(autouse=True)
def leak_check() -> Iterator[list[Transport]]:
    """Fails the test when a transport, thread or socket fd outlives it."""
    with no_leaks() as registry:
        yield registry


@pytest.fixture(params=["kernel", "kernel-fd"])
def make_pair(request: pytest.FixtureRequest, leak_check: list[Transport]) -> Iterator[MakePair]:
    """Two KernelTransports on one vcan interface, client 0x7E0/0x7E8 and peer mirrored."""
    if request.param == "kernel":
        interface, options = request.getfixturevalue("classic_iface"), SocketOptions()
    else:
        interface, options = request.getfixturevalue("fd_iface"), FD_OPTIONS
    opened: list[Transport] = []

    def make(
        max_pdu_size: int = 8300, *, peer_max_pdu_size: int | None = None
    ) -> tuple[Transport, Transport]:
        ends: list[Transport] = []
        for address, limit in ((CLIENT, max_pdu_size), (PEER, peer_max_pdu_size or max_pdu_size)):
            end = KernelTransport(interface, address, options, max_pdu_size=limit)
            ends.append(end)
            opened.append(end)
            leak_check.append(end)
        return ends[0], ends[1]

    yield make
    for transport in opened:
        transport.close()
