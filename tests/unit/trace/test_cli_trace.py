"""``--trace FILE`` on ECU commands and ``diagkit trace FILE``, end to end on the virtual bus."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from diagkit.cli import main
from diagkit.profile import EcuProfile, load_profile
from diagkit.sim import run_bench
from diagkit.sim.from_profile import simulation_environ
from diagkit.trace import TraceFrame, decode, read_frames
from diagkit.trace.pcap import PcapngWriter

ENGINE = Path(__file__).resolve().parents[3] / "profiles" / "engine_userspace.yaml"
USAGE = 2


def trace_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["trace", *argv, "--json"]) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def test_read_with_trace_then_diagkit_trace_names_service_and_did(
    engine: tuple[EcuProfile, dict[str, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    profile, _ = engine
    path = tmp_path / "read.asc"
    status = main(
        ["read", str(ENGINE), "vin", "--interface", profile.interface, "--trace", str(path)]
    )
    assert status == 0
    assert "WVWZZZ1JZXW000001" in capsys.readouterr().out
    document = trace_json(capsys, str(path))
    assert document["ok"] is True
    assert document["flow_controls"] == 1  # the tester's FC for the 20-byte answer
    physical = [p for p in document["pdus"] if p["id"] in ("0x7E0", "0x7E8")]
    assert [(p["direction"], p["kind"], p["service"], p.get("dids")) for p in physical] == [
        ("tx", "request", "ReadDataByIdentifier", [0xF190]),
        ("rx", "response", "ReadDataByIdentifier", [0xF190]),
    ]
    assert physical[1]["data"] == "62 f1 90 " + b"WVWZZZ1JZXW000001".hex(" ")
    assert physical[1]["frames"] == 3  # FF + 2 CFs
    assert "0xF190 (VIN)" in physical[0]["text"]


def test_unlock_trace_shows_seed_and_key_masked(
    engine: tuple[EcuProfile, dict[str, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    profile, _ = engine
    path = tmp_path / "unlock.pcapng"
    argv = ["unlock", str(ENGINE), "0x01", "--interface", profile.interface, "--trace", str(path)]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["trace", str(path)]) == 0
    text = capsys.readouterr().out
    assert "SecurityAccess positive response requestSeed level 0x01 seed masked" in text
    assert "SecurityAccess sendKey level 0x02 key masked" in text


def test_profile_names_dids_and_nrcs_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nrc.pcapng"
    writer = PcapngWriter(path)
    for stamp, can_id, data in [
        (10.0, 0x7E0, "03 22 01 20 CC CC CC CC"),  # injection_mode in the engine profile
        (10.01, 0x7E8, "03 7F 22 31 CC CC CC CC"),  # requestOutOfRange
        (10.02, 0x7E0, "02 10 03 CC CC CC CC CC"),
        (10.03, 0x7E8, "03 7F 10 78 CC CC CC CC"),  # responsePending
        (10.04, 0x7E8, "06 50 03 00 32 01 F4 CC"),
    ]:
        writer.write(TraceFrame(stamp, can_id, bytes.fromhex(data)))
    writer.close()
    document = trace_json(capsys, str(path), "--profile", str(ENGINE))
    assert [p["text"] for p in document["pdus"]] == [
        "ReadDataByIdentifier 0x0120 (injection_mode)",
        "ReadDataByIdentifier negative response: requestOutOfRange (0x31)",
        "DiagnosticSessionControl extended",
        "DiagnosticSessionControl negative response: "
        "requestCorrectlyReceivedResponsePending (0x78)",
        "DiagnosticSessionControl positive response extended 00 32 01 f4",
    ]
    assert document["pdus"][1]["nrc"] == 0x31
    assert document["pdus"][0]["time"] == 0.0


def test_trace_of_a_simulated_ecu_is_refused_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["read", str(ENGINE), "vin", "--sim", "--trace", str(tmp_path / "t.pcapng")])
    assert status == USAGE
    assert "memory backend has no CAN frames" in capsys.readouterr().err


def test_a_missing_trace_file_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["trace", str(tmp_path / "none.pcapng")]) == USAGE
    assert "no trace file" in capsys.readouterr().err


def test_functional_send_with_trace_records_the_request_and_every_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = load_profile(ENGINE).with_overrides(interface=f"trace-functional-{tmp_path.name}")
    path = tmp_path / "functional.pcapng"
    with run_bench(profile, environ=simulation_environ([profile]), poll_interval=0.01):
        argv = ["send", str(ENGINE), "3E 00", "--functional", "--interface", profile.interface]
        assert main([*argv, "--trace", str(path)]) == 0
    assert "engine_sim = 7e 00" in capsys.readouterr().out
    seen = [(pdu.arbitration_id, pdu.data) for pdu, _ in decode(read_frames(path))]
    # engine.yaml: functional requests on 0x7DF, the ECU's answers on 0x7E8
    assert seen == [(0x7DF, b"\x3e\x00"), (0x7E8, b"\x7e\x00")]


def test_flash_with_trace_records_the_download(
    engine: tuple[EcuProfile, dict[str, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    profile, environ = engine
    monkeypatch.setenv("ENGINE_SA_KEY", environ["ENGINE_SA_KEY"])
    image = tmp_path / "app.bin"
    image.write_bytes(bytes(range(256)))
    path = tmp_path / "flash.pcapng"
    argv = ["flash", str(ENGINE), str(image), "--region", "application"]
    assert main([*argv, "--interface", profile.interface, "--trace", str(path)]) == 0
    services = [described.get("service") for _, described in decode(read_frames(path))]
    for wanted in ("RequestDownload", "TransferData", "RequestTransferExit"):
        assert wanted in services, services


def test_simulate_with_trace_records_what_its_ecus_and_testers_exchange(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    channel = f"trace-simulate-{tmp_path.name}"
    path = tmp_path / "bench.log"
    argv = ["simulate", str(ENGINE), "--interface", channel, "--duration", "3"]
    serving = threading.Thread(target=main, args=([*argv, "--trace", str(path)],))
    serving.start()
    try:
        deadline = time.monotonic() + 10
        while "simulating" not in capsys.readouterr().out and time.monotonic() < deadline:
            time.sleep(0.05)  # served once it says so
        assert main(["read", str(ENGINE), "vin", "--interface", channel]) == 0
    finally:
        serving.join(10)
    pdus = [(p.arbitration_id, p.data[:3]) for p, _ in decode(read_frames(path))]
    assert pdus == [(0x7E0, b"\x22\xf1\x90"), (0x7E8, b"\x62\xf1\x90")]
