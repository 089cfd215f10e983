"""ReadDataByIdentifier and WriteDataByIdentifier: layouts, access rules and NRC order."""

from __future__ import annotations

from collections.abc import Callable

from diagkit.sim import SimEcu, SimEcuSpec

Ask = Callable[..., bytes | None]
h = bytes.fromhex
VIN_HEX = "57 44 42 31 32 33 34 35 36 37 38 39 30 41 42 43 44"  # "WDB1234567890ABCD"


def test_read_one_did(ask: Ask) -> None:
    assert ask("22 F1 90") == h(f"62 F1 90 {VIN_HEX}")


def test_read_several_dids_in_request_order(ask: Ask) -> None:
    assert ask("22 01 01 F1 90") == h(f"62 01 01 0C 80 F1 90 {VIN_HEX}")


def test_unsupported_dids_are_left_out_while_one_is_supported(ask: Ask) -> None:
    assert ask("22 12 34 01 01") == h("62 01 01 0C 80")
    assert ask("22 02 00 01 01") == h("62 01 01 0C 80")  # 0x0200: extended session only
    assert ask("22 12 34") == h("7F 22 31")
    assert ask("22 02 00") == h("7F 22 31")


def test_read_length_checks_come_first(ask: Ask) -> None:
    assert ask("22") == h("7F 22 13")
    assert ask("22 F1") == h("7F 22 13")
    assert ask("22 03 00 12") == h("7F 22 13")
    assert ask("22 03 00") == h("7F 22 33")


def test_too_many_dids_and_too_long_answer(spec_factory: Callable[..., SimEcuSpec]) -> None:
    limited = SimEcu(spec_factory(max_dids_per_read=2))
    assert limited.handle(h("22 01 01 01 01 01 01"), 0.0).response == h("7F 22 13")
    assert limited.handle(h("22 01 01 01 01"), 0.0).response == h("62 01 01 0C 80 01 01 0C 80")
    short = SimEcu(spec_factory(max_response_length=10))
    assert short.handle(h("22 F1 90"), 0.0).response == h("7F 22 14")


def test_write_then_read_back(ask: Ask, ecu: SimEcu) -> None:
    assert ask("2E F1 8C 00 00 00 2A") == h("6E F1 8C")
    assert ask("22 F1 8C") == h("62 F1 8C 00 00 00 2A")
    assert ecu.state.dids[0xF18C] == h("00 00 00 2A")


def test_write_nrcs(ask: Ask) -> None:
    assert ask("2E F1 8C") == h("7F 2E 13")
    assert ask("2E 12 34 00") == h("7F 2E 31")  # unknown
    assert ask("2E 01 01 00 00") == h("7F 2E 31")  # read-only
    assert ask("2E F1 8C 00 00 01") == h("7F 2E 13")  # 3 bytes for a 4-byte DID
    assert ask("2E F1 8C 00 00 00 00") == h("7F 2E 31")  # the validator refuses zero


def test_write_session_then_security_then_length(ask: Ask) -> None:
    new_vin = "56 46 31 52 45 4E 41 55 4C 54 30 30 30 30 30 30 31"
    assert ask(f"2E F1 90 {new_vin}") == h("7F 2E 31")  # default session: not writable
    ask("10 03")
    assert ask("2E F1 90 00") == h("7F 2E 33")  # security before the record length
    ask("27 01")
    ask("27 02 B4 87 96 E1")
    assert ask("2E F1 90 00") == h("7F 2E 13")
    assert ask(f"2E F1 90 {new_vin}") == h("6E F1 90")
    assert ask("22 F1 90") == h(f"62 F1 90 {new_vin}")
