"""Each python-can format written through ``open_writer`` is read back by python-can's readers.

The frames (ids, 11/29-bit, CAN FD, data, direction where the format keeps one, relative
timing) must come back as they went in: the files are python-can's own formats, so a user's
python-can (or CANalyzer for .asc/.blf) reads them.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import can
import pytest

from diagkit.errors import ConfigurationError
from diagkit.trace import TraceFrame, open_writer, read_frames

T0 = 1_700_000_000.0
FRAMES = [
    TraceFrame(T0, 0x7E0, bytes.fromhex("03 22 F1 90 CC CC CC CC"), direction="tx"),
    TraceFrame(T0 + 0.0012, 0x7E8, bytes.fromhex("10 14 62 F1 90 57 56 57"), direction="rx"),
    TraceFrame(T0 + 0.0020, 0x7E0, bytes.fromhex("30 00 00 CC CC CC CC CC"), direction="tx"),
    TraceFrame(
        T0 + 0.0031, 0x18DAF110, bytes.fromhex("03 62 F1 86"), direction="rx", is_extended_id=True
    ),
    TraceFrame(
        T0 + 0.0045,
        0x7E8,
        bytes(range(12)),
        direction="rx",
        is_fd=True,
        bitrate_switch=True,
    ),
]
DIRECTIONS = {".asc": True, ".blf": True, ".log": True, ".csv": False, ".mf4": True}
FD_FLAG = {".csv": False}  # python-can's CSV keeps no FD flag: only the length tells


def _formats() -> list[object]:
    params: list[object] = []
    for suffix in DIRECTIONS:
        if suffix == ".mf4" and importlib.util.find_spec("asammdf") is None:
            reason = "python-can writes .mf4 only with asammdf installed (pip install asammdf)"
            params.append(pytest.param(suffix, marks=pytest.mark.skip(reason=reason)))
        else:
            params.append(suffix)
    return params


@pytest.mark.parametrize("suffix", _formats())
def test_python_can_reads_back_the_same_frames(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"trace{suffix}"
    writer = open_writer(path)
    for frame in FRAMES:
        writer.write(frame)
    writer.close()
    with can.LogReader(path) as reader:
        messages = list(reader)
    keeps_fd = FD_FLAG.get(suffix, True)
    assert [
        (m.arbitration_id, bytes(m.data), m.is_extended_id, m.is_fd or not keeps_fd)
        for m in messages
    ] == [(f.arbitration_id, f.data, f.is_extended_id, f.is_fd or not keeps_fd) for f in FRAMES]
    assert [m.timestamp - messages[0].timestamp for m in messages] == pytest.approx(
        [f.timestamp - T0 for f in FRAMES], abs=2e-5
    )
    if DIRECTIONS[suffix]:
        assert ["rx" if m.is_rx else "tx" for m in messages] == [f.direction for f in FRAMES]
    ours = list(read_frames(path))
    assert [(f.data, f.is_fd) for f in ours] == [(f.data, f.is_fd) for f in FRAMES]
    expected = [f.direction for f in FRAMES] if DIRECTIONS[suffix] else [None] * len(FRAMES)
    assert [f.direction for f in ours] == expected


def test_an_unknown_suffix_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"\.pcapng, \.pcap, \.asc"):
        open_writer(tmp_path / "trace.txt")
