"""IsoTpSocket on a fake kernel socket: the bytes it hands the kernel, its checks and errors.

The kernel's own behaviour is proven in tests/kernel/; here the host (no CAN) checks what our
wrapper writes, refuses and reports.
"""

from __future__ import annotations

import errno
import inspect
import socket
import sys
from collections.abc import Iterator

import pytest

from diagkit.errors import (
    ConfigurationError,
    DiagkitWarning,
    InterfaceError,
    TransferError,
    TransportClosedError,
    TransportTimeoutError,
    TransportUnavailableError,
)
from diagkit.transport import kernel_socket
from diagkit.transport.address import Address, AddressingMode, TargetAddressType
from diagkit.transport.kernel_socket import IsoTpSocket
from diagkit.transport.options import (
    Flags,
    FlowControlOptions,
    GeneralOptions,
    LinkLayerOptions,
    LinkLayerProtocol,
    SocketOptions,
)
from tests.unit.transport._isotp_fake import FakeKernelSocket, install, os_error

pytestmark = pytest.mark.skipif(sys.byteorder != "little", reason="bytes written for LE")

OPTS, FC, TX_STMIN, RX_STMIN, LL = 1, 2, 3, 4, 5
NORMAL = Address(AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeKernelSocket:
    return install(monkeypatch)


@pytest.fixture
def sock(fake: FakeKernelSocket) -> Iterator[IsoTpSocket]:
    with IsoTpSocket() as s:
        yield s


# -- setters write the UAPI structs ---------------------------------------------------------


def test_set_opts_writes_can_isotp_options_keeping_kernel_values(
    sock: IsoTpSocket, fake: FakeKernelSocket
) -> None:
    result = sock.set_opts(txpad=0x55)
    # flags TX_PADDING | frame_txtime 50000 kept | ext 0 | txpad 0x55 | rxpad 0xCC kept | rx_ext 0
    assert fake.last_write(OPTS) == bytes([4, 0, 0, 0, 0x50, 0xC3, 0, 0, 0, 0x55, 0xCC, 0])
    assert result == GeneralOptions(Flags.TX_PADDING, 50_000, 0, 0x55, 0xCC, 0)


def test_set_opts_none_leaves_fields_and_implied_flags(
    sock: IsoTpSocket, fake: FakeKernelSocket
) -> None:
    sock.set_opts(txpad=0x11)
    sock.set_opts(rxpad=0x22, ext_address=0x33)
    result = sock.set_opts(frame_txtime=0xFFFFFFFF)
    assert fake.last_write(OPTS) == bytes(
        [0x0E, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x33, 0x11, 0x22, 0x33]
    )
    assert result.optflag == Flags.TX_PADDING | Flags.RX_PADDING | Flags.EXTEND_ADDR


def test_set_opts_optflag_replaces_flags_then_adds_implied_ones(
    sock: IsoTpSocket, fake: FakeKernelSocket
) -> None:
    sock.set_opts(optflag=Flags.HALF_DUPLEX)
    result = sock.set_opts(optflag=Flags.WAIT_TX_DONE, rx_ext_address=0x44)
    assert result.optflag == Flags.WAIT_TX_DONE | Flags.RX_EXT_ADDR
    assert fake.last_write(OPTS)[:4] == bytes([0x00, 0x06, 0, 0])
    assert fake.last_write(OPTS)[11] == 0x44


def test_set_opts_tx_stmin_writes_nanoseconds_and_forces_it(
    sock: IsoTpSocket, fake: FakeKernelSocket
) -> None:
    result = sock.set_opts(tx_stmin=500_000)
    assert fake.last_write(TX_STMIN) == bytes([0x20, 0xA1, 0x07, 0x00])  # 500000 = 0x0007A120
    assert result.optflag == Flags.FORCE_TXSTMIN
    assert sock.get_tx_stmin() == 500_000


def test_set_opts_without_tx_stmin_keeps_a_forced_stmin(
    sock: IsoTpSocket, fake: FakeKernelSocket
) -> None:
    sock.set_opts(tx_stmin=100_000)
    result = sock.set_opts(txpad=0xAA)  # python-can-isotp would clear FORCE_TXSTMIN here
    assert Flags.FORCE_TXSTMIN in result.optflag


def test_rx_and_tx_stmin_setters_write_u32(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    assert sock.set_rx_stmin(0x01020304) == 0x01020304
    assert fake.last_write(RX_STMIN) == bytes([0x04, 0x03, 0x02, 0x01])
    assert sock.set_tx_stmin(0xFFFFFFFF) == 0xFFFFFFFF
    assert fake.last_write(TX_STMIN) == b"\xff\xff\xff\xff"


def test_set_fc_opts_changes_only_given_fields(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    sock.set_fc_opts(bs=8)
    result = sock.set_fc_opts(stmin=0xF5)
    assert fake.last_write(FC) == bytes([8, 0xF5, 0])
    assert result == FlowControlOptions(8, 0xF5, 0)


def test_set_ll_opts_for_can_fd(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    result = sock.set_ll_opts(mtu=72, tx_dl=64, tx_flags=1)
    assert fake.last_write(LL) == bytes([72, 64, 1])
    assert result.mtu is LinkLayerProtocol.CAN_FD


def test_configure_writes_every_struct(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    sock.configure(
        SocketOptions(
            general=GeneralOptions(Flags.TX_PADDING | Flags.FORCE_TXSTMIN, txpad=0xAA),
            flow_control=FlowControlOptions(bs=4, stmin=10),
            link_layer=LinkLayerOptions(LinkLayerProtocol.CAN_FD, 16),
            tx_stmin_ns=1000,
        )
    )
    assert fake.last_write(LL) == bytes([72, 16, 0])
    assert fake.last_write(FC) == bytes([4, 10, 0])
    assert fake.last_write(OPTS) == bytes([0x84, 0, 0, 0, 0, 0, 0, 0, 0, 0xAA, 0, 0])
    assert fake.last_write(TX_STMIN) == bytes([0xE8, 0x03, 0, 0])
    assert RX_STMIN not in [name for name, _ in fake.writes]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.set_opts(txpad=256), r"txpad must be in 0x00\.\.0xFF, got 0x100"),
        (lambda s: s.set_opts(tx_stmin=-1), r"tx_stmin \(nanoseconds, __u32\)"),
        (lambda s: s.set_opts(optflag=0x8000), "unknown bits 0x8000"),
        (lambda s: s.set_fc_opts(stmin=0x80), "reserved by ISO 15765-2, got 0x80"),
        (lambda s: s.set_ll_opts(tx_dl=64), "tx_dl 64 needs CAN FD: set mtu=72"),
        (lambda s: s.set_ll_opts(mtu=32), r"mtu must be 16 .* or 72"),
        (lambda s: s.set_rx_stmin(2**32), r"rx_stmin \(nanoseconds, __u32\)"),
    ],
)
def test_bad_values_never_reach_the_kernel(
    sock: IsoTpSocket, fake: FakeKernelSocket, call: object, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        call(sock)  # type: ignore[operator]
    assert fake.writes == []


# -- bind ----------------------------------------------------------------------------------


def test_bind_hands_ids_to_the_kernel(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    sock.bind("vcan0", NORMAL)
    assert fake.bound_to == ("vcan0", 0x7E8, 0x7E0)  # (interface, rx_id, tx_id)
    assert sock.bound and sock.interface == "vcan0" and sock.address == NORMAL
    assert fake.writes == []  # normal addressing needs no option change


def test_bind_29bit_ids_carry_can_eff_flag(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    sock.bind(
        "vcan0",
        Address(AddressingMode.NormalFixed_29bits, target_address=0x10, source_address=0xF1),
    )
    assert fake.bound_to == ("vcan0", 0x98DAF110, 0x98DA10F1)


def test_bind_adds_extended_addressing_without_dropping_user_options(
    sock: IsoTpSocket, fake: FakeKernelSocket
) -> None:
    sock.set_opts(optflag=Flags.WAIT_TX_DONE, txpad=0x55, tx_stmin=200_000)
    address = Address(
        AddressingMode.Extended_11bits,
        txid=0x6F1,
        rxid=0x612,
        target_address=0x12,
        source_address=0xF1,
    )
    sock.bind("vcan0", address)
    # WAIT_TX_DONE|FORCE_TXSTMIN|TX_PADDING kept, EXTEND_ADDR|RX_EXT_ADDR added = 0x0686
    assert fake.last_write(OPTS) == bytes(
        [0x86, 0x06, 0, 0, 0x50, 0xC3, 0, 0, 0x12, 0x55, 0xCC, 0xF1]
    )
    assert fake.last_write(TX_STMIN) == bytes([0x40, 0x0D, 0x03, 0x00])  # 200000 untouched
    assert fake.bound_to == ("vcan0", 0x612, 0x6F1)


def test_bind_mixed_addressing_sets_the_extension_byte(
    sock: IsoTpSocket, fake: FakeKernelSocket
) -> None:
    sock.bind(
        "vcan0",
        Address(AddressingMode.Mixed_11bits, txid=0x7E0, rxid=0x7E8, address_extension=0x99),
    )
    assert fake.last_write(OPTS)[:4] == bytes([0x02, 0, 0, 0])
    assert fake.last_write(OPTS)[8] == 0x99
    assert sock.get_opts().rx_ext_address == 0x99


def test_functional_address_needs_sf_broadcast(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    functional = Address(
        AddressingMode.Normal_11bits,
        txid=0x7DF,
        rxid=0x7E8,
        target_type=TargetAddressType.Functional,
    )
    with pytest.raises(ConfigurationError, match=r"SF_BROADCAST.*functional_sender"):
        sock.bind("vcan0", functional)
    assert fake.bound_to is None
    sock.set_opts(optflag=Flags.SF_BROADCAST)
    sock.bind("vcan0", functional)
    assert fake.bound_to == ("vcan0", 0x7E8, 0x7DF)


@pytest.mark.parametrize(
    ("interface", "message"),
    [("", "1..15 characters, got ''"), ("x" * 16, "1..15 characters"), (0, "got 0")],
)
def test_bind_checks_the_interface_name(sock: IsoTpSocket, interface: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        sock.bind(interface, NORMAL)  # type: ignore[arg-type]


def test_bind_refuses_foreign_addresses(sock: IsoTpSocket) -> None:
    with pytest.raises(ConfigurationError, match="must be a diagkit Address, got tuple"):
        sock.bind("vcan0", (0x7E8, 0x7E0))  # type: ignore[arg-type]


def test_bind_missing_interface(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    fake.bind_error = os_error(errno.ENODEV)
    with pytest.raises(InterfaceError, match="no CAN interface named 'can9'") as info:
        sock.bind("can9", NORMAL)
    assert isinstance(info.value.__cause__, OSError)
    assert info.value.__cause__.errno == errno.ENODEV
    assert not sock.bound


def test_bind_to_a_down_interface_fails_at_bind(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    fake.interface_down = True
    with pytest.raises(InterfaceError, match=r"'can0' is down.*ip link set can0 up") as info:
        sock.bind("can0", NORMAL)
    assert isinstance(info.value.__cause__, OSError)
    assert info.value.__cause__.errno == errno.ENETDOWN
    assert sock.closed and fake.closed


def test_options_after_bind_are_refused_with_the_reason(
    sock: IsoTpSocket, fake: FakeKernelSocket
) -> None:
    sock.bind("vcan0", NORMAL)
    for call in (
        lambda: sock.set_opts(txpad=1),
        lambda: sock.set_fc_opts(bs=1),
        lambda: sock.set_ll_opts(mtu=72),
        lambda: sock.set_tx_stmin(1),
        lambda: sock.set_rx_stmin(1),
        lambda: sock.configure(SocketOptions()),
        lambda: sock.bind("vcan0", NORMAL),
    ):
        with pytest.raises(ConfigurationError, match=r"before bind\(\).*EISCONN"):
            call()
    assert fake.writes == []
    assert sock.get_opts().txpad == 0xCC  # reading back stays allowed


def test_bind_warns_about_a_forced_stmin_without_value(sock: IsoTpSocket) -> None:
    sock.set_opts(optflag=Flags.FORCE_TXSTMIN)
    with pytest.warns(DiagkitWarning, match="FORCE_TXSTMIN without a tx stmin"):
        sock.bind("vcan0", NORMAL)


def test_bind_warns_about_rxpad_without_check(sock: IsoTpSocket) -> None:
    sock.set_opts(rxpad=0xAA)
    with pytest.warns(DiagkitWarning, match="rxpad=0xAA has no effect"):
        sock.bind("vcan0", NORMAL)


def test_kernel_default_rxpad_does_not_warn(sock: IsoTpSocket) -> None:
    sock.set_opts(txpad=0x55)
    sock.bind("vcan0", NORMAL)  # rxpad is still the kernel's 0xCC: nothing the user chose


def test_bind_refuses_a_padding_check_that_rejects_everything(sock: IsoTpSocket) -> None:
    sock.set_opts(optflag=Flags.CHK_PAD_DATA)
    with pytest.raises(ConfigurationError, match="reject every received frame"):
        sock.bind("vcan0", NORMAL)
    assert not sock.bound


# -- send / recv ---------------------------------------------------------------------------


def test_send_and_recv_before_bind_are_refused(sock: IsoTpSocket) -> None:
    with pytest.raises(ConfigurationError, match=r"send: bind\(\) must be called first"):
        sock.send(b"\x10\x01")
    with pytest.raises(ConfigurationError, match=r"recv: bind\(\) must be called first"):
        sock.recv()


def test_send_passes_the_pdu(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    sock.bind("vcan0", NORMAL)
    assert sock.send(bytearray(b"\x22\xf1\x90")) == 3
    assert fake.sent[0][0] == b"\x22\xf1\x90"


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "1 byte or more"), ("text", "data must be bytes, got str")],
)
def test_send_refuses_what_is_no_pdu(sock: IsoTpSocket, data: object, message: str) -> None:
    sock.bind("vcan0", NORMAL)
    with pytest.raises(ConfigurationError, match=message):
        sock.send(data)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        (errno.ECOMM, TransportTimeoutError, "no flow control"),
        (errno.EMSGSIZE, TransferError, "overflow"),
        (errno.ENETDOWN, InterfaceError, "ip link set vcan0 up"),
    ],
)
def test_send_errors_are_translated_with_their_cause(
    sock: IsoTpSocket, fake: FakeKernelSocket, code: int, kind: type[Exception], words: str
) -> None:
    sock.bind("vcan0", NORMAL)
    fake.send_error = os_error(code)
    with pytest.raises(kind, match=words) as info:
        sock.send(b"\x01" * 100)
    assert info.value.__cause__ is fake.send_error


def test_send_refuses_a_pdu_over_max_pdu_size(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    sock.max_pdu_size = 100
    sock.bind("vcan0", NORMAL)
    with pytest.raises(ConfigurationError, match=r"101 bytes, more than .* max_pdu_size 100"):
        sock.send(bytes(101))
    sock.send(bytes(100))
    assert [len(data) for data, _ in fake.sent] == [100]


def test_send_timeout_is_a_transport_timeout(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    sock.settimeout(0.5)
    sock.bind("vcan0", NORMAL)
    fake.send_error = TimeoutError("timed out")
    with pytest.raises(TransportTimeoutError, match=r"within 0\.5 s"):
        sock.send(b"\x01")


def test_sf_broadcast_sends_single_frames_only(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    sock.set_opts(optflag=Flags.SF_BROADCAST)
    sock.bind("vcan0", NORMAL)
    sock.send(b"\x01" * 7)
    with pytest.raises(ConfigurationError, match="at most 7 bytes with these options, got 8"):
        sock.send(b"\x01" * 8)
    sock.max_pdu_size = 5  # the smaller limit wins, whichever is set last
    with pytest.raises(ConfigurationError, match="max_pdu_size 5"):
        sock.send(b"\x01" * 6)
    sock.max_pdu_size = 100
    with pytest.raises(ConfigurationError, match="at most 7 bytes"):
        sock.send(b"\x01" * 8)
    assert len(fake.sent) == 1


def test_sf_broadcast_capacity_with_can_fd_and_extension(
    sock: IsoTpSocket, fake: FakeKernelSocket
) -> None:
    sock.set_opts(optflag=Flags.SF_BROADCAST)
    sock.set_ll_opts(mtu=72, tx_dl=64)
    sock.bind(
        "vcan0",
        Address(AddressingMode.Mixed_11bits, txid=0x7DF, rxid=0x7E8, address_extension=0x10),
    )
    sock.send(b"\x01" * 61)  # 64 - PCI 1 - escape length 1 - extension 1
    with pytest.raises(ConfigurationError, match="at most 61 bytes"):
        sock.send(b"\x01" * 62)


def test_recv_returns_pdus_and_none_on_timeout(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    sock.settimeout(0.1)
    sock.bind("vcan0", NORMAL)
    fake.inbox.append(b"\x62\xf1\x90")
    assert sock.recv() == b"\x62\xf1\x90"
    assert sock.recv() is None
    sock.settimeout(0)
    assert sock.recv() is None


def test_recv_never_truncates_silently(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    sock.bind("vcan0", NORMAL)
    fake.inbox.extend([bytes(8301), bytes(8300), bytes(9000)])
    with pytest.raises(TransferError, match=r"larger than 8300 bytes.*max_pdu_size"):
        sock.recv()
    assert len(sock.recv() or b"") == 8300
    sock.max_pdu_size = 9000
    assert len(sock.recv() or b"") == 9000


def test_recv_with_explicit_size(sock: IsoTpSocket, fake: FakeKernelSocket) -> None:
    sock.bind("vcan0", NORMAL)
    fake.inbox.append(bytes(100))
    with pytest.raises(TransferError, match="larger than 64 bytes"):
        sock.recv(64)


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        (errno.ETIMEDOUT, TransportTimeoutError, "broke off"),  # N_Cr: an ISO-TP timer
        (errno.EILSEQ, TransferError, "wrong sequence number"),
        (errno.EBADMSG, TransferError, "padding check"),
    ],
)
def test_recv_transfer_errors(
    sock: IsoTpSocket, fake: FakeKernelSocket, code: int, kind: type[Exception], words: str
) -> None:
    sock.bind("vcan0", NORMAL)
    error = os_error(code)
    fake.inbox.append(error)
    with pytest.raises(kind, match=words) as info:
        sock.recv()
    assert info.value.__cause__ is error
    assert isinstance(info.value, OSError) and info.value.errno == code


@pytest.mark.parametrize("value", [0, -1, 1025 * 1024 + 1, True])
def test_max_pdu_size_is_checked(sock: IsoTpSocket, value: int) -> None:
    with pytest.raises(ConfigurationError, match=r"max_pdu_size must be"):
        sock.max_pdu_size = value


@pytest.mark.parametrize("value", [-1.0, float("nan"), "1"])
def test_timeouts_are_checked(fake: FakeKernelSocket, value: object) -> None:
    with pytest.raises(ConfigurationError, match="timeout must be None or"):
        IsoTpSocket(timeout=value)  # type: ignore[arg-type]


def test_timeout_is_applied(fake: FakeKernelSocket) -> None:
    with IsoTpSocket(timeout=1.5) as s:
        assert s.gettimeout() == 1.5
        s.settimeout(None)
        assert s.gettimeout() is None


# -- lifecycle -----------------------------------------------------------------------------


def test_close_is_idempotent_and_final(fake: FakeKernelSocket) -> None:
    s = IsoTpSocket()
    s.bind("vcan0", NORMAL)
    s.close()
    s.close()
    assert s.closed and not s.bound and fake.closed
    with pytest.raises(TransportClosedError):
        s.send(b"\x01")
    with pytest.raises(TransportClosedError):
        s.recv()
    with pytest.raises(TransportClosedError):
        s.set_opts(txpad=1)
    with pytest.raises(TransportClosedError):
        s.get_opts()
    assert repr(s) == "<closed ISO-TP socket>"


def test_context_manager_closes(fake: FakeKernelSocket) -> None:
    with IsoTpSocket() as s:
        assert s.fileno() == 42
    assert s.closed and fake.closed


def test_no_can_support_in_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> socket.socket:
        raise os_error(errno.EAFNOSUPPORT)

    monkeypatch.setattr(kernel_socket, "_open_kernel_socket", refuse)
    with pytest.raises(TransportUnavailableError, match="modprobe can") as info:
        IsoTpSocket()
    assert isinstance(info.value.__cause__, OSError)


def test_no_can_isotp_module(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> socket.socket:
        raise os_error(errno.EPROTONOSUPPORT)

    monkeypatch.setattr(kernel_socket, "_open_kernel_socket", refuse)
    with pytest.raises(TransportUnavailableError, match="modprobe can-isotp"):
        IsoTpSocket()


def test_python_without_can_isotp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(socket, "CAN_ISOTP", raising=False)
    with pytest.raises(TransportUnavailableError, match=r"no socket\.CAN_ISOTP"):
        IsoTpSocket()


def test_flags_and_link_layer_protocol_hang_off_the_class() -> None:
    assert int(IsoTpSocket.flags.WAIT_TX_DONE) == 0x400
    assert int(IsoTpSocket.LinkLayerProtocol.CAN_FD) == 72


# -- python-can-isotp compatibility ----------------------------------------------------------


@pytest.mark.parametrize(
    "method", ["__init__", "set_opts", "set_fc_opts", "set_ll_opts", "bind", "settimeout"]
)
def test_parameter_names_match_python_can_isotp(method: str) -> None:
    isotp = pytest.importorskip("isotp")
    ours = list(inspect.signature(getattr(IsoTpSocket, method)).parameters)
    theirs = list(inspect.signature(getattr(isotp.socket, method)).parameters)
    assert ours == theirs


def test_python_can_isotp_methods_exist() -> None:
    isotp = pytest.importorskip("isotp")
    public = {name for name in vars(isotp.socket) if not name.startswith("_")}
    missing = {name for name in public if not hasattr(IsoTpSocket, name)}
    assert missing == set()
