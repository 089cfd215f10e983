"""What the kernel puts on the wire for our options and addresses, sniffed with CAN_RAW.

Every expected frame is written out by hand from ISO 15765-2 (``ID#DATA`` in hex, candump
style): SF ``0L``, FF ``1L LL`` (escape ``10 00`` + 32-bit length beyond 4095), CF ``2N``, FC
``30 BS STmin``, the address byte first in extended and mixed addressing, CAN FD single frames
with the ``00 LL`` escape and the kernel's mandatory 0xCC padding to a valid CAN FD length.
"""

from __future__ import annotations

import pytest

from diagkit.errors import TransferError
from diagkit.transport.address import Address, AddressingMode
from diagkit.transport.kernel import KernelTransport
from diagkit.transport.options import (
    FRAME_TXTIME_ZERO,
    Flags,
    FlowControlOptions,
    GeneralOptions,
    LinkLayerOptions,
    LinkLayerProtocol,
    SocketOptions,
)
from tests.kernel.helpers import payload, reassemble, sniffer

pytestmark = pytest.mark.kernel

M = AddressingMode
TESTER = Address(M.Normal_11bits, txid=0x7E0, rxid=0x7E8)
ECU = Address(M.Normal_11bits, txid=0x7E8, rxid=0x7E0)
FAST = GeneralOptions(frame_txtime_ns=FRAME_TXTIME_ZERO)
FD_LINK = LinkLayerOptions(LinkLayerProtocol.CAN_FD, 64)


def _exchange(
    interface: str,
    tester: Address,
    ecu: Address,
    request: bytes,
    *,
    tester_options: SocketOptions | None = None,
    ecu_options: SocketOptions | None = None,
) -> list[str]:
    """Send ``request`` tester -> ECU and return the frames seen on the bus as ``ID#DATA``."""
    with (
        sniffer(interface) as raw,
        KernelTransport(interface, tester, tester_options or SocketOptions()) as t,
        KernelTransport(interface, ecu, ecu_options or SocketOptions()) as e,
    ):
        t.send(request)
        assert e.recv(timeout=5.0) == request
        return [repr(frame) for frame in raw.frames()]


# -- addressing modes ---------------------------------------------------------------------

MODES = [
    pytest.param(
        Address(M.Normal_11bits, txid=0x7E0, rxid=0x7E8),
        Address(M.Normal_11bits, txid=0x7E8, rxid=0x7E0),
        ["7E0#100A000102030405", "7E8#300000", "7E0#2106070809", "7E8#0362F190"],
        id="normal-11",
    ),
    pytest.param(
        Address(M.Normal_29bits, txid=0x1BADCAFE, rxid=0x0C0FFEE0),
        Address(M.Normal_29bits, txid=0x0C0FFEE0, rxid=0x1BADCAFE),
        [
            "1BADCAFE#100A000102030405",
            "C0FFEE0#300000",
            "1BADCAFE#2106070809",
            "C0FFEE0#0362F190",
        ],
        id="normal-29",
    ),
    pytest.param(
        Address(M.NormalFixed_29bits, target_address=0x10, source_address=0xF1),
        Address(M.NormalFixed_29bits, target_address=0xF1, source_address=0x10),
        [
            "18DA10F1#100A000102030405",
            "18DAF110#300000",
            "18DA10F1#2106070809",
            "18DAF110#0362F190",
        ],
        id="normal-fixed-29",
    ),
    pytest.param(
        Address(
            M.Extended_11bits, txid=0x6F1, rxid=0x612, target_address=0x12, source_address=0xF1
        ),
        Address(
            M.Extended_11bits, txid=0x612, rxid=0x6F1, target_address=0xF1, source_address=0x12
        ),
        ["6F1#12100A0001020304", "612#F1300000", "6F1#12210506070809", "612#F10362F190"],
        id="extended-11",
    ),
    pytest.param(
        Address(
            M.Extended_29bits,
            txid=0x18FF00F1,
            rxid=0x18FF0012,
            target_address=0x12,
            source_address=0xF1,
        ),
        Address(
            M.Extended_29bits,
            txid=0x18FF0012,
            rxid=0x18FF00F1,
            target_address=0xF1,
            source_address=0x12,
        ),
        [
            "18FF00F1#12100A0001020304",
            "18FF0012#F1300000",
            "18FF00F1#12210506070809",
            "18FF0012#F10362F190",
        ],
        id="extended-29",
    ),
    pytest.param(
        Address(M.Mixed_11bits, txid=0x7E0, rxid=0x7E8, address_extension=0x99),
        Address(M.Mixed_11bits, txid=0x7E8, rxid=0x7E0, address_extension=0x99),
        ["7E0#99100A0001020304", "7E8#99300000", "7E0#99210506070809", "7E8#990362F190"],
        id="mixed-11",
    ),
    pytest.param(
        Address(M.Mixed_29bits, target_address=0x10, source_address=0xF1, address_extension=0x42),
        Address(M.Mixed_29bits, target_address=0xF1, source_address=0x10, address_extension=0x42),
        [
            "18CE10F1#42100A0001020304",
            "18CEF110#42300000",
            "18CE10F1#42210506070809",
            "18CEF110#420362F190",
        ],
        id="mixed-29",
    ),
]


@pytest.mark.parametrize(("tester", "ecu", "expected"), MODES)
def test_addressing_mode_on_the_wire(
    classic_iface: str, tester: Address, ecu: Address, expected: list[str]
) -> None:
    with (
        sniffer(classic_iface) as raw,
        KernelTransport(classic_iface, tester) as t,
        KernelTransport(classic_iface, ecu) as e,
    ):
        t.send(payload(10))
        assert e.recv(timeout=5.0) == payload(10)
        e.send(b"\x62\xf1\x90")
        assert t.recv(timeout=5.0) == b"\x62\xf1\x90"
        frames = raw.frames()
    # FF, FC, CF of the 10-byte request, then the 3-byte single-frame response
    assert [repr(f) for f in frames] == expected
    assert all(f.extended == tester.is_29bit for f in frames)


# -- flow control, segmentation and padding ------------------------------------------------


def test_flow_control_carries_the_block_size_and_stmin_we_set(classic_iface: str) -> None:
    frames = _exchange(
        classic_iface,
        TESTER,
        ECU,
        payload(30),
        ecu_options=SocketOptions(flow_control=FlowControlOptions(bs=2, stmin=0x01)),
    )
    assert frames == [
        "7E0#101E000102030405",
        "7E8#300201",  # FC CTS, BS 2, STmin 1 ms
        "7E0#21060708090A0B0C",
        "7E0#220D0E0F10111213",
        "7E8#300201",  # next FC after BS consecutive frames
        "7E0#231415161718191A",
        "7E0#241B1C1D",
    ]


@pytest.mark.parametrize(("bs", "stmin"), [(0x00, 0x00), (0x08, 0xF5), (0xFF, 0x7F)])
def test_flow_control_values(classic_iface: str, bs: int, stmin: int) -> None:
    frames = _exchange(
        classic_iface,
        TESTER,
        ECU,
        payload(8),
        ecu_options=SocketOptions(flow_control=FlowControlOptions(bs=bs, stmin=stmin)),
    )
    assert frames == ["7E0#1008000102030405", f"7E8#30{bs:02X}{stmin:02X}", "7E0#210607"]


def test_tx_padding_fills_every_frame_to_eight_bytes(classic_iface: str) -> None:
    frames = _exchange(
        classic_iface,
        TESTER,
        ECU,
        payload(10),
        tester_options=SocketOptions(general=GeneralOptions(Flags.TX_PADDING, txpad=0x55)),
        ecu_options=SocketOptions(general=GeneralOptions(Flags.TX_PADDING, txpad=0xAA)),
    )
    assert frames == [
        "7E0#100A000102030405",
        "7E8#300000AAAAAAAAAA",
        "7E0#2106070809555555",
    ]


def test_single_frame_padding_and_length(classic_iface: str) -> None:
    padded = SocketOptions(general=GeneralOptions(Flags.TX_PADDING, txpad=0x55))
    assert _exchange(classic_iface, TESTER, ECU, b"\x3e\x00", tester_options=padded) == [
        "7E0#023E005555555555"
    ]
    assert _exchange(classic_iface, TESTER, ECU, b"\x3e\x00") == ["7E0#023E00"]
    assert _exchange(classic_iface, TESTER, ECU, payload(7)) == ["7E0#0700010203040506"]


def test_padding_check_accepts_matching_padding(classic_iface: str) -> None:
    checking = GeneralOptions(Flags.RX_PADDING | Flags.CHK_PAD_LEN | Flags.CHK_PAD_DATA, rxpad=0x55)
    frames = _exchange(
        classic_iface,
        TESTER,
        ECU,
        payload(10),
        tester_options=SocketOptions(general=GeneralOptions(Flags.TX_PADDING, txpad=0x55)),
        ecu_options=SocketOptions(general=checking),
    )
    assert frames[-1] == "7E0#2106070809555555"


def test_padding_check_rejects_other_padding(classic_iface: str) -> None:
    checking = GeneralOptions(Flags.RX_PADDING | Flags.CHK_PAD_DATA, rxpad=0x66)
    with (
        KernelTransport(
            classic_iface,
            TESTER,
            SocketOptions(general=GeneralOptions(Flags.TX_PADDING, txpad=0x55)),
        ) as t,
        KernelTransport(classic_iface, ECU, SocketOptions(general=checking)) as e,
    ):
        t.send(b"\x3e\x00")
        with pytest.raises(TransferError, match="padding check") as info:
            e.recv(timeout=2.0)
        assert isinstance(info.value.__cause__, OSError)
        # the error is reported once; the socket keeps working
        assert e.recv(timeout=0.05) is None


def test_ff_dl_escape_beyond_4095_bytes(classic_iface: str) -> None:
    request = payload(5000)
    options = SocketOptions(general=FAST)
    with (
        sniffer(classic_iface) as raw,
        KernelTransport(classic_iface, TESTER, options) as t,
        KernelTransport(classic_iface, ECU, options) as e,
    ):
        t.send(request)
        assert e.recv(timeout=10.0) == request
        frames = raw.frames()
    tester_frames = [f for f in frames if f.can_id == 0x7E0]
    # FF: 10 00, then FF_DL 5000 = 0x00001388 big-endian, then the first 2 data bytes
    assert repr(tester_frames[0]) == "7E0#1000000013880001"
    assert len(tester_frames) == 1 + 714  # (5000 - 2) / 7 rounded up consecutive frames
    assert reassemble(frames, 0x7E0) == request  # checks every CF's 2N sequence number


def test_4095_bytes_use_the_12_bit_length(classic_iface: str) -> None:
    request = payload(4095)
    options = SocketOptions(general=FAST)
    with (
        sniffer(classic_iface) as raw,
        KernelTransport(classic_iface, TESTER, options) as t,
        KernelTransport(classic_iface, ECU, options) as e,
    ):
        t.send(request)
        assert e.recv(timeout=10.0) == request
        frames = raw.frames()
    assert repr(frames[0]) == "7E0#1FFF000102030405"
    assert reassemble(frames, 0x7E0) == request


# -- CAN FD --------------------------------------------------------------------------------


def _fd_frames(interface: str, request: bytes) -> list[str]:
    options = SocketOptions(general=FAST, link_layer=FD_LINK)
    return _exchange(interface, TESTER, ECU, request, tester_options=options, ecu_options=options)


def test_can_fd_single_frames(fd_iface: str) -> None:
    # up to 7 bytes: classic SF PCI, no escape, CAN_DL = 1 + SF_DL
    assert _fd_frames(fd_iface, payload(7)) == ["FD 7E0#0700010203040506"]
    # 8 bytes: SF_DL escape 00 08, CAN_DL 10 padded with 0xCC to the next FD length 12
    assert _fd_frames(fd_iface, payload(8)) == ["FD 7E0#00080001020304050607CCCC"]
    # 20 bytes: 00 14 + 20 bytes = 22, padded to 24
    assert _fd_frames(fd_iface, payload(20)) == ["FD 7E0#0014" + payload(20).hex().upper() + "CCCC"]
    # 62 bytes fill a 64-byte frame exactly
    assert _fd_frames(fd_iface, payload(62)) == ["FD 7E0#003E" + payload(62).hex().upper()]


def test_can_fd_segmented(fd_iface: str) -> None:
    frames = _fd_frames(fd_iface, payload(63))
    assert frames == [
        "FD 7E0#103F" + payload(62).hex().upper(),  # FF uses the whole 64-byte frame
        "FD 7E8#300000",
        "FD 7E0#213E",  # last CF: 1 byte, no padding needed up to 8 bytes
    ]


def test_can_fd_first_frame_escape(fd_iface: str) -> None:
    request = payload(5000)
    options = SocketOptions(general=FAST, link_layer=FD_LINK)
    with (
        sniffer(fd_iface) as raw,
        KernelTransport(fd_iface, TESTER, options) as t,
        KernelTransport(fd_iface, ECU, options) as e,
    ):
        t.send(request)
        assert e.recv(timeout=10.0) == request
        frames = raw.frames()
    assert repr(frames[0]) == "FD 7E0#100000001388" + payload(58).hex().upper()
    assert all(f.fd for f in frames)
    assert reassemble(frames, 0x7E0) == request
