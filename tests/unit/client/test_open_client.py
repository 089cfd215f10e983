"""Clients opened from profiles are configured from the profile alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagkit.client.factory import load_target, open_client, open_functional_group
from diagkit.client.settings import client_settings
from diagkit.errors import ConfigurationError
from diagkit.profile import EcuProfile, load_bench, load_profile
from diagkit.transport.memory import MemoryTransport
from tests.unit.client._scripted_ecu import ScriptedEcu

PROFILES = Path(__file__).resolve().parents[3] / "profiles"
ENGINE = PROFILES / "engine.yaml"
VIN = b"WVWZZZ1JZXW000001"


def minimal(**uds: object) -> EcuProfile:
    return EcuProfile.model_validate(
        {
            "name": "ecu",
            "addressing": {"mode": "normal_11bit", "txid": 0x7E0, "rxid": 0x7E8},
            "uds": uds,
        }
    )


def test_engine_profile_reads_dids_by_name_and_dtcs_with_its_mask() -> None:
    ecu = ScriptedEcu(
        {
            b"\x22\xf1\x90": [b"\x62\xf1\x90" + VIN],
            # engine_speed: scaled, 2 bytes, factor 0.25 -> 0x1F40 = 8000 -> 2000 rpm
            b"\x22\xf4\x0c": [b"\x62\xf4\x0c\x1f\x40"],
            # reportDTCByStatusMask with the profile's status_mask 0x2F
            b"\x19\x02\x2f": [b"\x59\x02\xff\x01\x23\x00\x09"],
        }
    )
    transport = MemoryTransport(ecu)
    with open_client(ENGINE, transport=transport) as client:
        assert client.read_did("vin") == VIN.decode()
        assert client.read_did(0xF40C) == pytest.approx(2000.0)
        assert [(d.id, d.status.get_byte_as_int()) for d in client.read_dtcs()] == [(0x012300, 9)]
        assert client.address == "engine can0 0x7E0/0x7E8"
    assert transport.closed
    assert ecu.unexpected == []


def test_engine_profile_unlocks_with_its_registered_algorithm() -> None:
    # level 0x01: xor_mask with mask 0x5A5AA5A5 (profiles/engine.yaml)
    ecu = ScriptedEcu(
        {
            b"\x27\x01": [b"\x67\x01\x11\x22\x33\x44"],
            b"\x27\x02\x4b\x78\x96\xe1": [b"\x67\x02"],
        }
    )
    transport = MemoryTransport(ecu)
    with open_client(ENGINE, transport=transport) as client:
        client.unlock(0x01)
    assert transport.sent == [b"\x27\x01", b"\x27\x02\x4b\x78\x96\xe1"]


def test_profile_timing_and_tester_present_are_used() -> None:
    profile = load_profile(ENGINE)
    with open_client(profile, transport=MemoryTransport()) as client:
        assert client.timing.p2 == 0.05
        assert client.timing.p2_star == 5.0
        assert client.timing.request_timeout is None  # engine.yaml: pendings may extend a request
        assert client.keep_alive.enabled
        assert client.keep_alive.interval == 2.0
        # a transport given without a functional sender keeps tester present physical
        assert not client.keep_alive.functional


def test_no_overall_timeout_unless_the_profile_sets_one() -> None:
    assert client_settings(minimal()).timing.request_timeout is None
    assert client_settings(minimal(request_timeout="3s")).timing.request_timeout == 3.0


def test_bench_and_ecu_name_select_a_profile_with_the_bench_defaults() -> None:
    profile = load_target(PROFILES / "gateway_bench.yaml", ecu="gateway")
    assert profile.name == "gateway"
    assert profile.interface == "can3"
    assert load_target((PROFILES / "gateway_bench.yaml", "gateway")) == profile  # tuple form


def test_a_bench_ecu_is_opened_by_keyword() -> None:
    # hil_bench.yaml puts inverter_29bit.yaml on can1: normal fixed 29-bit, TA 0x0B, SA 0xF1,
    # so requests go on 0x18DA0BF1 and answers come on 0x18DAF10B (ISO 15765-2 0x18DA_TA_SA)
    ecu = ScriptedEcu({b"\x3e\x00": [b"\x7e\x00"]})
    transport = MemoryTransport(ecu)
    with open_client(PROFILES / "hil_bench.yaml", ecu="inverter", transport=transport) as client:
        assert client.address == "inverter can1 0x18DA0BF1/0x18DAF10B"
        client.tester_present()
    assert transport.sent == [b"\x3e\x00"]


def test_an_unknown_bench_ecu_is_refused_with_the_known_names() -> None:
    with pytest.raises(ConfigurationError) as info:
        open_client(PROFILES / "hil_bench.yaml", ecu="gearbox", transport=MemoryTransport())
    assert "no ECU 'gearbox' on bench" in str(info.value)
    assert "engine, inverter, front_camera" in str(info.value)
    with pytest.raises(ConfigurationError, match=r"no ECU 'gearbox'.*\(ECUs: engine, inverter"):
        open_functional_group(PROFILES / "hil_bench.yaml", ["engine", "gearbox"])


def test_a_bench_with_several_ecus_needs_one_named() -> None:
    with pytest.raises(ConfigurationError, match="choose one with ecu="):
        load_target(load_bench(PROFILES / "hil_bench.yaml"))


def test_overrides_replace_interface_and_backend() -> None:
    profile = load_target(ENGINE, interface="vcan7", backend="userspace")
    assert (profile.interface, profile.backend) == ("vcan7", "userspace")


def test_memory_backend_needs_a_transport() -> None:
    with pytest.raises(ConfigurationError, match="memory backend"):
        open_client(minimal(), backend="memory")


def test_functional_group_needs_one_bus() -> None:
    with pytest.raises(ConfigurationError, match="one bus"):
        open_functional_group(PROFILES / "hil_bench.yaml", backend="memory")


def test_a_disabled_functional_tester_present_opens_without_a_sender() -> None:
    profile = EcuProfile.model_validate(
        {
            "name": "ecu",
            "addressing": {"txid": 0x7E0, "rxid": 0x7E8, "functional_txid": 0x7DF},
            "uds": {"tester_present": {"enabled": False, "addressing": "functional"}},
        }
    )
    with open_client(profile, transport=MemoryTransport()) as client:
        assert not client.keep_alive.enabled
