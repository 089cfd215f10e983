"""The ECU commands against ``diagkit simulate`` in another process, over kernel sockets on vcan0.

A bench engineer's setup without hardware: one process serves the profile's simulated ECU on a
vcan interface and the commands talk to it over kernel sockets; their JSON, stderr and exit
codes are checked. The commands run in this process (``diagkit.cli.main``; a Python start costs
seconds in the VM), the simulated ECU in its own. The profile is ``engine_userspace.yaml``
moved to the kernel backend.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from diagkit.cli import main

PROFILES = Path(__file__).resolve().parents[2] / "profiles"
ENGINE = PROFILES / "engine_userspace.yaml"
KEY = "000102030405060708090a0b0c0d0e0f"  # the simulated bench's AES key, both ends read it


def _environ() -> dict[str, str]:
    return {**os.environ, "ENGINE_SA_KEY": KEY}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``diagkit simulate`` on vcan0 in its own process; yields the profile the commands use."""
    profile = tmp_path_factory.mktemp("cli") / "engine_kernel.yaml"
    profile.write_text(
        f"extends: {ENGINE}\nbackend: kernel\ninterface: vcan0\npython_can: {{}}\n"
        "simulation:\n  faults:\n"
        "    - {service: read_data_by_identifier, did: manufacturing_date, no_answer: true}\n"
        "    - {service: routine_control, did: check_programming_preconditions, nrc: 0x22}\n",
        encoding="utf-8",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "diagkit", "simulate", str(profile)],
        env=_environ(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stderr is not None
        line = server.stdout.readline()  # printed once its sockets are bound
        assert "simulating engine_sim on vcan0 (kernel)" in line, line + server.stderr.read()
        yield profile
    finally:
        server.terminate()
        server.communicate(timeout=10)  # reaps it and closes both pipes


@pytest.fixture
def diagkit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[int, dict[str, Any], str]]:
    """Run ``diagkit ARGV --json``: exit code, the one JSON document on stdout, stderr."""
    monkeypatch.setenv("ENGINE_SA_KEY", KEY)

    def run(*argv: str) -> tuple[int, dict[str, Any], str]:
        status = main([*argv, "--json"])
        captured = capsys.readouterr()
        return status, json.loads(captured.out), captured.err

    return run


Diagkit = Callable[..., tuple[int, dict[str, Any], str]]


def test_read_over_kernel_sockets(served: Path, diagkit: Diagkit) -> None:
    status, doc, err = diagkit("read", str(served), "vin", "ecu_serial_number")
    assert (status, err) == (0, "")
    assert doc["ecu"]["backend"] == "kernel" and doc["ecu"]["interface"] == "vcan0"
    assert [r["value"] for r in doc["results"]] == ["WVWZZZ1JZXW000001", "SN4711"]


def test_write_reaches_session_and_level_over_kernel_sockets(
    served: Path, diagkit: Diagkit
) -> None:
    status, doc, _ = diagkit("write", str(served), "idle_speed_target", "850")
    assert status == 0
    assert doc["steps"] == ["DiagnosticSessionControl 0x03", "SecurityAccess level 0x01 unlocked"]


def test_a_refused_routine_is_exit_3(served: Path, diagkit: Diagkit) -> None:
    status, doc, _ = diagkit("routine", str(served), "check_programming_preconditions", "start")
    assert status == 3
    assert doc["error"]["nrc_name"] == "conditionsNotCorrect"


def test_a_silent_ecu_is_exit_4(served: Path, diagkit: Diagkit) -> None:
    start = time.monotonic()
    status, doc, _ = diagkit("read", str(served), "manufacturing_date")
    assert status == 4
    assert doc["error"]["timer"] == "P2"
    assert time.monotonic() - start < 30  # bounded by P2 (50 ms), not hanging


def test_bad_input_is_exit_2_before_anything_is_sent(served: Path, diagkit: Diagkit) -> None:
    status, doc, _ = diagkit("session", str(served), "extnded")
    assert status == 2
    assert "steps" not in doc


def test_no_such_interface_is_exit_5(served: Path, diagkit: Diagkit) -> None:
    status, doc, _ = diagkit("read", str(served), "vin", "--interface", "vcan9")
    assert status == 5
    assert "vcan9" in doc["error"]["message"]


def test_dtc_fail_on_over_kernel_sockets(served: Path, diagkit: Diagkit) -> None:
    status, doc, _ = diagkit("dtc", str(served), "--fail-on", "confirmed")
    assert status == 1
    assert [d["hex"] for d in doc["dtcs"]] == ["0x012300", "0xC07300"]


def test_functional_send_gathers_the_simulated_ecu(served: Path, diagkit: Diagkit) -> None:
    status, doc, _ = diagkit("send", str(served), "3E 00", "--functional")
    assert status == 0
    assert [(r["ecu"], r["response"]) for r in doc["results"]] == [("engine_sim", "7e 00")]
