"""``diagkit flash``: a profile on python-can's virtual bus, served by the simulated ECU."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from diagkit import cli
from diagkit.profile import load_profile
from diagkit.sim import Fault, Faults, SimServer, run_bench

_CHANNELS = itertools.count()
PROFILE = """
name: body
backend: userspace
interface: {channel}
python_can: {{interface: virtual, receive_own_messages: false}}
addressing: {{mode: normal_11bit, txid: 0x7E0, rxid: 0x7E8}}
uds: {{p2: 200ms, p2_star: 2s, server_address_format: 32, server_memorysize_format: 16}}
security:
  - {{level: 0x05, algorithm: xor_mask, params: {{mask: 0xA5}}, session: programming}}
routines:
  - {{id: 0xFF00, name: erase, session: programming, security_level: 0x05}}
  - {{id: 0xFF01, name: check}}
memory:
  - {{name: calibration, address: 0x20000, size: 0x400, erase_routine: erase,
     checksum_routine: check}}
"""
IMAGE = bytes((i * 7) & 0xFF for i in range(0x400))


@pytest.fixture
def profile_path(tmp_path: Path) -> Path:
    path = tmp_path / "body.yaml"
    path.write_text(PROFILE.format(channel=f"flash-cli-{next(_CHANNELS)}"), encoding="utf-8")
    return path


@pytest.fixture
def ecu(profile_path: Path) -> Iterator[SimServer]:
    with run_bench(load_profile(profile_path), poll_interval=0.01) as server:
        yield server


def test_flash_a_binary_prints_size_time_and_throughput(
    ecu: SimServer, profile_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    firmware = tmp_path / "calibration.bin"
    firmware.write_bytes(IMAGE)
    status = cli.main(["flash", str(profile_path), "--region", "calibration", str(firmware)])
    out = capsys.readouterr().out.strip()
    assert status == 0
    assert out.startswith("flashed 1024 bytes into calibration at 0x20000 in ")
    assert "KiB/s" in out and out.endswith("erased, verified")
    assert "\n" not in out


def test_flash_an_intel_hex_file_at_its_own_address_with_fill(
    profile_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    firmware = tmp_path / "calibration.hex"
    # extended linear address 0x0002; BE EF at 0x00020000, 42 at 0x00020004; end of file
    records = [":020000040002F8", ":02000000BEEF51", ":0100040042B9", ":00000001FF"]
    firmware.write_text("\n".join(records) + "\n", encoding="ascii")
    argv = ["flash", str(profile_path), "--region", "calibration", str(firmware)]
    with run_bench(load_profile(profile_path), poll_interval=0.01) as server:
        assert cli.main([*argv, "--fill", "0xFF", "--no-erase"]) == 0
        (ecu,) = server.ecus
        written = ecu.state.read_memory(ecu.spec, 0x20000, 8)
    assert written == bytes.fromhex("BE EF FF FF 42 FF FF FF")  # the gap and the tail filled
    out = capsys.readouterr().out
    assert "flashed 1024 bytes into calibration at 0x20000" in out
    assert "not erased, verified" in out


def test_errors_are_one_line_in_uds_terms(
    profile_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    firmware = tmp_path / "calibration.bin"
    firmware.write_bytes(IMAGE)
    faults = {"body": Faults(Fault(service=0x36, nrc=0x72))}
    with run_bench(load_profile(profile_path), faults=faults, poll_interval=0.01):
        status = cli.main(["flash", str(profile_path), "--region", "calibration", str(firmware)])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert status == 3  # a negative response
    assert err.startswith("error: flash calibration: TransferData (0x36) block 1 (counter 0x01")
    assert "negative response 0x72 generalProgrammingFailure" in err
    assert "partially written (0 of 1024 bytes acknowledged)" in err


def test_an_unknown_region_is_a_usage_error(
    profile_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    firmware = tmp_path / "x.bin"
    firmware.write_bytes(b"\x00")
    assert cli.main(["flash", str(profile_path), "--region", "boot", str(firmware)]) == 2
    assert "no memory region 'boot' (regions: calibration)" in capsys.readouterr().err
