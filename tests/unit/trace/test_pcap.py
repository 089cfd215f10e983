"""The pcapng and pcap writers against the block layouts of the specs, byte by byte.

Expected bytes are written out by hand from the pcapng specification (Section Header,
Interface Description, Enhanced Packet blocks, little-endian) and tcpdump.org's
LINKTYPE_CAN_SOCKETCAN (big-endian CAN id with the kernel's flags, length, FD flags).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from diagkit.errors import ConfigurationError
from diagkit.trace import TraceFrame, read_frames
from diagkit.trace.pcap import PcapngWriter, PcapWriter, socketcan_packet

REQUEST = TraceFrame(
    timestamp=4.294967301,  # 2**32 + 5 ns: the high and the low timestamp words both used
    arbitration_id=0x7E0,
    data=bytes.fromhex("03 22 F1 90 CC CC CC CC"),
    direction="tx",
)

SHB = bytes.fromhex(
    "0A0D0D0A 1C000000"  # block type, total length 28
    "4D3C2B1A 0100 0000"  # byte-order magic, version 1.0
    "FFFFFFFFFFFFFFFF"  # section length: not given (-1)
    "1C000000"
)
IDB = bytes.fromhex(
    "01000000 28000000"  # block type 1, total length 40
    "E300 0000 00000400"  # LINKTYPE_CAN_SOCKETCAN (227), reserved, snaplen 262144
    "0200 0300 63616E00"  # if_name (2), 3 bytes "can", padded to 4
    "0900 0100 09000000"  # if_tsresol (9), 1 byte: 10^-9 s
    "0000 0000"  # opt_endofopt
    "28000000"
)
EPB = bytes.fromhex(
    "06000000 3C000000"  # block type 6, total length 60
    "00000000"  # interface 0
    "01000000 05000000"  # timestamp high, low: 0x1_00000005 ns
    "10000000 10000000"  # captured and original length 16
    "000007E0 08 00 00 00 0322F190CCCCCCCC"  # can_frame: id (BE), len 8, flags, reserved, data
    "0200 0400 02000000"  # epb_flags: direction outbound (tx)
    "0000 0000"
    "3C000000"
)


def test_pcapng_file_is_shb_idb_then_one_epb_per_frame(tmp_path: Path) -> None:
    path = tmp_path / "t.pcapng"
    writer = PcapngWriter(path, interface="can")
    writer.write(REQUEST)
    writer.close()
    assert path.read_bytes() == SHB + IDB + EPB


def test_epb_direction_inbound_for_rx_and_no_flags_when_unknown(tmp_path: Path) -> None:
    path = tmp_path / "t.pcapng"
    writer = PcapngWriter(path)
    writer.write(TraceFrame(0.0, 0x7E8, bytes(8), direction="rx"))
    writer.write(TraceFrame(0.0, 0x7E8, bytes(8)))
    writer.close()
    blocks = path.read_bytes()[len(SHB) + len(IDB) :]
    assert blocks[:4] == bytes.fromhex("06000000")
    assert blocks[4:8] == bytes.fromhex("3C000000")
    assert blocks[44:52] == bytes.fromhex("0200 0400 01000000")  # inbound
    second = blocks[60:]
    assert second[4:8] == bytes.fromhex("30000000")  # 48: no options at all
    assert len(second) == 48


def test_socketcan_packet_29bit_can_fd_is_a_72_byte_canfd_frame() -> None:
    frame = TraceFrame(
        0.0, 0x18DA10F1, bytes(range(12)), is_extended_id=True, is_fd=True, bitrate_switch=True
    )
    packet = socketcan_packet(frame)
    assert packet[:8] == bytes.fromhex("98DA10F1 0C 05 00 00")  # EFF flag; FDF|BRS
    assert packet[8:20] == bytes(range(12))
    assert packet[20:] == bytes(52)
    assert len(packet) == 72


def test_pcap_file_header_and_record(tmp_path: Path) -> None:
    path = tmp_path / "t.pcap"
    writer = PcapWriter(path)
    writer.write(TraceFrame(1.25, 0x123, b"\x01\x02"))
    writer.close()
    assert path.read_bytes() == bytes.fromhex(
        "D4C3B2A1 0200 0400 00000000 00000000 00000400 E3000000"  # magic, 2.4, snaplen, 227
        "01000000 90D00300 10000000 10000000"  # 1 s, 250000 us, 16 bytes captured and on wire
        "00000123 02 00 00 00 0102000000000000"
    )


@pytest.mark.parametrize("suffix", [".pcapng", ".pcap"])
def test_frames_read_back_as_written(tmp_path: Path, suffix: str) -> None:
    frames = [
        REQUEST,
        TraceFrame(4.3, 0x7E8, bytes.fromhex("10 14 62 F1 90 57 56 57"), direction="rx"),
        TraceFrame(4.4, 0x18DAF110, bytes(64), direction="rx", is_extended_id=True, is_fd=True),
        TraceFrame(4.5, 0x7E0, bytes.fromhex("02 3E 80"), direction="tx"),
    ]
    path = tmp_path / f"t{suffix}"
    writer = PcapngWriter(path) if suffix == ".pcapng" else PcapWriter(path)
    for frame in frames:
        writer.write(frame)
    writer.close()
    back = list(read_frames(path))
    if suffix == ".pcap":  # no direction field in pcap
        frames = [TraceFrame(**{**vars(f), "direction": None}) for f in frames]
    assert [(f.arbitration_id, f.data, f.is_extended_id, f.is_fd, f.direction) for f in back] == [
        (f.arbitration_id, f.data, f.is_extended_id, f.is_fd, f.direction) for f in frames
    ]
    assert [f.timestamp for f in back] == pytest.approx([f.timestamp for f in frames], abs=1e-6)


def test_a_pcap_of_another_link_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ethernet.pcap"
    path.write_bytes(bytes.fromhex("D4C3B2A1 0200 0400 00000000 00000000 00000400 01000000"))
    with pytest.raises(ConfigurationError, match="link type 1 is not LINKTYPE_CAN_SOCKETCAN"):
        list(read_frames(path))
