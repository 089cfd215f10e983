"""The diagkit command line, end to end against simulated ECUs (memory and python-can virtual)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from diagkit.cli import main
from diagkit.profile import load_profile
from diagkit.sim import run_bench

PROFILES = Path(__file__).resolve().parents[3] / "profiles"
ENGINE_SIM = PROFILES / "engine_userspace.yaml"


@pytest.fixture
def simulated_engine() -> Iterator[None]:
    """The engine profile's simulated ECU on python-can's virtual bus, in this process."""
    with run_bench(load_profile(ENGINE_SIM)):
        yield


@pytest.mark.parametrize("transport", ["memory", "userspace"])
def test_demo_runs_a_session_and_shows_what_the_ecu_answered(
    transport: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["demo", "--transport", transport]) == 0
    out = capsys.readouterr().out
    assert "WVWZZZ1JZXW000001" in out  # the VIN the profile's simulation section holds
    assert "012300" in out and "C07300" in out  # its DTCs, before they are cleared
    assert "0 DTC(s) left" in out
    assert "negative response 0x22 conditionsNotCorrect" in out  # the injected refusal
    assert "[engine_sim" in out  # the error names the ECU (not eaten as console markup)
    assert "flashed 65536 bytes into application at 0x8004000" in out
    assert "erased, verified" in out  # the simulated ECU's CRC check accepted the image


def test_read_decodes_dids_by_name_and_number(
    simulated_engine: None, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["read", str(ENGINE_SIM), "ecu_serial_number", "0xF195", "--session", "3"])
    assert status == 0
    assert capsys.readouterr().out.splitlines() == [
        "ecu_serial_number = SN4711",
        "software_version = 01020304",  # a number is shown by its profile name
    ]


def test_dtc_lists_status_bits_by_their_iso_names_and_clears(
    simulated_engine: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["dtc", str(ENGINE_SIM), "--clear"]) == 0
    out = capsys.readouterr().out
    assert "012300" in out and "testFailed, confirmedDTC" in out  # status 0x09
    assert "C07300" in out and "confirmedDTC, testFailedSinceLastClear" in out  # status 0x28
    assert main(["dtc", str(ENGINE_SIM)]) == 0
    assert capsys.readouterr().out == "no DTC stored\n"


def test_profile_check_reports_file_line_field_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "engine.yaml"
    bad.write_text(
        "name: engine\naddressing:\n  mode: normal_11bit\n  txid: 0x800\n  rxid: 0x7E8\n"
    )
    assert main(["profile", "check", str(PROFILES / "engine.yaml"), str(bad)]) == 2
    captured = capsys.readouterr()
    assert "ok   " in captured.out
    assert f"{bad}:4 addressing.txid: 0x800 does not fit an 11-bit id (max 0x7FF)" in captured.err


def test_errors_are_one_line_and_exit_2_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["read", str(tmp_path / "missing.yaml"), "vin"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "Traceback" not in err


def test_a_bench_needs_an_ecu_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read", str(PROFILES / "hil_bench.yaml"), "vin"]) == 2
    assert "choose an ECU with --ecu (engine, inverter, front_camera)" in capsys.readouterr().err


def test_simulate_serves_until_its_duration_ends(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(ENGINE_SIM), "--duration", "0.2"]) == 0
    assert "simulating engine_sim on bench (userspace)" in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out

