"""ISO-TP socket options: UAPI struct layout, range checks, combination warnings, STmin units.

Expected bytes are written out by hand from include/uapi/linux/can/isotp.h (native byte order:
these tests assume a little-endian host, as x86 and arm64 are).
"""

from __future__ import annotations

import sys

import pytest

from diagkit.errors import ConfigurationError, DiagkitWarning
from diagkit.transport.options import (
    CAN_ISOTP_LL_OPTS,
    CAN_ISOTP_OPTS,
    CAN_ISOTP_RECV_FC,
    CAN_ISOTP_RX_STMIN,
    CAN_ISOTP_TX_STMIN,
    FRAME_TXTIME_ZERO,
    SOL_CAN_ISOTP,
    Flags,
    FlowControlOptions,
    GeneralOptions,
    LinkLayerOptions,
    LinkLayerProtocol,
    SocketOptions,
    check_combination,
    seconds_to_stmin_byte,
    stmin_byte_to_seconds,
)

little_endian = pytest.mark.skipif(sys.byteorder != "little", reason="bytes written for LE")


def test_uapi_constants_match_the_kernel_header() -> None:
    assert SOL_CAN_ISOTP == 106  # SOL_CAN_BASE 100 + CAN_ISOTP 6
    assert (CAN_ISOTP_OPTS, CAN_ISOTP_RECV_FC, CAN_ISOTP_TX_STMIN) == (1, 2, 3)
    assert (CAN_ISOTP_RX_STMIN, CAN_ISOTP_LL_OPTS) == (4, 5)
    assert FRAME_TXTIME_ZERO == 0xFFFFFFFF
    assert int(LinkLayerProtocol.CAN) == 16 and int(LinkLayerProtocol.CAN_FD) == 72


def test_every_kernel_flag_has_its_header_value() -> None:
    expected = {
        "LISTEN_MODE": 0x1,
        "EXTEND_ADDR": 0x2,
        "TX_PADDING": 0x4,
        "RX_PADDING": 0x8,
        "CHK_PAD_LEN": 0x10,
        "CHK_PAD_DATA": 0x20,
        "HALF_DUPLEX": 0x40,
        "FORCE_TXSTMIN": 0x80,
        "FORCE_RXSTMIN": 0x100,
        "RX_EXT_ADDR": 0x200,
        "WAIT_TX_DONE": 0x400,
        "SF_BROADCAST": 0x800,
        "CF_BROADCAST": 0x1000,
        "DYN_FC_PARMS": 0x2000,
    }
    assert {flag.name: flag.value for flag in Flags} == expected


@little_endian
def test_general_options_pack_as_can_isotp_options() -> None:
    options = GeneralOptions(
        optflag=Flags.TX_PADDING | Flags.EXTEND_ADDR,
        frame_txtime_ns=0x01020304,
        ext_address=0xA1,
        txpad=0x55,
        rxpad=0xAA,
        rx_ext_address=0xB2,
    )
    #                     __u32 flags 0x06      __u32 frame_txtime   ext   txpad rxpad rx_ext
    expected = bytes([0x06, 0, 0, 0, 0x04, 0x03, 0x02, 0x01, 0xA1, 0x55, 0xAA, 0xB2])
    assert options.pack() == expected
    assert GeneralOptions.unpack(expected) == options


@little_endian
def test_kernel_defaults_unpack() -> None:
    # what getsockopt returns on a fresh socket: flags 0, 50000 ns, pads 0xCC
    raw = bytes([0, 0, 0, 0, 0x50, 0xC3, 0, 0, 0, 0xCC, 0xCC, 0])
    options = GeneralOptions.unpack(raw)
    assert options.optflag == Flags(0)
    assert options.frame_txtime_ns == 50_000
    assert (options.txpad, options.rxpad) == (0xCC, 0xCC)


def test_fc_and_ll_options_pack_as_three_bytes() -> None:
    assert FlowControlOptions(bs=8, stmin=0xF3, wftmax=2).pack() == b"\x08\xf3\x02"
    assert FlowControlOptions.unpack(b"\x00\x7f\x00") == FlowControlOptions(0, 0x7F, 0)
    assert LinkLayerOptions(LinkLayerProtocol.CAN_FD, 64, 0x01).pack() == b"\x48\x40\x01"
    assert LinkLayerOptions.unpack(b"\x10\x08\x00") == LinkLayerOptions()


@pytest.mark.parametrize(
    ("data", "struct_name"),
    [(b"\x00" * 11, "can_isotp_options"), (b"\x00" * 13, "can_isotp_options")],
)
def test_unpack_refuses_a_wrong_size(data: bytes, struct_name: str) -> None:
    with pytest.raises(ConfigurationError, match=f"{struct_name} must be 12 bytes, got"):
        GeneralOptions.unpack(data)


def test_fc_unpack_refuses_a_wrong_size() -> None:
    with pytest.raises(ConfigurationError, match="can_isotp_fc_options must be 3 bytes, got 2"):
        FlowControlOptions.unpack(b"\x00\x00")
    with pytest.raises(ConfigurationError, match="can_isotp_ll_options must be 3 bytes, got 4"):
        LinkLayerOptions.unpack(b"\x10\x08\x00\x00")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bs": 256}, r"bs must be in 0x00\.\.0xFF, got 0x100"),
        ({"bs": -1}, r"bs must be in 0x00\.\.0xFF, got -1"),
        ({"wftmax": 300}, r"wftmax must be in 0x00\.\.0xFF, got 0x12C"),
        ({"stmin": 0x80}, r"stmin must be 0x00\.\.0x7F .* or 0xF1\.\.0xF9 .* reserved .* got 0x80"),
        ({"stmin": 0xF0}, r"reserved by ISO 15765-2, got 0xF0"),
        ({"stmin": 0xFA}, r"reserved by ISO 15765-2, got 0xFA"),
        ({"bs": True}, r"bs must be an int in 0x00\.\.0xFF, got True \(bool\)"),
        ({"stmin": 1.0}, r"stmin must be an int in 0x00\.\.0xFF, got 1\.0 \(float\)"),
    ],
)
def test_flow_control_values_are_range_checked(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        FlowControlOptions(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("stmin", [0x00, 0x7F, 0xF1, 0xF9])
def test_flow_control_accepts_the_iso_stmin_ranges(stmin: int) -> None:
    assert FlowControlOptions(stmin=stmin).stmin == stmin


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"optflag": 0x4000}, r"optflag has unknown bits 0x4000 .* got 0x4000"),
        ({"optflag": -1}, r"optflag must be in 0x0000\.\.0xFFFFFFFF, got -1"),
        ({"frame_txtime_ns": 2**32}, r"frame_txtime_ns \(nanoseconds, __u32\) must be in 0\.\."),
        ({"frame_txtime_ns": -5}, r"frame_txtime_ns .* got -5"),
        ({"ext_address": 0x100}, r"ext_address must be in 0x00\.\.0xFF, got 0x100"),
        ({"txpad": 256}, r"txpad must be in 0x00\.\.0xFF, got 0x100"),
        ({"rxpad": -1}, r"rxpad must be in 0x00\.\.0xFF, got -1"),
        ({"rx_ext_address": 999}, r"rx_ext_address must be in 0x00\.\.0xFF, got 0x3E7"),
        ({"txpad": False}, r"txpad must be an int .* got False \(bool\)"),
        (
            {"optflag": Flags.SF_BROADCAST | Flags.CF_BROADCAST},
            r"must not combine SF_BROADCAST and CF_BROADCAST",
        ),
    ],
)
def test_general_values_are_range_checked(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        GeneralOptions(**kwargs)  # type: ignore[arg-type]


def test_optflag_int_becomes_flags() -> None:
    options = GeneralOptions(optflag=0x404)  # type: ignore[arg-type]
    assert options.optflag == Flags.WAIT_TX_DONE | Flags.TX_PADDING
    assert isinstance(options.optflag, Flags)


def test_frame_txtime_extremes_are_legal() -> None:
    assert GeneralOptions(frame_txtime_ns=FRAME_TXTIME_ZERO).frame_txtime_ns == 0xFFFFFFFF
    assert GeneralOptions(frame_txtime_ns=0).frame_txtime_ns == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mtu": 8}, r"mtu must be 16 .* or 72 .*got 8"),
        ({"mtu": 64}, r"mtu must be 16 .* or 72 .*got 64"),
        ({"tx_dl": 9}, r"tx_dl must be one of 8, 12, 16, 20, 24, 32, 48, 64 .* got 9"),
        ({"tx_dl": 64}, r"tx_dl 64 needs CAN FD: set mtu=72"),
        ({"tx_dl": 12, "mtu": 16}, r"tx_dl 12 needs CAN FD"),
        ({"tx_flags": 1}, r"tx_flags must be 0 with classic CAN \(mtu=16\).* got 0x01"),
        ({"mtu": 72, "tx_dl": 64, "tx_flags": 0x10}, r"CANFD_BRS 0x01.*got 0x10"),
        ({"tx_flags": 256}, r"tx_flags must be in 0x00\.\.0xFF, got 0x100"),
        ({"mtu": True}, r"mtu must be an int .* got True \(bool\)"),
    ],
)
def test_link_layer_values_are_checked(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        LinkLayerOptions(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("tx_dl", [8, 12, 16, 20, 24, 32, 48, 64])
def test_every_can_fd_data_length_is_accepted(tx_dl: int) -> None:
    options = LinkLayerOptions(mtu=72, tx_dl=tx_dl, tx_flags=0x01)  # type: ignore[arg-type]
    assert options.mtu is LinkLayerProtocol.CAN_FD


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tx_stmin_ns": 2**32}, r"tx_stmin_ns \(nanoseconds, __u32\) must be in 0\.\.4294967295"),
        ({"rx_stmin_ns": -1}, r"rx_stmin_ns \(nanoseconds, __u32\) .* got -1"),
        ({"tx_stmin_ns": 1.5}, r"tx_stmin_ns .* got 1\.5 \(float\)"),
        ({"general": FlowControlOptions()}, r"general must be a GeneralOptions"),
    ],
)
def test_socket_options_are_checked(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        SocketOptions(**kwargs)  # type: ignore[arg-type]


def test_options_are_immutable() -> None:
    options = SocketOptions()
    with pytest.raises(AttributeError):
        options.tx_stmin_ns = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        options.general.txpad = 5  # type: ignore[misc]


# -- combinations -------------------------------------------------------------------------


def _check(flags: Flags, *, tx: int = 0, rx: int = 0, rxpad: int = 0) -> None:
    check_combination(
        GeneralOptions(optflag=flags, rxpad=rxpad),
        tx_stmin_ns=tx,
        rx_stmin_ns=rx,
        rxpad_set=rxpad != 0,
    )


def test_clean_combinations_do_not_warn() -> None:
    _check(Flags.TX_PADDING | Flags.RX_PADDING | Flags.CHK_PAD_DATA, rxpad=0xAA)
    _check(Flags.FORCE_TXSTMIN, tx=100_000)
    _check(Flags.FORCE_RXSTMIN, rx=100_000)
    _check(Flags.WAIT_TX_DONE)


def test_chk_pad_data_without_rx_padding_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"reject every received frame.*RX_PADDING"):
        _check(Flags.CHK_PAD_DATA, rxpad=0xAA)


@pytest.mark.parametrize(
    ("flags", "kwargs", "message"),
    [
        (Flags.CHK_PAD_LEN, {}, "CHK_PAD_LEN without RX_PADDING"),
        (Flags.CHK_PAD_LEN | Flags.CHK_PAD_DATA, {}, "CHK_PAD_DATA has no effect without"),
        (Flags.RX_PADDING, {"rxpad": 0x55}, "rxpad=0x55 has no effect without .*CHK_PAD_DATA"),
        (Flags.FORCE_RXSTMIN, {}, "FORCE_RXSTMIN without an rx stmin"),
        (Flags(0), {"rx": 1000}, "rx stmin 1000 ns has no effect without .*FORCE_RXSTMIN"),
        (Flags.FORCE_TXSTMIN, {}, "FORCE_TXSTMIN without a tx stmin"),
        (Flags(0), {"tx": 2000}, "tx stmin 2000 ns has no effect without .*FORCE_TXSTMIN"),
        (Flags.LISTEN_MODE | Flags.WAIT_TX_DONE, {}, "WAIT_TX_DONE has no use with LISTEN_MODE"),
    ],
)
def test_suspicious_combinations_warn(flags: Flags, kwargs: dict[str, int], message: str) -> None:
    with pytest.warns(DiagkitWarning, match=message):
        _check(flags, **kwargs)


def test_socket_options_check_uses_its_own_values() -> None:
    options = SocketOptions(
        general=GeneralOptions(optflag=Flags.FORCE_TXSTMIN), tx_stmin_ns=500_000
    )
    options.check()  # no warning: the forced value is given
    with pytest.warns(DiagkitWarning, match="FORCE_TXSTMIN without"):
        SocketOptions(general=GeneralOptions(optflag=Flags.FORCE_TXSTMIN)).check()


# -- STmin units --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("byte", "seconds"),
    [(0x00, 0.0), (0x01, 0.001), (0x7F, 0.127), (0xF1, 0.0001), (0xF5, 0.0005), (0xF9, 0.0009)],
)
def test_stmin_byte_and_seconds_convert_both_ways(byte: int, seconds: float) -> None:
    assert stmin_byte_to_seconds(byte) == pytest.approx(seconds)
    assert seconds_to_stmin_byte(seconds) == byte


def test_stmin_byte_reserved_values_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="reserved by ISO 15765-2, got 0x80"):
        stmin_byte_to_seconds(0x80)


def test_inexact_seconds_name_the_nearest_legal_values() -> None:
    with pytest.raises(
        ConfigurationError,
        match=r"stmin 0\.0015 s has no ISO 15765-2 STmin byte; nearest legal values: "
        r"0\.001 s \(0x01\) and 0\.002 s \(0x02\)",
    ):
        seconds_to_stmin_byte(0.0015)
    with pytest.raises(ConfigurationError, match=r"0\.0009 s \(0xF9\) and 0\.001 s \(0x01\)"):
        seconds_to_stmin_byte(0.00095)


@pytest.mark.parametrize("seconds", [-0.001, 0.128, float("nan"), float("inf")])
def test_seconds_out_of_range_are_refused(seconds: float) -> None:
    with pytest.raises(ConfigurationError, match=r"stmin seconds must be in 0\.\.0\.127"):
        seconds_to_stmin_byte(seconds)


def test_seconds_must_be_a_number() -> None:
    with pytest.raises(ConfigurationError, match=r"got True \(bool\)"):
        seconds_to_stmin_byte(True)
