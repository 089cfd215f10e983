"""KernelTransport and functional_sender on a fake kernel socket: what they configure and how
they honour the Transport contract (timeouts, None on timeout, close)."""

from __future__ import annotations

import errno
import sys

import pytest

from diagkit.errors import (
    ConfigurationError,
    InterfaceError,
    TransportClosedError,
    TransportTimeoutError,
)
from diagkit.transport import isotp, kernel_socket
from diagkit.transport.address import Address, AddressingMode, TargetAddressType
from diagkit.transport.config import TransportConfig
from diagkit.transport.kernel import KernelTransport, functional_sender
from diagkit.transport.kernel_socket import IsoTpSocket
from diagkit.transport.options import Flags, GeneralOptions, SocketOptions
from tests.unit.transport._isotp_fake import FakeKernelSocket, os_error

pytestmark = pytest.mark.skipif(sys.byteorder != "little", reason="bytes written for LE")

NORMAL = Address(AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8)
OPTS = 1


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> list[FakeKernelSocket]:
    opened: list[FakeKernelSocket] = []

    def open_fake() -> FakeKernelSocket:
        opened.append(FakeKernelSocket())
        return opened[-1]

    monkeypatch.setattr(kernel_socket, "_open_kernel_socket", open_fake)
    return opened


def test_transport_always_waits_for_tx_done_and_keeps_user_flags(
    fakes: list[FakeKernelSocket],
) -> None:
    options = SocketOptions(general=GeneralOptions(Flags.TX_PADDING, txpad=0xAA))
    with KernelTransport("vcan0", NORMAL, options):
        pass
    # TX_PADDING 0x004 | WAIT_TX_DONE 0x400, frame_txtime 0 (keep), txpad 0xAA
    assert fakes[0].last_write(OPTS) == bytes([0x04, 0x04, 0, 0, 0, 0, 0, 0, 0, 0xAA, 0, 0])
    assert fakes[0].bound_to == ("vcan0", 0x7E8, 0x7E0)
    assert fakes[0].closed


def test_send_uses_send_timeout_unless_given(fakes: list[FakeKernelSocket]) -> None:
    with KernelTransport("vcan0", NORMAL, send_timeout=0.75) as transport:
        transport.send(b"\x10\x03")
        transport.send(b"\x3e\x00", timeout=0.25)
    assert fakes[0].sent == [(b"\x10\x03", 0.75), (b"\x3e\x00", 0.25)]


def test_recv_waits_with_the_given_timeout_and_returns_none(fakes: list[FakeKernelSocket]) -> None:
    with KernelTransport("vcan0", NORMAL) as transport:
        fakes[0].inbox.append(b"\x50\x03")
        assert transport.recv(0.5) == b"\x50\x03"
        assert fakes[0].timeout == 0.5
        assert transport.recv(0.2) is None
        assert transport.recv(0) is None


def test_send_refuses_a_pdu_over_max_pdu_size(fakes: list[FakeKernelSocket]) -> None:
    with KernelTransport("vcan0", NORMAL, max_pdu_size=100) as transport:
        with pytest.raises(ConfigurationError, match=r"101 bytes, more than .* max_pdu_size 100"):
            transport.send(bytes(101))
        transport.send(bytes(100))
    assert [len(data) for data, _ in fakes[0].sent] == [100]


def test_send_errors_surface_at_send(fakes: list[FakeKernelSocket]) -> None:
    with KernelTransport("vcan0", NORMAL) as transport:
        fakes[0].send_error = os_error(errno.ECOMM)
        with pytest.raises(TransportTimeoutError, match="no flow control"):
            transport.send(b"\x01" * 64)


def test_closed_transport_refuses_work(fakes: list[FakeKernelSocket]) -> None:
    transport = KernelTransport("vcan0", NORMAL)
    transport.close()
    transport.close()
    assert transport.closed
    with pytest.raises(TransportClosedError):
        transport.send(b"\x01")
    with pytest.raises(TransportClosedError):
        transport.recv(0.1)


def test_closed_transport_refuses_work_with_an_unchanged_timeout(
    fakes: list[FakeKernelSocket],
) -> None:
    transport = KernelTransport("vcan0", NORMAL, send_timeout=0.5)
    transport.send(b"\x01")
    assert transport.recv(0.5) is None
    transport.close()
    with pytest.raises(TransportClosedError):
        transport.send(b"\x01")
    with pytest.raises(TransportClosedError):
        transport.recv(0.5)
    assert len(fakes[0].sent) == 1


def test_a_failed_open_leaks_no_socket(
    fakes: list[FakeKernelSocket], monkeypatch: pytest.MonkeyPatch
) -> None:
    def open_failing() -> FakeKernelSocket:
        fakes.append(FakeKernelSocket(bind_error=os_error(errno.ENODEV)))
        return fakes[-1]

    monkeypatch.setattr(kernel_socket, "_open_kernel_socket", open_failing)
    with pytest.raises(InterfaceError, match="'can5'"):
        KernelTransport("can5", NORMAL)
    assert fakes[-1].closed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"send_timeout": 0}, r"send_timeout must be finite seconds > 0, got 0"),
        ({"send_timeout": -1.0}, r"send_timeout must be finite seconds > 0"),
        ({"send_timeout": float("inf")}, r"send_timeout must be finite"),
        ({"max_pdu_size": 0}, r"max_pdu_size must be in 1\.\.1049600, got 0"),
        ({"options": GeneralOptions()}, r"options must be a SocketOptions, got GeneralOptions"),
    ],
)
def test_constructor_arguments_are_checked(
    fakes: list[FakeKernelSocket], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        KernelTransport("vcan0", NORMAL, **kwargs)  # type: ignore[arg-type]
    assert all(f.closed for f in fakes)


def test_recv_timeout_is_checked(fakes: list[FakeKernelSocket]) -> None:
    with (
        KernelTransport("vcan0", NORMAL) as transport,
        pytest.raises(ConfigurationError, match="timeout must be finite seconds >= 0"),
    ):
        transport.recv(-0.1)


def test_from_config(fakes: list[FakeKernelSocket]) -> None:
    config = TransportConfig(
        interface="vcan1", address=NORMAL, send_timeout=1.25, max_pdu_size=5000
    )
    with KernelTransport.from_config(config) as transport:
        assert transport.socket.max_pdu_size == 5000
        transport.send(b"\x01")
    assert fakes[0].bound_to == ("vcan1", 0x7E8, 0x7E0)
    assert fakes[0].sent == [(b"\x01", 1.25)]


def test_functional_sender_is_a_transmit_only_broadcast_socket(
    fakes: list[FakeKernelSocket],
) -> None:
    functional = Address(
        AddressingMode.Normal_11bits,
        txid=0x7DF,
        rxid=0x7E8,
        target_type=TargetAddressType.Functional,
    )
    with functional_sender("vcan0", functional) as sender:
        assert isinstance(sender, IsoTpSocket)
        sender.send(b"\x3e\x80")
    assert fakes[0].last_write(OPTS)[:4] == bytes([0x00, 0x08, 0, 0])  # SF_BROADCAST 0x800
    assert fakes[0].bound_to == ("vcan0", 0x7E8, 0x7DF)


def test_functional_sender_derives_the_functional_id(fakes: list[FakeKernelSocket]) -> None:
    physical = Address(AddressingMode.NormalFixed_29bits, target_address=0x33, source_address=0xF1)
    with functional_sender("vcan0", physical):
        pass
    assert fakes[0].bound_to == ("vcan0", 0x98DAF133, 0x98DB33F1)


def test_functional_sender_needs_a_mode_with_a_functional_id(
    fakes: list[FakeKernelSocket],
) -> None:
    with pytest.raises(ConfigurationError, match="defines no functional CAN id"):
        functional_sender("vcan0", NORMAL)
    assert fakes == []


def test_porting_facade_exports_the_python_can_isotp_names() -> None:
    assert isotp.socket.flags is IsoTpSocket.flags
    assert int(isotp.socket.flags.TX_PADDING) == 0x4
    assert isotp.Address is Address
    assert isotp.AddressingMode.Normal_11bits.value == 0
    for name in (
        "TargetAddressType",
        "LinkLayerProtocol",
        "GeneralOptions",
        "SocketOptions",
        "FlowControlOptions",
        "LinkLayerOptions",
        "FRAME_TXTIME_ZERO",
        "Flags",
    ):
        assert hasattr(isotp, name)
