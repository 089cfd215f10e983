"""Traces on the kernel backend (in the VM): a CAN_RAW socket on vcan0/vcan1 records a client's
exchanges with simulated ECUs, 11-bit and 29-bit ECUs of one bench at once, and CAN FD.

Expected frames are written by hand from ISO 15765-2 and the profiles (padding, flow control
BS/STmin); the pcapng is then decoded by tshark with Wireshark's own ISO-TP and UDS
dissectors (decode-as ``can.subdissector,iso15765`` and ``iso15765.subdissector,uds``) and by
``diagkit trace``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from diagkit.cli import main
from diagkit.client.factory import open_client
from diagkit.profile import EcuProfile, load_profile
from diagkit.sim.bench import run_bench
from diagkit.sim.from_profile import simulation_environ
from diagkit.trace import TraceFrame, read_frames, record

pytestmark = pytest.mark.kernel

PROFILES = Path(__file__).resolve().parents[2] / "profiles"
VIN = "WVWZZZ1JZXW000001"
ENGINE_TX, ENGINE_RX = 0x7E0, 0x7E8
INVERTER_TX, INVERTER_RX = 0x18DA0BF1, 0x18DAF10B  # normal fixed: 0x18DA, TA, SA
TSHARK_MISSING = "tshark is not installed here (apt-get install -y tshark; scripts/test does)"


def bench(interface: str) -> list[EcuProfile]:
    """The engine (11-bit) and the inverter (29-bit normal fixed) on one interface."""
    return [
        load_profile(PROFILES / name).with_overrides(interface=interface, backend="kernel")
        for name in ("engine_userspace.yaml", "inverter_29bit.yaml")
    ]


def record_bench(interface: str, path: Path) -> str:
    """Read the engine's VIN and the inverter's part number with the trace running."""
    profiles = bench(interface)
    environ = simulation_environ(profiles)
    with run_bench(profiles, environ=environ), record(profiles, path):
        with open_client(profiles[0], environ=environ) as engine:
            assert engine.read_did("vin") == VIN
        with open_client(profiles[1], environ=environ) as inverter:
            part_number = inverter.read_did("part_number")
    assert isinstance(part_number, str)
    return part_number


def rows(frames: list[TraceFrame], can_id: int) -> list[tuple[str | None, str]]:
    return [(f.direction, f.data.hex(" ").upper()) for f in frames if f.arbitration_id == can_id]


def test_bench_trace_holds_both_ecus_frames_with_flow_control(
    classic_iface: str, tmp_path: Path
) -> None:
    path = tmp_path / "bench.pcapng"
    record_bench(classic_iface, path)
    frames = list(read_frames(path))
    engine = [f for f in frames if f.arbitration_id in (ENGINE_TX, ENGINE_RX)]
    assert not any(f.is_extended_id for f in engine)
    assert [(f.direction, f.data.hex(" ").upper()) for f in engine] == [
        ("tx", "03 22 F1 90 CC CC CC CC"),
        ("rx", "10 14 62 F1 90 57 56 57"),  # FF: 20 bytes
        ("tx", "30 00 00 CC CC CC CC CC"),  # FC CTS, BS 0, STmin 0
        ("rx", "21 5A 5A 5A 31 4A 5A 58"),
        ("rx", "22 57 30 30 30 30 30 31"),
    ]
    inverter_tx = [f for f in frames if f.arbitration_id == INVERTER_TX]
    inverter_rx = [f for f in frames if f.arbitration_id == INVERTER_RX]
    assert all(f.is_extended_id for f in inverter_tx + inverter_rx)
    assert [f.data.hex(" ").upper() for f in inverter_tx] == [
        "03 22 F1 87 AA AA AA AA",  # padding 0xAA
        "30 08 F5 AA AA AA AA AA",  # FC: block size 8, STmin 0xF5 = 500 us
    ]
    # 62 F1 87 + 12 bytes = 15: FF with 6, CF1 with 7, CF2 with 2 and padding
    assert [f.data[:5].hex(" ").upper() for f in inverter_rx][:1] == ["10 0F 62 F1 87"]
    assert [f.data[0] for f in inverter_rx] == [0x10, 0x21, 0x22]
    assert inverter_rx[2].data[3:] == b"\xaa" * 5
    stamps = [f.timestamp for f in frames]
    assert stamps == sorted(stamps) and stamps[-1] - stamps[0] < 30.0


def test_can_fd_frames_keep_their_flags(fd_iface: str, tmp_path: Path) -> None:
    camera = load_profile(PROFILES / "camera_canfd.yaml").with_overrides(
        interface=fd_iface, backend="kernel"
    )
    environ = simulation_environ([camera])
    path = tmp_path / "fd.pcapng"
    with (
        run_bench(camera, environ=environ),
        record(camera, path),
        open_client(camera, environ=environ) as client,
    ):
        client.read_did("vin")
    frames = [f for f in read_frames(path) if f.arbitration_id in (0x74A, 0x7CA)]
    assert [f.direction for f in frames] == ["tx", "rx"]
    assert all(f.is_fd and f.bitrate_switch for f in frames)
    answer = frames[1].data
    # CAN FD single frame with escape: 00, length 20 (62 F1 90 + 17 VIN bytes)
    assert answer[:5] == bytes.fromhex("00 14 62 F1 90")
    assert len(answer) > 8


@pytest.mark.skipif(shutil.which("tshark") is None, reason=TSHARK_MISSING)
def test_tshark_decodes_the_trace_as_iso_tp_and_uds(classic_iface: str, tmp_path: Path) -> None:
    path = tmp_path / "bench.pcapng"
    record_bench(classic_iface, path)
    command = [
        "tshark", "-r", str(path),
        "-d", "can.subdissector,iso15765",
        "-d", "iso15765.subdissector,uds",
        "-Y", "uds",
        "-T", "fields", "-E", "separator=;",
        "-e", "can.id", "-e", "uds.sid", "-e", "uds.reply", "-e", "uds.rdbi.data_identifier",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    decoded = [line.split(";") for line in result.stdout.splitlines() if line]
    reads = [(int(i), sid, reply, did) for i, sid, reply, did in decoded if sid == "0x22"]
    assert reads == [
        (ENGINE_TX, "0x22", "0x00", "0xf190"),  # request
        (ENGINE_RX, "0x22", "0x01", "0xf190"),  # positive reply, reassembled from 3 frames
        (INVERTER_TX, "0x22", "0x00", "0xf187"),
        (INVERTER_RX, "0x22", "0x01", "0xf187"),
    ]


def test_diagkit_trace_decodes_the_kernel_trace(
    classic_iface: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bench.pcapng"
    part_number = record_bench(classic_iface, path)
    capsys.readouterr()
    assert main(["trace", str(path), "--json"]) == 0
    pdus = [p for p in json.loads(capsys.readouterr().out)["pdus"] if p["id"] != "0x7DF"]
    assert [(p["id"], p["kind"], p["service"], p["dids"]) for p in pdus] == [
        ("0x7E0", "request", "ReadDataByIdentifier", [0xF190]),
        ("0x7E8", "response", "ReadDataByIdentifier", [0xF190]),
        ("0x18DA0BF1", "request", "ReadDataByIdentifier", [0xF187]),
        ("0x18DAF10B", "response", "ReadDataByIdentifier", [0xF187]),
    ]
    assert bytes.fromhex(pdus[1]["data"])[3:] == VIN.encode()
    assert part_number.encode() in bytes.fromhex(pdus[3]["data"])[3:]


def test_read_with_trace_on_the_kernel_backend(
    classic_iface: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = bench(classic_iface)[0]
    path = tmp_path / "read.blf"
    argv = ["read", str(PROFILES / "engine_userspace.yaml"), "vin", "--backend", "kernel"]
    argv += ["--interface", classic_iface, "--trace", str(path)]
    with run_bench(engine, environ=simulation_environ([engine])):
        assert main(argv) == 0
    assert VIN in capsys.readouterr().out
    frames = list(read_frames(path))
    assert rows(frames, ENGINE_TX) == [
        ("tx", "03 22 F1 90 CC CC CC CC"),
        ("tx", "30 00 00 CC CC CC CC CC"),
    ]
    assert [data[:2] for _, data in rows(frames, ENGINE_RX)] == ["10", "21", "22"]
