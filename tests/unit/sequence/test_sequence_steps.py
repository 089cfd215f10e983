"""Steps against the simulated engine: an NRC named in the failure, a flash with progress,
retries, measured values kept without an expectation, the Python API's result object."""

from __future__ import annotations

from pathlib import Path

import xmlschema

from diagkit.profile import load_bench, parse_profile
from diagkit.sequence import EcuResult, StepResult, parse_sequence, run_sequence
from diagkit.sequence.reports import junit_tree
from diagkit.sequence.runner import Selection

ROOT = Path(__file__).resolve().parents[3]
ENGINE = ROOT / "profiles" / "engine.yaml"
XSD = Path(__file__).parent / "junit.xsd"


def run(text: str, **options: object) -> list[StepResult]:
    result = run_sequence(parse_sequence(text), ENGINE, simulated=True, **options)  # type: ignore[arg-type]
    (ecu,) = result.ecus
    return ecu.steps


def test_a_negative_response_fails_the_step_with_the_nrc_by_name(tmp_path: Path) -> None:
    text = (
        "name: nrc\n"
        "steps:\n"
        "  - {name: missing did, send: '22 12 34', continue_on_failure: true}\n"
        "  - {name: vin, read: vin}\n"
    )
    result = run_sequence(parse_sequence(text), ENGINE, simulated=True, junit=tmp_path / "j.xml")
    missing, vin = result.ecus[0].steps
    assert missing.verdict == "failed"
    assert missing.error is not None
    # ISO 14229-1 A.1: 0x31 requestOutOfRange
    assert (missing.error["nrc"], missing.error["nrc_name"]) == (0x31, "requestOutOfRange")
    assert vin.verdict == "passed" and vin.measured is not None  # no expectation: still measured
    assert result.exit_code == 1
    xmlschema.XMLSchema(XSD).validate(tmp_path / "j.xml")
    failure = junit_tree(result).find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message", "").startswith("requestOutOfRange (0x31)")
    assert failure.get("type") == "NegativeResponseError"
    assert "NRC: requestOutOfRange (0x31)" in (failure.text or "")


def test_an_expected_negative_answer_passes_a_send_step() -> None:
    text = "name: neg\nsteps:\n  - {name: n, send: '22 12 34', expect: {response: '7F 22 31'}}\n"
    (step,) = run(text)
    assert step.verdict == "passed" and step.raw == "7F 22 31"


class _Progress:
    def __init__(self) -> None:
        self.seen: list[tuple[int, int]] = []

    def ecu_started(self, ecu: str, steps: int) -> None:
        pass

    def step_started(self, ecu: str, index: int, step: StepResult) -> None:
        pass

    def progress(self, ecu: str, done: int, total: int) -> None:
        self.seen.append((done, total))

    def step_finished(self, ecu: str, index: int, step: StepResult) -> None:
        pass

    def ecu_finished(self, ecu: str, result: EcuResult) -> None:
        pass


def test_a_flash_step_downloads_the_file_and_reports_progress(tmp_path: Path) -> None:
    (tmp_path / "app.bin").write_bytes(bytes(range(256)) * 16)
    path = tmp_path / "flash.yaml"
    path.write_text(
        "name: flash\nsteps:\n"
        "  - {name: flash, flash: {file: app.bin, region: application, fill: 0xFF}}\n"
        "  - {name: back to default, session: default}\n",
        encoding="utf-8",
    )
    progress = _Progress()
    result = run_sequence(path, ENGINE, simulated=True, observer=progress)
    flash, default = result.ecus[0].steps
    assert flash.verdict == "passed", flash.message
    assert (flash.measured, flash.unit) == (0x3C000, "B")  # padded to the region's end
    assert flash.details["erased"] and flash.details["verified"]
    assert flash.details["address"] == "0x8004000"  # the region's start in engine.yaml
    assert progress.seen[-1] == (0x3C000, 0x3C000)
    assert default.verdict == "passed"


def test_retries_repeat_a_failing_step_and_count_the_attempts() -> None:
    text = (
        "name: retry\nsteps:\n"
        "  - {name: wrong, read: vin, expect: {equals: NOPE}, retries: 2, retry_delay: 1ms}\n"
    )
    (step,) = run(text)
    assert step.verdict == "failed" and step.attempts == 3
    assert step.message.startswith("expected 'NOPE', measured")


def test_a_failed_step_skips_the_rest_unless_told_to_continue() -> None:
    text = (
        "name: stop\nsteps:\n"
        "  - {name: wrong, read: vin, expect: {equals: NOPE}}\n"
        "  - {name: after, read: vin}\n"
    )
    wrong, after = run(text)
    assert wrong.verdict == "failed"
    assert (after.verdict, after.message) == ("skipped", "not run: step 'wrong' failed")


def test_variables_given_to_the_api_reach_the_steps() -> None:
    text = (
        "name: vars\nvariables: {vin: null}\nsteps:\n"
        "  - {name: write, write: {vin: '${vin}'}}\n"
        "  - {name: read, read: vin, expect: {equals: '${vin}'}}\n"
    )
    write, read = run(text, variables={"vin": "WVWZZZ1JZXW000042"})
    assert write.verdict == "passed"
    assert "SecurityAccess level 0x01 unlocked" in write.details["preconditions"]
    assert (read.verdict, read.measured) == ("passed", "WVWZZZ1JZXW000042")


def test_an_ecu_that_cannot_be_opened_fails_its_steps_and_is_reported() -> None:
    bench = load_bench(ROOT / "profiles" / "hil_bench.yaml")
    engine = bench["engine"].with_overrides(interface="nosuchcan0")
    chosen = Selection({"engine": engine}, "hil_bench.yaml", "0" * 64, ("engine", "inverter"))
    text = (
        "name: reach\nsteps:\n  - {name: dtcs, dtc: {}}\n"
        "  - {name: other, dtc: {}, only: [inverter]}\n"
    )
    result = run_sequence(parse_sequence(text), chosen)
    (ecu,) = result.ecus
    assert result.exit_code == 1
    assert ecu.error is not None and ecu.error["exit_code"] == 5  # a transport error
    dtcs, other = ecu.steps
    assert dtcs.verdict == "failed" and dtcs.message.startswith("not run: ECU engine failed")
    assert other.verdict == "skipped"


def test_a_step_timeout_bounds_its_requests_pendings_included() -> None:
    slow = parse_profile(
        "extends: engine.yaml\n"
        "simulation:\n"
        "  faults: [{service: read_data_by_identifier, did: vin, delay: 3s, times: 1}]\n",
        base_dir=ROOT / "profiles",
    )
    text = "name: slow\nsteps:\n  - {name: vin, read: vin, timeout: 300ms}\n"
    result = run_sequence(parse_sequence(text), slow, simulated=True)
    (step,) = result.ecus[0].steps
    assert step.verdict == "failed"
    assert step.error is not None and step.error["timer"] == "overall"
    assert step.error["timeout_s"] == 0.3
