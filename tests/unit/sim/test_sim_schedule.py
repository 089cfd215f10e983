"""When the server sends what: 0x78 pendings every P2*/2 and the suppressed-response rule."""

from __future__ import annotations

import pytest

from diagkit.sim import Emission, Reply, schedule

h = bytes.fromhex
P2, P2_STAR = 0.050, 2.0


def plan(reply: Reply) -> list[tuple[float, bytes]]:
    return [(e.at, e.pdu) for e in schedule(reply, 0x31, P2, P2_STAR)]


def test_quick_answer_goes_at_once_or_after_its_short_work() -> None:
    assert plan(Reply(h("71 01 12 34"))) == [(0.0, h("71 01 12 34"))]
    assert plan(Reply(h("71 01 12 34"), busy=0.02)) == [(0.02, h("71 01 12 34"))]


def test_long_work_is_covered_by_pendings_every_half_p2_star() -> None:
    assert plan(Reply(h("71 01 12 34"), busy=2.5)) == [
        (0.0, h("7F 31 78")),
        (1.0, h("7F 31 78")),
        (2.0, h("7F 31 78")),
        (2.5, h("71 01 12 34")),
    ]


def test_no_answer_means_nothing_at_all() -> None:
    assert plan(Reply(None, busy=5.0)) == []


def test_suppressed_positive_is_sent_after_a_pending_but_not_otherwise() -> None:
    assert plan(Reply(h("71 01 12 34"), suppress_positive=True)) == []
    assert plan(Reply(h("71 01 12 34"), busy=1.0, suppress_positive=True)) == [
        (0.0, h("7F 31 78")),
        (1.0, h("71 01 12 34")),
    ]
    assert plan(Reply(h("7F 31 31"), suppress_positive=True)) == [(0.0, h("7F 31 31"))]


def test_forced_pendings_and_late_answers() -> None:
    forced = Reply(h("71 01 12 34"), pending=3, pending_interval=0.1)
    assert plan(forced) == [
        (0.0, h("7F 31 78")),
        (0.1, h("7F 31 78")),
        (0.2, h("7F 31 78")),
        (pytest.approx(0.3), h("71 01 12 34")),
    ]
    assert plan(Reply(h("71 01 12 34"), busy=5.0, late=0.4)) == [(0.4, h("71 01 12 34"))]
    spread = Reply(h("71 01 12 34"), busy=0.4, pending=2)
    assert plan(spread) == [(0.0, h("7F 31 78")), (0.2, h("7F 31 78")), (0.4, h("71 01 12 34"))]
    back_to_back = Reply(h("71 01 12 34"), pending=2)
    assert plan(back_to_back) == [
        (0.0, h("7F 31 78")),
        (0.0, h("7F 31 78")),
        (0.0, h("71 01 12 34")),
    ]
    assert schedule(Reply(h("71 01 12 34"), pending=0), 0x31, P2, P2_STAR) == (
        Emission(0.0, h("71 01 12 34")),
    )
