"""A spec built from a real profile answers with that profile's identity, codecs and faults."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from diagkit.profile import EcuProfile, load_profile, parse_profile
from diagkit.profile.simulation import service_id
from diagkit.sim import Faults, SimEcu
from diagkit.sim.from_profile import KeyAlgorithm, spec_from_profile

PROFILES = Path(__file__).resolve().parents[3] / "profiles"
h = bytes.fromhex
ENVIRON = {"ENGINE_SA_KEY": "000102030405060708090A0B0C0D0E0F"}


def invert(level: int, seed: bytes, params: Mapping[str, Any]) -> bytes:
    return bytes(b ^ 0xFF for b in seed)


@pytest.fixture
def profile() -> EcuProfile:
    return load_profile(PROFILES / "engine_userspace.yaml")


@pytest.fixture
def asked() -> list[str]:
    return []


@pytest.fixture
def ecu(profile: EcuProfile, asked: list[str]) -> SimEcu:
    def resolve(name: str) -> KeyAlgorithm:
        asked.append(name)
        return invert

    return SimEcu(spec_from_profile(profile, algorithms=resolve, environ=ENVIRON), rng_seed=5)


def final(ecu: SimEcu, request: str) -> bytes | None:
    plan = ecu.plan(h(request), 0.0)
    return plan[-1].pdu if plan else None


def test_initial_did_values_are_encoded_with_the_profile_codecs(ecu: SimEcu) -> None:
    # ascii, 10 bytes padded with 0x20
    assert final(ecu, "22 F1 8C") == h("62 F1 8C 53 4E 34 37 31 31 20 20 20 20")
    assert final(ecu, "22 F1 95") == h("62 F1 95 01 02 03 04")  # hex, 4 bytes
    assert final(ecu, "22 F1 8B") == h("62 F1 8B 24 01 31")  # bcd "240131"
    assert final(ecu, "22 01 20") == h("62 01 20 00")  # enum 0 = sequential


def test_session_response_announces_the_profile_timing(ecu: SimEcu) -> None:
    assert final(ecu, "10 03") == h("50 03 00 FA 01 F4")  # 250 ms, 500 x 10 ms


def test_dtcs_and_their_extended_data_size(ecu: SimEcu) -> None:
    assert final(ecu, "19 02 FF") == h("59 02 FF 01 23 00 09 C0 73 00 28")
    assert final(ecu, "19 06 01 23 00 01") == h("59 06 01 23 00 09 01 00 00 00 00")


def test_profile_faults_apply(ecu: SimEcu) -> None:
    plan = ecu.plan(h("22 F4 0C"), 0.0)  # pending: 2, delay: 20ms
    assert [(e.at, e.pdu) for e in plan] == [
        (0.0, h("7F 22 78")),
        (0.01, h("7F 22 78")),
        (0.02, h("62 F4 0C 00 00")),
    ]
    assert final(ecu, "31 01 02 03") == h("7F 31 22")  # routine_control: nrc 0x22


def test_security_uses_the_named_algorithm_and_session_rules(ecu: SimEcu, asked: list[str]) -> None:
    assert final(ecu, "10 03") is not None
    assert final(ecu, "2E F1 90 " + "41" * 17) == h("7F 2E 33")
    assert final(ecu, "27 11") == h("7F 27 7E")  # level 0x11: programming session only
    seed = final(ecu, "27 01")
    assert seed is not None and seed[:2] == h("67 01")
    key = bytes(b ^ 0xFF for b in seed[2:])
    assert final(ecu, "27 02 " + key.hex()) == h("67 02")
    assert asked == ["xor_mask"]
    assert final(ecu, "2E F1 90 " + "41" * 17) == h("6E F1 90")
    assert final(ecu, "2E F1 90 " + "41" * 16) == h("7F 2E 13")


def test_download_into_a_region_needs_its_erase_routine_level(ecu: SimEcu) -> None:
    final(ecu, "10 02")
    assert final(ecu, "34 00 44 08 00 40 00 00 00 01 00") == h("7F 34 33")
    seed = final(ecu, "27 11")
    assert seed is not None
    assert final(ecu, "27 12 " + bytes(b ^ 0xFF for b in seed[2:]).hex()) == h("67 12")
    # maxNumberOfBlockLength 0x1002 as the profile's simulation.max_block_length says
    assert final(ecu, "34 00 44 08 00 40 00 00 00 01 00") == h("74 20 10 02")
    assert final(ecu, "36 01 " + "5A" * 256) == h("76 01")
    assert final(ecu, "37") == h("77")
    assert ecu.state.read_memory(ecu.spec, 0x08004000, 2) == h("5A 5A")
    ecu.set_faults(Faults())  # the profile refuses one RoutineControl with 0x22
    assert final(ecu, "31 01 FF 00") == h("71 01 FF 00 00")  # erase_memory -> application
    assert ecu.state.read_memory(ecu.spec, 0x08004000, 2) == h("FF FF")


def test_a_profile_without_simulation_section_still_serves(ecu: SimEcu) -> None:
    plain = load_profile(PROFILES / "engine.yaml")
    spec = spec_from_profile(plain)
    assert not spec.faults
    assert SimEcu(spec).plan(h("22 F1 8C"), 0.0)[-1].pdu == h("62 F1 8C") + bytes(10)


@pytest.mark.parametrize(
    ("name", "sid"),
    [("read_data_by_identifier", 0x22), ("ECUReset", 0x11), ("ecu_reset", 0x11), (0x31, 0x31)],
)
def test_service_names(name: str | int, sid: int) -> None:
    assert service_id(name) == sid


def test_unknown_service_name_suggests_the_closest_known_one() -> None:
    with pytest.raises(ValueError, match="did you mean 'read_data_by_identifier'"):
        service_id("read_data_by_identifer")


SIMULATION_DOC = """
extends: engine.yaml
simulation:
  max_block_length: 0x82
  faults:
    - {service: read_data_by_identifier, did: ecu_serial_number, nrc: 0x22, times: 1}
    - {service: routine_control, did: check_programming_preconditions, pending: 2,
       pending_interval: 30ms}
    - {service: transfer_data, reset_after_blocks: 1}
"""


def test_simulation_section_sets_block_length_and_every_fault_kind() -> None:
    profile = parse_profile(SIMULATION_DOC, base_dir=PROFILES)
    ecu = SimEcu(spec_from_profile(profile, algorithms=lambda name: invert, environ=ENVIRON))
    assert final(ecu, "22 F1 8C") == h("7F 22 22")  # times: 1 ...
    assert final(ecu, "22 F1 8C") == h("62 F1 8C") + bytes(10)  # ... then served again
    assert [(e.at, e.pdu) for e in ecu.plan(h("31 01 02 03"), 0.0)] == [
        (0.0, h("7F 31 78")),
        (0.03, h("7F 31 78")),
        (0.06, h("71 01 02 03 00")),  # routine id named by the fault's did
    ]
    final(ecu, "10 02")
    seed = final(ecu, "27 11")
    assert seed is not None
    assert final(ecu, "27 12 " + bytes(b ^ 0xFF for b in seed[2:]).hex()) == h("67 12")
    # maxNumberOfBlockLength: lengthFormatIdentifier 0x20 (2 bytes), then 0x0082
    assert final(ecu, "34 00 44 08 00 40 00 00 00 01 00") == h("74 20 00 82")
    assert final(ecu, "36 01 " + "00" * 0x80) == h("76 01")
    assert final(ecu, "36 02 " + "00" * 0x80) is None  # reset_after_blocks: 1
    assert ecu.state.resets == 1
