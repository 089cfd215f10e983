"""The demo's flash step says what it downloads and what the check covers, and both agree."""

from __future__ import annotations

import re

import pytest

from diagkit.cli import main
from diagkit.cli.flash import summary
from diagkit.flash import FlashResult


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


def test_a_flash_summary_says_how_much_was_fill() -> None:
    result = FlashResult(
        region="application",
        address=0x8004000,
        size=0x3C000,
        max_block_length=0x1002,
        blocks=60,
        retries=0,
        erased=True,
        verified=True,
        transfer_seconds=1.0,
        total_seconds=1.5,
        padding=0x3C000 - 0x10000,
    )
    assert summary(result).startswith(
        "flashed 245760 bytes into application at 0x8004000 (65536 bytes of image, 180224 of "
        "fill) in 1.50 s"
    )
