"""A simulated target carries what the profile's transport carries: no more, no less."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagkit.errors import ConfigurationError
from diagkit.profile import parse_profile
from diagkit.station import open_target

PROFILES = Path(__file__).resolve().parents[2] / "profiles"


def test_a_simulated_target_refuses_a_pdu_longer_than_the_profiles_max_pdu_size() -> None:
    text = "extends: engine_userspace.yaml\nisotp: {max_pdu_size: 4100}\nuds: {p2: 1s}\n"
    profile = parse_profile(text, base_dir=PROFILES)
    with open_target(profile, simulated=True) as target:
        assert target.client.read_did(0xF190) == "WVWZZZ1JZXW000001"  # 20 bytes: carried
        too_long = bytes([0x36, 0x01]) + bytes(4099)  # TransferData of 4101 bytes, one over
        with pytest.raises(ConfigurationError, match="exceeds max_pdu_size 4100"):
            target.client.request(too_long)
