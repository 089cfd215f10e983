"""Each injected fault changes the answer (or its timing) exactly as documented."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from diagkit.errors import ConfigurationError
from diagkit.sim import Fault, Faults, SimEcu, SimEcuSpec

h = bytes.fromhex
Factory = Callable[..., SimEcuSpec]


def faulty(spec_factory: Factory, *faults: Fault) -> SimEcu:
    return SimEcu(spec_factory(faults=Faults(*faults)))


def wire(ecu: SimEcu, request: str, now: float = 0.0) -> list[tuple[float, bytes]]:
    return [(e.at, e.pdu) for e in ecu.plan(h(request), now)]


def test_fixed_nrc_for_one_did_only(spec_factory: Factory) -> None:
    ecu = faulty(spec_factory, Fault(service=0x22, did=0xF190, nrc=0x22))
    assert wire(ecu, "22 F1 90") == [(0.0, h("7F 22 22"))]
    assert wire(ecu, "22 01 01 F1 90") == [(0.0, h("7F 22 22"))]
    assert wire(ecu, "22 01 01") == [(0.0, h("62 01 01 0C 80"))]


def test_fixed_nrc_wins_over_session_checks_and_serves_nothing(spec_factory: Factory) -> None:
    ecu = faulty(spec_factory, Fault(service=0x10, nrc=0x21))
    assert wire(ecu, "10 03") == [(0.0, h("7F 10 21"))]
    assert ecu.state.session == 0x01


def test_times_limits_a_fault(spec_factory: Factory) -> None:
    ecu = faulty(spec_factory, Fault(service=0x22, nrc=0x21, times=1))
    assert wire(ecu, "22 01 01") == [(0.0, h("7F 22 21"))]
    assert wire(ecu, "22 01 01") == [(0.0, h("62 01 01 0C 80"))]


def test_no_answer_still_serves_the_request(spec_factory: Factory) -> None:
    ecu = faulty(spec_factory, Fault(service=0x2E, no_answer=True))
    assert wire(ecu, "2E F1 8C 00 00 00 2A") == []
    assert ecu.state.dids[0xF18C] == h("00 00 00 2A")


def test_truncated_answer(spec_factory: Factory) -> None:
    ecu = faulty(spec_factory, Fault(did=0x0101, truncate=1))
    assert wire(ecu, "22 01 01") == [(0.0, h("62 01 01 0C"))]
    ecu.set_faults(Faults(Fault(did=0x0101, truncate=99)))
    assert wire(ecu, "22 01 01") == [(0.0, h("62"))]


def test_wrong_sid_answer(spec_factory: Factory) -> None:
    ecu = faulty(spec_factory, Fault(service=0x22, wrong_sid=True))
    assert wire(ecu, "22 01 01") == [(0.0, h("50 01 01 0C 80"))]
    assert wire(ecu, "22 99 99") == [(0.0, h("7F 10 31"))]
    ecu.set_faults(Faults(Fault(service=0x10, wrong_sid=True)))
    assert wire(ecu, "10 03") == [(0.0, h("51 03 00 32 00 C8"))]


def test_delay_is_covered_by_pendings_like_a_slow_ecu(spec_factory: Factory) -> None:
    ecu = faulty(spec_factory, Fault(service=0x22, delay=0.02))
    assert wire(ecu, "22 01 01") == [(0.02, h("62 01 01 0C 80"))]
    ecu.set_faults(Faults(Fault(service=0x22, delay=1.5)))
    assert wire(ecu, "22 01 01") == [
        (0.0, h("7F 22 78")),
        (1.0, h("7F 22 78")),
        (1.5, h("62 01 01 0C 80")),
    ]


def test_n_pendings_before_the_answer(spec_factory: Factory) -> None:
    ecu = faulty(spec_factory, Fault(service=0x3E, pending=2, pending_interval=0.25))
    assert wire(ecu, "3E 00") == [
        (0.0, h("7F 3E 78")),
        (0.25, h("7F 3E 78")),
        (0.5, h("7E 00")),
    ]


def test_late_answer_has_no_pending(spec_factory: Factory) -> None:
    ecu = faulty(spec_factory, Fault(service=0x22, late=0.3))
    assert wire(ecu, "22 01 01") == [(0.3, h("62 01 01 0C 80"))]


def test_reset_in_the_middle_of_a_download(spec_factory: Factory) -> None:
    ecu = faulty(spec_factory, Fault(reset_after_blocks=2))
    for request in ("10 02", "27 11", "27 12 A4 A7", "34 00 44 00 00 10 00 00 00 03 00"):
        assert wire(ecu, request)
    assert wire(ecu, "36 01 AA") == [(0.0, h("76 01"))]
    assert wire(ecu, "36 02 BB") == [(0.0, h("76 02"))]
    assert wire(ecu, "36 03 CC", now=1.0) == []
    assert ecu.state.resets == 1
    assert ecu.state.session == 0x01
    assert ecu.state.transfer is None
    assert wire(ecu, "36 03 CC", now=1.01) == []  # still resetting (50 ms)
    assert wire(ecu, "36 03 CC", now=1.1) == [(0.0, h("7F 36 7F"))]
    assert ecu.state.read_memory(ecu.spec, 0x1000, 3) == h("AA BB FF")


def test_faults_apply_in_order_first_match_wins(spec_factory: Factory) -> None:
    ecu = faulty(
        spec_factory,
        Fault(service=0x22, did=0x0101, nrc=0x31),
        Fault(service=0x22, nrc=0x22),
    )
    assert wire(ecu, "22 01 01") == [(0.0, h("7F 22 31"))]
    assert wire(ecu, "22 F1 90") == [(0.0, h("7F 22 22"))]


def test_routine_faults_match_the_routine_id(spec_factory: Factory) -> None:
    ecu = faulty(spec_factory, Fault(did=0x0203, nrc=0x72))
    assert wire(ecu, "31 01 02 03") == [(0.0, h("7F 31 72"))]
    assert wire(ecu, "31 01 12 34")[-1] == (3.0, h("71 01 12 34 10"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"nrc": 0x05},
        {"delay": -1.0},
        {"pending": -1},
        {"pending_interval": -0.1},
        {"truncate": -2},
        {"times": 0},
        {"reset_after_blocks": -1},
        {"service": 0x22, "reset_after_blocks": 1},  # would never match a TransferData
    ],
)
def test_impossible_faults_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        Fault(**kwargs)  # type: ignore[arg-type]
