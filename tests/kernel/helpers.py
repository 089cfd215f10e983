"""Kernel test helpers: a raw CAN sniffer and a raw CAN frame writer, independent of diagkit.

Frames are decoded from the Linux UAPI layout (linux/can.h) by hand here, not by the code
under test: ``struct can_frame`` is 16 bytes (u32 can_id, u8 len, u8 pad, u8 res0, u8 len8_dlc,
u8 data[8]); ``struct canfd_frame`` is 72 bytes (u32 can_id, u8 len, u8 flags, u8 res0,
u8 res1, u8 data[64]); ids are native-endian with CAN_EFF_FLAG 0x80000000 for 29-bit ids.
"""

from __future__ import annotations

import select
import socket
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

CAN_EFF_FLAG = 0x80000000
CAN_EFF_MASK = 0x1FFFFFFF
SOL_CAN_RAW = 101  # SOL_CAN_BASE 100 + CAN_RAW 1
CAN_RAW_FD_FRAMES = 5
SO_RCVBUFFORCE = 33
CAN_MTU = 16
CANFD_MTU = 72
_HEADER = struct.Struct("=IBBBB")


@dataclass(frozen=True)
class Frame:
    """One CAN frame as seen on the bus."""

    can_id: int  # bare 11- or 29-bit id
    extended: bool  # 29-bit id (CAN_EFF_FLAG was set)
    data: bytes
    fd: bool  # came as a 72-byte canfd_frame

    @property
    def dlc_len(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        kind = "FD " if self.fd else ""
        return f"{kind}{self.can_id:X}#{self.data.hex().upper()}"


def decode(raw: bytes) -> Frame:
    """Decode a ``can_frame`` (16 bytes) or ``canfd_frame`` (72 bytes) read from CAN_RAW."""
    can_id, length, _flags, _res0, _res1 = _HEADER.unpack_from(raw)
    return Frame(
        can_id=can_id & CAN_EFF_MASK,
        extended=bool(can_id & CAN_EFF_FLAG),
        data=raw[8 : 8 + length],
        fd=len(raw) == CANFD_MTU,
    )


def encode(can_id: int, data: bytes, *, extended: bool = False, fd: bool = False) -> bytes:
    """Build a ``can_frame``/``canfd_frame`` to write to a CAN_RAW socket."""
    raw_id = can_id | CAN_EFF_FLAG if extended else can_id
    size = 64 if fd else 8
    return _HEADER.pack(raw_id, len(data), 0, 0, 0) + data.ljust(size, b"\x00")


class RawCan:
    """A CAN_RAW socket on one interface with CAN FD frames enabled and a large receive buffer.

    A 4095-byte classic transfer is about 600 frames: the buffer is forced to 8 MiB (root, as
    in the VM) so nothing is dropped while the test waits for the transfer to end.
    """

    def __init__(self, interface: str) -> None:
        self.sock = socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW)
        try:
            self.sock.setsockopt(SOL_CAN_RAW, CAN_RAW_FD_FRAMES, 1)
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 * 1024 * 1024)
            except PermissionError:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
            self.sock.bind((interface,))
        except BaseException:
            self.sock.close()
            raise

    def send(self, can_id: int, data: bytes, *, extended: bool = False, fd: bool = False) -> None:
        self.sock.send(encode(can_id, data, extended=extended, fd=fd))

    def frames(self, settle: float = 0.05) -> list[Frame]:
        """Every frame received so far; returns once the bus was quiet for ``settle`` s."""
        result: list[Frame] = []
        while True:
            ready, _, _ = select.select([self.sock], [], [], settle)
            if not ready:
                return result
            result.append(decode(self.sock.recv(CANFD_MTU)))

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Frame]:
        """At least ``count`` frames, waiting up to ``timeout`` s; fewer if none came."""
        deadline = time.monotonic() + timeout
        result: list[Frame] = []
        while len(result) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([self.sock], [], [], left)
            if ready:
                result.append(decode(self.sock.recv(CANFD_MTU)))
        return result

    def close(self) -> None:
        self.sock.close()


@contextmanager
def sniffer(interface: str) -> Iterator[RawCan]:
    raw = RawCan(interface)
    try:
        yield raw
    finally:
        raw.close()


def payload(size: int) -> bytes:
    """A recognisable payload: byte i is i mod 251 (a prime, so 16-frame wraps do not align)."""
    return bytes(i % 251 for i in range(size))


def reassemble(frames: list[Frame], can_id: int, offset: int = 0) -> bytes:
    """Rebuild a segmented PDU from its frames on ``can_id`` per ISO 15765-2, checking PCI bytes
    and sequence numbers; ``offset`` is 1 when an address byte precedes the PCI."""
    mine = [f for f in frames if f.can_id == can_id]
    first = mine[0].data[offset:]
    assert first[0] >> 4 == 1, f"not a first frame: {mine[0]}"
    length = ((first[0] & 0x0F) << 8) | first[1]
    if length == 0:  # FF_DL escape: 32-bit length follows
        length = int.from_bytes(first[2:6], "big")
        data = bytearray(first[6:])
    else:
        data = bytearray(first[2:])
    sequence = 1
    for frame in mine[1:]:
        pci = frame.data[offset]
        assert pci >> 4 == 2, f"not a consecutive frame: {frame}"
        assert pci & 0x0F == sequence, f"sequence {pci & 0x0F} != {sequence}: {frame}"
        sequence = (sequence + 1) % 16
        data += frame.data[offset + 1 :]
    assert len(data) >= length
    return bytes(data[:length])
