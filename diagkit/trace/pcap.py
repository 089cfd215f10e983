"""pcapng and pcap files of SocketCAN frames (LINKTYPE_CAN_SOCKETCAN, 227): a writer and a reader.

Written by hand, small on purpose: the three pcapng blocks needed (Section Header, Interface
Description with link type 227 and nanosecond timestamps, Enhanced Packet with the direction
in ``epb_flags``) and the classic pcap header and records. The maintained Python libraries
(python-pcapng, dpkt) carry no type information and were last released in 2022; a reader of
the same three blocks serves ``diagkit trace``. Layouts: the pcapng specification
(draft-ietf-opsawg-pcapng) and tcpdump.org's LINKTYPE_CAN_SOCKETCAN page: a 4-byte big-endian
CAN id with the kernel's EFF/RTR/ERR flags, the payload length, the CAN FD flags (FDF, BRS,
ESI), two reserved bytes, the payload (a classic frame as the kernel's 16-byte ``can_frame``,
a CAN FD one as its 72-byte ``canfd_frame``). Wireshark and tshark read both files.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from diagkit.errors import ConfigurationError
from diagkit.trace.frame import (
    CAN_EFF_FLAG,
    CAN_ERR_FLAG,
    CAN_RTR_FLAG,
    CANFD_BRS,
    CANFD_ESI,
    CANFD_FDF,
    Direction,
    TraceFrame,
)

LINKTYPE_CAN_SOCKETCAN = 227
SNAPLEN = 262144
CAN_MTU = 16  # sizeof(struct can_frame)
CANFD_MTU = 72  # sizeof(struct canfd_frame)

SHB_TYPE = 0x0A0D0D0A
IDB_TYPE = 0x00000001
SPB_TYPE = 0x00000003
EPB_TYPE = 0x00000006
BYTE_ORDER_MAGIC = 0x1A2B3C4D
OPT_ENDOFOPT = 0
IF_NAME = 2
IF_TSRESOL = 9
EPB_FLAGS = 2
EPB_INBOUND = 0x1  # epb_flags bits 0-1: the direction
EPB_OUTBOUND = 0x2

PCAP_MAGIC_US = 0xA1B2C3D4
PCAP_MAGIC_NS = 0xA1B23C4D


def socketcan_packet(frame: TraceFrame) -> bytes:
    """The LINKTYPE_CAN_SOCKETCAN bytes of a frame: the kernel's can_frame or canfd_frame."""
    can_id = frame.arbitration_id | (CAN_EFF_FLAG if frame.is_extended_id else 0)
    flags = 0
    if frame.is_fd:
        flags = CANFD_FDF
        flags |= CANFD_BRS if frame.bitrate_switch else 0
        flags |= CANFD_ESI if frame.error_state_indicator else 0
    size = CANFD_MTU if frame.is_fd else CAN_MTU
    header = struct.pack(">IBBBB", can_id, len(frame.data), flags, 0, 0)
    return (header + frame.data).ljust(size, b"\x00")


def parse_socketcan(
    packet: bytes, timestamp: float, direction: Direction | None
) -> TraceFrame | None:
    """The frame in a LINKTYPE_CAN_SOCKETCAN packet; None for error and remote frames."""
    if len(packet) < 8:
        raise ConfigurationError(f"a SocketCAN packet of {len(packet)} bytes is too short")
    can_id, length, flags = struct.unpack_from(">IBB", packet)
    if can_id & (CAN_ERR_FLAG | CAN_RTR_FLAG):
        return None
    is_fd = bool(flags & CANFD_FDF) or len(packet) == CANFD_MTU or length > 8
    return TraceFrame.from_socketcan(
        can_id,
        bytes(packet[8 : 8 + length]),
        flags,
        is_fd=is_fd,
        timestamp=timestamp,
        direction=direction,
    )


def _option(code: int, value: bytes) -> bytes:
    padding = b"\x00" * (-len(value) % 4)
    return struct.pack("<HH", code, len(value)) + value + padding


def _block(block_type: int, body: bytes) -> bytes:
    total = 12 + len(body)
    return struct.pack("<II", block_type, total) + body + struct.pack("<I", total)


class PcapngWriter:
    """Writes a pcapng file: one section, one CAN interface, one Enhanced Packet per frame."""

    def __init__(self, path: str | Path, *, interface: str = "can") -> None:
        self._file: BinaryIO = open(path, "wb")  # noqa: SIM115 (closed by close())
        shb = struct.pack("<IHHq", BYTE_ORDER_MAGIC, 1, 0, -1)  # section length unknown
        idb = struct.pack("<HHI", LINKTYPE_CAN_SOCKETCAN, 0, SNAPLEN)
        idb += _option(IF_NAME, interface.encode()) + _option(IF_TSRESOL, bytes([9]))
        idb += _option(OPT_ENDOFOPT, b"")
        self._file.write(_block(SHB_TYPE, shb) + _block(IDB_TYPE, idb))

    def write(self, frame: TraceFrame) -> None:
        """Append one frame as an Enhanced Packet Block (nanosecond timestamp, direction)."""
        packet = socketcan_packet(frame)
        ns = round(frame.timestamp * 1e9)
        body = struct.pack("<IIIII", 0, ns >> 32, ns & 0xFFFFFFFF, len(packet), len(packet))
        body += packet + b"\x00" * (-len(packet) % 4)
        if frame.direction is not None:
            flags = EPB_OUTBOUND if frame.direction == "tx" else EPB_INBOUND
            body += _option(EPB_FLAGS, struct.pack("<I", flags)) + _option(OPT_ENDOFOPT, b"")
        self._file.write(_block(EPB_TYPE, body))

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()


class PcapWriter:
    """Writes a classic pcap file (microsecond timestamps, no direction: pcap has no field)."""

    def __init__(self, path: str | Path) -> None:
        self._file: BinaryIO = open(path, "wb")  # noqa: SIM115 (closed by close())
        header = struct.pack("<IHHiIII", PCAP_MAGIC_US, 2, 4, 0, 0, SNAPLEN, LINKTYPE_CAN_SOCKETCAN)
        self._file.write(header)

    def write(self, frame: TraceFrame) -> None:
        """Append one frame as a pcap record."""
        packet = socketcan_packet(frame)
        us = round(frame.timestamp * 1e6)
        self._file.write(
            struct.pack("<IIII", us // 1_000_000, us % 1_000_000, len(packet), len(packet))
        )
        self._file.write(packet)

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()


def read_pcap_file(path: str | Path) -> Iterator[TraceFrame]:
    """The CAN frames of a pcapng or pcap file (link type 227), in file order."""
    data = Path(path).read_bytes()
    if len(data) >= 4 and struct.unpack_from("<I", data)[0] == SHB_TYPE:
        yield from _read_pcapng(data, str(path))
    else:
        yield from _read_pcap(data, str(path))


def _read_pcap(data: bytes, name: str) -> Iterator[TraceFrame]:
    if len(data) < 24:
        raise ConfigurationError(f"{name}: not a pcap or pcapng file (too short)")
    for order in "<>":
        magic = struct.unpack_from(order + "I", data)[0]
        if magic in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
            break
    else:
        raise ConfigurationError(f"{name}: not a pcap or pcapng file (no magic number)")
    scale = 1e-9 if magic == PCAP_MAGIC_NS else 1e-6
    linktype = struct.unpack_from(order + "I", data, 20)[0] & 0x0FFFFFFF
    _check_linktype(linktype, name)
    offset = 24
    while offset + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack_from(order + "IIII", data, offset)
        packet = data[offset + 16 : offset + 16 + incl]
        offset += 16 + incl
        frame = parse_socketcan(packet, sec + frac * scale, None)
        if frame is not None:
            yield frame


def _check_linktype(linktype: int, name: str) -> None:
    if linktype != LINKTYPE_CAN_SOCKETCAN:
        raise ConfigurationError(
            f"{name}: link type {linktype} is not LINKTYPE_CAN_SOCKETCAN ({LINKTYPE_CAN_SOCKETCAN})"
        )


def _read_pcapng(data: bytes, name: str) -> Iterator[TraceFrame]:
    order = "<"
    interfaces: list[tuple[int, float]] = []  # (linktype, seconds per timestamp unit)
    offset = 0
    while offset + 12 <= len(data):
        block_type = struct.unpack_from(order + "I", data, offset)[0]
        if block_type == SHB_TYPE:
            magic = struct.unpack_from("<I", data, offset + 8)[0]
            order = "<" if magic == BYTE_ORDER_MAGIC else ">"
            interfaces = []
        total = struct.unpack_from(order + "I", data, offset + 4)[0]
        if total < 12 or offset + total > len(data):
            raise ConfigurationError(f"{name}: a pcapng block at byte {offset} is cut short")
        body = data[offset + 8 : offset + total - 4]
        offset += total
        if block_type == IDB_TYPE:
            linktype = struct.unpack_from(order + "H", body)[0]
            interfaces.append((linktype, _resolution(body[8:], order)))
        elif block_type == EPB_TYPE:
            iface, high, low, captured, _orig = struct.unpack_from(order + "IIIII", body)
            linktype, unit = interfaces[iface]
            _check_linktype(linktype, name)
            start = 20 + captured + (-captured % 4)
            direction = _direction(body[start:], order)
            frame = parse_socketcan(
                body[20 : 20 + captured], ((high << 32) | low) * unit, direction
            )
            if frame is not None:
                yield frame
        elif block_type == SPB_TYPE:
            _check_linktype(interfaces[0][0], name)
            captured = struct.unpack_from(order + "I", body)[0]
            frame = parse_socketcan(body[4 : 4 + min(captured, len(body) - 4)], 0.0, None)
            if frame is not None:
                yield frame


def _options(raw: bytes, order: str) -> Iterator[tuple[int, bytes]]:
    offset = 0
    while offset + 4 <= len(raw):
        code, length = struct.unpack_from(order + "HH", raw, offset)
        if code == OPT_ENDOFOPT:
            return
        yield code, raw[offset + 4 : offset + 4 + length]
        offset += 4 + length + (-length % 4)


def _resolution(raw: bytes, order: str) -> float:
    for code, value in _options(raw, order):
        if code == IF_TSRESOL and value:
            exponent = value[0] & 0x7F
            return float(2**-exponent if value[0] & 0x80 else 10**-exponent)
    return 1e-6


def _direction(raw: bytes, order: str) -> Direction | None:
    for code, value in _options(raw, order):
        if code == EPB_FLAGS and len(value) == 4:
            bits = struct.unpack(order + "I", value)[0] & 0x3
            return "rx" if bits == EPB_INBOUND else "tx" if bits == EPB_OUTBOUND else None
    return None
