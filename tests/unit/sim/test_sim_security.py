"""SecurityAccess: seed and key, already-unlocked zero seed, attempts and the delay timer."""

from __future__ import annotations

from collections.abc import Callable

from diagkit.sim import SimEcu, SimEcuSpec

Ask = Callable[..., bytes | None]
h = bytes.fromhex
KEY = "B4 87 96 E1"  # seed 11 22 33 44 XOR A5, written out by hand


def test_security_access_is_refused_in_the_default_session(ask: Ask) -> None:
    assert ask("27 01") == h("7F 27 7F")


def test_seed_key_unlocks_and_a_second_seed_is_all_zero(ask: Ask, ecu: SimEcu) -> None:
    ask("10 03")
    assert ask("22 03 00") == h("7F 22 33")
    assert ask("27 01") == h("67 01 11 22 33 44")
    assert ask(f"27 02 {KEY}") == h("67 02")
    assert ecu.state.security_level == 0x01
    assert ask("22 03 00") == h("62 03 00 BE EF")
    assert ask("27 01") == h("67 01 00 00 00 00")


def test_send_key_without_or_for_another_seed_is_a_sequence_error(ask: Ask) -> None:
    ask("10 03")
    assert ask(f"27 02 {KEY}") == h("7F 27 24")
    ask("10 02")
    assert ask("27 11") == h("67 11 01 02")
    assert ask(f"27 02 {KEY}") == h("7F 27 24")  # the seed handed out was for level 0x11


def test_unknown_level_and_level_not_in_session(ask: Ask) -> None:
    ask("10 03")
    assert ask("27 05") == h("7F 27 12")
    assert ask("27 11") == h("7F 27 7E")
    assert ask("27 02") == h("7F 27 13")


def test_wrong_keys_count_attempts_then_delay_then_a_fresh_start(ask: Ask) -> None:
    ask("10 03", now=0.0)
    for now in (1.0, 2.0):
        ask("27 01", now=now)
        assert ask("27 02 00 00 00 00", now=now) == h("7F 27 35")
    ask("27 01", now=3.0)
    assert ask("27 02 00 00 00 00", now=3.0) == h("7F 27 36")
    ask("3E 80", now=7.0)  # keep the extended session (S3 = 5 s)
    ask("3E 80", now=11.0)
    assert ask("27 01", now=12.9) == h("7F 27 37")  # delay 10 s from t=3
    assert ask("27 01", now=13.1) == h("67 01 11 22 33 44")
    assert ask("27 02 00 00 00 00", now=13.2) == h("7F 27 35")  # the counter started afresh


def test_a_new_session_relocks(ask: Ask) -> None:
    ask("10 03")
    ask("27 01")
    ask(f"27 02 {KEY}")
    assert ask("10 03") == h("50 03 00 32 00 C8")
    assert ask("22 03 00") == h("7F 22 33")


def test_random_seeds_are_never_all_zero_and_the_key_function_decides(
    spec_factory: Callable[..., SimEcuSpec],
) -> None:
    spec = spec_factory()
    levels = dict(spec.security_levels)
    levels[0x01] = levels[0x01].__class__(levels[0x01].key, seed_size=4)
    ecu = SimEcu(spec_factory(security_levels=levels), rng_seed=7)
    ecu.handle(h("10 03"), 0.0)
    answer = ecu.handle(h("27 01"), 0.0).response
    assert answer is not None and answer[:2] == h("67 01") and len(answer) == 6
    seed = answer[2:]
    assert any(seed)
    key = bytes(b ^ 0xA5 for b in seed)
    assert ecu.handle(h("27 02") + key, 0.0).response == h("67 02")
