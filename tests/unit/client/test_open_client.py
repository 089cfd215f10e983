"""Clients opened from profiles are configured from the profile alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagkit.client.factory import load_target, open_client, open_functional_group, timing_of
from diagkit.errors import ConfigurationError
from diagkit.profile import EcuProfile, load_profile
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
    assert timing_of(minimal()).request_timeout is None
    assert timing_of(minimal(request_timeout="3s")).request_timeout == 3.0


def test_bench_and_ecu_name_select_a_profile_with_the_bench_defaults() -> None:
    profile = load_target((PROFILES / "gateway_bench.yaml", "gateway"))
    assert profile.name == "gateway"
    assert profile.interface == "can3"


def test_overrides_replace_interface_and_backend() -> None:
    profile = load_target(ENGINE, interface="vcan7", backend="userspace")
    assert (profile.interface, profile.backend) == ("vcan7", "userspace")


def test_memory_backend_needs_a_transport() -> None:
    with pytest.raises(ConfigurationError, match="memory backend"):
        open_client(minimal(), backend="memory")


def test_functional_group_needs_one_bus() -> None:
    with pytest.raises(ConfigurationError, match="one bus"):
        open_functional_group(PROFILES / "hil_bench.yaml", backend="memory")
