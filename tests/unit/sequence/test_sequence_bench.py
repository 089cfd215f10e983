"""``diagkit run`` over the three ECUs of profiles/hil_bench.yaml at once, simulated in process."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from diagkit.cli import main
from diagkit.sequence import EcuResult, StepResult, run_sequence
from tests.unit.sequence._bench_run import BENCH, VIN, check_reports, write_sequence


def test_one_failing_step_fails_the_run_and_only_that_step_in_both_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sequence = write_sequence(tmp_path)
    junit, report = tmp_path / "eol.xml", tmp_path / "eol.json"
    argv = ["run", str(sequence), "--bench", str(BENCH), "--sim", "--set", f"vin={VIN}"]
    status = main([*argv, "--junit", str(junit), "--json", str(report)])
    out = capsys.readouterr().out
    assert status == 1, out
    check_reports(sequence, report, junit)
    assert "inverter [5/9] dc link: failed" in out  # piped: a line per step
    assert out.rstrip().splitlines()[-1].startswith("eol_check: FAILED, 2 of 3 ECUs passed")


class _Meeting:
    """An observer holding each ECU's first step until all three are inside one at once."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(3, timeout=30)
        self.met: set[str] = set()

    def ecu_started(self, ecu: str, steps: int) -> None:
        pass

    def step_started(self, ecu: str, index: int, step: StepResult) -> None:
        if ecu not in self.met:
            self.met.add(ecu)
            self.barrier.wait()  # BrokenBarrierError if the ECUs ran one after another

    def progress(self, ecu: str, done: int, total: int) -> None:
        pass

    def step_finished(self, ecu: str, index: int, step: StepResult) -> None:
        pass

    def ecu_finished(self, ecu: str, result: EcuResult) -> None:
        pass


def test_the_ecus_of_a_bench_run_at_the_same_time(tmp_path: Path) -> None:
    meeting = _Meeting()
    result = run_sequence(
        write_sequence(tmp_path), BENCH, simulated=True, variables={"vin": VIN}, observer=meeting
    )
    assert meeting.met == {"engine", "inverter", "front_camera"}
    assert not meeting.barrier.broken
    assert [e.name for e in result.ecus if not e.passed] == ["inverter"]


class _Order(_Meeting):
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def step_started(self, ecu: str, index: int, step: StepResult) -> None:
        pass

    def ecu_started(self, ecu: str, steps: int) -> None:
        self.events.append(("start", ecu))

    def ecu_finished(self, ecu: str, result: EcuResult) -> None:
        self.events.append(("end", ecu))


def test_jobs_1_runs_one_ecu_after_the_other(tmp_path: Path) -> None:
    order = _Order()
    run_sequence(
        write_sequence(tmp_path),
        BENCH,
        simulated=True,
        variables={"vin": VIN},
        observer=order,
        jobs=1,
    )
    kinds = [kind for kind, _ in order.events]
    assert kinds == ["start", "end"] * 3
    assert [ecu for kind, ecu in order.events if kind == "start"] == [
        ecu for kind, ecu in order.events if kind == "end"
    ]


def test_ecu_picks_some_ecus_of_the_bench(tmp_path: Path) -> None:
    result = run_sequence(
        write_sequence(tmp_path), BENCH, ecus=["engine"], simulated=True, variables={"vin": VIN}
    )
    assert [e.name for e in result.ecus] == ["engine"]
    assert result.passed and result.exit_code == 0
