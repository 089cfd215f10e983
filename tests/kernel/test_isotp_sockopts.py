"""Options read back from the kernel are those written; options after bind are refused."""

from __future__ import annotations

import errno

import pytest

from diagkit.errors import ConfigurationError, InterfaceError, TransferError
from diagkit.transport.address import Address, AddressingMode
from diagkit.transport.kernel_socket import IsoTpSocket
from diagkit.transport.options import (
    CAN_ISOTP_OPTS,
    FRAME_TXTIME_ZERO,
    SOL_CAN_ISOTP,
    Flags,
    FlowControlOptions,
    GeneralOptions,
    LinkLayerOptions,
    LinkLayerProtocol,
    SocketOptions,
)
from tests.kernel.helpers import payload

pytestmark = pytest.mark.kernel

TESTER = Address(AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8)
ECU = Address(AddressingMode.Normal_11bits, txid=0x7E8, rxid=0x7E0)


def test_a_fresh_socket_reports_the_kernel_defaults() -> None:
    with IsoTpSocket() as s:
        # isotp_init(): flags 0, frame_txtime 50000 ns, pads 0xCC, classic CAN with 8 bytes
        assert s.get_opts() == GeneralOptions(Flags(0), 50_000, 0, 0xCC, 0xCC, 0)
        assert s.get_fc_opts() == FlowControlOptions(0, 0, 0)
        assert s.get_ll_opts() == LinkLayerOptions(LinkLayerProtocol.CAN, 8, 0)
        assert (s.get_tx_stmin(), s.get_rx_stmin()) == (0, 0)


def test_get_returns_what_set_wrote() -> None:
    with IsoTpSocket() as s:
        written = s.set_opts(
            optflag=Flags.WAIT_TX_DONE | Flags.HALF_DUPLEX,
            frame_txtime=123_456,
            ext_address=0x12,
            txpad=0x55,
            rxpad=0x66,
            rx_ext_address=0x34,
            tx_stmin=250_000,
        )
        expected_flags = (
            Flags.WAIT_TX_DONE
            | Flags.HALF_DUPLEX
            | Flags.EXTEND_ADDR
            | Flags.TX_PADDING
            | Flags.RX_PADDING
            | Flags.RX_EXT_ADDR
            | Flags.FORCE_TXSTMIN
        )
        assert written == GeneralOptions(expected_flags, 123_456, 0x12, 0x55, 0x66, 0x34)
        assert s.get_opts() == written
        assert s.get_tx_stmin() == 250_000
        assert s.set_rx_stmin(1_000_000) == 1_000_000 == s.get_rx_stmin()
        assert s.set_tx_stmin(0xFFFFFFFF) == 0xFFFFFFFF == s.get_tx_stmin()
        fc = s.set_fc_opts(bs=8, stmin=0xF5, wftmax=3)
        assert fc == FlowControlOptions(8, 0xF5, 3) == s.get_fc_opts()
        assert s.set_fc_opts(stmin=0x7F) == FlowControlOptions(8, 0x7F, 3)
        ll = s.set_ll_opts(mtu=72, tx_dl=32, tx_flags=0x01)
        assert ll == LinkLayerOptions(LinkLayerProtocol.CAN_FD, 32, 0x01) == s.get_ll_opts()


def test_configure_applies_everything() -> None:
    options = SocketOptions(
        general=GeneralOptions(
            Flags.TX_PADDING | Flags.FORCE_RXSTMIN, frame_txtime_ns=FRAME_TXTIME_ZERO, txpad=0xAA
        ),
        flow_control=FlowControlOptions(bs=4, stmin=0x0A, wftmax=1),
        link_layer=LinkLayerOptions(LinkLayerProtocol.CAN_FD, 64, 0),
        rx_stmin_ns=500_000,
    )
    with IsoTpSocket() as s:
        s.configure(options)
        assert s.get_opts() == options.general
        assert s.get_opts().frame_txtime_ns == 0xFFFFFFFF
        assert s.get_fc_opts() == options.flow_control
        assert s.get_ll_opts() == options.link_layer
        assert s.get_rx_stmin() == 500_000


def test_bind_adds_extended_addressing_and_keeps_a_forced_tx_stmin(classic_iface: str) -> None:
    address = Address(
        AddressingMode.Extended_11bits,
        txid=0x6F1,
        rxid=0x612,
        target_address=0x12,
        source_address=0xF1,
    )
    with IsoTpSocket() as s:
        s.set_opts(optflag=Flags.WAIT_TX_DONE, txpad=0x55, tx_stmin=300_000)
        s.bind(classic_iface, address)
        general = s.get_opts()
        assert general.optflag == (
            Flags.WAIT_TX_DONE
            | Flags.TX_PADDING
            | Flags.FORCE_TXSTMIN
            | Flags.EXTEND_ADDR
            | Flags.RX_EXT_ADDR
        )
        assert (general.ext_address, general.rx_ext_address, general.txpad) == (0x12, 0xF1, 0x55)
        assert s.get_tx_stmin() == 300_000


def test_options_after_bind_are_refused_with_the_reason(classic_iface: str) -> None:
    with IsoTpSocket() as s:
        s.bind(classic_iface, TESTER)
        for call in (
            lambda: s.set_opts(txpad=1),
            lambda: s.set_fc_opts(bs=1),
            lambda: s.set_ll_opts(tx_dl=8),
            lambda: s.set_tx_stmin(1),
            lambda: s.set_rx_stmin(1),
        ):
            with pytest.raises(ConfigurationError, match=r"before bind\(\).*EISCONN"):
                call()
        # the reason given is the kernel's: it refuses the option itself with EISCONN
        with pytest.raises(OSError) as info:
            s.real_socket().setsockopt(SOL_CAN_ISOTP, CAN_ISOTP_OPTS, s.get_opts().pack())
        assert info.value.errno == errno.EISCONN
        assert s.get_opts().txpad == 0xCC  # reading back still works


def test_can_fd_options_on_a_classic_interface(classic_iface: str) -> None:
    with IsoTpSocket() as s:
        s.set_ll_opts(mtu=72, tx_dl=64)
        with pytest.raises(InterfaceError, match=f"ip link set {classic_iface} mtu 72") as info:
            s.bind(classic_iface, TESTER)
        assert isinstance(info.value.__cause__, OSError)
        assert info.value.__cause__.errno == errno.EINVAL


def test_a_pdu_larger_than_max_pdu_size_is_not_truncated_silently(classic_iface: str) -> None:
    with IsoTpSocket(timeout=5.0) as tester, IsoTpSocket(timeout=5.0) as ecu:
        tester.set_opts(optflag=Flags.WAIT_TX_DONE)
        tester.bind(classic_iface, TESTER)
        ecu.max_pdu_size = 100
        ecu.bind(classic_iface, ECU)
        tester.send(payload(101))
        with pytest.raises(TransferError, match="larger than 100 bytes"):
            ecu.recv()
        tester.send(payload(100))
        assert ecu.recv() == payload(100)
