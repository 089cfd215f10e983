"""The userspace backend: option mapping, ISO 15765-2 frames on a python-can virtual bus, errors.

A raw virtual bus on the same channel plays the ECU: every frame it expects or sends is
written out here by hand from ISO 15765-2 (N_PCI SF 0x0L / FF 0x1L LL / CF 0x2N / FC 0x3S BS ST).
"""

from __future__ import annotations

import errno
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import can
import isotp
import pytest
from can.interfaces import virtual

from diagkit.errors import (
    ConfigurationError,
    TransferError,
    TransportClosedError,
    TransportError,
    TransportTimeoutError,
    TransportUnavailableError,
)
from diagkit.transport.address import Address, AddressingMode, TargetAddressType
from diagkit.transport.config import TransportConfig
from diagkit.transport.options import (
    FRAME_TXTIME_ZERO,
    Flags,
    FlowControlOptions,
    GeneralOptions,
    LinkLayerOptions,
    LinkLayerProtocol,
    SocketOptions,
)
from diagkit.transport.userspace import (
    NOTIFIER_TIMEOUT,
    UserspaceTransport,
    open_bus,
    python_can_kwargs,
    stack_settings,
)

ECU = Address(txid=0x7E0, rxid=0x7E8)
WAIT = 3.0  # bound for any frame or PDU that should come; a correct stack needs milliseconds
_names = itertools.count()


def options(flags: Flags | None = None, **general: int) -> SocketOptions:
    """Socket options with these flags and ``GeneralOptions`` fields, the rest default."""
    return SocketOptions(general=GeneralOptions(optflag=flags or Flags(0), **general))


def frame(arbitration_id: int, hexdata: str, *, ext: bool = False) -> can.Message:
    return can.Message(
        arbitration_id=arbitration_id, data=bytes.fromhex(hexdata), is_extended_id=ext
    )


def expect(bus: can.BusABC) -> can.Message:
    msg = bus.recv(WAIT)
    assert msg is not None, "expected a frame on the bus, none came"
    return msg


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run ``fn`` in a thread (e.g. a blocking multi-frame send); its result or error lands in
    the returned list."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(fn())
        except Exception as exc:
            out.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


@pytest.fixture
def channel() -> str:
    return f"userspace-test-{next(_names)}"


@pytest.fixture
def ecu(channel: str) -> Iterator[can.BusABC]:
    """The raw bus the test drives as the ECU."""
    bus = can.Bus(interface="virtual", channel=channel)
    yield bus
    bus.shutdown()


@pytest.fixture
def make_transport(channel: str) -> Iterator[Callable[..., UserspaceTransport]]:
    """Open UserspaceTransports on their own virtual bus on ``channel``; all closed afterwards."""
    opened: list[UserspaceTransport] = []
    threads_before = set(threading.enumerate())

    def make(
        address: Address = ECU, opts: SocketOptions | None = None, **kw: Any
    ) -> UserspaceTransport:
        bus = can.Bus(interface="virtual", channel=channel)
        try:
            transport = UserspaceTransport(bus, address, opts, own_bus=True, **kw)
        except BaseException:
            bus.shutdown()
            raise
        opened.append(transport)
        return transport

    yield make
    for transport in opened:
        transport.close()
    leftover = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]
    assert not leftover, f"threads left running after close: {leftover}"


# --- the one mapping function ------------------------------------------------------------


def test_default_options_give_the_kernel_defaults() -> None:
    params = stack_settings(ECU, SocketOptions()).params
    assert params["blocksize"] == 0 and params["stmin"] == 0 and params["wftmax"] == 0
    assert params["tx_padding"] is None  # length-optimised frames, as the kernel without TX_PADDING
    assert params["can_fd"] is False and params["tx_data_length"] == 8
    assert params["max_frame_size"] == 8300  # not python-can-isotp's own 4095
    assert params["rx_flowcontrol_timeout"] == 1000  # N_Bs 1 s, as the kernel
    assert params["rx_consecutive_frame_timeout"] == 1000  # N_Cr 1 s, as the kernel
    assert params["blocking_send"] is True and params["listen_mode"] is False
    assert params["override_receiver_stmin"] is None
    assert params["default_target_address_type"] is isotp.TargetAddressType.Physical


def test_every_honoured_option_reaches_the_stack() -> None:
    opts = SocketOptions(
        general=GeneralOptions(
            optflag=Flags.TX_PADDING | Flags.LISTEN_MODE | Flags.FORCE_TXSTMIN | Flags.RX_PADDING,
            txpad=0x55,
        ),
        flow_control=FlowControlOptions(bs=8, stmin=0xF3, wftmax=2),
        link_layer=LinkLayerOptions(mtu=LinkLayerProtocol.CAN_FD, tx_dl=32, tx_flags=0x01),
        tx_stmin_ns=500_000,
    )
    params = stack_settings(ECU, opts, max_pdu_size=4095).params
    assert params["tx_padding"] == 0x55
    assert params["listen_mode"] is True
    assert params["override_receiver_stmin"] == pytest.approx(0.0005)
    assert (params["blocksize"], params["stmin"], params["wftmax"]) == (8, 0xF3, 2)
    assert params["can_fd"] is True and params["tx_data_length"] == 32
    assert params["bitrate_switch"] is True
    assert params["max_frame_size"] == 4095


@pytest.mark.parametrize(
    ("opts", "name"),
    [
        (options(Flags.CHK_PAD_LEN), "CHK_PAD_LEN"),
        (options(Flags.RX_PADDING | Flags.CHK_PAD_DATA), "CHK_PAD_DATA"),
        (options(Flags.HALF_DUPLEX), "HALF_DUPLEX"),
        (options(Flags.FORCE_RXSTMIN), "FORCE_RXSTMIN"),
        (options(Flags.CF_BROADCAST), "CF_BROADCAST"),
        (options(frame_txtime_ns=100_000), "frame_txtime_ns"),
        (
            SocketOptions(link_layer=LinkLayerOptions(LinkLayerProtocol.CAN_FD, 64, 0x02)),
            "CANFD_ESI",
        ),
    ],
)
def test_options_the_stack_cannot_honour_are_refused_by_name(
    opts: SocketOptions, name: str
) -> None:
    with pytest.raises(ConfigurationError, match=name):
        stack_settings(ECU, opts)


def test_all_refused_options_are_named_in_one_error() -> None:
    with pytest.raises(ConfigurationError) as info:
        stack_settings(ECU, options(Flags.HALF_DUPLEX | Flags.CHK_PAD_LEN | Flags.FORCE_RXSTMIN))
    for name in ("HALF_DUPLEX", "CHK_PAD_LEN", "FORCE_RXSTMIN"):
        assert name in str(info.value)


def test_zero_frame_gaps_are_accepted_as_the_stacks_own_back_to_back_frames() -> None:
    # python-can-isotp sends consecutive frames without a gap of its own (only STmin): "leave
    # the current gap" (0) and a real zero gap both give it exactly the default settings
    default = stack_settings(ECU, SocketOptions())
    assert default.params.get("rate_limit_enable", False) is False
    for txtime in (0, FRAME_TXTIME_ZERO):
        settings = stack_settings(ECU, options(frame_txtime_ns=txtime))
        assert settings.params == default.params


def test_extension_options_must_agree_with_the_address() -> None:
    extended = Address(
        AddressingMode.Extended_11bits,
        txid=0x6F1,
        rxid=0x612,
        target_address=0x12,
        source_address=0xF1,
    )
    stack_settings(
        extended,
        options(Flags.EXTEND_ADDR | Flags.RX_EXT_ADDR, ext_address=0x12, rx_ext_address=0xF1),
    )
    with pytest.raises(ConfigurationError, match=r"EXTEND_ADDR.*0x34.*0x12"):
        stack_settings(extended, options(Flags.EXTEND_ADDR, ext_address=0x34))
    with pytest.raises(ConfigurationError, match="EXTEND_ADDR"):
        stack_settings(ECU, options(Flags.EXTEND_ADDR, ext_address=0x12))


# --- addressing on the wire --------------------------------------------------------------

ADDRESSING = [
    # address, tx id, rx id, 29-bit, tx prefix byte(s), rx prefix byte(s)
    (Address(txid=0x7E0, rxid=0x7E8), 0x7E0, 0x7E8, False, "", ""),
    (
        Address(AddressingMode.Normal_29bits, txid=0x18DA10F1, rxid=0x18DAF110),
        0x18DA10F1,
        0x18DAF110,
        True,
        "",
        "",
    ),
    (
        Address(AddressingMode.NormalFixed_29bits, target_address=0x10, source_address=0xF1),
        0x18DA10F1,
        0x18DAF110,
        True,
        "",
        "",
    ),
    (
        Address(
            AddressingMode.NormalFixed_29bits,
            target_address=0x10,
            source_address=0xF1,
            target_type=TargetAddressType.Functional,
        ),
        0x18DB10F1,
        0x18DAF110,
        True,
        "",
        "",
    ),
    (
        Address(
            AddressingMode.Extended_11bits,
            txid=0x6F1,
            rxid=0x612,
            target_address=0x12,
            source_address=0xF1,
        ),
        0x6F1,
        0x612,
        False,
        "12",
        "f1",
    ),
    (
        Address(
            AddressingMode.Extended_29bits,
            txid=0x1234,
            rxid=0x4321,
            target_address=0x12,
            source_address=0xF1,
        ),
        0x1234,
        0x4321,
        True,
        "12",
        "f1",
    ),
    (
        Address(AddressingMode.Mixed_11bits, txid=0x7E0, rxid=0x7E8, address_extension=0x99),
        0x7E0,
        0x7E8,
        False,
        "99",
        "99",
    ),
    (
        Address(
            AddressingMode.Mixed_29bits,
            target_address=0x10,
            source_address=0xF1,
            address_extension=0x99,
        ),
        0x18CE10F1,
        0x18CEF110,
        True,
        "99",
        "99",
    ),
]


@pytest.mark.parametrize(
    "case",
    ADDRESSING,
    ids=[f"{a[0].addressing_mode.name}-{a[0].target_type.name}" for a in ADDRESSING],
)
def test_every_addressing_mode_uses_the_iso_ids_and_extension_bytes(
    make_transport: Callable[..., UserspaceTransport],
    ecu: can.BusABC,
    case: tuple[Address, int, int, bool, str, str],
) -> None:
    address, tx_id, rx_id, ext, tx_prefix, rx_prefix = case
    transport = make_transport(address)
    transport.send(b"\x3e\x00")
    sent = expect(ecu)
    assert (sent.arbitration_id, sent.is_extended_id) == (tx_id, ext)
    assert sent.data.hex() == tx_prefix + "023e00"
    ecu.send(frame(rx_id, rx_prefix + "027e00", ext=ext))
    assert transport.recv(WAIT) == b"\x7e\x00"
    other = frame(rx_id, "ee027e01", ext=ext) if rx_prefix else frame(rx_id ^ 1, "027e01", ext=ext)
    ecu.send(other)
    assert transport.recv(0.1) is None, "a frame for another address was taken"


# --- frames on the wire ------------------------------------------------------------------


def test_single_frame_is_length_optimised_unless_tx_padding_is_set(
    make_transport: Callable[..., UserspaceTransport], ecu: can.BusABC
) -> None:
    make_transport().send(b"\x10\x03")
    assert expect(ecu).data.hex() == "021003"
    make_transport(ECU, options(Flags.TX_PADDING, txpad=0xAA)).send(b"\x10\x03")
    assert expect(ecu).data.hex() == "021003aaaaaaaaaa"


def test_multi_frame_send_waits_for_flow_control_and_numbers_consecutive_frames(
    make_transport: Callable[..., UserspaceTransport], ecu: can.BusABC
) -> None:
    transport = make_transport()
    pdu = bytes(range(1, 19))  # 18 bytes: FF carries 6, CF 0x21 7, CF 0x22 5
    thread, result = in_thread(lambda: transport.send(pdu))
    assert expect(ecu).data.hex() == "1012" + "010203040506"
    assert ecu.recv(0.1) is None, "consecutive frames went out before flow control"
    ecu.send(frame(0x7E8, "300000"))
    assert expect(ecu).data.hex() == "21" + "0708090a0b0c0d"
    assert expect(ecu).data.hex() == "22" + "0e0f101112"
    thread.join(WAIT)
    assert result == [None]


def test_flow_control_we_send_carries_our_bs_and_stmin(
    make_transport: Callable[..., UserspaceTransport], ecu: can.BusABC
) -> None:
    opts = SocketOptions(
        general=GeneralOptions(optflag=Flags.TX_PADDING, txpad=0xAA),
        flow_control=FlowControlOptions(bs=2, stmin=0x05),
    )
    transport = make_transport(ECU, opts)
    pdu = bytes(range(0x40, 0x40 + 30))  # FF 6 + CF 7 + 7 + 7 + 3
    ecu.send(frame(0x7E8, "101e" + pdu[:6].hex()))
    fc = expect(ecu)
    assert (fc.arbitration_id, fc.data.hex()) == (0x7E0, "300205aaaaaaaaaa")
    ecu.send(frame(0x7E8, "21" + pdu[6:13].hex()))
    ecu.send(frame(0x7E8, "22" + pdu[13:20].hex()))
    assert expect(ecu).data.hex() == "300205aaaaaaaaaa"  # after a block of bs=2 frames
    ecu.send(frame(0x7E8, "23" + pdu[20:27].hex()))
    ecu.send(frame(0x7E8, "24" + pdu[27:30].hex()))
    assert transport.recv(WAIT) == pdu
    assert ecu.recv(0.1) is None, "flow control after the last consecutive frame"


def test_can_fd_single_frame_uses_the_escape_length_and_fd_padding(
    make_transport: Callable[..., UserspaceTransport], ecu: can.BusABC
) -> None:
    opts = SocketOptions(
        link_layer=LinkLayerOptions(mtu=LinkLayerProtocol.CAN_FD, tx_dl=64, tx_flags=0x01)
    )
    make_transport(ECU, opts).send(bytes(range(20)))
    sent = expect(ecu)
    assert sent.is_fd and sent.bitrate_switch
    # SF with CAN_DL > 8: byte 0 is 0x00, byte 1 SF_DL; 22 bytes padded (0xCC) to DLC 24
    assert sent.data.hex() == "0014" + bytes(range(20)).hex() + "cccc"


# --- errors ------------------------------------------------------------------------------


def test_send_without_flow_control_is_a_timeout_naming_both_ids(
    make_transport: Callable[..., UserspaceTransport], ecu: can.BusABC
) -> None:
    transport = make_transport()
    with pytest.raises(TransportTimeoutError, match=r"0x7E0.*0x7E8.*N_Bs") as info:
        transport.send(bytes(20), timeout=5.0)
    assert isinstance(info.value.__cause__, isotp.FlowControlTimeoutError)
    assert expect(ecu).data.hex() == "1014000000000000"
    transport.send(b"\x3e\x00")  # the channel works again afterwards
    assert expect(ecu).data.hex() == "023e00"


def test_send_timeout_aborts_the_transfer(
    make_transport: Callable[..., UserspaceTransport], ecu: can.BusABC
) -> None:
    transport = make_transport()
    with pytest.raises(TransportTimeoutError, match=r"within 0\.1 s"):
        transport.send(bytes(20), timeout=0.1)
    assert expect(ecu).data.hex()[:4] == "1014"
    ecu.send(frame(0x7E8, "300000"))  # a late flow control must not revive the aborted PDU
    transport.send(b"\x3e\x00")
    assert expect(ecu).data.hex() == "023e00"
    assert ecu.recv(0.1) is None


def test_overflow_flow_control_is_a_transfer_error(
    make_transport: Callable[..., UserspaceTransport], ecu: can.BusABC
) -> None:
    transport = make_transport()
    thread, result = in_thread(lambda: transport.send(bytes(100)))
    expect(ecu)
    ecu.send(frame(0x7E8, "320000"))  # FlowStatus 2 = overflow
    thread.join(WAIT)
    assert len(result) == 1 and isinstance(result[0], TransferError)
    assert "Overflow" in str(result[0]) and "100-byte" in str(result[0])


def test_a_reception_that_stops_is_raised_by_the_next_recv(
    make_transport: Callable[..., UserspaceTransport], ecu: can.BusABC
) -> None:
    transport = make_transport()
    ecu.send(frame(0x7E8, "1014000102030405"))
    expect(ecu)  # our flow control
    with pytest.raises(TransportTimeoutError, match="N_Cr") as info:
        transport.recv(5.0)
    assert info.value.errno == errno.ETIMEDOUT  # as the kernel reports it
    assert transport.recv(0.05) is None


def test_wrong_sequence_number_is_raised_then_the_channel_recovers(
    make_transport: Callable[..., UserspaceTransport], ecu: can.BusABC
) -> None:
    transport = make_transport()
    ecu.send(frame(0x7E8, "1014000102030405"))
    expect(ecu)
    ecu.send(frame(0x7E8, "2206070809101112"))  # SN 2 where 1 is due
    with pytest.raises(TransferError, match="SequenceNumber"):
        transport.recv(WAIT)
    ecu.send(frame(0x7E8, "03620102"))
    assert transport.recv(WAIT) == b"\x62\x01\x02"


def test_a_bus_that_refuses_frames_fails_the_send(channel: str) -> None:
    class RefusingBus(virtual.VirtualBus):
        def send(self, msg: can.Message, timeout: float | None = None) -> None:
            raise can.CanOperationError("transmit buffer full")

    with UserspaceTransport(RefusingBus(channel=channel), ECU, own_bus=True) as transport:
        with pytest.raises(TransportError, match="refused a frame") as info:
            transport.send(b"\x3e\x00")
        assert isinstance(info.value.__cause__, can.CanOperationError)


def test_listen_mode_receives_without_flow_control_and_cannot_send(
    make_transport: Callable[..., UserspaceTransport], ecu: can.BusABC
) -> None:
    transport = make_transport(ECU, options(Flags.LISTEN_MODE))
    ecu.send(frame(0x7E8, "100a000102030405"))
    assert ecu.recv(0.2) is None, "a listening channel sent flow control"
    ecu.send(frame(0x7E8, "2106070809"))
    assert transport.recv(WAIT) == bytes(range(10))
    with pytest.raises(ConfigurationError, match="LISTEN_MODE"):
        transport.send(b"\x3e\x00")


def test_functional_requests_are_single_frames_on_the_functional_id(
    make_transport: Callable[..., UserspaceTransport], ecu: can.BusABC
) -> None:
    functional = Address(txid=0x7DF, rxid=0x7E8, target_type=TargetAddressType.Functional)
    transport = make_transport(functional)
    transport.send(b"\x3e\x80")
    sent = expect(ecu)
    assert (sent.arbitration_id, sent.data.hex()) == (0x7DF, "023e80")
    with pytest.raises(ConfigurationError, match="at most 7 bytes"):
        transport.send(bytes(8))
    assert ecu.recv(0.05) is None


# --- lifetime ----------------------------------------------------------------------------


def test_close_wakes_a_recv_blocked_in_another_thread(
    make_transport: Callable[..., UserspaceTransport],
) -> None:
    transport = make_transport()
    thread, result = in_thread(lambda: transport.recv(30.0))
    transport.close()
    thread.join(WAIT)
    assert not thread.is_alive(), "recv kept blocking after close"
    assert len(result) == 1 and isinstance(result[0], TransportClosedError)


def test_close_shuts_down_an_owned_bus_but_not_a_borrowed_one(channel: str) -> None:
    borrowed = can.Bus(interface="virtual", channel=channel)
    try:
        UserspaceTransport(borrowed, ECU).close()
        borrowed.send(frame(0x123, "00"))  # still open: raises if it was shut down
        UserspaceTransport(
            can.Bus(interface="virtual", channel="owned-" + channel), ECU, own_bus=True
        ).close()
        assert "owned-" + channel not in virtual.channels
    finally:
        borrowed.shutdown()


def test_transports_on_one_bus_share_it_and_outlive_each_other(
    channel: str, ecu: can.BusABC
) -> None:
    bus = can.Bus(interface="virtual", channel=channel)
    try:
        first = UserspaceTransport(bus, ECU)
        second = UserspaceTransport(bus, Address(txid=0x7E1, rxid=0x7E9))
        first.close()
        ecu.send(frame(0x7E9, "027e00"))
        assert second.recv(WAIT) == b"\x7e\x00"
        second.close()
    finally:
        bus.shutdown()


def test_a_notifier_the_user_runs_on_the_bus_is_used_and_left_running(
    channel: str, ecu: can.BusABC
) -> None:
    bus = can.Bus(interface="virtual", channel=channel)
    seen: list[can.Message] = []
    notifier = can.Notifier(bus, [seen.append], timeout=0.05)
    try:
        with UserspaceTransport(bus, ECU) as transport:
            ecu.send(frame(0x7E8, "027e00"))
            assert transport.recv(WAIT) == b"\x7e\x00"
        assert not notifier.stopped
        assert [m.data.hex() for m in seen] == ["027e00"]
    finally:
        notifier.stop()
        bus.shutdown()


def test_a_refused_configuration_releases_the_owned_bus(channel: str) -> None:
    bus = can.Bus(interface="virtual", channel=channel)
    with pytest.raises(ConfigurationError, match="HALF_DUPLEX"):
        UserspaceTransport(bus, ECU, options(Flags.HALF_DUPLEX), own_bus=True)
    assert channel not in virtual.channels


# --- from a config -----------------------------------------------------------------------


def test_from_config_opens_and_owns_the_bus_python_can_args_describe(
    ecu: can.BusABC, channel: str
) -> None:
    config = TransportConfig(
        interface=channel, address=ECU, backend="userspace", python_can=(("interface", "virtual"),)
    )
    with UserspaceTransport.from_config(config) as transport:
        transport.send(b"\x22\xf1\x90")
        assert expect(ecu).data.hex() == "0322f190"
    assert len(virtual.channels[channel]) == 1  # only the test bus is left


def test_python_can_args_are_converted_like_a_config_file() -> None:
    config = TransportConfig(
        interface="can0",
        address=ECU,
        options=SocketOptions(link_layer=LinkLayerOptions(mtu=LinkLayerProtocol.CAN_FD, tx_dl=64)),
        python_can=(
            ("interface", "pcan"),
            ("channel", "0"),
            ("bitrate", "500000"),
            ("fd", "false"),
        ),
    )
    assert python_can_kwargs(config) == {
        "interface": "pcan",
        "channel": "0",
        "bitrate": 500000,
        "fd": False,
    }
    fd_default = TransportConfig(interface="can0", address=ECU, options=config.options)
    assert python_can_kwargs(fd_default) == {"channel": "can0", "fd": True}


def test_an_unknown_python_can_interface_is_unavailable_not_a_crash() -> None:
    config = TransportConfig(
        interface="x", address=ECU, backend="userspace", python_can=(("interface", "nosuchbus"),)
    )
    with pytest.raises(TransportUnavailableError, match=r"nosuchbus.*virtual"):
        open_bus(config)


def test_the_bus_owner_may_close_before_a_transport_that_borrows_its_bus(channel: str) -> None:
    # A client's functional sender borrows the physical channel's bus: whichever closes first,
    # the shared notifier must not go on reading a bus that was shut down (pytest turns an
    # exception in its thread into a failure here).
    threads_before = set(threading.enumerate())
    bus = can.Bus(interface="virtual", channel=channel)
    owner = UserspaceTransport(bus, ECU, own_bus=True)
    functional = Address(
        AddressingMode.Normal_11bits,
        txid=0x7DF,
        rxid=0x7E8,
        target_type=TargetAddressType.Functional,
    )
    borrower = UserspaceTransport(bus, functional)
    owner.close()
    time.sleep(4 * NOTIFIER_TIMEOUT)  # a notifier still running would read the closed bus now
    borrower.close()
    leftover = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]
    assert not leftover, f"threads left running after close: {leftover}"


def test_a_sf_broadcast_sender_never_answers_the_ecus_first_frames(
    channel: str, ecu: can.BusABC
) -> None:
    # Like the kernel's SF_BROADCAST socket: only the physical channel sends the one flow
    # control (30 00 00 on 0x7E0) for an ECU's multi-frame answer on 0x7E8.
    bus = can.Bus(interface="virtual", channel=channel)
    physical = UserspaceTransport(bus, ECU, own_bus=True)
    functional = Address(
        AddressingMode.Normal_11bits,
        txid=0x7DF,
        rxid=0x7E8,
        target_type=TargetAddressType.Functional,
    )
    broadcast = UserspaceTransport(bus, functional, options(Flags.SF_BROADCAST))
    try:
        broadcast.send(b"\x22\xf1\x90")
        request = expect(ecu)
        assert (request.arbitration_id, request.data.hex()) == (0x7DF, "0322f190")
        ecu.send(frame(0x7E8, "1014" + "62f190" + "575657"))  # FF of a 20-byte answer
        flow_controls = []
        while (msg := ecu.recv(0.2)) is not None:
            flow_controls.append((msg.arbitration_id, msg.data.hex()))
        assert flow_controls == [(0x7E0, "300000")]
    finally:
        broadcast.close()
        physical.close()
