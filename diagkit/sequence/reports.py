"""The reports of a run: JUnit XML for CI and test managers, JSON for an MES.

JUnit: a ``testsuite`` per ECU, a ``testcase`` per step that applies to it (``only:``), with
``classname`` sequence.ECU; a
failed step has a ``failure`` whose message says what was expected and what was measured, with
the NRC by name; a step not run is ``skipped`` (``unfinished: ...`` when the run was stopped).
The suite's ``properties`` carry the sequence's and profile's SHA-256, the variables, the tool
version and each step's measured value (``STEP.measured``, ``STEP.raw``). JSON: the same, as
:func:`as_dict` gives it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import socket
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from diagkit.sequence.result import EcuResult, SequenceResult, StepResult

JSON_FORMAT = "diagkit-sequence-result/1"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold (an ASCII DID of NUL bytes has them): written as \\xNN."""


def as_dict(result: SequenceResult) -> dict[str, Any]:
    """The whole result as JSON-ready data (what the JSON report holds)."""
    data = dataclasses.asdict(result)
    data = {"format": JSON_FORMAT, **data}
    data["passed"] = result.passed
    data["exit_code"] = result.exit_code
    for ecu, source in zip(data["ecus"], result.ecus, strict=True):
        ecu["passed"] = source.passed
    return data


def write_json(result: SequenceResult, path: str | os.PathLike[str]) -> None:
    """Write the JSON report (UTF-8, indented), replacing the file whole."""
    text = json.dumps(as_dict(result), indent=2, ensure_ascii=False, default=_json_default)
    _replace(Path(path), text + "\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex(" ").upper()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def junit_tree(result: SequenceResult) -> ET.Element:
    """The JUnit XML document of ``result``."""
    suites = ET.Element(
        "testsuites",
        name=result.sequence,
        tests=str(sum(1 for e in result.ecus for s in e.steps if s.applies)),
        failures=str(sum(len(e.failed) for e in result.ecus)),
        errors="0",
        time=_seconds(result.duration),
    )
    for ecu in result.ecus:
        suites.append(_suite(result, ecu))
    for element in suites.iter():
        element.attrib = {key: _xml_text(value) for key, value in element.attrib.items()}
        if element.text is not None:
            element.text = _xml_text(element.text)
    return suites


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda match: f"\\x{ord(match.group()):02X}", text)


def _suite(result: SequenceResult, ecu: EcuResult) -> ET.Element:
    steps = [s for s in ecu.steps if s.applies]
    skipped = [s for s in steps if s.verdict in ("skipped", "unfinished")]
    suite = ET.Element(
        "testsuite",
        name=ecu.name,
        tests=str(len(steps)),
        failures=str(len(ecu.failed)),
        errors="0",
        skipped=str(len(skipped)),
        time=_seconds(ecu.duration),
        timestamp=(ecu.started or result.started)[:19],
        hostname=socket.gethostname() or "localhost",
    )
    properties = ET.SubElement(suite, "properties")

    def prop(name: str, value: Any) -> None:
        text = value if isinstance(value, str) else json.dumps(value, default=_json_default)
        ET.SubElement(properties, "property", name=name, value=text)

    prop("sequence", result.sequence)
    prop("sequence.source", result.sequence_source)
    prop("sequence.sha256", result.sequence_sha256)
    prop("profile.source", result.profile_source)
    prop("profile.sha256", result.profile_sha256)
    prop("ecu.profile_sha256", ecu.profile_sha256)
    for key, value in ecu.ecu.items():
        if key != "name":
            prop(f"ecu.{key}", value)
    prop("tool", "diagkit")
    prop("tool.version", result.tool_version)
    prop("simulated", result.simulated)
    prop("interrupted", result.interrupted)
    for name, value in result.variables.items():
        prop(f"variable.{name}", "" if value is None else str(value))
    for step in steps:
        if step.measured is not None:
            prop(f"{step.name}.measured", step.measured)
        if step.raw is not None:
            prop(f"{step.name}.raw", step.raw)
        if step.unit:
            prop(f"{step.name}.unit", step.unit)
        prop(f"{step.name}.verdict", step.verdict)
    if ecu.error is not None:
        prop("ecu.error", ecu.error.get("message", ""))
    for step in steps:
        suite.append(_case(result, ecu, step))
    return suite


def _case(result: SequenceResult, ecu: EcuResult, step: StepResult) -> ET.Element:
    case = ET.Element(
        "testcase",
        name=step.name,
        classname=f"{result.sequence}.{ecu.name}",
        time=_seconds(step.duration),
    )
    if step.verdict == "failed":
        failure = ET.SubElement(
            case,
            "failure",
            message=_failure_message(step),
            type=str((step.error or {}).get("type", "ExpectationNotMet")),
        )
        failure.text = _failure_text(step)
    elif step.verdict in ("skipped", "unfinished"):
        message = step.message if step.verdict == "skipped" else f"unfinished: {step.message}"
        ET.SubElement(case, "skipped", message=message)
    out = ET.SubElement(case, "system-out")
    out.text = _measured_text(step)
    return case


def _failure_message(step: StepResult) -> str:
    error = step.error or {}
    if "nrc_name" in error:
        return f"{error['nrc_name']} ({error['nrc_hex']}): {step.message}"
    return step.message


def _failure_text(step: StepResult) -> str:
    lines = [f"action: {step.action}"]
    if step.expected:
        lines.append(f"expected: {json.dumps(step.expected, default=_json_default)}")
    lines.append(f"measured: {_shown(step)}")
    error = step.error or {}
    if "nrc_name" in error:
        lines.append(f"NRC: {error['nrc_name']} ({error['nrc_hex']})")
    if "timer" in error:
        lines.append(f"timer expired: {error['timer']}")
    lines.append(f"reason: {step.message}")
    lines.append(f"attempts: {step.attempts}")
    return "\n".join(lines)


def _measured_text(step: StepResult) -> str:
    lines = [f"verdict: {step.verdict}", f"measured: {_shown(step)}"]
    if step.raw is not None:
        lines.append(f"raw: {step.raw}")
    if step.started:
        lines.append(f"started: {step.started}")
    return "\n".join(lines)


def _shown(step: StepResult) -> str:
    if step.measured is None:
        return "(nothing)"
    value = json.dumps(step.measured, default=_json_default, ensure_ascii=False)
    return f"{value} {step.unit}".rstrip()


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def write_junit(result: SequenceResult, path: str | os.PathLike[str]) -> None:
    """Write the JUnit XML report (UTF-8, with an XML declaration), replacing the file whole."""
    tree = junit_tree(result)
    ET.indent(tree)
    text = ET.tostring(tree, encoding="unicode", xml_declaration=False)
    _replace(Path(path), '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n")


def _replace(path: Path, text: str) -> None:
    """Write through a temporary file beside ``path``: a reader never sees half a report."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
