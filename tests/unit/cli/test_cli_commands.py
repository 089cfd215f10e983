"""Every ECU command end to end with ``--sim``: JSON on stdout, stderr, and the exit code table.

The simulated ECU is built from the same profile (``profiles/engine_userspace.yaml``), so what
the commands print is checked against the values that profile's ``simulation:`` section holds
and against ISO 14229-1's bytes, not against the commands' own output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from diagkit.cli import main

PROFILES = Path(__file__).resolve().parents[3] / "profiles"
ENGINE = PROFILES / "engine_userspace.yaml"

OK, CHECK_FAILED, USAGE, NRC, NO_RESPONSE = 0, 1, 2, 3, 4


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    """Run ``diagkit ARGV --sim --json``: exit code, the one JSON document on stdout, stderr."""
    status = main([*argv, "--sim", "--json"])
    captured = capsys.readouterr()
    return status, json.loads(captured.out), captured.err


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The engine profile with a P2 a loaded machine never misses (the file's is 50 ms)."""
    path = tmp_path_factory.mktemp("cli") / "engine.yaml"
    path.write_text(f"extends: {ENGINE}\nuds: {{p2: 1s, p2_star: 5s}}\n", encoding="utf-8")
    return path


@pytest.fixture
def faulty(tmp_path: Path, engine: Path) -> Path:
    """The engine profile with faults: VIN reads unanswered, writes of the idle target refused."""
    path = tmp_path / "faulty.yaml"
    path.write_text(
        f"extends: {engine}\n"
        "simulation:\n"
        "  faults:\n"
        "    - {service: read_data_by_identifier, did: vin, no_answer: true}\n"
        "    - {service: write_data_by_identifier, did: idle_speed_target, nrc: 0x31}\n",
        encoding="utf-8",
    )
    return path


def test_read_reports_value_unit_and_raw_bytes(
    engine: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, doc, err = run_json(capsys, "read", str(engine), "vin", "0xF195")
    assert (status, err) == (OK, "")
    assert doc["ok"] is True and doc["ecu"]["name"] == "engine_sim"
    vin, software = doc["results"]
    assert vin == {
        "did": "0xF190",
        "name": "vin",
        "value": "WVWZZZ1JZXW000001",
        "unit": "",
        "raw": b"WVWZZZ1JZXW000001".hex(" "),
    }
    assert software["name"] == "software_version" and software["raw"] == "01 02 03 04"


def test_read_raw_reads_a_did_the_profile_lacks_and_names_the_nrc(
    engine: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, doc, _ = run_json(capsys, "read", str(engine), "0x1234", "--raw")
    assert status == NRC  # the simulated ECU does not have 0x1234: requestOutOfRange
    assert doc["ok"] is False
    error = doc["error"]
    assert (error["nrc"], error["nrc_hex"], error["nrc_name"]) == (
        0x31,
        "0x31",
        "requestOutOfRange",
    )
    assert (error["service"], error["exit_code"]) == (0x22, NRC)


def test_read_of_an_unknown_did_without_raw_is_a_usage_error(
    engine: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, doc, _ = run_json(capsys, "read", str(engine), "0x1234")
    assert status == USAGE
    assert "add --raw" in doc["error"]["message"]


def test_a_silent_ecu_is_exit_4_naming_the_timer(
    faulty: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, doc, _ = run_json(capsys, "read", str(faulty), "vin")
    assert status == NO_RESPONSE
    assert doc["error"]["timer"] == "P2"
    assert doc["error"]["exit_code"] == NO_RESPONSE


def test_write_encodes_through_the_codec_and_reaches_session_and_level(
    engine: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, doc, _ = run_json(capsys, "write", str(engine), "idle_speed_target", "850")
    assert status == OK
    assert doc["results"] == [
        {"did": "0x0110", "name": "idle_speed_target", "value": 850, "raw": "03 52"}
    ]
    # the profile: extended session, then level 0x01 (which needs the extended session)
    assert doc["steps"] == ["DiagnosticSessionControl 0x03", "SecurityAccess level 0x01 unlocked"]


def test_write_refused_by_the_ecu_is_exit_3(
    faulty: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, doc, _ = run_json(capsys, "write", str(faulty), "idle_speed_target", "850")
    assert status == NRC
    assert doc["error"]["nrc_name"] == "requestOutOfRange"


@pytest.mark.parametrize(
    ("value", "reason"),
    [("85x", "not an integer"), ("70000", "out of range|does not fit|0-65535")],
)
def test_write_refuses_a_bad_value_before_sending(
    engine: Path, value: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, doc, _ = run_json(capsys, "write", str(engine), "idle_speed_target", value)
    assert status == USAGE
    assert "steps" not in doc  # nothing was sent: no session was entered
    assert re.search(reason, doc["error"]["message"]), doc["error"]["message"]


def test_write_of_a_read_only_did_is_a_usage_error(
    engine: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, doc, _ = run_json(capsys, "write", str(engine), "software_version", "01020304")
    assert status == USAGE
    assert "not writable" in doc["error"]["message"]


@pytest.mark.parametrize("session", ["extended", "0x03", "3"])
def test_session_by_name_or_number(
    engine: Path, session: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, doc, _ = run_json(capsys, "session", str(engine), session)
    assert status == OK
    assert doc["results"][0]["session"] == 0x03
    assert doc["results"][0]["p2_server_max_s"] > 0


def test_session_refuses_a_name_iso_does_not_have(
    engine: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, doc, _ = run_json(capsys, "session", str(engine), "extnded")
    assert status == USAGE
    assert "default, programming, extended" in doc["error"]["message"]


@pytest.mark.parametrize(("kind", "number"), [("hard", 0x01), ("soft", 0x03), ("0x02", 0x02)])
def test_reset_by_iso_name_or_number(
    engine: Path, kind: str, number: int, capsys: pytest.CaptureFixture[str]
) -> None:
    status, doc, _ = run_json(capsys, "reset", str(engine), kind)
    assert status == OK
    assert doc["results"][0]["reset_type"] == number


def test_unlock_enters_the_levels_session_and_never_prints_seed_or_key(
    engine: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["unlock", str(engine), "0x11", "--sim", "--json", "-vv"])
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert status == OK
    assert doc["steps"] == ["DiagnosticSessionControl 0x02", "SecurityAccess level 0x11 unlocked"]
    assert "67 11" not in captured.out  # no seed bytes in the document


def test_routine_start_reaches_session_and_level_and_returns_the_status_record(
    engine: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, doc, _ = run_json(capsys, "routine", str(engine), "erase_memory", "start")
    assert status == OK
    assert doc["steps"] == ["DiagnosticSessionControl 0x02", "SecurityAccess level 0x11 unlocked"]
    assert doc["results"][0]["routine"] == "0xFF00"


def test_routine_refused_is_exit_3_with_the_nrc_name(
    engine: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # engine_userspace.yaml's simulation refuses this routine with 0x22
    status, doc, _ = run_json(
        capsys, "routine", str(engine), "check_programming_preconditions", "start"
    )
    assert status == NRC
    assert doc["error"]["nrc_name"] == "conditionsNotCorrect"


def test_send_prints_the_raw_answer(engine: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["send", str(engine), "22 F1 90", "--sim"])
    out = capsys.readouterr().out
    assert status == OK
    assert out == "62 f1 90 " + b"WVWZZZ1JZXW000001".hex(" ") + "\n"


def test_send_of_a_refused_request_prints_the_negative_answer_and_exits_3(
    engine: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["send", str(engine), "22 12 34", "--sim"])
    captured = capsys.readouterr()
    assert status == NRC
    assert captured.out == "7f 22 31\n"
    assert "requestOutOfRange" in captured.err


def test_send_refuses_bytes_that_are_not_hex(
    engine: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, doc, _ = run_json(capsys, "send", str(engine), "22 G1")
    assert status == USAGE
    assert "not hex" in doc["error"]["message"]


def test_send_functional_gathers_every_ecu_of_a_bench(
    engine: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = str(PROFILES / "hil_bench.yaml")
    status, doc, _ = run_json(capsys, "send", bench, "3E 00", "--functional")
    assert status == OK
    answers = {r["ecu"]: r["response"] for r in doc["results"]}
    assert answers == {"engine": "7e 00", "inverter": "7e 00", "front_camera": "7e 00"}


def test_tester_present_counts_its_answers(
    engine: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, doc, _ = run_json(
        capsys, "tester-present", str(engine), "--count", "3", "--interval", "10ms"
    )
    assert status == OK
    assert doc["sent"] == 3 and [r["n"] for r in doc["results"]] == [1, 2, 3]


def test_io_control_echoes_and_returns_the_status_record(
    engine: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, doc, _ = run_json(capsys, "io", str(engine), "idle_speed_target", "freeze")
    # the simulated ECU does not offer 0x2F: ISO 14229-1 serviceNotSupported
    assert status == NRC
    assert doc["error"]["nrc_name"] == "serviceNotSupported"


@pytest.mark.parametrize(
    ("fail_on", "expected"), [("confirmed", CHECK_FAILED), ("pending", OK), ("any", CHECK_FAILED)]
)
def test_dtc_fail_on_is_a_check_for_scripts(
    engine: Path, fail_on: str, expected: int, capsys: pytest.CaptureFixture[str]
) -> None:
    # the simulated ECU holds 0x012300 (status 0x09) and 0xC07300 (0x28): both confirmed
    status, doc, _ = run_json(capsys, "dtc", str(engine), "--fail-on", fail_on)
    assert status == expected
    assert [d["hex"] for d in doc["dtcs"]] == ["0x012300", "0xC07300"]


def test_dtc_in_sae_form_when_the_profile_says_so(
    engine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sae.yaml"
    path.write_text(f"extends: {engine}\ndtc: {{format: sae}}\n", encoding="utf-8")
    status, doc, _ = run_json(capsys, "dtc", str(path))
    assert status == OK
    # SAE J2012: 0x01 -> P01, 0x23 -> 23, failure type 0x00; 0xC0 -> U00, 0x73 -> 73
    assert [d["dtc"] for d in doc["dtcs"]] == ["P0123-00", "U0073-00"]


def test_json_mode_prints_nothing_but_the_document(
    engine: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["read", str(engine), "vin", "--sim", "--json", "-v"])
    captured = capsys.readouterr()
    assert status == OK
    json.loads(captured.out)  # one document, nothing else on stdout


def test_a_security_level_by_the_profiles_name_in_any_case(
    engine: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # engine.yaml: level 0x01 is named "extended diagnostics"
    status, doc, _ = run_json(capsys, "unlock", str(engine), "Extended Diagnostics")
    assert status == OK
    assert doc["results"][0]["level"] == 0x01


def test_an_unknown_routine_lists_the_profiles(
    engine: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, doc, _ = run_json(capsys, "routine", str(engine), "erase_everything", "start")
    assert status == USAGE
    message = doc["error"]["message"]
    assert message.startswith("'erase_everything' is not a routine (the profile's: ")
    assert "erase_memory (0xFF00)" in message
