"""The demo's flash step says what it downloads and what the check covers, and both agree."""

from __future__ import annotations

import re

import pytest

from diagkit.cli import main


def test_the_demo_flashes_what_it_announces_and_says_what_counts_as_erased(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    assert main(["demo", "--transport", "memory"]) == 0
    out = capsys.readouterr().out
    announced = re.search(r"flash (\d+) KiB of firmware into application", out)
    flashed = re.search(r"flashed (\d+) bytes", out)
    assert announced is not None and flashed is not None
    assert int(flashed[1]) == int(announced[1]) * 1024
    # engine.yaml: application is 0x3C000 bytes at 0x08004000; the 64 KiB image leaves 176 KiB
    assert "its other 176 KiB, not written, count as erased 0xFF" in out
    assert (
        "CRC-32 of 0x8004000..0x803FFFF (the whole region: the 65536-byte image, the other "
        "180224 bytes counted as 0xFF)"
    ) in out
    assert "erased, verified" in out
