"""Ctrl-C (SIGINT) or SIGTERM in the middle of ``diagkit run``: every ECU stops at a step
boundary, both reports are still written whole with the steps not run marked, exit code 130."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import junitparser
import pytest
import xmlschema

ROOT = Path(__file__).resolve().parents[3]
BENCH = ROOT / "profiles" / "hil_bench.yaml"
XSD = Path(__file__).parent / "junit.xsd"
SEQUENCE = """\
name: held
steps:
  - {name: before, dtc: {fail_on: confirmed}}
  - {name: hold, wait: 600s}
  - {name: after, dtc: {}}
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_run_leaves_complete_reports(tmp_path: Path, signum: int) -> None:
    sequence = tmp_path / "held.yaml"
    sequence.write_text(SEQUENCE, encoding="utf-8")
    junit, report = tmp_path / "held.xml", tmp_path / "held.json"
    command = [sys.executable, "-u", "-m", "diagkit", "run", str(sequence), "--bench", str(BENCH)]
    command += ["--sim", "--junit", str(junit), "--json", str(report)]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        done: set[str] = set()
        while len(done) < 3:  # every ECU finished its first step and now waits in the second
            line = process.stdout.readline()
            assert line, process.stderr.read() if process.stderr else ""
            if "[1/3] before: passed" in line:
                done.add(line.split()[0])
        assert not junit.exists() and not report.exists()
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, (out, err)
    assert "stopping every ECU at its next step boundary" in err
    assert "held: interrupted, 0 of 3 ECUs passed" in out

    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["interrupted"] is True and document["exit_code"] == 130
    for ecu in document["ecus"]:
        verdicts = [(s["name"], s["verdict"]) for s in ecu["steps"]]
        assert verdicts == [("before", "passed"), ("hold", "unfinished"), ("after", "unfinished")]
        assert ecu["steps"][2]["started"] is None  # never begun
    xmlschema.XMLSchema(XSD).validate(junit)
    for suite in junitparser.JUnitXml.fromfile(str(junit)):
        cases = {case.name: case for case in suite}
        assert cases["before"].is_passed
        for name in ("hold", "after"):
            (skipped,) = cases[name].result
            assert isinstance(skipped, junitparser.Skipped)
            assert (skipped.message or "").startswith("unfinished: ")
