"""Sequence files: the examples load and pass, the schema is the export, bad files are refused
with every problem at once as ``file:line key: reason`` and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from diagkit.cli import main
from diagkit.sequence import InvalidSequenceError, load_sequence
from diagkit.sequence.schema import FILE, render

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "sequences").glob("*.yaml"))
SCHEMA = ROOT / "profiles" / "schema" / FILE
BENCH = ROOT / "profiles" / "hil_bench.yaml"
ENGINE = ROOT / "profiles" / "engine.yaml"


def test_the_committed_schema_is_the_current_export() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == render(), (
        "regenerate with: python -m diagkit.sequence schema profiles/schema"
    )


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_sequence_loads_and_fits_the_schema(path: Path) -> None:
    load_sequence(path)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


def test_the_bench_example_passes_on_the_simulated_bench(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sequence = ROOT / "sequences" / "eol_hil_bench.yaml"
    report = tmp_path / "eol.json"
    argv = ["run", str(sequence), "--bench", str(BENCH), "--sim"]
    status = main([*argv, "--set", "vin=WVWZZZ1JZXW000001", "--json", str(report)])
    assert status == 0, capsys.readouterr()
    document = json.loads(report.read_text(encoding="utf-8"))
    verdicts = {s["verdict"] for e in document["ecus"] for s in e["steps"]}
    assert verdicts == {"passed", "skipped"}


def run_file(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "seq.yaml"
    path.write_text(text, encoding="utf-8")
    status = main(["run", str(path), "--profile", str(ENGINE), "--sim"])
    return status, capsys.readouterr().err


def test_every_problem_of_a_file_is_reported_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "name: bad\n"
        "steps:\n"
        "  - {name: two actions, read: vin, send: 22 F1 90}\n"
        "  - {name: wrong expect, read: vin, expect: {result: '00'}}\n"
        "  - name: typo\n"
        "    wirte: {vin: x}\n"
        "  - {name: no unit, wait: 500}\n"
        "  - {name: bad regex, read: vin, expect: {regex: '(unclosed'}}\n"
    )
    status, err = run_file(tmp_path, text, capsys)
    assert status == 2
    shown = str(tmp_path / "seq.yaml")
    assert f"{shown}:3 steps[0]: a step needs exactly one action" in err
    assert f"{shown}:4 steps[1].expect.result: a read step takes equals, max, min, regex" in err
    assert f"{shown}:6 steps[2].wirte: unknown key 'wirte'; did you mean 'write'?" in err
    assert f"{shown}:7 steps[3].wait: 500 has no unit" in err
    assert f"{shown}:8 steps[4].expect.regex: not a regular expression" in err
    assert "(5 problems)" in err


def test_unknown_variables_and_repeated_step_names_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "name: vars\n"
        "variables: {vin: null}\n"
        "steps:\n"
        "  - {name: a, write: {vin: '${serial}'}}\n"
        "  - {name: a, read: vin}\n"
    )
    status, err = run_file(tmp_path, text, capsys)
    assert status == 2
    assert ":4 steps[0].write.vin: ${serial} is not a variable of the sequence (vin)" in err
    assert ":5 steps[1].name: 'a' is also the name of step 1" in err


def test_a_step_that_does_not_fit_the_profile_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "name: unfit\n"
        "steps:\n"
        "  - {name: fine, read: vin}\n"
        "  - {name: unknown did, read: no_such_did}\n"
        "  - {name: wrong unit, read: engine_speed, expect: {max: 900 degC}}\n"
        "  - {name: read only, write: {software_version: '01 02 03 04'}}\n"
        "  - {name: unknown ECU, read: vin, only: [gearbox]}\n"
    )
    status, err = run_file(tmp_path, text, capsys)
    assert status == 2
    assert ":4 steps[1].read: on ECU engine: 'no_such_did' is not a DID" in err
    assert ":5 steps[2].read: on ECU engine: '900 degC' is not a number in rpm" in err
    assert ":6 steps[3].write: on ECU engine: DID software_version is not writable" in err
    assert ":7 steps[4].only: no ECU 'gearbox' here (engine)" in err


def test_a_required_variable_must_be_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "name: need\nvariables:\n  vin: null\nsteps:\n  - {name: w, write: {vin: '${vin}'}}\n"
    status, err = run_file(tmp_path, text, capsys)
    assert status == 2
    assert ":3 variables.vin: needs a value: --set vin=..." in err


def test_load_sequence_raises_with_the_problems_as_data(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nsteps: []\n", encoding="utf-8")
    with pytest.raises(InvalidSequenceError) as caught:
        load_sequence(path)
    (problem,) = caught.value.problems
    assert (problem.line, problem.path) == (2, ("steps",))


def test_the_readme_sequence_passes_on_the_simulated_bench(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Fifteen lines", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert len(block.splitlines()) <= 15
    path = tmp_path / "eol.yaml"
    path.write_text(block, encoding="utf-8")
    argv = ["run", str(path), "--bench", str(BENCH), "--sim", "--set", "vin=WVWZZZ1JZXW000001"]
    assert main(argv) == 0, capsys.readouterr()
