"""The README's demo on the kernel's CAN_ISOTP sockets: simulated ECU and client on vcan0."""

from __future__ import annotations

import pytest

from diagkit.cli import main


def test_demo_runs_over_kernel_sockets(
    classic_iface: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["demo", "--interface", classic_iface]) == 0
    out = capsys.readouterr().out
    assert f"the kernel's CAN_ISOTP sockets on {classic_iface}" in out  # auto picked the kernel
    assert "WVWZZZ1JZXW000001" in out
    assert "negative response 0x22 conditionsNotCorrect" in out
    assert "erased, verified" in out  # 240 KiB flashed through kernel sockets, CRC accepted
