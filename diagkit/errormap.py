"""The one place where errors from below become diagkit errors: OS errors, python-can and
python-can-isotp exceptions, udsoncan exceptions. Every backend, the connection and the exchange
call it, as ``raise ... from exc``; a lower layer never needs an upper one to reach it.

The class follows the meaning, whatever the path (kernel socket, userspace stack, a foreign
transport's raw ``OSError``), and ``errno`` is set on every mapped error: python-can-isotp's
exceptions get the errno the kernel (net/can/isotp.c, Linux 5.10+) reports for the same event.
An ISO-TP timer that expired is a timeout; frames that were wrong are a broken transfer::

    errno            meaning                                              class
    ---------------  ---------------------------------------------------  -------------------------
    ECOMM            no flow control from the receiver (N_Bs, 1 s) or     TransportTimeoutError
                     the own frame not sent (2 s); at recv: an earlier
                     send's (python-can-isotp: FlowControlTimeoutError)
    ETIMEDOUT        consecutive frames stopped (N_Cr, 1 s); also a       TransportTimeoutError
                     send that did not complete in its timeout (socket
                     timeout, BlockingSendTimeout; errno None -> ETIMEDOUT)
    EAGAIN           the previous transfer is still running               TransportTimeoutError
    EILSEQ           a consecutive frame with the wrong sequence number   TransferError
    EBADMSG          a malformed frame or failed padding check; a bad     TransferError
                     flow control (python-can-isotp: InvalidCanData...,
                     unsupported or too many FC WAIT frames)
    EMSGSIZE         flow control "overflow": the PDU is too large for    TransferError
                     the receiver (or a received one too large for us)
    ENOBUFS          the interface's transmit queue is full               TransferError
    ENODEV, ENXIO    no such CAN interface                                InterfaceError
    ENETDOWN         the interface is down                                InterfaceError
    EINVAL at bind   the interface cannot carry CAN FD (mtu 72)           InterfaceError
    EINVAL           a refused address (bind) or PDU size (send)          ConfigurationError
    EADDRNOTAVAIL    tx id equals rx id (bind); not bound (send, recv)    ConfigurationError
    EISCONN          an option set after bind()                           ConfigurationError
    EAFNOSUPPORT,    no AF_CAN / no can-isotp in this kernel              TransportUnavailableError
    EPROTONOSUPPORT
    ENOPROTOOPT      can-isotp does not know the option                   TransportUnavailableError
    EIO, any other   the bus or the stack failed otherwise                TransportError

udsoncan: NegativeResponseException -> NegativeResponseError, TimeoutException ->
ResponseTimeoutError, Invalid/UnexpectedResponseException -> InvalidResponseError, ConfigError
and its bare ValueErrors -> ConfigurationError. python-can: an interface that is not installed
-> TransportUnavailableError, one that does not open -> InterfaceError, a refused frame -> by
its ``error_code`` as above (EIO without one); see :func:`bus_open_error` for opening a bus.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Literal

from udsoncan.exceptions import (
    ConfigError,
    InvalidResponseException,
    NegativeResponseException,
    TimeoutException,
    UnexpectedResponseException,
)

from diagkit.errors import (
    ConfigurationError,
    DiagkitError,
    InterfaceError,
    InvalidResponseError,
    NegativeResponseError,
    ResponseTimeoutError,
    TransferError,
    TransportError,
    TransportTimeoutError,
    TransportUnavailableError,
)

Operation = Literal[
    "socket", "setsockopt", "getsockopt", "bind", "send", "recv", "close", "exchange"
]
"""What failed; ``exchange`` is a send or a receive of one request (the exchange's view)."""

POLL_REGRESSION_HINT = (
    "kernels carrying 'can: isotp: isotp_ops: fix poll() to not report false EPOLLOUT events' "
    "without its follow-up fix (some 6.1-6.5 stable and distribution builds; fixed in 6.6) "
    "never report the socket writable, so every send with a socket timeout ends like this "
    "although the bus is idle: update the kernel or send with timeout=None"
)

CLASS_BY_ERRNO: dict[int, type[DiagkitError]] = {
    errno.ECOMM: TransportTimeoutError,
    errno.ETIMEDOUT: TransportTimeoutError,
    errno.EAGAIN: TransportTimeoutError,
    errno.EILSEQ: TransferError,
    errno.EBADMSG: TransferError,
    errno.EMSGSIZE: TransferError,
    errno.ENOBUFS: TransferError,
    errno.ENODEV: InterfaceError,
    errno.ENXIO: InterfaceError,
    errno.ENETDOWN: InterfaceError,
    errno.EINVAL: ConfigurationError,
    errno.EADDRNOTAVAIL: ConfigurationError,
    errno.EISCONN: ConfigurationError,
    errno.EAFNOSUPPORT: TransportUnavailableError,
    errno.EPROTONOSUPPORT: TransportUnavailableError,
    errno.ENOPROTOOPT: TransportUnavailableError,
}
"""The class of each errno (the table above); any other errno is a plain TransportError."""


@dataclass(frozen=True)
class Context:
    """Where the error happened, to name it in the message."""

    interface: str | None = None
    address: str | None = None
    timeout: float | None = None
    mtu: int | None = None

    def where(self, operation: Operation) -> str:
        """E.g. ``send on vcan0 (Normal_11bits tx 0x7E0 rx 0x7E8)``."""
        text: str = operation
        if self.interface:
            text += f" on {self.interface}"
        if self.address:
            text += f" ({self.address})"
        return text


def error_for(code: int, message: str) -> DiagkitError:
    """The error of the class ``code`` means (see the table), with ``errno`` set to ``code``."""
    return _make(CLASS_BY_ERRNO.get(code, TransportError), code, message)


def _make(kind: type[DiagkitError], code: int, message: str) -> DiagkitError:
    error = kind(message)
    if isinstance(error, (OSError, ConfigurationError)):  # every class of the table
        error.errno = code
    return error


# -- OS errors ------------------------------------------------------------------------------

_SEND = {
    errno.ECOMM: (
        "no flow control from the receiver within 1 s (N_Bs), or the own frame was not sent "
        "within 2 s: wrong address (tx/rx ids swapped? extended address byte?), the ECU is not "
        "powered or not on this bus, or no node acknowledges frames (bitrate, termination)"
    ),
    errno.ETIMEDOUT: (
        "timed out; the kernel reports ETIMEDOUT for a reception on this socket whose "
        "consecutive frames stopped (N_Cr, 1 s) while sending"
    ),
    errno.EAGAIN: "the previous transfer is still running (non-blocking socket)",
    errno.EMSGSIZE: (
        "the receiver answered flow control 'overflow': the PDU is larger than its receive buffer"
    ),
    errno.EBADMSG: (
        "the receiver's flow control frame was malformed or failed the padding check "
        "(CHK_PAD_LEN/CHK_PAD_DATA)"
    ),
    errno.EINVAL: (
        "the kernel refused the PDU size: empty, larger than its max_pdu_size (module "
        "parameter, default 8300 since Linux 6.4), or more than one frame on an SF_BROADCAST "
        "socket"
    ),
    errno.ENOBUFS: (
        "the interface's transmit queue is full: is the bus up and acknowledging? "
        "('ip -details -statistics link show {iface}')"
    ),
    errno.EADDRNOTAVAIL: "bind() must be called before send()",
}
_RECV = {
    errno.ETIMEDOUT: (
        "a transfer broke off: consecutive frames stopped arriving within 1 s (N_Cr) after a "
        "first frame; the partial PDU was dropped"
    ),
    errno.EILSEQ: (
        "a consecutive frame came with the wrong sequence number (lost or reordered frames); "
        "the partial PDU was dropped"
    ),
    errno.EBADMSG: (
        "a received frame failed the padding check (CHK_PAD_LEN/CHK_PAD_DATA) or was "
        "malformed; check rxpad and the RX_PADDING flags"
    ),
    errno.ECOMM: (
        "an earlier send on this socket got no flow control (N_Bs, 1 s) or its frame was not "
        "sent; set Flags.WAIT_TX_DONE to see this at send"
    ),
    errno.EMSGSIZE: (
        "an earlier send was refused by the receiver (flow control overflow: PDU larger than "
        "its buffer)"
    ),
    errno.EADDRNOTAVAIL: "bind() must be called before recv()",
}
_ANY = {
    errno.ECOMM: (
        "no flow control from the receiver (N_Bs, 1 s) or a frame was not sent: wrong "
        "address, the ECU is not powered or not on this bus, or no node acknowledges frames"
    ),
    errno.ETIMEDOUT: "a transfer broke off: consecutive frames stopped arriving (N_Cr, 1 s)",
    errno.EAGAIN: "the previous transfer is still running",
    errno.EILSEQ: "a consecutive frame came with the wrong sequence number",
    errno.EBADMSG: "a frame was malformed or failed the padding check",
    errno.EMSGSIZE: "the receiver answered flow control 'overflow': the PDU is too large for it",
    errno.ENOBUFS: _SEND[errno.ENOBUFS],
    errno.EINVAL: "the kernel refused a value (address, option or PDU size)",
    errno.EADDRNOTAVAIL: "the socket is not bound, or tx id and rx id are equal",
}
_INTERFACE = {
    errno.ENODEV: (
        "no CAN interface named {iface!r} (or it was removed): check 'ip link show {iface}'; "
        "a virtual bus is made with 'ip link add dev {iface} type vcan && ip link set {iface} up'"
    ),
    errno.ENETDOWN: (
        "interface {iface!r} is down: bring it up with 'ip link set {iface} up' (set the "
        "bitrate first on real hardware)"
    ),
    errno.EISCONN: (
        "options must be set before bind(); the kernel fixes them at bind and refuses later "
        "changes: open a new socket"
    ),
    errno.ENOPROTOOPT: "this kernel's can-isotp does not know this option (too old?)",
}
_INTERFACE[errno.ENXIO] = _INTERFACE[errno.ENODEV]


def translate(exc: OSError, operation: Operation, context: Context | None = None) -> DiagkitError:
    """Map ``exc`` raised by ``operation`` to the diagkit error that explains it (errno kept)."""
    if isinstance(exc, DiagkitError):
        return exc
    ctx = context or Context()
    where = ctx.where(operation)
    iface = ctx.interface or "<interface>"
    code = exc.errno

    if isinstance(exc, TimeoutError) and code in (None, 0):  # socket.timeout, no errno
        if operation == "send":
            text = (
                f"the socket did not accept the PDU within {ctx.timeout} s: the previous "
                "transfer is still running (a slow or silent receiver), or the kernel has the "
                f"known poll() regression: {POLL_REGRESSION_HINT}"
            )
        else:
            text = f"timed out after {ctx.timeout} s" if ctx.timeout else f"timed out: {exc}"
        return _make(TransportTimeoutError, errno.ETIMEDOUT, f"{where}: {text} [ETIMEDOUT]")
    if code is None:
        code = errno.EIO
    tag = f" [{errno.errorcode.get(code, str(code))}]"
    kind = CLASS_BY_ERRNO.get(code, TransportError)

    if operation == "bind" and code == errno.EINVAL and ctx.mtu == 72:
        kind = InterfaceError
    text = _message(code, operation, ctx, iface) or exc.strerror or str(exc)
    return _make(kind, code, f"{where}: {text}{tag}")


def _message(code: int, operation: Operation, ctx: Context, iface: str) -> str | None:
    if code in (errno.EAFNOSUPPORT, errno.EPROTONOSUPPORT):
        what = "CAN (AF_CAN)" if code == errno.EAFNOSUPPORT else "the can-isotp protocol"
        module = "can" if code == errno.EAFNOSUPPORT else "can-isotp"
        return (
            f"this kernel offers no {what}: load it with 'modprobe {module}' (needs CONFIG_CAN "
            "and CONFIG_CAN_ISOTP, Linux 5.10+), or use the userspace backend"
        )
    if code in _INTERFACE:
        return _INTERFACE[code].format(iface=iface)
    if operation == "bind":
        if code == errno.EINVAL and ctx.mtu == 72:
            return (
                f"interface {iface!r} cannot carry CAN FD frames (link-layer mtu 72 needs an "
                f"interface MTU of 72): 'ip link set {iface} mtu 72' or use mtu 16"
            )
        if code == errno.EADDRNOTAVAIL:
            return "tx id and rx id must differ"
        if code == errno.EINVAL:
            return "the kernel refused the address (bad CAN id or already bound)"
    table = _SEND if operation == "send" else _RECV if operation == "recv" else _ANY
    template = table.get(code) or _ANY.get(code)
    return None if template is None else template.format(iface=iface)


# -- python-can and python-can-isotp --------------------------------------------------------


@cache
def _isotp_errnos() -> dict[type[Exception], int]:
    import isotp  # noqa: PLC0415  (only the userspace backend raises these; it has loaded it)

    return {
        isotp.FlowControlTimeoutError: errno.ECOMM,
        isotp.BlockingSendTimeout: errno.ETIMEDOUT,
        isotp.ConsecutiveFrameTimeoutError: errno.ETIMEDOUT,
        isotp.WrongSequenceNumberError: errno.EILSEQ,
        isotp.OverflowError: errno.EMSGSIZE,
        isotp.FrameTooLongError: errno.EMSGSIZE,
        isotp.UnsupportedWaitFrameError: errno.EBADMSG,
        isotp.MaximumWaitFrameReachedError: errno.EBADMSG,
        isotp.InvalidCanDataError: errno.EBADMSG,
        isotp.ChangingInvalidRXDLError: errno.EBADMSG,
        isotp.MissingEscapeSequenceError: errno.EBADMSG,
        isotp.InvalidCanFdFirstFrameRXDL: errno.EBADMSG,
    }


def _reported_errno(exc: BaseException) -> int | None:
    if isinstance(exc, OSError) and exc.errno:
        return exc.errno
    code = getattr(exc, "error_code", None)  # python-can's CanError
    return code if isinstance(code, int) and code > 0 else None


def errno_of(exc: BaseException | None) -> int:
    """The kernel errno of the same event for a python-can-isotp, python-can or OS error."""
    if exc is None:
        return errno.EIO
    code = _reported_errno(exc)
    if code is not None:
        return code
    if isinstance(exc, TimeoutError):
        return errno.ETIMEDOUT
    for kind, number in _isotp_errnos().items():
        if isinstance(exc, kind):
            return number
    return errno.EIO


def stack_error(cause: BaseException | None, message: str) -> DiagkitError:
    """The diagkit error for a failure of the userspace stack or its bus, ``message`` saying
    what happened; the class and errno are those of the kernel's errno for the same event."""
    if isinstance(cause, DiagkitError):
        return cause
    return error_for(errno_of(cause), message)


def bus_open_error(exc: BaseException, where: str) -> DiagkitError:
    """The error for a python-can bus that does not open (``where`` names interface, channel):
    an interface python-can lacks is EPROTONOSUPPORT, bad arguments EINVAL, any other failure
    the errno the bus reported (ENODEV when it reported none)."""
    import can  # noqa: PLC0415  (the caller opened a python-can bus, so it is loaded)

    if isinstance(exc, (can.CanInterfaceNotImplementedError, ImportError)):
        return error_for(
            errno.EPROTONOSUPPORT,
            f"{where} is not available on this machine: {exc} (python-can interfaces: "
            f"{', '.join(sorted(can.VALID_INTERFACES))})",
        )
    if isinstance(exc, (TypeError, ValueError)):
        return error_for(errno.EINVAL, f"bad python-can arguments for {where}: {exc}")
    return error_for(_reported_errno(exc) or errno.ENODEV, f"cannot open {where}: {exc}")


# -- udsoncan -------------------------------------------------------------------------------


def _where(address: str) -> str:
    return f" [{address}]" if address else ""


@contextmanager
def uds_errors(address: str = "") -> Iterator[None]:
    """Re-raise udsoncan's exceptions (and its bare ValueErrors) and OS errors as diagkit's."""
    try:
        yield
    except DiagkitError:
        raise
    except NegativeResponseException as exc:
        response = exc.response
        service = response.service.request_id() if response.service is not None else 0
        payload = response.original_payload or b""
        raise NegativeResponseError(service, response.code or 0, address, payload) from exc
    except TimeoutException as exc:
        raise ResponseTimeoutError(None, None, None, address, detail=str(exc)) from exc
    except (InvalidResponseException, UnexpectedResponseException) as exc:
        raise InvalidResponseError(f"{exc}{_where(address)}".replace("  ", " ").strip()) from exc
    except ConfigError as exc:
        raise ConfigurationError(f"udsoncan configuration: {exc} (key {exc.key!r})") from exc
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from exc
    except OSError as exc:
        raise translate(exc, "exchange", Context(address=address or None)) from exc
