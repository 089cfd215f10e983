"""Shared helpers of the profile tests: a minimal valid profile and problem extraction."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagkit.profile import parse_profile
from diagkit.profile.problems import InvalidProfileError, Problem

REPO = Path(__file__).resolve().parents[3]
PROFILES = REPO / "profiles"

MINIMAL = """\
name: ecu
addressing:
  mode: normal_11bit
  txid: 0x7E0
  rxid: 0x7E8
"""


def problems_of(text: str, source: str = "t.yaml") -> list[Problem]:
    """The problems a profile text is rejected with (fails the test when it is accepted)."""
    with pytest.raises(InvalidProfileError) as caught:
        parse_profile(text, source=source)
    return list(caught.value.problems)
