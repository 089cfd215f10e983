"""A thin, honest wrapper of the Linux kernel's ISO-TP socket (``AF_CAN``/``CAN_ISOTP``).

Names and parameters follow python-can-isotp's ``isotp.socket``, so code written for it ports by
changing the import (``from diagkit.transport import isotp``). Unlike it, every value is checked
before it reaches the kernel, options set before ``bind()`` are never dropped by it, received
PDUs are never truncated silently, and OS errors become diagkit errors that say what to do.
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import math
import os
import socket
from types import TracebackType

from diagkit.errormap import Context, Operation, error_for, translate
from diagkit.errors import (
    ConfigurationError,
    TransportClosedError,
)
from diagkit.logsafe import pdu_text
from diagkit.transport.address import Address, TargetAddressType
from diagkit.transport.options import (
    CAN_ISOTP_LL_OPTS,
    CAN_ISOTP_OPTS,
    CAN_ISOTP_RECV_FC,
    CAN_ISOTP_RX_STMIN,
    CAN_ISOTP_TX_STMIN,
    SOL_CAN_ISOTP,
    U32,
    Flags,
    FlowControlOptions,
    GeneralOptions,
    LinkLayerOptions,
    LinkLayerProtocol,
    SocketOptions,
    check_combination,
    require_flags,
    require_int,
    require_u8,
    require_u32_ns,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_PDU_SIZE = 8300
"""The kernel's default ``max_pdu_size`` (module parameter of can-isotp since Linux 6.4)."""
KERNEL_MAX_PDU_SIZE = 1025 * 1024
"""The largest ``max_pdu_size`` the kernel module accepts (``MAX_PDU_SIZE`` in isotp.c)."""
IFNAMSIZ = 16

_BROADCAST = Flags.SF_BROADCAST | Flags.CF_BROADCAST


def _open_kernel_socket() -> socket.socket:
    """A new ``AF_CAN``/``SOCK_DGRAM``/``CAN_ISOTP`` socket (the tests replace this)."""
    return socket.socket(socket.AF_CAN, socket.SOCK_DGRAM, socket.CAN_ISOTP)


def check_seconds(
    name: str, value: object, *, positive: bool = False, or_none: bool = False
) -> float:
    """``value`` as float seconds if finite and >= 0 (> 0 with ``positive``); else raise naming
    ``name``, the legal range (``or_none``: a caller that also takes None) and the value."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        legal = "None or seconds" if or_none else "seconds (a number)"
        raise ConfigurationError(f"{name} must be {legal}, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        legal = f"{'None or ' if or_none else ''}finite seconds {'> 0' if positive else '>= 0'}"
        raise ConfigurationError(f"{name} must be {legal}, got {value!r}")
    return float(value)


def _check_timeout(value: object) -> float | None:
    return None if value is None else check_seconds("timeout", value, or_none=True)


class IsoTpSocket:
    """One kernel ISO-TP socket: set options, ``bind()`` to an interface and address, exchange PDUs.

    Options can only be set before :meth:`bind` (the kernel answers EISCONN afterwards). The
    ``timeout`` (seconds, ``None`` = blocking) applies to :meth:`send` and :meth:`recv`.
    """

    flags = Flags
    LinkLayerProtocol = LinkLayerProtocol

    def __init__(self, timeout: float | None = None) -> None:
        timeout = _check_timeout(timeout)
        if not hasattr(socket, "CAN_ISOTP") or not hasattr(socket, "AF_CAN"):
            raise error_for(
                errno.EPROTONOSUPPORT,
                "this Python has no socket.CAN_ISOTP: kernel ISO-TP sockets need Linux and "
                "Python 3.7+ built with CAN support; use the userspace backend elsewhere",
            )
        try:
            self._socket = _open_kernel_socket()
        except OSError as exc:
            raise translate(exc, "socket") from exc
        self._interface: str | None = None
        self._address: Address | None = None
        self._bound = False
        self._closed = False
        self._rxpad_set = False
        self._max_pdu_size = DEFAULT_MAX_PDU_SIZE
        self._single_frame_max: int | None = None  # set by bind() on an SF_BROADCAST socket
        self._send_limit = DEFAULT_MAX_PDU_SIZE  # the smaller of both: one test per send
        if timeout is not None:
            self._socket.settimeout(timeout)

    # -- state -----------------------------------------------------------------------------

    @property
    def bound(self) -> bool:
        """True once :meth:`bind` succeeded (and until :meth:`close`)."""
        return self._bound

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    @property
    def interface(self) -> str | None:
        """The interface bound to, or None."""
        return self._interface

    @property
    def address(self) -> Address | None:
        """The address bound to, or None."""
        return self._address

    @property
    def max_pdu_size(self) -> int:
        """Largest PDU :meth:`send` and :meth:`recv` accept (default 8300, the kernel's default
        limit; raise both together)."""
        return self._max_pdu_size

    @max_pdu_size.setter
    def max_pdu_size(self, value: int) -> None:
        self._max_pdu_size = require_int("max_pdu_size", value, 1, KERNEL_MAX_PDU_SIZE)
        single = self._single_frame_max
        self._send_limit = value if single is None else min(value, single)

    def settimeout(self, value: float | None) -> None:
        """Seconds :meth:`send`/:meth:`recv` may wait; None blocks, 0 never waits."""
        value = _check_timeout(value)
        self._check_open("settimeout")
        self._socket.settimeout(value)

    def gettimeout(self) -> float | None:
        """The current timeout in seconds (None = blocking)."""
        return self._socket.gettimeout()

    def fileno(self) -> int:
        """The socket's file descriptor (-1 once closed), for select/poll."""
        return self._socket.fileno()

    def real_socket(self) -> socket.socket:
        """The underlying :class:`socket.socket`."""
        return self._socket

    def close(self) -> None:
        """Close the socket; safe to call any number of times."""
        if not self._closed:
            self._closed = True
            self._bound = False
            self._socket.close()
            logger.debug("closed ISO-TP socket on %s", self._interface)

    def __enter__(self) -> IsoTpSocket:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._bound:
            return f"<ISO-TP socket on {self._interface}: {self._address}>"
        return f"<{'closed' if self._closed else 'unbound'} ISO-TP socket>"

    def _context(self) -> Context:
        return Context(
            interface=self._interface,
            address=str(self._address) if self._address else None,
            timeout=self._socket.gettimeout() if not self._closed else None,
        )

    def _check_open(self, operation: str) -> None:
        if self._closed:
            raise TransportClosedError(f"{operation}: the ISO-TP socket is closed")

    def _check_unbound(self, operation: str) -> None:
        self._check_open(operation)
        if self._bound:
            raise ConfigurationError(
                f"{operation}: options must be set before bind(): the kernel fixes them at "
                "bind and refuses later changes (EISCONN); open a new socket to change them"
            )

    # -- raw option access -----------------------------------------------------------------

    def _setsockopt(self, optname: int, value: bytes) -> None:
        try:
            self._socket.setsockopt(SOL_CAN_ISOTP, optname, value)
        except OSError as exc:
            raise translate(exc, "setsockopt", self._context()) from exc

    def _getsockopt(self, optname: int, size: int) -> bytes:
        self._check_open("getsockopt")
        try:
            return self._socket.getsockopt(SOL_CAN_ISOTP, optname, size)
        except OSError as exc:
            raise translate(exc, "getsockopt", self._context()) from exc

    def get_opts(self) -> GeneralOptions:
        """The kernel's ``can_isotp_options`` of this socket."""
        return GeneralOptions.unpack(self._getsockopt(CAN_ISOTP_OPTS, 12))

    def get_fc_opts(self) -> FlowControlOptions:
        """The kernel's ``can_isotp_fc_options`` (what this socket's flow control frames say)."""
        return FlowControlOptions.unpack(self._getsockopt(CAN_ISOTP_RECV_FC, 3))

    def get_ll_opts(self) -> LinkLayerOptions:
        """The kernel's ``can_isotp_ll_options``."""
        return LinkLayerOptions.unpack(self._getsockopt(CAN_ISOTP_LL_OPTS, 3))

    def get_tx_stmin(self) -> int:
        """The forced tx STmin (``CAN_ISOTP_TX_STMIN``) in nanoseconds."""
        value: int = U32.unpack(self._getsockopt(CAN_ISOTP_TX_STMIN, 4))[0]
        return value

    def get_rx_stmin(self) -> int:
        """The rx STmin (``CAN_ISOTP_RX_STMIN``) in nanoseconds."""
        value: int = U32.unpack(self._getsockopt(CAN_ISOTP_RX_STMIN, 4))[0]
        return value

    # -- setters (python-can-isotp names) --------------------------------------------------

    def set_opts(  # noqa: PLR0917 - python-can-isotp's positional signature, kept for porting
        self,
        optflag: int | None = None,
        frame_txtime: int | None = None,
        ext_address: int | None = None,
        txpad: int | None = None,
        rxpad: int | None = None,
        rx_ext_address: int | None = None,
        tx_stmin: int | None = None,
    ) -> GeneralOptions:
        """Change the general options; ``None`` leaves a field as it is.

        As in python-can-isotp, giving ``ext_address``, ``txpad``, ``rxpad``,
        ``rx_ext_address`` or ``tx_stmin`` also sets EXTEND_ADDR, TX_PADDING, RX_PADDING,
        RX_EXT_ADDR or FORCE_TXSTMIN. ``frame_txtime`` and ``tx_stmin`` are NANOSECONDS
        (``frame_txtime=0`` keeps the current value; :data:`FRAME_TXTIME_ZERO` is a real 0).
        Returns the options as the kernel then reports them.
        """
        self._check_unbound("set_opts")
        current = self.get_opts()
        flags = current.optflag if optflag is None else require_flags("optflag", optflag)
        changes: dict[str, object] = {}
        if frame_txtime is not None:
            changes["frame_txtime_ns"] = require_u32_ns("frame_txtime", frame_txtime)
        if ext_address is not None:
            changes["ext_address"] = require_u8("ext_address", ext_address)
            flags |= Flags.EXTEND_ADDR
        if txpad is not None:
            changes["txpad"] = require_u8("txpad", txpad)
            flags |= Flags.TX_PADDING
        if rxpad is not None:
            changes["rxpad"] = require_u8("rxpad", rxpad)
            flags |= Flags.RX_PADDING
        if rx_ext_address is not None:
            changes["rx_ext_address"] = require_u8("rx_ext_address", rx_ext_address)
            flags |= Flags.RX_EXT_ADDR
        if tx_stmin is not None:
            tx_stmin = require_u32_ns("tx_stmin", tx_stmin)
            flags |= Flags.FORCE_TXSTMIN
        new = dataclasses.replace(current, optflag=flags, **changes)  # type: ignore[arg-type]
        if tx_stmin is not None:
            self._setsockopt(CAN_ISOTP_TX_STMIN, U32.pack(tx_stmin))
        self._setsockopt(CAN_ISOTP_OPTS, new.pack())
        if rxpad is not None:
            self._rxpad_set = True
        return self.get_opts()

    def set_fc_opts(
        self, bs: int | None = None, stmin: int | None = None, wftmax: int | None = None
    ) -> FlowControlOptions:
        """Change what this socket's flow control frames announce; ``None`` leaves a field.

        ``stmin`` is the raw ISO 15765-2 byte (0x00..0x7F ms, 0xF1..0xF9 100..900 us).
        """
        self._check_unbound("set_fc_opts")
        current = self.get_fc_opts()
        new = FlowControlOptions(
            current.bs if bs is None else bs,
            current.stmin if stmin is None else stmin,
            current.wftmax if wftmax is None else wftmax,
        )
        self._setsockopt(CAN_ISOTP_RECV_FC, new.pack())
        return self.get_fc_opts()

    def set_ll_opts(
        self, mtu: int | None = None, tx_dl: int | None = None, tx_flags: int | None = None
    ) -> LinkLayerOptions:
        """Change the link layer: ``mtu`` 16 (CAN) or 72 (CAN FD), ``tx_dl``, ``tx_flags``."""
        self._check_unbound("set_ll_opts")
        current = self.get_ll_opts()
        new = LinkLayerOptions(
            current.mtu if mtu is None else mtu,  # type: ignore[arg-type]
            current.tx_dl if tx_dl is None else tx_dl,
            current.tx_flags if tx_flags is None else tx_flags,
        )
        self._setsockopt(CAN_ISOTP_LL_OPTS, new.pack())
        return self.get_ll_opts()

    def set_tx_stmin(self, ns: int) -> int:
        """Set ``CAN_ISOTP_TX_STMIN`` in NANOSECONDS (acts with :attr:`Flags.FORCE_TXSTMIN`)."""
        self._check_unbound("set_tx_stmin")
        self._setsockopt(CAN_ISOTP_TX_STMIN, U32.pack(require_u32_ns("tx_stmin", ns)))
        return self.get_tx_stmin()

    def set_rx_stmin(self, ns: int) -> int:
        """Set ``CAN_ISOTP_RX_STMIN`` in NANOSECONDS: with :attr:`Flags.FORCE_RXSTMIN` the
        kernel drops consecutive frames arriving closer together than this."""
        self._check_unbound("set_rx_stmin")
        self._setsockopt(CAN_ISOTP_RX_STMIN, U32.pack(require_u32_ns("rx_stmin", ns)))
        return self.get_rx_stmin()

    def configure(self, options: SocketOptions) -> None:
        """Apply every option of ``options`` at once (before :meth:`bind`)."""
        self._check_unbound("configure")
        if not isinstance(options, SocketOptions):
            raise ConfigurationError(
                f"options must be a SocketOptions, got {type(options).__name__}"
            )
        self._setsockopt(CAN_ISOTP_LL_OPTS, options.link_layer.pack())
        self._setsockopt(CAN_ISOTP_RECV_FC, options.flow_control.pack())
        self._setsockopt(CAN_ISOTP_OPTS, options.general.pack())
        if options.tx_stmin_ns is not None:
            self._setsockopt(CAN_ISOTP_TX_STMIN, U32.pack(options.tx_stmin_ns))
        if options.rx_stmin_ns is not None:
            self._setsockopt(CAN_ISOTP_RX_STMIN, U32.pack(options.rx_stmin_ns))
        self._rxpad_set = options.general.rxpad != 0

    # -- bind, send, recv ------------------------------------------------------------------

    def bind(self, interface: str, address: Address) -> None:
        """Bind to ``interface`` with ``address``; adds the flags and extension bytes the
        addressing mode needs and keeps every other option set before.

        A functional address needs a transmit-only socket with :attr:`Flags.SF_BROADCAST` (see
        :func:`diagkit.transport.kernel.functional_sender`).
        """
        self._check_unbound("bind")
        if not isinstance(interface, str) or not 0 < len(interface) < IFNAMSIZ:
            raise ConfigurationError(
                f"interface must be a network interface name of 1..{IFNAMSIZ - 1} characters, "
                f"got {interface!r}"
            )
        if not isinstance(address, Address):
            raise ConfigurationError(
                f"address must be a diagkit Address, got {type(address).__name__}"
            )
        general = self.get_opts()
        if address.target_type is TargetAddressType.Functional and not general.optflag & _BROADCAST:
            raise ConfigurationError(
                f"functional address {address} needs a transmit-only SF_BROADCAST socket: the "
                "kernel sends flow control to the bound tx id, so a functional id must never "
                "receive; use diagkit.transport.kernel.functional_sender()"
            )
        if address.tx_ext_address is not None:
            wanted = dataclasses.replace(
                general,
                optflag=general.optflag | address.kernel_flags,
                ext_address=address.tx_ext_address,
                rx_ext_address=address.rx_ext_address or 0,
            )
            if wanted != general:
                self._setsockopt(CAN_ISOTP_OPTS, wanted.pack())
                general = self.get_opts()
        check_combination(
            general,
            tx_stmin_ns=self.get_tx_stmin(),
            rx_stmin_ns=self.get_rx_stmin(),
            rxpad_set=self._rxpad_set,
        )
        link = self.get_ll_opts()
        context = Context(interface=interface, address=str(address), mtu=int(link.mtu))
        try:
            self._socket.bind((interface, address.kernel_rx_id, address.kernel_tx_id))
        except OSError as exc:
            raise translate(exc, "bind", context) from exc
        pending = self._socket.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if pending:
            # The kernel binds to a down interface but queues ENETDOWN for the next call.
            self.close()
            queued = OSError(pending, os.strerror(pending))
            raise translate(queued, "bind", context) from queued
        self._interface = interface
        self._address = address
        self._bound = True
        if general.optflag & Flags.SF_BROADCAST:
            extension = 1 if general.optflag & Flags.EXTEND_ADDR else 0
            escape = 1 if link.tx_dl > 8 else 0
            self._single_frame_max = link.tx_dl - 1 - extension - escape
            self._send_limit = min(self._max_pdu_size, self._single_frame_max)
        logger.debug("bound ISO-TP socket on %s: %s, %r", interface, address, general.optflag)

    def _check_bound(self, operation: Operation) -> None:
        self._check_open(operation)
        if not self._bound:
            raise ConfigurationError(f"{operation}: bind() must be called first")

    def send(self, data: bytes | bytearray | memoryview) -> int:
        """Send one PDU of 1 to :attr:`max_pdu_size` bytes; returns its length. With
        WAIT_TX_DONE, returns once it is on the bus."""
        if not self._bound:  # also False once closed
            self._check_bound("send")
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ConfigurationError(f"data must be bytes, got {type(data).__name__}")
        if not 0 < len(data) <= self._send_limit:
            raise self._size_error(len(data))
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("send on %s %d bytes: %s", self._interface, len(data), pdu_text(data))
        try:
            return self._socket.send(data)
        except OSError as exc:
            raise translate(exc, "send", self._context()) from exc

    def _size_error(self, size: int) -> ConfigurationError:
        if not size:
            return ConfigurationError("data must hold 1 byte or more (ISO-TP has no empty PDU)")
        if self._single_frame_max is not None and size > self._single_frame_max:
            return ConfigurationError(
                f"an SF_BROADCAST socket sends single frames only: at most "
                f"{self._single_frame_max} bytes with these options, got {size}"
            )
        return ConfigurationError(
            f"send: the PDU has {size} bytes, more than this socket's max_pdu_size "
            f"{self._max_pdu_size}; nothing was sent"
        )

    def recv(self, n: int | None = None) -> bytes | None:
        """Return the next PDU, or None when none arrived within the socket's timeout.

        ``n`` is the largest PDU accepted (default :attr:`max_pdu_size`); a larger PDU raises
        :class:`~diagkit.errors.TransferError` instead of being truncated silently.
        """
        if not self._bound:  # also False once closed
            self._check_bound("recv")
        size = self._max_pdu_size if n is None else require_int("n", n, 1, KERNEL_MAX_PDU_SIZE)
        try:
            # One byte more than accepted, so a larger PDU shows as size + 1 bytes: as safe as
            # recvmsg's MSG_TRUNC without its per-call SIOCGIFNAME ioctl and address tuple.
            data = self._socket.recv(size + 1)
        except BlockingIOError:
            return None  # non-blocking and nothing queued
        except OSError as exc:
            # socket.timeout has no errno; OSError(ETIMEDOUT) is a TimeoutError too, but it is
            # the kernel reporting a broken reception and must not pass for "nothing arrived"
            if isinstance(exc, TimeoutError) and exc.errno is None:
                return None
            raise translate(exc, "recv", self._context()) from exc
        if len(data) > size:
            raise error_for(
                errno.EMSGSIZE,
                f"recv on {self._interface}: received a PDU larger than {size} bytes; it was "
                "truncated and is dropped: raise max_pdu_size (the kernel's own limit is the "
                "can-isotp module parameter max_pdu_size)",
            )
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("recv on %s %d bytes: %s", self._interface, len(data), pdu_text(data))
        return data


__all__ = ["DEFAULT_MAX_PDU_SIZE", "KERNEL_MAX_PDU_SIZE", "IsoTpSocket"]
