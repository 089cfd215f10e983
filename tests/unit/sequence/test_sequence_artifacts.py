"""``diagkit run --artifacts DIR`` and ``--trace FILE``: what a run leaves for the plant."""

from __future__ import annotations

import json
from pathlib import Path

import junitparser
import pytest

from diagkit.cli import main
from diagkit.profile import load_profile
from diagkit.sim import run_bench
from diagkit.sim.from_profile import simulation_environ
from diagkit.trace import decode, read_frames
from tests.unit.sequence._bench_run import BENCH, VIN, write_sequence

ENGINE = Path(__file__).resolve().parents[3] / "profiles" / "engine_userspace.yaml"


def test_artifacts_hold_a_folder_per_ecu_with_its_reports_profile_and_sequence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sequence = write_sequence(tmp_path)
    out = tmp_path / "SN0001"
    argv = ["run", str(sequence), "--bench", str(BENCH), "--sim", "--set", f"vin={VIN}"]
    assert main([*argv, "--artifacts", str(out)]) == 1  # the inverter's dc link fails
    capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == [
        "engine",
        "front_camera",
        "inverter",
        "junit.xml",
        "report.json",
    ]
    for ecu in ("engine", "inverter", "front_camera"):
        folder = out / ecu
        # simulated in memory: no CAN frames, so no trace
        names = {"junit.xml", "report.json", "profile.yaml", "sequence.yaml"}
        assert {p.name for p in folder.iterdir()} == names
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        assert [e["name"] for e in report["ecus"]] == [ecu]
        assert report["passed"] is (ecu != "inverter")
        suites = [s.name for s in junitparser.JUnitXml.fromfile(str(folder / "junit.xml"))]
        assert suites == [ecu]
        assert (folder / "sequence.yaml").read_bytes() == sequence.read_bytes()
        assert load_profile(folder / "profile.yaml").name == ecu  # the profile it ran with
    whole = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [e["name"] for e in whole["ecus"]] == ["engine", "inverter", "front_camera"]


def test_trace_of_ecus_simulated_in_memory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sequence = write_sequence(tmp_path)
    argv = ["run", str(sequence), "--bench", str(BENCH), "--sim", "--set", f"vin={VIN}"]
    assert main([*argv, "--trace", str(tmp_path / "run.pcapng")]) == 2
    assert "put no frames on a bus" in capsys.readouterr().err
    assert not (tmp_path / "run.pcapng").exists()


def test_trace_and_artifacts_record_the_frames_on_a_python_can_bus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = load_profile(ENGINE).with_overrides(interface=f"seq-{tmp_path.name}")
    sequence = tmp_path / "vin.yaml"
    sequence.write_text("name: vin\nsteps:\n  - {name: vin, read: vin}\n", encoding="utf-8")
    trace, out = tmp_path / "run.asc", tmp_path / "part"
    with run_bench(profile, environ=simulation_environ([profile]), poll_interval=0.01):
        argv = ["run", str(sequence), "--profile", str(ENGINE), "--interface", profile.interface]
        assert main([*argv, "--trace", str(trace), "--artifacts", str(out)]) == 0
    assert "vin: PASSED" in capsys.readouterr().out
    for path in (trace, out / "engine_sim" / "trace.pcapng"):
        pdus = [(p.arbitration_id, p.data[:3]) for p, _ in decode(read_frames(path))]
        # ISO 14229-1: 22 F1 90 from the tester (0x7E0), 62 F1 90 ... from the ECU (0x7E8)
        assert pdus == [(0x7E0, b"\x22\xf1\x90"), (0x7E8, b"\x62\xf1\x90")], path
