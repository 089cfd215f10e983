"""One class per meaning on every path: each errno net/can/isotp.c can return (and each
python-can-isotp error standing for the same event) becomes the same diagkit error, errno kept,
whether it comes through the kernel backend, a foreign transport under the connection or the
exchange, or the userspace backend's stack."""

from __future__ import annotations

import ast
import errno
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import can
import isotp
import pytest
from can.interfaces import virtual

from diagkit.client import EcuClient, Timing
from diagkit.connection import TransportConnection
from diagkit.errormap import Context, Operation, stack_error, translate
from diagkit.errors import (
    ConfigurationError,
    DiagkitError,
    InterfaceError,
    ResponseTimeoutError,
    TransferError,
    TransportError,
    TransportTimeoutError,
    TransportUnavailableError,
)
from diagkit.transport.address import Address, AddressingMode
from diagkit.transport.kernel import KernelTransport
from diagkit.transport.memory import MemoryTransport
from diagkit.transport.userspace import UserspaceTransport
from tests.unit.transport._isotp_fake import FakeKernelSocket, install

TESTER = Address(AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8)

# What each errno means (net/can/isotp.c, Linux 5.10+, and the socket layer under it) and the
# one class a user catches for it. ISO-TP timers that expire are timeouts (N_Bs: ECOMM, N_Cr:
# ETIMEDOUT), wrong frames a broken transfer; written by hand, not read from the module.
MEANING: dict[int, type[DiagkitError]] = {
    errno.ECOMM: TransportTimeoutError,  # no flow control (N_Bs) / own frame not sent
    errno.ETIMEDOUT: TransportTimeoutError,  # consecutive frames stopped (N_Cr)
    errno.EAGAIN: TransportTimeoutError,  # the previous transfer is still running
    errno.EILSEQ: TransferError,  # wrong sequence number
    errno.EBADMSG: TransferError,  # padding check failed / malformed FC
    errno.EMSGSIZE: TransferError,  # flow control overflow
    errno.ENOBUFS: TransferError,  # the interface's tx queue is full
    errno.ENODEV: InterfaceError,  # no such interface
    errno.ENXIO: InterfaceError,  # the interface went away (sendmsg)
    errno.ENETDOWN: InterfaceError,  # the interface is down
    errno.EINVAL: ConfigurationError,  # refused address or PDU size
    errno.EADDRNOTAVAIL: ConfigurationError,  # tx id == rx id, or not bound
    errno.EISCONN: ConfigurationError,  # option after bind
    errno.EAFNOSUPPORT: TransportUnavailableError,  # no AF_CAN
    errno.EPROTONOSUPPORT: TransportUnavailableError,  # no can-isotp
    errno.ENOPROTOOPT: TransportUnavailableError,  # option unknown to this can-isotp
    errno.ENOMEM: TransportError,  # anything else: a plain transport error
    errno.EFAULT: TransportError,
}
CODES = sorted(MEANING, key=lambda code: errno.errorcode[code])


def os_error(code: int) -> OSError:
    return OSError(code, os.strerror(code))  # ETIMEDOUT is a TimeoutError, EAGAIN Blocking...


def check(error: BaseException, code: int, cause: BaseException) -> None:
    assert type(error) is MEANING[code], f"{errno.errorcode[code]}: {type(error).__name__}"
    assert getattr(error, "errno", None) == code
    assert error.__cause__ is cause


# -- the kernel backend ----------------------------------------------------------------------


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeKernelSocket:
    return install(monkeypatch)


@pytest.mark.parametrize("code", CODES, ids=errno.errorcode.get)
def test_kernel_backend_send(fake: FakeKernelSocket, code: int) -> None:
    fake.send_error = cause = os_error(code)
    with KernelTransport("vcan0", TESTER) as transport, pytest.raises(DiagkitError) as info:
        transport.send(b"\x3e\x00")
    check(info.value, code, cause)


@pytest.mark.parametrize("code", [c for c in CODES if c != errno.EAGAIN], ids=errno.errorcode.get)
def test_kernel_backend_recv(fake: FakeKernelSocket, code: int) -> None:
    cause = os_error(code)
    fake.inbox.append(cause)
    with KernelTransport("vcan0", TESTER) as transport, pytest.raises(DiagkitError) as info:
        transport.recv(1.0)
    check(info.value, code, cause)


def test_kernel_eagain_on_recv_is_nothing_queued_not_an_error(fake: FakeKernelSocket) -> None:
    fake.inbox.append(os_error(errno.EAGAIN))
    with KernelTransport("vcan0", TESTER) as transport:
        assert transport.recv(0.0) is None


@pytest.mark.parametrize("code", CODES, ids=errno.errorcode.get)
def test_kernel_backend_bind(fake: FakeKernelSocket, code: int) -> None:
    fake.bind_error = cause = os_error(code)
    with pytest.raises(DiagkitError) as info:
        KernelTransport("vcan0", TESTER)
    check(info.value, code, cause)


def test_einval_at_bind_with_can_fd_is_an_interface_that_cannot_carry_fd() -> None:
    error = translate(os_error(errno.EINVAL), "bind", Context(interface="vcan0", mtu=72))
    assert type(error) is InterfaceError and error.errno == errno.EINVAL
    assert "ip link set vcan0 mtu 72" in str(error)


# -- a foreign transport's raw OSErrors: the connection and the exchange map them ------------


class Raising(MemoryTransport):
    """Answers 3E 00 with 7E 00; raises ``error`` from ``where`` (send or recv) when armed."""

    def __init__(self) -> None:
        super().__init__(lambda pdu: [b"\x7e\x00"] if pdu == b"\x3e\x00" else [])
        self.errors: dict[str, OSError] = {}

    def send(self, pdu: bytes, timeout: float | None = None) -> None:
        if "send" in self.errors:
            raise self.errors.pop("send")
        super().send(pdu, timeout)

    def recv(self, timeout: float) -> bytes | None:
        if "recv" in self.errors:
            raise self.errors.pop("recv")
        return super().recv(timeout)


@pytest.mark.parametrize("where", ["send", "recv"])
@pytest.mark.parametrize("code", CODES, ids=errno.errorcode.get)
def test_connection(code: int, where: str) -> None:
    transport = Raising()
    transport.errors[where] = cause = os_error(code)
    with (
        TransportConnection(transport, "engine").open() as connection,
        pytest.raises(DiagkitError) as info,
    ):
        if where == "send":
            connection.send(b"\x3e\x00")
        else:
            connection.wait_frame(0.1)
    check(info.value, code, cause)
    assert "engine" in str(info.value)


@pytest.mark.parametrize("level", [logging.WARNING, logging.DEBUG], ids=["quiet", "debug"])
@pytest.mark.parametrize("where", ["send", "recv"])
@pytest.mark.parametrize("code", CODES, ids=errno.errorcode.get)
def test_exchange(caplog: pytest.LogCaptureFixture, code: int, where: str, level: int) -> None:
    # With DEBUG the exchange goes through the connection's methods, without it straight to
    # the transport: both must give the same error.
    caplog.set_level(level, logger="diagkit.connection")
    transport = Raising()
    with EcuClient(transport, address="engine") as client:
        client.request(b"\x3e\x00")  # the first request drains the queue: the next one fails
        transport.errors[where] = cause = os_error(code)
        with pytest.raises(DiagkitError) as info:
            client.request(b"\x3e\x00")
    check(info.value, code, cause)
    assert "engine" in str(info.value)


@pytest.mark.parametrize("code", [errno.ECOMM, errno.EILSEQ, errno.ENETDOWN])
def test_the_client_on_the_kernel_backend_raises_the_backends_error(
    fake: FakeKernelSocket, code: int
) -> None:
    with EcuClient(KernelTransport("vcan0", TESTER), address="engine") as client:
        fake.send_error = cause = os_error(code)
        with pytest.raises(DiagkitError) as info:
            client.request(b"\x3e\x00")
    check(info.value, code, cause)


# -- the userspace backend: python-can-isotp's errors get the kernel's errno -----------------

STACK_EVENTS: list[tuple[Callable[[], Exception], int]] = [
    (lambda: isotp.FlowControlTimeoutError("no FC"), errno.ECOMM),
    (lambda: isotp.ConsecutiveFrameTimeoutError("no CF"), errno.ETIMEDOUT),
    (lambda: isotp.BlockingSendTimeout("not done"), errno.ETIMEDOUT),
    (lambda: isotp.WrongSequenceNumberError("SN"), errno.EILSEQ),
    (lambda: isotp.OverflowError("overflow"), errno.EMSGSIZE),
    (lambda: isotp.FrameTooLongError("too long"), errno.EMSGSIZE),
    (lambda: isotp.InvalidCanDataError("bad"), errno.EBADMSG),
    (lambda: isotp.MissingEscapeSequenceError("bad"), errno.EBADMSG),
    (lambda: isotp.ChangingInvalidRXDLError("bad"), errno.EBADMSG),
    (lambda: isotp.InvalidCanFdFirstFrameRXDL("bad"), errno.EBADMSG),
    (lambda: isotp.UnsupportedWaitFrameError("wait"), errno.EBADMSG),
    (lambda: isotp.MaximumWaitFrameReachedError("wait"), errno.EBADMSG),
]


@pytest.mark.parametrize(("make", "code"), STACK_EVENTS)
def test_userspace_stack_errors_are_the_kernels_errno(
    make: Callable[[], Exception], code: int
) -> None:
    cause = make()
    error = stack_error(cause, "what happened")
    assert type(error) is MEANING[code] and getattr(error, "errno", None) == code
    assert str(error) == "what happened"


@pytest.mark.parametrize("code", CODES, ids=errno.errorcode.get)
def test_userspace_bus_errors_follow_their_errno(code: int) -> None:
    # python-can's socketcan interface reports the OS errno as error_code
    error = stack_error(can.CanOperationError("refused", error_code=code), "the bus refused")
    assert type(error) is MEANING[code] and getattr(error, "errno", None) == code


@pytest.fixture
def refusing_bus() -> Iterator[Callable[[int], can.BusABC]]:
    buses: list[can.BusABC] = []

    def make(code: int) -> can.BusABC:
        class RefusingBus(virtual.VirtualBus):
            def send(self, msg: can.Message, timeout: float | None = None) -> None:
                raise can.CanOperationError(os.strerror(code), error_code=code)

        bus = RefusingBus(channel=f"errormap-{code}")
        buses.append(bus)
        return bus

    yield make
    for bus in buses:
        bus.shutdown()


@pytest.mark.parametrize("code", [errno.ENOBUFS, errno.ENETDOWN], ids=errno.errorcode.get)
def test_userspace_transport_send_on_a_refusing_bus(
    refusing_bus: Callable[[int], can.BusABC], code: int
) -> None:
    with (
        UserspaceTransport(refusing_bus(code), TESTER) as transport,
        pytest.raises(DiagkitError, match="refused a frame") as info,
    ):
        transport.send(b"\x3e\x00")
    assert type(info.value) is MEANING[code] and getattr(info.value, "errno", None) == code


def test_a_timeout_without_errno_is_a_timeout_with_etimedout() -> None:
    error = translate(TimeoutError("timed out"), "send", Context(interface="can7", timeout=2.0))
    assert type(error) is TransportTimeoutError and error.errno == errno.ETIMEDOUT
    assert "within 2.0 s" in str(error) and "poll()" in str(error)


# -- messages say what to do -------------------------------------------------------------------

CTX = Context(interface="can7", address="Normal_11bits tx 0x7E0 rx 0x7E8", timeout=2.0, mtu=16)


@pytest.mark.parametrize(
    ("operation", "code", "words"),
    [
        ("socket", errno.EAFNOSUPPORT, ["modprobe can", "AF_CAN"]),
        ("socket", errno.EPROTONOSUPPORT, ["modprobe can-isotp"]),
        ("bind", errno.ENODEV, ["no CAN interface named 'can7'", "ip link"]),
        ("send", errno.ENXIO, ["'can7'"]),
        ("bind", errno.ENETDOWN, ["'can7' is down", "ip link set can7 up"]),
        ("recv", errno.ENETDOWN, ["ip link set can7 up"]),
        ("setsockopt", errno.EISCONN, ["before bind()"]),
        ("bind", errno.EADDRNOTAVAIL, ["must differ"]),
        ("bind", errno.EINVAL, ["refused the address"]),
        ("send", errno.ECOMM, ["no flow control", "N_Bs", "not powered"]),
        ("send", errno.ETIMEDOUT, ["N_Cr"]),
        ("send", errno.EAGAIN, ["previous transfer is still running"]),
        ("send", errno.EMSGSIZE, ["overflow", "larger than its receive buffer"]),
        ("send", errno.EBADMSG, ["flow control frame was malformed"]),
        ("send", errno.EINVAL, ["max_pdu_size", "SF_BROADCAST"]),
        ("send", errno.ENOBUFS, ["transmit queue is full"]),
        ("send", errno.EADDRNOTAVAIL, ["bind() must be called before send"]),
        ("recv", errno.ETIMEDOUT, ["broke off", "N_Cr"]),
        ("recv", errno.EILSEQ, ["wrong sequence number"]),
        ("recv", errno.EBADMSG, ["padding check"]),
        ("recv", errno.ECOMM, ["earlier send", "WAIT_TX_DONE"]),
        ("recv", errno.EMSGSIZE, ["earlier send", "overflow"]),
        ("exchange", errno.ECOMM, ["no flow control", "not powered"]),
        ("exchange", errno.ETIMEDOUT, ["N_Cr"]),
        ("getsockopt", errno.ENOPROTOOPT, ["does not know"]),
        ("recv", errno.EPERM, ["Operation not permitted"]),
    ],
)
def test_messages_say_what_to_do(operation: Operation, code: int, words: list[str]) -> None:
    text = str(translate(os_error(code), operation, CTX))
    for word in words:
        assert word in text
    assert text.endswith(f"[{errno.errorcode[code]}]")


def test_messages_name_where_it_happened() -> None:
    error = translate(os_error(errno.ECOMM), "send", CTX)
    assert str(error).startswith("send on can7 (Normal_11bits tx 0x7E0 rx 0x7E8): ")
    assert "<interface>" in str(translate(os_error(errno.ENODEV), "bind"))


def test_mapped_errors_stay_oserrors_for_old_except_clauses() -> None:
    assert isinstance(translate(os_error(errno.ENODEV), "bind", CTX), OSError)
    assert isinstance(translate(os_error(errno.ECOMM), "send", CTX), TimeoutError)


# -- a suppressed request on a dead channel is not "no news is good news" -------------------


@pytest.mark.parametrize("wait_nrc", [False, True])
def test_a_suppressed_request_on_a_dead_channel_raises(wait_nrc: bool) -> None:
    transport = Raising()
    with EcuClient(transport, address="engine") as client:
        client.request(b"\x3e\x00")
        transport.errors["send"] = os_error(errno.ECOMM)  # no flow control: nobody is there
        with (
            pytest.raises(TransportTimeoutError),
            client.uds.suppress_positive_response(wait_nrc=wait_nrc),
        ):
            client.uds.tester_present()


def test_a_suppressed_request_the_ecu_does_not_answer_is_fine() -> None:
    silent = MemoryTransport(lambda pdu: [])
    timing = Timing(p2=0.02, p2_star=0.02)
    with EcuClient(silent, address="engine", timing=timing) as client:
        with client.uds.suppress_positive_response(wait_nrc=True):
            assert client.uds.tester_present() is None  # P2 expired: no NRC, so it was done
        assert silent.sent[-1] == b"\x3e\x80"  # ISO 14229-1: zeroSubFunction with the SPR bit
        with pytest.raises(ResponseTimeoutError):
            client.uds.tester_present()  # not suppressed: the silence is an error


# -- layers: nothing below the client reaches up into it ------------------------------------

PACKAGE = Path(__file__).resolve().parents[2] / "diagkit"


def _module_files() -> dict[str, Path]:
    files = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    return files


def _imports(path: Path, known: dict[str, Path]) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found & known.keys()


@pytest.mark.parametrize(
    "start", ["diagkit.connection", "diagkit.transport", "diagkit.errormap", "diagkit.errors"]
)
def test_lower_layers_import_nothing_from_the_client(start: str) -> None:
    known = _module_files()
    todo = [start] + [name for name in known if name.startswith(f"{start}.")]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        # importing a module runs its parent packages, except the public root `diagkit`
        todo += [".".join(parts[:i]) for i in range(2, len(parts))]
        todo += _imports(known[name], known)
    assert not sorted(n for n in seen if n == "diagkit.client" or n.startswith("diagkit.client."))
