"""The bench sequence with one step failing on purpose, and the checks of both its reports.

Used on the host (simulated ECUs in process) and in the VM (kernel sockets on vcan): the
inverter's DC link voltage must be at least 300 V, the simulated inverter measures 0 V, and
that step alone fails (``continue_on_failure`` lets the inverter's next step run).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, cast

import junitparser
import xmlschema

import diagkit

ROOT = Path(__file__).resolve().parents[3]
BENCH = ROOT / "profiles" / "hil_bench.yaml"
XSD = Path(__file__).parent / "junit.xsd"
VIN = "WVWZZZ1JZXW000001"

SEQUENCE = """\
name: eol_check
variables: {vin: null}
steps:
  - {name: enter extended, session: extended, only: [engine, front_camera]}
  - {name: write vin, write: {vin: "${vin}"}, only: [engine]}
  - {name: vin, read: vin, expect: {equals: "${vin}"}, only: [engine]}
  - {name: idle, read: idle_speed_target, expect: {max: 900}, only: [engine]}
  - name: dc link
    read: dc_link_voltage
    expect: {min: 300 V}
    only: [inverter]
    continue_on_failure: true
  - {name: part number, read: part_number, only: [inverter]}
  - {name: camera vin, read: vin, only: [front_camera]}
  - {name: no confirmed DTCs, dtc: {fail_on: confirmed}}
  - {name: raw vin, send: "22 F1 90", expect: {response: "62 F1 90 .*"}, only: [engine]}
"""


def write_sequence(directory: Path) -> Path:
    path = directory / "eol_check.yaml"
    path.write_text(SEQUENCE, encoding="utf-8")
    return path


def check_reports(sequence: Path, json_path: Path, junit_path: Path) -> None:
    """Only the inverter's ``dc link`` failed, in both reports, with what was measured."""
    report: dict[str, Any] = json.loads(json_path.read_text(encoding="utf-8"))
    assert report["exit_code"] == 1 and report["passed"] is False
    assert report["sequence_sha256"] == hashlib.sha256(sequence.read_bytes()).hexdigest()
    assert report["variables"] == {"vin": VIN}
    assert report["tool_version"] == diagkit.__version__
    steps = {(e["name"], s["name"]): s for e in report["ecus"] for s in e["steps"]}
    failed = [key for key, step in steps.items() if step["verdict"] == "failed"]
    assert failed == [("inverter", "dc link")]
    dc_link = steps[("inverter", "dc link")]
    assert dc_link["measured"] == 0 and dc_link["unit"] == "V" and dc_link["raw"] == "00 00"
    assert dc_link["expected"] == {"min": 300}
    assert "below the minimum 300 V" in dc_link["message"]
    assert steps[("inverter", "part number")]["verdict"] == "passed"  # after the failure
    assert steps[("engine", "vin")]["measured"] == VIN
    # 62 F1 90 and the VIN in ASCII: W=57 V=56 W=57 Z=5A
    assert steps[("engine", "raw vin")]["raw"].startswith("62 F1 90 57 56 57 5A 5A 5A")
    assert steps[("engine", "dc link")]["verdict"] == "skipped"  # only: inverter
    for step in steps.values():
        assert step["verdict"] in ("passed", "skipped", "failed")
        if step["verdict"] != "skipped":
            assert step["started"] and step["duration"] >= 0

    xmlschema.XMLSchema(XSD).validate(junit_path)
    xml = junitparser.JUnitXml.fromfile(str(junit_path))
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {"engine", "inverter", "front_camera"}
    failures = []
    cases: dict[tuple[str, str], junitparser.TestCase] = {}
    for name, suite in suites.items():
        for case in suite:
            cases[(name, case.name)] = case
            failures += [
                (name, case.name, r) for r in case.result if isinstance(r, junitparser.Failure)
            ]
    assert [(ecu, case) for ecu, case, _ in failures] == [("inverter", "dc link")]
    assert "300" in (failures[0][2].message or "") and "0 V" in (failures[0][2].message or "")
    assert 'expected: {"min": 300}' in (failures[0][2].text or "")
    assert ("engine", "dc link") not in cases  # a step for other ECUs is no test case here
    engine = {p.name: p.value for p in cast(Any, suites["engine"]).properties()}
    assert engine["vin.measured"] == VIN
    assert engine["sequence.sha256"] == report["sequence_sha256"]
    assert engine["variable.vin"] == VIN
    assert engine["tool.version"] == diagkit.__version__
    inverter = {p.name: p.value for p in cast(Any, suites["inverter"]).properties()}
    assert inverter["dc link.measured"] == "0.0" or inverter["dc link.measured"] == "0"
