"""Checks every service shares: 0x11, 0x7F, 0x33, suppressPosRsp and functional addressing."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from diagkit.sim import ServiceSpec, SimEcu, SimEcuSpec

Ask = Callable[..., bytes | None]
h = bytes.fromhex


def test_unsupported_services_are_0x11_whatever_follows(ask: Ask) -> None:
    assert ask("23") == h("7F 23 11")
    assert ask("BA 01 02") == h("7F BA 11")
    assert ask("62 F1 90") == h("7F 62 11")


def test_session_check_comes_before_the_sub_function_length(ask: Ask) -> None:
    assert ask("27") == h("7F 27 7F")
    ask("10 03")
    assert ask("27") == h("7F 27 13")


def test_service_level_security_comes_before_service_checks(
    spec_factory: Callable[..., SimEcuSpec],
) -> None:
    spec = spec_factory()
    services = dict(spec.services)
    services[0x2E] = ServiceSpec(security=0x01)
    ecu = SimEcu(spec_factory(services=MappingProxyType(services)))
    assert ecu.handle(h("2E 12 34"), 0.0).response == h("7F 2E 33")


def test_suppress_bit_silences_positive_answers_only(ask: Ask) -> None:
    assert ask("3E 80") is None
    assert ask("31 81 99 99") == h("7F 31 31")
    assert ask("11 85") == h("7F 11 12")


def test_functional_requests_get_no_0x11_0x12_0x31_0x7e_0x7f(ask: Ask) -> None:
    assert ask("23 00", functional=True) is None  # 0x11
    assert ask("10 05", functional=True) is None  # 0x12
    assert ask("22 12 34", functional=True) is None  # 0x31
    assert ask("27 01", functional=True) is None  # 0x7F
    assert ask("10 02", functional=True) == h("50 02 00 32 00 C8")
    assert ask("27 11", functional=True) == h("67 11 01 02")
    assert ask("10", functional=True) == h("7F 10 13")  # other NRCs are still sent
    assert ask("22 F1 8C", functional=True) == h("62 F1 8C 00 00 00 07")


def test_functional_0x7e_is_suppressed(spec_factory: Callable[..., SimEcuSpec]) -> None:
    ecu = SimEcu(spec_factory(sessions=MappingProxyType({1: None, 2: frozenset({3})})))
    assert ecu.handle(h("10 02"), 0.0).response == h("7F 10 7E")
    assert ecu.handle(h("10 02"), 0.0, functional=True).response is None


def test_empty_request_gets_no_answer(ask: Ask) -> None:
    assert ask("") is None
