"""client_settings: one profile, everything the client needs, built in one place."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import udsoncan.configs
from udsoncan.client import Client
from udsoncan.connections import QueueConnection

from diagkit.client.client import KeepAlive
from diagkit.client.settings import client_settings
from diagkit.client.timing import Timing
from diagkit.errors import ConfigurationError
from diagkit.profile import LevelParams, Secret, load_profile, parse_profile
from diagkit.transport.address import TargetAddressType
from tests.unit.profile._profile_helpers import MINIMAL

PROFILES = Path(__file__).resolve().parents[3] / "profiles"


def test_the_engine_profile_becomes_its_client_settings() -> None:
    settings = client_settings(load_profile(PROFILES / "engine.yaml"))
    # engine.yaml: uds.p2 50ms, p2_star 5s, request_timeout null; tester present every 2 s,
    # suppressed, functional; 0x7E0/0x7E8 with functional_txid 0x7DF; dtc.status_mask 0x2F
    assert settings.timing == Timing(p2=0.05, p2_star=5.0, request_timeout=None)
    assert settings.keep_alive == KeepAlive(
        enabled=True, interval=2.0, suppress=True, functional=True
    )
    assert settings.label == "engine can0 0x7E0/0x7E8"
    functional = settings.functional_address
    assert functional is not None and functional.tx_id == 0x7DF
    assert functional.target_type is TargetAddressType.Functional
    assert settings.dtc_status_mask == 0x2F
    assert settings.did_names["vin"] == 0xF190
    assert sorted(settings.did_codecs) == sorted(settings.did_names.values())
    assert settings.security.for_level(0x01) == ("xor_mask", {"mask": "0x5A5AA5A5"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.dtc_status_mask = 0xFF  # type: ignore[misc]


def test_the_udsoncan_config_has_every_key_and_the_timing_once() -> None:
    settings = client_settings(load_profile(PROFILES / "engine.yaml"))
    config = settings.udsoncan_config()
    assert set(udsoncan.configs.default_client_config) <= set(config)
    assert (config["p2_timeout"], config["p2_star_timeout"]) == (0.05, 5.0)
    assert config["request_timeout"] is None  # pendings may extend a request
    assert config["server_address_format"] == 32
    assert config["data_identifiers"] is settings.did_codecs
    Client(QueueConnection(), config=config)  # udsoncan accepts it as a client config


def test_an_overall_timeout_only_when_the_profile_sets_one() -> None:
    assert client_settings(parse_profile(MINIMAL)).timing.request_timeout is None
    timed = parse_profile(MINIMAL + "uds: {request_timeout: 3s}\n")
    assert client_settings(timed).timing.request_timeout == 3.0
    assert client_settings(timed).udsoncan_config()["request_timeout"] == 3.0


def test_a_profile_without_security_or_functional_address_has_neither() -> None:
    settings = client_settings(parse_profile(MINIMAL))
    assert settings.security.levels == {}
    assert settings.functional_address is None


def test_a_disabled_functional_tester_present_needs_no_functional_sender() -> None:
    profile = parse_profile(
        MINIMAL.replace("rxid: 0x7E8", "rxid: 0x7E8\n  functional_txid: 0x7DF")
        + "uds: {tester_present: {enabled: false, addressing: functional}}\n"
    )
    keep_alive = client_settings(profile).keep_alive
    assert (keep_alive.enabled, keep_alive.functional) == (False, False)


SECURED = MINIMAL + (
    "security:\n"
    "  - {level: 0x01, algorithm: xor_mask, params: {mask: 0x5A5A}}\n"
    "  - {level: 0x11, algorithm: aes128_cmac, key_env: ENGINE_SA_KEY}\n"
)


def test_each_level_names_its_algorithm_and_parameters() -> None:
    security = client_settings(parse_profile(SECURED), environ={}).security
    # the mask in xor_mask's normal form: hex text of its bytes
    assert security.for_level(0x01) == ("xor_mask", {"mask": "0x5A5A"})
    name, params = security.for_level(0x11) or ("", {})
    assert name == "aes128_cmac" and isinstance(params, LevelParams)
    assert security.for_level(0x05) is None  # not in the profile: no algorithm


def test_key_material_comes_from_the_environment_when_asked_for_and_stays_hidden() -> None:
    environ = {"ENGINE_SA_KEY": "00112233445566778899AABBCCDDEEFF"}
    settings = client_settings(parse_profile(SECURED), environ=environ)
    _, params = settings.security.for_level(0x11) or ("", {})
    key = params["key"]
    assert isinstance(key, Secret)
    assert key.reveal() == "00112233445566778899AABBCCDDEEFF"
    assert "0011" not in repr(params) and "0011" not in repr(settings)
    assert "$ENGINE_SA_KEY" in repr(params)


def test_an_unset_key_variable_fails_at_unlock_naming_it_not_at_open() -> None:
    settings = client_settings(parse_profile(SECURED), environ={})  # opening needs no key
    _, params = settings.security.for_level(0x11) or ("", {})
    assert set(params) == {"key"}
    with pytest.raises(ConfigurationError, match="environment variable ENGINE_SA_KEY"):
        params["key"]
