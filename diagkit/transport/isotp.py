"""Porting facade: python-can-isotp 2.x's ``isotp.socket`` on diagkit's kernel socket.

Code written for python-can-isotp ports by changing one import::

    from diagkit.transport import isotp

    s = isotp.socket(timeout=1.0)
    s.set_opts(txpad=0x55, optflag=isotp.socket.flags.WAIT_TX_DONE)
    s.bind("can0", isotp.Address(isotp.AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8))

As in python-can-isotp, ``get_opts()``, ``get_fc_opts()`` and ``get_ll_opts()`` (and the
``set_*`` methods) return plain objects with its attribute names (:class:`GeneralOpts`,
:class:`FlowControlOpts`, :class:`LinkLayerOpts`), and ``bind()`` sets EXTEND_ADDR and
RX_EXT_ADDR for every addressing mode with an extension byte (extended and mixed). diagkit's
typed, immutable options are on the native socket, :attr:`socket.native`
(:class:`~diagkit.transport.kernel_socket.IsoTpSocket`).

Differences that protect the user: values are range checked (ConfigurationError, a
ValueError), options survive ``bind()`` and later ``set_opts()`` calls (python-can-isotp
drops FORCE_TXSTMIN whenever ``set_opts`` or an extended/mixed ``bind`` is given no
``tx_stmin``), errors are diagkit errors, ``recv()`` returns None on timeout (and raises
instead of truncating a PDU larger than ``max_pdu_size``), ``send()`` refuses a PDU larger
than ``max_pdu_size`` (8300 by default, the kernel's default limit: raise both together),
``timeout=0`` means non-blocking (python-can-isotp ignores 0 and blocks), and ``send``/``recv``
take no socket ``flags`` (use the timeout instead).
"""

from __future__ import annotations

import socket as socket_module
from dataclasses import dataclass
from types import TracebackType

from diagkit.errors import ConfigurationError
from diagkit.transport.address import Address, AddressingMode, TargetAddressType
from diagkit.transport.kernel_socket import IsoTpSocket
from diagkit.transport.options import (
    FRAME_TXTIME_ZERO,
    Flags,
    FlowControlOptions,
    GeneralOptions,
    LinkLayerOptions,
    LinkLayerProtocol,
    SocketOptions,
)

flags = Flags


@dataclass
class GeneralOpts:
    """python-can-isotp's ``GeneralOpts``: ``struct can_isotp_options`` as plain ints.

    ``frame_txtime`` and ``tx_stmin`` are nanoseconds. ``tx_stmin`` is ``CAN_ISOTP_TX_STMIN``
    (acts with FORCE_TXSTMIN); python-can-isotp writes it but reports no attribute for it.
    """

    optflag: int
    frame_txtime: int
    ext_address: int
    txpad: int
    rxpad: int
    rx_ext_address: int
    tx_stmin: int

    @classmethod
    def from_native(cls, options: GeneralOptions, tx_stmin: int) -> GeneralOpts:
        """The same values as diagkit's typed :class:`GeneralOptions` (plus ``tx_stmin``, ns)."""
        return cls(
            options.optflag,
            options.frame_txtime_ns,
            options.ext_address,
            options.txpad,
            options.rxpad,
            options.rx_ext_address,
            tx_stmin,
        )


@dataclass
class FlowControlOpts:
    """python-can-isotp's ``FlowControlOpts``: what this socket's flow control frames say."""

    stmin: int
    bs: int
    wftmax: int

    @classmethod
    def from_native(cls, options: FlowControlOptions) -> FlowControlOpts:
        """The same values as diagkit's typed :class:`FlowControlOptions`."""
        return cls(stmin=options.stmin, bs=options.bs, wftmax=options.wftmax)


@dataclass
class LinkLayerOpts:
    """python-can-isotp's ``LinkLayerOpts``: ``mtu`` 16/72, ``tx_dl`` and ``tx_flags``."""

    mtu: int
    tx_dl: int
    tx_flags: int

    @classmethod
    def from_native(cls, options: LinkLayerOptions) -> LinkLayerOpts:
        """The same values as diagkit's typed :class:`LinkLayerOptions`."""
        return cls(options.mtu, options.tx_dl, options.tx_flags)


def _no_flags(operation: str, value: int) -> None:
    if value != 0:
        raise ConfigurationError(
            f"{operation}: socket flags are not supported (got {value!r}); use settimeout(0) "
            "for a call that never waits"
        )


class socket:  # noqa: N801 - python-can-isotp's name: ports change only their import
    """python-can-isotp's ``isotp.socket`` over diagkit's checked kernel ISO-TP socket.

    ``timeout`` (seconds, ``None`` = blocking, 0 = non-blocking) applies to :meth:`send` and
    :meth:`recv`. Options are set before :meth:`bind`.
    """

    flags = Flags
    LinkLayerProtocol = LinkLayerProtocol

    def __init__(self, timeout: float | None = None) -> None:
        self._native = IsoTpSocket(timeout)
        # udsoncan's IsoTPSocketConnection selects on python-can-isotp's private ``_socket``.
        self._socket: socket_module.socket = self._native.real_socket()

    @property
    def native(self) -> IsoTpSocket:
        """The diagkit socket underneath, with typed options (``get_opts() -> GeneralOptions``)."""
        return self._native

    @property
    def bound(self) -> bool:
        """True once :meth:`bind` succeeded (and until :meth:`close`)."""
        return self._native.bound

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._native.closed

    @property
    def interface(self) -> str | None:
        """The interface bound to, or None."""
        return self._native.interface

    @property
    def address(self) -> Address | None:
        """The address bound to, or None."""
        return self._native.address

    @property
    def max_pdu_size(self) -> int:
        """Largest PDU :meth:`send` and :meth:`recv` accept (8300 by default)."""
        return self._native.max_pdu_size

    @max_pdu_size.setter
    def max_pdu_size(self, value: int) -> None:
        self._native.max_pdu_size = value

    def settimeout(self, value: float | None) -> None:
        """Seconds :meth:`send`/:meth:`recv` may wait; None blocks, 0 never waits."""
        self._native.settimeout(value)

    def gettimeout(self) -> float | None:
        """The current timeout in seconds (None = blocking)."""
        return self._native.gettimeout()

    def send(self, data: bytes | bytearray | memoryview, flags: int = 0) -> int:
        """Send one PDU; returns its length. ``flags`` must be 0."""
        _no_flags("send", flags)
        return self._native.send(data)

    def recv(self, bufsize: int | None = None, flags: int = 0) -> bytes | None:
        """The next PDU, or None on timeout; a PDU over ``bufsize`` (default
        :attr:`max_pdu_size`) raises instead of being truncated. ``flags`` must be 0."""
        _no_flags("recv", flags)
        return self._native.recv(bufsize)

    def set_ll_opts(
        self, mtu: int | None = None, tx_dl: int | None = None, tx_flags: int | None = None
    ) -> LinkLayerOpts:
        """Change the link layer (``mtu`` 16 or 72, ``tx_dl``, ``tx_flags``); None keeps one."""
        self._native.set_ll_opts(mtu, tx_dl, tx_flags)
        return self.get_ll_opts()

    def set_opts(  # noqa: PLR0917 - python-can-isotp's positional signature, kept for porting
        self,
        optflag: int | None = None,
        frame_txtime: int | None = None,
        ext_address: int | None = None,
        txpad: int | None = None,
        rxpad: int | None = None,
        rx_ext_address: int | None = None,
        tx_stmin: int | None = None,
    ) -> GeneralOpts:
        """Change the general options; None keeps a field. ``ext_address``, ``txpad``,
        ``rxpad``, ``rx_ext_address`` and ``tx_stmin`` also set EXTEND_ADDR, TX_PADDING,
        RX_PADDING, RX_EXT_ADDR and FORCE_TXSTMIN; times are nanoseconds."""
        self._native.set_opts(
            optflag, frame_txtime, ext_address, txpad, rxpad, rx_ext_address, tx_stmin
        )
        return self.get_opts()

    def set_fc_opts(
        self, bs: int | None = None, stmin: int | None = None, wftmax: int | None = None
    ) -> FlowControlOpts:
        """Change what this socket's flow control frames announce; None keeps a field."""
        self._native.set_fc_opts(bs, stmin, wftmax)
        return self.get_fc_opts()

    def get_ll_opts(self) -> LinkLayerOpts:
        """The kernel's ``can_isotp_ll_options`` of this socket."""
        return LinkLayerOpts.from_native(self._native.get_ll_opts())

    def get_opts(self) -> GeneralOpts:
        """The kernel's ``can_isotp_options`` of this socket, with its forced tx STmin."""
        return GeneralOpts.from_native(self._native.get_opts(), self._native.get_tx_stmin())

    def get_fc_opts(self) -> FlowControlOpts:
        """The kernel's ``can_isotp_fc_options`` of this socket."""
        return FlowControlOpts.from_native(self._native.get_fc_opts())

    def bind(self, interface: str, address: Address) -> None:
        """Bind to ``interface`` with ``address``; with an extension byte (extended, mixed)
        sets EXTEND_ADDR and RX_EXT_ADDR and both bytes, as python-can-isotp does."""
        native = self._native
        if not (native.bound or native.closed) and isinstance(address, Address):
            ext = address.tx_ext_address
        else:
            ext = None  # native.bind() says what is wrong
        if ext is not None:
            native.set_opts(ext_address=ext, rx_ext_address=address.rx_ext_address)
        native.bind(interface, address)

    def fileno(self) -> int:
        """The socket's file descriptor (-1 once closed)."""
        return self._native.fileno()

    def real_socket(self) -> socket_module.socket:
        """The underlying :class:`socket.socket`."""
        return self._native.real_socket()

    def close(self) -> None:
        """Close the socket; safe to call any number of times."""
        self._native.close()

    def __enter__(self) -> socket:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return repr(self._native)


__all__ = [
    "FRAME_TXTIME_ZERO",
    "Address",
    "AddressingMode",
    "Flags",
    "FlowControlOptions",
    "FlowControlOpts",
    "GeneralOptions",
    "GeneralOpts",
    "LinkLayerOptions",
    "LinkLayerOpts",
    "LinkLayerProtocol",
    "SocketOptions",
    "TargetAddressType",
    "flags",
    "socket",
]
