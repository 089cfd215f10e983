"""What every backend must put on the wire: one table of CAN frames, written by hand.

The same expectations are checked for the userspace backend (``tests/contract/
test_wire_frames.py``, python-can virtual bus) and the kernel backend (``tests/kernel/
test_wire_frames_kernel.py``, CAN_RAW in the VM), so bench traffic and vehicle traffic look
alike. A tester (tx 0x7E0) sends one PDU to an ECU (tx 0x7E8) of the same backend and the
same options; the frames are listed in bus order, candump style ``ID#DATA`` with ``FD `` in
front of CAN FD frames. Layouts are those of ISO 15765-2:

* SF ``0L`` + data; with TX_DL > 8 and more than 7 bytes the escape ``00 LL`` + data;
* FF ``1L LL`` + data, always a full TX_DL frame; CF ``2N`` + data; FC ``30 BS STmin``;
* padding (the sender's TX_PADDING byte, tester 0xAA, ECU 0x55): classic frames are padded to
  8 bytes; CAN FD frames to the next valid CAN FD data length (12, 16, 20, 24, 32, 48, 64)
  and at least 8 bytes (ISO 15765-2:2016 10.4.2.1/10.4.2.3, as Linux's isotp.c does);
* without TX_PADDING frames are as short as their content, except CAN FD frames over 8 bytes,
  which must reach a valid CAN FD length and are filled with 0xCC (the kernel's
  ``CAN_ISOTP_DEFAULT_PAD_CONTENT``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from _pytest.mark.structures import ParameterSet

from diagkit.transport.address import Address
from diagkit.transport.options import (
    FRAME_TXTIME_ZERO,
    Flags,
    GeneralOptions,
    LinkLayerOptions,
    LinkLayerProtocol,
    SocketOptions,
)

TESTER = Address(txid=0x7E0, rxid=0x7E8)
ECU = Address(txid=0x7E8, rxid=0x7E0)
TESTER_PAD = 0xAA
ECU_PAD = 0x55
CLASSIC = LinkLayerOptions()
FD64 = LinkLayerOptions(LinkLayerProtocol.CAN_FD, 64)
FD16 = LinkLayerOptions(LinkLayerProtocol.CAN_FD, 16)

DATA = bytes(range(70))  # byte i is i: any lost, doubled or moved byte shows in the hex


def hex_of(data: bytes) -> str:
    """Upper-case hex, as in the expected frames."""
    return data.hex().upper()


def candump(can_id: int, data: bytes, fd: bool) -> str:
    """One frame as the table writes it: ``FD 7E0#0322F190``."""
    return f"{'FD ' if fd else ''}{can_id:X}#{hex_of(data)}"


@dataclass(frozen=True)
class WireCase:
    """One PDU from the tester to the ECU and every frame both ends must send for it."""

    link: LinkLayerOptions
    padded: bool
    request: bytes
    frames: tuple[str, ...]

    @property
    def fd(self) -> bool:
        """True when the case runs on CAN FD (it needs an FD interface)."""
        return self.link.mtu == LinkLayerProtocol.CAN_FD

    def options(self, txpad: int) -> SocketOptions:
        """The socket options of one end: the case's link, TX_PADDING with ``txpad`` or none."""
        flags = Flags.TX_PADDING if self.padded else Flags(0)
        general = GeneralOptions(flags, frame_txtime_ns=FRAME_TXTIME_ZERO, txpad=txpad)
        return SocketOptions(general=general, link_layer=self.link)

    @property
    def tester_options(self) -> SocketOptions:
        return self.options(TESTER_PAD)

    @property
    def ecu_options(self) -> SocketOptions:
        return self.options(ECU_PAD)


def _case(
    case_id: str, link: LinkLayerOptions, padded: bool, request: bytes, *frames: str
) -> ParameterSet:
    return pytest.param(WireCase(link, padded, request, frames), id=case_id)


READ_VIN = bytes.fromhex("22F190")

WIRE_CASES = [
    # -- classic CAN, TX_DL 8 ------------------------------------------------------------
    _case("classic-sf", CLASSIC, False, READ_VIN, "7E0#0322F190"),
    _case("classic-sf-padded", CLASSIC, True, READ_VIN, "7E0#0322F190AAAAAAAA"),
    _case("classic-sf-full-padded", CLASSIC, True, DATA[:7], "7E0#0700010203040506"),
    _case(
        "classic-ff-fc-cf",
        CLASSIC,
        False,
        DATA[:10],
        "7E0#100A000102030405",
        "7E8#300000",
        "7E0#2106070809",
    ),
    _case(
        "classic-ff-fc-cf-padded",
        CLASSIC,
        True,
        DATA[:10],
        "7E0#100A000102030405",
        "7E8#3000005555555555",
        "7E0#2106070809AAAAAA",
    ),
    # -- CAN FD, TX_DL 64 ----------------------------------------------------------------
    _case("fd-sf", FD64, False, READ_VIN, "FD 7E0#0322F190"),
    _case("fd-sf-padded", FD64, True, READ_VIN, "FD 7E0#0322F190AAAAAAAA"),
    # 8 bytes need the SF_DL escape: 2 + 8 = 10 bytes, filled up to 12
    _case("fd-sf-escape", FD64, False, DATA[:8], "FD 7E0#00080001020304050607CCCC"),
    _case("fd-sf-escape-padded", FD64, True, DATA[:8], "FD 7E0#00080001020304050607AAAA"),
    # 2 + 20 = 22 bytes, filled up to 24
    _case("fd-sf-20", FD64, False, DATA[:20], "FD 7E0#0014" + hex_of(DATA[:20]) + "CCCC"),
    _case("fd-sf-20-padded", FD64, True, DATA[:20], "FD 7E0#0014" + hex_of(DATA[:20]) + "AAAA"),
    # FF takes 62 bytes, the last CF carries 8: 1 + 8 = 9 bytes, filled up to 12
    _case(
        "fd-ff-fc-cf",
        FD64,
        False,
        DATA[:70],
        "FD 7E0#1046" + hex_of(DATA[:62]),
        "FD 7E8#300000",
        "FD 7E0#21" + hex_of(DATA[62:70]) + "CCCCCC",
    ),
    _case(
        "fd-ff-fc-cf-padded",
        FD64,
        True,
        DATA[:70],
        "FD 7E0#1046" + hex_of(DATA[:62]),
        "FD 7E8#3000005555555555",
        "FD 7E0#21" + hex_of(DATA[62:70]) + "AAAAAA",
    ),
    # the last CF carries 1 byte: 2 bytes unpadded, 8 with TX_PADDING
    _case(
        "fd-short-cf",
        FD64,
        False,
        DATA[:63],
        "FD 7E0#103F" + hex_of(DATA[:62]),
        "FD 7E8#300000",
        "FD 7E0#213E",
    ),
    _case(
        "fd-short-cf-padded",
        FD64,
        True,
        DATA[:63],
        "FD 7E0#103F" + hex_of(DATA[:62]),
        "FD 7E8#3000005555555555",
        "FD 7E0#213EAAAAAAAAAAAA",
    ),
    # -- CAN FD, TX_DL 16: FF of 16 bytes, last CF 1 + 6 = 7 bytes -----------------------
    _case(
        "fd16-ff-fc-cf-padded",
        FD16,
        True,
        DATA[:20],
        "FD 7E0#1014" + hex_of(DATA[:14]),
        "FD 7E8#3000005555555555",
        "FD 7E0#21" + hex_of(DATA[14:20]) + "AA",
    ),
]
