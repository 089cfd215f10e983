"""errno -> diagkit error mapping: the type a user catches and a message that says what to do."""

from __future__ import annotations

import errno
import os

import pytest

from diagkit.errors import (
    ConfigurationError,
    DiagkitError,
    InterfaceError,
    TransferError,
    TransportError,
    TransportTimeoutError,
    TransportUnavailableError,
)
from diagkit.transport.oserror import Context, Operation, translate

CTX = Context(interface="can7", address="Normal_11bits tx 0x7E0 rx 0x7E8", timeout=2.0, mtu=16)


def _os(code: int) -> OSError:
    return OSError(code, os.strerror(code))


@pytest.mark.parametrize(
    ("operation", "code", "kind", "words"),
    [
        ("socket", errno.EAFNOSUPPORT, TransportUnavailableError, ["modprobe can", "AF_CAN"]),
        ("socket", errno.EPROTONOSUPPORT, TransportUnavailableError, ["modprobe can-isotp"]),
        ("bind", errno.ENODEV, InterfaceError, ["no CAN interface named 'can7'", "ip link"]),
        ("send", errno.ENXIO, InterfaceError, ["'can7'"]),
        ("bind", errno.ENETDOWN, InterfaceError, ["'can7' is down", "ip link set can7 up"]),
        ("send", errno.ENETDOWN, InterfaceError, ["ip link set can7 up"]),
        ("recv", errno.ENETDOWN, InterfaceError, ["ip link set can7 up"]),
        ("setsockopt", errno.EISCONN, ConfigurationError, ["before bind()"]),
        ("bind", errno.EADDRNOTAVAIL, ConfigurationError, ["must differ"]),
        ("bind", errno.EINVAL, ConfigurationError, ["refused the address"]),
        ("send", errno.ECOMM, TransportTimeoutError, ["no flow control", "N_Bs", "not powered"]),
        ("send", errno.ETIMEDOUT, TransportTimeoutError, ["N_Cr"]),
        ("send", errno.EAGAIN, TransportTimeoutError, ["previous transfer is still running"]),
        ("send", errno.EMSGSIZE, TransferError, ["overflow", "larger than its receive buffer"]),
        ("send", errno.EBADMSG, TransferError, ["flow control frame was malformed"]),
        ("send", errno.EINVAL, ConfigurationError, ["max_pdu_size", "SF_BROADCAST"]),
        ("send", errno.ENOBUFS, TransferError, ["transmit queue is full"]),
        ("send", errno.EADDRNOTAVAIL, ConfigurationError, ["bind() must be called before send"]),
        ("recv", errno.ETIMEDOUT, TransferError, ["broke off", "N_Cr"]),
        ("recv", errno.EILSEQ, TransferError, ["wrong sequence number"]),
        ("recv", errno.EBADMSG, TransferError, ["padding check"]),
        ("recv", errno.ECOMM, TransferError, ["earlier send", "WAIT_TX_DONE"]),
        ("recv", errno.EMSGSIZE, TransferError, ["earlier send", "overflow"]),
        ("getsockopt", errno.ENOPROTOOPT, TransportUnavailableError, ["does not know"]),
        ("recv", errno.EPERM, TransportError, ["Operation not permitted"]),
    ],
)
def test_errno_becomes_the_error_that_explains_it(
    operation: Operation, code: int, kind: type[DiagkitError], words: list[str]
) -> None:
    error = translate(_os(code), operation, CTX)
    assert type(error) is kind
    text = str(error)
    for word in words:
        assert word in text
    assert f"[{errno.errorcode[code]}]" in text


def test_bind_einval_with_can_fd_mtu_names_the_interface_mtu() -> None:
    context = Context(interface="vcan0", mtu=72)
    error = translate(_os(errno.EINVAL), "bind", context)
    assert isinstance(error, InterfaceError)
    assert "ip link set vcan0 mtu 72" in str(error)


def test_messages_name_where_it_happened() -> None:
    error = translate(_os(errno.ECOMM), "send", CTX)
    assert str(error).startswith("send on can7 (Normal_11bits tx 0x7E0 rx 0x7E8): ")


def test_socket_timeout_on_send_mentions_the_poll_regression() -> None:
    error = translate(TimeoutError("timed out"), "send", CTX)
    assert isinstance(error, TransportTimeoutError)
    assert isinstance(error, TimeoutError)
    assert "within 2.0 s" in str(error)
    assert "poll()" in str(error) and "6.6" in str(error)


def test_errors_stay_oserrors_for_old_except_clauses() -> None:
    assert isinstance(translate(_os(errno.ENODEV), "bind", CTX), OSError)
    assert isinstance(translate(_os(errno.ECOMM), "send", CTX), OSError)


def test_without_context_the_message_still_reads() -> None:
    error = translate(_os(errno.ENODEV), "bind")
    assert "<interface>" in str(error)
