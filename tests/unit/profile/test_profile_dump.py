"""Dumps write values the way a profile writes them: sessions by name, masks and ids in hex."""

from __future__ import annotations

import json

import yaml

from diagkit.profile import dump_profile, load_profile, parse_profile
from tests.unit.profile._profile_helpers import MINIMAL, PROFILES

SESSIONS = MINIMAL + (
    "security:\n"
    "  - {level: 0x01, algorithm: xor_mask, params: {mask: 0x5A5AA5A5}, session: extended}\n"
    "  - {level: 0x11, algorithm: aes128_cmac, key_env: K, session: 0x02}\n"
    "routines:\n"
    "  - {id: 0xFF00, name: erase, session: programming, security_level: 0x11}\n"
    "  - {id: 0x0203, name: maker, session: 0x40}\n"
    "dids:\n"
    "  - {id: 0xF190, name: vin, codec: {type: ascii, length: 17}, session: 3}\n"
    "dtc: {status_mask: 0x2F}\n"
)


def test_sessions_are_dumped_by_their_iso_name_or_in_hex() -> None:
    data = yaml.safe_load(dump_profile(parse_profile(SESSIONS)))
    assert [level["session"] for level in data["security"]] == ["extended", "programming"]
    assert [routine["session"] for routine in data["routines"]] == ["programming", "0x40"]
    assert data["dids"][0]["session"] == "extended"


def test_masks_are_dumped_in_hex() -> None:
    data = json.loads(dump_profile(parse_profile(SESSIONS), "json"))
    assert data["security"][0]["params"] == {"mask": "0x5A5AA5A5"}
    assert data["dtc"]["status_mask"] == "0x2F"
    assert data["security"][0]["level"] == "0x01"


def test_a_dump_loads_back_to_an_equal_profile() -> None:
    profile = parse_profile(SESSIONS)
    assert parse_profile(dump_profile(profile)) == profile
    assert parse_profile(dump_profile(profile, "json"), json_format=True) == profile


def test_the_engine_dump_names_its_sessions() -> None:
    text = dump_profile(load_profile(PROFILES / "engine.yaml"))
    assert "session: extended" in text and "session: programming" in text
    assert "session: 3" not in text and "session: 2" not in text
    assert "1515890085" not in text  # the xor mask 0x5A5AA5A5
