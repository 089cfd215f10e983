"""A bare-socket ECU stand-in for the benchmarks: answers ReadDID and TransferData at kernel speed.

Run as a separate process so the measured side owns its interpreter; it uses the plain
``socket`` module so that nothing of diagkit is on the peer's path.
"""

from __future__ import annotations

import socket
import struct
import sys

SOL_CAN_ISOTP = 106
CAN_ISOTP_OPTS = 1
CAN_ISOTP_LL_OPTS = 5
FRAME_TXTIME_ZERO = 0xFFFFFFFF
WAIT_TX_DONE = 0x400
VIN = b"WDB1234567890ABCD"


def bare_socket(  # noqa: PLR0917 - a benchmark helper
    iface: str, txid: int, rxid: int, fd: bool, txtime_zero: bool, flags: int = 0
) -> socket.socket:
    """A raw python ISO-TP socket with the benchmark's options (no diagkit involved)."""
    s = socket.socket(socket.AF_CAN, socket.SOCK_DGRAM, socket.CAN_ISOTP)
    txtime = FRAME_TXTIME_ZERO if txtime_zero else 0
    s.setsockopt(SOL_CAN_ISOTP, CAN_ISOTP_OPTS, struct.pack("=IIBBBB", flags, txtime, 0, 0, 0, 0))
    if fd:
        s.setsockopt(SOL_CAN_ISOTP, CAN_ISOTP_LL_OPTS, struct.pack("=BBB", 72, 64, 0))
    s.bind((iface, rxid, txid))
    return s


def serve(iface: str, fd: bool, txtime_zero: bool) -> None:
    """Answer requests on 0x7E0 -> 0x7E8 until a 0x11 0x01 (ECUReset) arrives."""
    s = bare_socket(iface, 0x7E8, 0x7E0, fd, txtime_zero)
    print("ready", flush=True)
    while True:
        req = s.recv(8400)
        sid = req[0]
        if sid == 0x22:
            s.send(b"\x62" + req[1:3] + VIN)
        elif sid == 0x36:
            s.send(b"\x76" + req[1:2])
        elif sid == 0x11:
            s.send(b"\x51\x01")
            return
        else:
            s.send(bytes([0x7F, sid, 0x11]))


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2] == "fd", sys.argv[3] == "txtime0")
