"""DiagnosticSessionControl, S3, TesterPresent and ECUReset answer as ISO 14229-1 lays out."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from diagkit.sim import SimEcu, SimEcuSpec

Ask = Callable[..., bytes | None]
h = bytes.fromhex


def test_session_response_carries_p2_in_ms_and_p2_star_in_10ms(ask: Ask, ecu: SimEcu) -> None:
    # P2 = 50 ms -> 0x0032, P2* = 2000 ms -> 200 x 10 ms -> 0x00C8
    assert ask("10 03") == h("50 03 00 32 00 C8")
    assert ecu.state.session == 0x03
    assert ask("10 01") == h("50 01 00 32 00 C8")
    assert ecu.state.session == 0x01


def test_session_nrcs_unknown_session_then_length(ask: Ask) -> None:
    assert ask("10 05") == h("7F 10 12")
    assert ask("10 05 00") == h("7F 10 12")  # 0x12 is checked before the length
    assert ask("10 03 00") == h("7F 10 13")
    assert ask("10") == h("7F 10 13")


def test_session_not_reachable_from_active_one_is_0x7e(
    spec_factory: Callable[..., SimEcuSpec],
) -> None:
    only_from_extended = MappingProxyType({1: None, 2: frozenset({3}), 3: None})
    ecu = SimEcu(spec_factory(sessions=only_from_extended))
    assert ecu.handle(h("10 02"), 0.0).response == h("7F 10 7E")
    assert ecu.handle(h("10 03"), 0.0).response == h("50 03 00 32 00 C8")
    assert ecu.handle(h("10 02"), 0.0).response == h("50 02 00 32 00 C8")


def test_suppressed_positive_response_still_switches_session(ask: Ask, ecu: SimEcu) -> None:
    assert ask("10 83") is None
    assert ecu.state.session == 0x03


def test_s3_drops_back_to_default_only_after_5s_without_request(ask: Ask) -> None:
    assert ask("10 03", now=0.0) is not None
    assert ask("22 02 00", now=4.9) == h("62 02 00 05")  # DID 0x0200: extended session only
    assert ask("3E 80", now=9.8) is None
    assert ask("22 02 00", now=14.7) == h("62 02 00 05")
    assert ask("22 02 00", now=19.8) == h("7F 22 31")  # 5.1 s idle: back in default
    assert ask("27 01", now=19.9) == h("7F 27 7F")


def test_s3_restarts_when_a_slow_answer_is_sent_not_when_its_request_came(ask: Ask) -> None:
    assert ask("10 03", now=0.0) is not None
    assert ask("31 01 12 34", now=1.0) == h("71 01 12 34 10")  # 3 s of work: answered at 4.0
    assert ask("22 02 00", now=8.9) == h("62 02 00 05")  # 4.9 s after the answer
    assert ask("22 02 00", now=14.0) == h("7F 22 31")  # 5.1 s idle: back in default


def test_tester_present(ask: Ask) -> None:
    assert ask("3E 00") == h("7E 00")
    assert ask("3E 80") is None
    assert ask("3E 01") == h("7F 3E 12")
    assert ask("3E 00 00") == h("7F 3E 13")


def test_ecu_reset_answers_then_is_silent_and_back_in_default_locked(ask: Ask, ecu: SimEcu) -> None:
    ask("10 03")
    ask("27 01")
    assert ask("27 02 B4 87 96 E1") == h("67 02")
    assert ask("11 01", now=1.0) == h("51 01")
    assert ask("3E 00", now=1.04) is None  # reset_time is 50 ms
    assert ecu.state.session == 0x01
    assert ecu.state.security_level == 0
    assert ecu.state.resets == 1
    assert ask("22 03 00", now=1.06) == h("7F 22 33")


def test_ecu_reset_types(ask: Ask, spec_factory: Callable[..., SimEcuSpec]) -> None:
    assert ask("11 03") == h("51 03")
    assert ask("11 04", now=1.0) == h("7F 11 12")
    assert ask("11 01 00", now=1.0) == h("7F 11 13")
    rapid = SimEcu(spec_factory(reset_types=frozenset({1, 4})))
    # enableRapidPowerShutDown answers a powerDownTime; 0xFF = not available
    assert rapid.handle(h("11 04"), 0.0).response == h("51 04 FF")
