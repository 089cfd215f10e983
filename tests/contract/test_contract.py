"""The Transport contract over the memory and userspace (python-can virtual bus) backends."""

from __future__ import annotations

from tests.contract.contract_suite import (
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
