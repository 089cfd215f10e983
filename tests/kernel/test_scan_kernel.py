"""``diagkit scan`` on kernel sockets in the VM: the bench served by ``diagkit simulate`` on vcan1.

All three ECUs of profiles/hil_bench.yaml share the CAN FD interface here: the engine and the
inverter on classic ISO-TP sockets, the camera on a CAN FD one. A kernel ISO-TP socket takes
only frames of its own MTU, so discovery probes with both formats (``--frames both``); the
inverter checks receive padding (0xAA), so the probes are padded with 0xAA.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diagkit.cli import main
from diagkit.profile import load_profile

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "profiles" / "hil_bench.yaml"
STARTUP = 60.0  # generous: the VM runs Python about 20 times slower


@pytest.fixture(scope="module")
def served_bench(fd_iface: str) -> Iterator[str]:
    """``diagkit simulate`` serving the bench's ECUs on ``fd_iface`` in another process (one
    start for the module: a Python start-up in the VM takes seconds)."""
    command = [sys.executable, "-u", "-m", "diagkit", "simulate", str(BENCH)]
    process = subprocess.Popen(
        [*command, "--interface", fd_iface, "--duration", "300"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        started = [process.stdout.readline() for _ in range(3)]  # one line per served ECU
        assert all(line.startswith("simulating ") for line in started), (
            started,
            process.stderr.read() if process.stderr and process.poll() is not None else "",
        )
        yield fd_iface
    finally:
        process.terminate()
        process.communicate(timeout=STARTUP)


def scan_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    status = main(["scan", *argv, "--json"])
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return status, document


def test_scan_finds_the_bench_served_by_diagkit_simulate(
    served_bench: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [served_bench, "--frames", "both", "--padding", "0xAA", "--timeout", "0.5"]
    argv += ["--ids", "0x74A,0x7E0-0x7E1", "--targets", "0x0B"]
    status, document = scan_json(argv, capsys)
    assert status == 0, document
    # engine 0x7E0 -> 0x7E8 and inverter 0x18DA0BF1 -> 0x18DAF10B on classic frames; the
    # camera 0x74A -> 0x7CA only on CAN FD frames (the kernel's MTU separation)
    found = {(e["tx_id"], e["rx_id"], e["fd"]) for e in document["ecus"]}
    assert found == {
        ("0x7E0", "0x7E8", False),
        ("0x74A", "0x7CA", True),
        ("0x18DA0BF1", "0x18DAF10B", False),
    }
    assert all(e["functional"] for e in document["ecus"])  # each answered the broadcast too
    assert document["probes_sent"] == (2 + 3 + 1) * 2


def test_scan_of_one_ecu_on_kernel_sockets_writes_a_profile_that_checks(
    served_bench: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    written = tmp_path / "inverter.yaml"
    argv = [str(BENCH), "--ecu", "inverter", "--interface", served_bench, "--timeout", "1"]
    argv += ["--dids", "0xF187,0x4A10,0x4A12", "--write-profile", str(written)]
    status, document = scan_json(argv, capsys)
    assert status == 0, document
    dids = {d["did"]: d for d in document["dids"]}
    assert (dids["0xF187"]["length"], dids["0x4A10"]["length"]) == (12, 2)  # per the profile
    assert dids["0x4A12"]["nrc_name"] == "requestOutOfRange"
    assert main(["profile", "check", str(written)]) == 0
    profile = load_profile(written)
    assert (profile.addressing.mode, profile.addressing.target_address) == (
        "normal_fixed_29bit",
        0x0B,
    )
    assert [(d.id, d.codec.type) for d in profile.dids] == [(0xF187, "hex"), (0x4A10, "hex")]
