"""Recording on the userspace backend: python-can's virtual bus, a simulated ECU behind it.

The frames expected are written by hand from ISO 15765-2 (single frame, first frame,
flow control CTS, consecutive frames with sequence numbers) for the engine profile
(11-bit 0x7E0/0x7E8, padding 0xCC, flow control BS 0 STmin 0) and the VIN its simulation
serves; the seeds and keys of a 16-byte AES-CMAC SecurityAccess must not reach the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from diagkit.client.factory import open_client
from diagkit.errors import ConfigurationError
from diagkit.profile import EcuProfile, load_profile
from diagkit.trace import TraceFrame, read_frames, reassemble, record
from diagkit.transport.memory import MemoryTransport

ENGINE = Path(__file__).resolve().parents[3] / "profiles" / "engine_userspace.yaml"
VIN = b"WVWZZZ1JZXW000001"


def on(frames: list[TraceFrame], *ids: int) -> list[tuple[str | None, int, str]]:
    return [
        (f.direction, f.arbitration_id, f.data.hex(" ").upper())
        for f in frames
        if f.arbitration_id in ids
    ]


def test_a_multi_frame_read_is_recorded_both_ways_with_flow_control(
    engine: tuple[EcuProfile, dict[str, str]], tmp_path: Path
) -> None:
    profile, environ = engine
    path = tmp_path / "read.pcapng"
    with (
        open_client(profile, environ=environ) as client,
        record(profile, path, transport=client.connection.transport) as recorder,
    ):
        assert client.read_did("vin") == VIN.decode()
    frames = list(read_frames(path))
    assert on(frames, 0x7E0, 0x7E8) == [
        ("tx", 0x7E0, "03 22 F1 90 CC CC CC CC"),  # SF, 3 bytes: ReadDataByIdentifier F190
        ("rx", 0x7E8, "10 14 62 F1 90 57 56 57"),  # FF, 20 bytes: 62 F1 90 + "WVW"
        ("tx", 0x7E0, "30 00 00 CC CC CC CC CC"),  # FC ContinueToSend, BS 0, STmin 0
        ("rx", 0x7E8, "21 5A 5A 5A 31 4A 5A 58"),  # CF 1: "ZZZ1JZX"
        ("rx", 0x7E8, "22 57 30 30 30 30 30 31"),  # CF 2: "W000001"
    ]
    assert recorder.frames == len(frames)
    # only tester present may add frames: on the functional id, suppressed positive response
    assert {f.data.hex(" ").upper() for f in frames if f.arbitration_id == 0x7DF} <= {
        "02 3E 80 CC CC CC CC CC"
    }
    stamps = [f.timestamp for f in frames]
    assert stamps == sorted(stamps)


def _unlock_programming(
    profile: EcuProfile, environ: dict[str, str], path: Path, *, mask: bool
) -> list[bytes]:
    with open_client(profile, environ=environ) as client:
        transport = client.connection.transport
        with record(profile, path, transport=transport, mask_secrets=mask):
            client.change_session(0x02)
            client.unlock(0x11)
            client.change_session(0x01)
    return [pdu.data for pdu in reassemble(read_frames(path)).pdus]


def test_multi_frame_seed_and_key_are_masked(
    engine: tuple[EcuProfile, dict[str, str]], tmp_path: Path
) -> None:
    profile, environ = engine
    pdus = _unlock_programming(profile, environ, tmp_path / "unlock.blf", mask=True)
    seed = next(p for p in pdus if p[:2] == b"\x67\x11")
    key = next(p for p in pdus if p[:2] == b"\x27\x12")
    assert seed == b"\x67\x11" + b"\xff" * 16  # 18 bytes: a first frame and 2 CFs each
    assert key == b"\x27\x12" + b"\xff" * 16
    assert b"\x67\x12" in pdus  # the ECU accepted the real key: masking is only in the file
    frames = on(list(read_frames(tmp_path / "unlock.blf")), 0x7E8)
    first = frames.index(("rx", 0x7E8, "10 12 67 11 FF FF FF FF"))  # FF: 18 bytes, 6 in it
    assert frames[first + 1 : first + 3] == [
        ("rx", 0x7E8, "21 FF FF FF FF FF FF FF"),  # CF 1: 7 more seed bytes
        ("rx", 0x7E8, "22 FF FF FF FF FF CC CC"),  # CF 2: the last 5, then padding
    ]


def test_lab_opt_in_keeps_seeds_and_keys(
    engine: tuple[EcuProfile, dict[str, str]], tmp_path: Path
) -> None:
    profile, environ = engine
    pdus = _unlock_programming(profile, environ, tmp_path / "unlock.asc", mask=False)
    seed = next(p for p in pdus if p[:2] == b"\x67\x11")
    key = next(p for p in pdus if p[:2] == b"\x27\x12")
    assert len(seed) == len(key) == 18
    assert seed[2:] != b"\xff" * 16 and key[2:] != b"\xff" * 16
    assert seed[2:] != key[2:]


def test_the_memory_backend_has_no_frames(tmp_path: Path) -> None:
    profile = load_profile(ENGINE)
    client_end, peer = MemoryTransport.pair()
    try:
        with (
            pytest.raises(ConfigurationError, match="memory backend has no CAN frames"),
            record(profile, tmp_path / "t.pcapng", transport=client_end),
        ):
            pass
    finally:
        client_end.close()
        peer.close()
    assert not (tmp_path / "t.pcapng").exists()


def test_userspace_without_a_bus_says_what_to_pass(tmp_path: Path) -> None:
    with (
        pytest.raises(ConfigurationError, match="pass bus="),
        record(load_profile(ENGINE), tmp_path / "t.pcapng"),
    ):
        pass
