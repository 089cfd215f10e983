"""diagkit.transport.isotp as a drop-in for python-can-isotp 2.x's ``isotp.socket``, on a fake
kernel socket: its option objects, the flags it sets per addressing mode, its signatures.

Expected values are python-can-isotp's documented behaviour (``isotp/tpsock``: attribute names,
EXTEND_ADDR | RX_EXT_ADDR whenever an address has an extension byte) and the kernel's
``can_isotp_options`` bytes, written by hand. The same calls against the real kernel and the
real python-can-isotp run in tests/kernel/test_isotp_compat_kernel.py.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator

import pytest

from diagkit.errors import ConfigurationError
from diagkit.transport import isotp
from diagkit.transport.options import FlowControlOptions, GeneralOptions, LinkLayerOptions
from tests.unit.transport._isotp_fake import FakeKernelSocket, install

pytestmark = pytest.mark.skipif(sys.byteorder != "little", reason="bytes written for LE")

OPTS, LL = 1, 5
M = isotp.AddressingMode
CAN_EFF_FLAG = 0x80000000


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeKernelSocket:
    return install(monkeypatch)


@pytest.fixture
def sock(fake: FakeKernelSocket) -> Iterator[isotp.socket]:
    with isotp.socket() as s:
        yield s


# -- option objects with python-can-isotp's attribute names ----------------------------------


def test_get_opts_has_python_can_isotp_attributes(sock: isotp.socket) -> None:
    opts = sock.get_opts()
    # a fresh kernel socket: no flags, 50 us frame gap, pad bytes 0xCC, no forced tx STmin
    assert (opts.optflag, opts.frame_txtime, opts.ext_address) == (0, 50_000, 0)
    assert (opts.txpad, opts.rxpad, opts.rx_ext_address, opts.tx_stmin) == (0xCC, 0xCC, 0, 0)


def test_get_fc_and_ll_opts_have_python_can_isotp_attributes(sock: isotp.socket) -> None:
    fc = sock.get_fc_opts()
    assert (fc.stmin, fc.bs, fc.wftmax) == (0, 0, 0)
    ll = sock.get_ll_opts()
    assert (ll.mtu, ll.tx_dl, ll.tx_flags) == (16, 8, 0)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (isotp.GeneralOpts, "GeneralOpts"),
        (isotp.FlowControlOpts, "FlowControlOpts"),
        (isotp.LinkLayerOpts, "LinkLayerOpts"),
    ],
)
def test_option_objects_carry_every_python_can_isotp_attribute(ours: type, theirs: str) -> None:
    opts = pytest.importorskip("isotp.tpsock.opts")
    assert set(getattr(opts, theirs).__annotations__) <= set(inspect.signature(ours).parameters)


def test_set_opts_returns_what_the_kernel_then_holds(
    sock: isotp.socket, fake: FakeKernelSocket
) -> None:
    result = sock.set_opts(txpad=0x55, frame_txtime=0xFFFFFFFF, tx_stmin=400_000)
    # TX_PADDING | FORCE_TXSTMIN, frame_txtime, ext 0, txpad 0x55, rxpad 0xCC kept, rx_ext 0
    assert fake.last_write(OPTS) == bytes([0x84, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0x55, 0xCC, 0])
    assert result == isotp.GeneralOpts(0x84, 0xFFFFFFFF, 0, 0x55, 0xCC, 0, 400_000)
    assert sock.get_opts() == result


def test_set_fc_and_ll_opts_return_python_can_isotp_objects(
    sock: isotp.socket, fake: FakeKernelSocket
) -> None:
    assert sock.set_fc_opts(bs=8, stmin=0xF5) == isotp.FlowControlOpts(stmin=0xF5, bs=8, wftmax=0)
    result = sock.set_ll_opts(mtu=72, tx_dl=64, tx_flags=0x01)
    assert fake.last_write(LL) == bytes([72, 64, 0x01])
    assert result == isotp.LinkLayerOpts(mtu=72, tx_dl=64, tx_flags=0x01)


def test_set_opts_keeps_force_txstmin_on_later_calls(sock: isotp.socket) -> None:
    # python-can-isotp drops FORCE_TXSTMIN on every set_opts without tx_stmin; diagkit keeps it
    sock.set_opts(tx_stmin=1_000_000)
    assert sock.set_opts(txpad=0x00).optflag == 0x84


def test_values_are_checked_with_value_errors(sock: isotp.socket) -> None:
    with pytest.raises(ValueError, match="txpad"):
        sock.set_opts(txpad=0x100)
    with pytest.raises(ValueError, match="tx_dl"):
        sock.set_ll_opts(mtu=72, tx_dl=13)


def test_native_socket_keeps_the_typed_options(sock: isotp.socket) -> None:
    sock.set_fc_opts(bs=4)
    assert sock.native.get_fc_opts() == FlowControlOptions(bs=4)
    assert isinstance(sock.native.get_opts(), GeneralOptions)
    assert isinstance(sock.native.get_ll_opts(), LinkLayerOptions)


# -- bind: python-can-isotp's flags for each addressing mode ---------------------------------

# The addresses of python-can-isotp's "Different type of addresses" example; expected: flags,
# ext_address, rx_ext_address after bind, then the (rx id, tx id) bound to.
DOC_ADDRESSES = [
    pytest.param(
        isotp.Address(M.Normal_11bits, rxid=0x123, txid=0x456), 0, 0, 0, 0x123, 0x456, id="normal"
    ),
    pytest.param(
        isotp.Address(M.Normal_29bits, rxid=0x123456, txid=0x789ABC),
        0,
        0,
        0,
        0x123456 | CAN_EFF_FLAG,
        0x789ABC | CAN_EFF_FLAG,
        id="normal-29",
    ),
    pytest.param(
        isotp.Address(M.NormalFixed_29bits, source_address=0x11, target_address=0x22),
        0,
        0,
        0,
        0x18DA1122 | CAN_EFF_FLAG,
        0x18DA2211 | CAN_EFF_FLAG,
        id="normal-fixed",
    ),
    pytest.param(
        isotp.Address(
            M.Extended_11bits, rxid=0x123, txid=0x456, source_address=0x55, target_address=0xAA
        ),
        0x202,  # EXTEND_ADDR | RX_EXT_ADDR
        0xAA,
        0x55,
        0x123,
        0x456,
        id="extended",
    ),
    pytest.param(
        isotp.Address(
            M.Extended_29bits,
            rxid=0x123456,
            txid=0x789ABC,
            source_address=0x55,
            target_address=0xAA,
        ),
        0x202,
        0xAA,
        0x55,
        0x123456 | CAN_EFF_FLAG,
        0x789ABC | CAN_EFF_FLAG,
        id="extended-29",
    ),
    pytest.param(
        isotp.Address(M.Mixed_11bits, rxid=0x123, txid=0x456, address_extension=0x99),
        0x202,  # python-can-isotp sets RX_EXT_ADDR for mixed addressing too
        0x99,
        0x99,
        0x123,
        0x456,
        id="mixed",
    ),
    pytest.param(
        isotp.Address(
            M.Mixed_29bits, source_address=0x11, target_address=0x22, address_extension=0x99
        ),
        0x202,
        0x99,
        0x99,
        0x18CE1122 | CAN_EFF_FLAG,
        0x18CE2211 | CAN_EFF_FLAG,
        id="mixed-29",
    ),
]


@pytest.mark.parametrize(("address", "optflag", "ext", "rx_ext", "rx_id", "tx_id"), DOC_ADDRESSES)
def test_bind_sets_python_can_isotp_flags_for_each_mode(  # noqa: PLR0917 - one row of the table
    sock: isotp.socket,
    fake: FakeKernelSocket,
    address: isotp.Address,
    optflag: int,
    ext: int,
    rx_ext: int,
    rx_id: int,
    tx_id: int,
) -> None:
    sock.bind("vcan0", address)
    opts = sock.get_opts()
    assert (opts.optflag, opts.ext_address, opts.rx_ext_address) == (optflag, ext, rx_ext)
    assert fake.options[OPTS][:4] == optflag.to_bytes(4, "little")
    assert fake.bound_to == ("vcan0", rx_id, tx_id)


def test_bind_keeps_flags_set_before(sock: isotp.socket) -> None:
    sock.set_opts(optflag=isotp.socket.flags.WAIT_TX_DONE, txpad=0x55)
    sock.bind("vcan0", isotp.Address(M.Mixed_11bits, rxid=0x7E8, txid=0x7E0, address_extension=1))
    assert sock.get_opts().optflag == 0x400 | 0x004 | 0x002 | 0x200


def test_bind_twice_is_refused_by_bind(sock: isotp.socket) -> None:
    mixed = isotp.Address(M.Mixed_11bits, rxid=0x7E8, txid=0x7E0, address_extension=1)
    sock.bind("vcan0", mixed)
    with pytest.raises(ConfigurationError, match=r"^bind: options must be set before bind"):
        sock.bind("vcan0", mixed)


# -- the rest of python-can-isotp's socket ---------------------------------------------------


def test_every_python_can_isotp_method_has_its_parameter_names() -> None:
    theirs = pytest.importorskip("isotp").socket
    for name, member in vars(theirs).items():
        if name.startswith("_") or not callable(member) or isinstance(member, type):
            continue
        ours = getattr(isotp.socket, name)
        assert list(inspect.signature(ours).parameters) == list(
            inspect.signature(member).parameters
        ), name


def test_python_can_isotp_attributes_exist(sock: isotp.socket) -> None:
    for name in ("interface", "address", "bound", "closed", "flags", "LinkLayerProtocol"):
        assert hasattr(sock, name), name
    assert int(sock.flags.TX_PADDING) == 0x004
    assert int(sock.LinkLayerProtocol.CAN_FD) == 72


def test_send_and_recv_flags_are_refused(sock: isotp.socket, fake: FakeKernelSocket) -> None:
    sock.bind("vcan0", isotp.Address(rxid=0x7E8, txid=0x7E0))
    with pytest.raises(ConfigurationError, match="socket flags are not supported"):
        sock.send(b"\x3e\x00", 0x40)
    with pytest.raises(ConfigurationError, match="socket flags are not supported"):
        sock.recv(4095, 0x40)
    assert fake.sent == []
    assert sock.send(b"\x3e\x00") == 2
    fake.inbox.append(b"\x7e\x00")
    assert sock.recv(4095) == b"\x7e\x00"
