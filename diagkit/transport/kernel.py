"""The kernel backend: the :class:`~diagkit.transport.base.Transport` contract on an ISO-TP socket.

Segmentation, flow control, padding and timing all happen in the kernel (net/can/isotp.c); this
module only opens the socket, waits with the socket's own timeout (poll on the fd, no threads)
and turns errors into diagkit errors.
"""

from __future__ import annotations

import dataclasses

from diagkit.errors import ConfigurationError, TransportClosedError
from diagkit.transport.address import Address, TargetAddressType
from diagkit.transport.base import Transport
from diagkit.transport.config import TransportConfig
from diagkit.transport.kernel_socket import DEFAULT_MAX_PDU_SIZE, IsoTpSocket, check_seconds
from diagkit.transport.options import Flags, SocketOptions

_DEFAULT_OPTIONS = SocketOptions()


def _with_flags(options: SocketOptions, flags: Flags) -> SocketOptions:
    general = dataclasses.replace(options.general, optflag=options.general.optflag | flags)
    return dataclasses.replace(options, general=general)


class KernelTransport(Transport):
    """One physical ISO-TP channel on a kernel CAN_ISOTP socket.

    The socket always gets :attr:`Flags.WAIT_TX_DONE`, so :meth:`send` returns once the PDU
    is on the bus and its errors (no flow control, overflow...) surface there.
    ``send_timeout`` bounds the wait for the channel to be free; the transfer itself cannot
    hang either: the kernel gives up after 1 s without flow control (N_Bs) or 2 s without
    the echo of a sent frame, but a long transfer that keeps progressing (e.g. 8 kB at an
    STmin of 10 ms) may take longer than ``send_timeout``.
    """

    def __init__(
        self,
        interface: str,
        address: Address,
        options: SocketOptions = _DEFAULT_OPTIONS,
        *,
        send_timeout: float = 2.0,
        max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
    ) -> None:
        self._send_timeout = check_seconds("send_timeout", send_timeout, positive=True)
        if not isinstance(options, SocketOptions):
            raise ConfigurationError(
                f"options must be a SocketOptions, got {type(options).__name__}"
            )
        self._socket = IsoTpSocket()
        self._timeout: float | None = None  # what the socket has now: set only on change
        try:
            self._socket.max_pdu_size = max_pdu_size
            self._socket.configure(_with_flags(options, Flags.WAIT_TX_DONE))
            self._socket.bind(interface, address)
        except BaseException:
            self._socket.close()
            raise

    @classmethod
    def from_config(cls, config: TransportConfig) -> KernelTransport:
        """Open the physical channel described by ``config`` (its functional address is not
        opened here: see :func:`functional_sender`)."""
        return cls(
            config.interface,
            config.address,
            config.options,
            send_timeout=config.send_timeout,
            max_pdu_size=config.max_pdu_size,
        )

    @property
    def socket(self) -> IsoTpSocket:
        """The underlying ISO-TP socket (e.g. to read its options back)."""
        return self._socket

    def fileno(self) -> int:
        """The socket's file descriptor, for select/poll."""
        return self._socket.fileno()

    def send(self, pdu: bytes, timeout: float | None = None) -> None:
        """Send one PDU of at most ``max_pdu_size`` bytes; ``timeout`` in seconds, ``None``
        for ``send_timeout``."""
        wait = self._send_timeout if timeout is None else timeout
        if wait != self._timeout:
            self._settimeout(wait, "send")
        self._socket.send(pdu)  # checks closed state, type and size before the kernel sees it

    def recv(self, timeout: float) -> bytes | None:
        """The next PDU, or None when none arrived within ``timeout`` seconds."""
        if timeout != self._timeout:
            self._settimeout(timeout, "recv")
        return self._socket.recv()  # checks closed state; never truncates silently

    def _settimeout(self, timeout: float, operation: str) -> None:
        """Give the open socket a new timeout, checked once (an ioctl: only when it changes)."""
        if self._socket.closed:
            raise TransportClosedError(f"{operation}: the kernel transport is closed")
        self._socket.real_socket().settimeout(check_seconds("timeout", timeout))
        self._timeout = timeout

    def close(self) -> None:
        """Close the socket; idempotent."""
        self._socket.close()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._socket.closed

    def __repr__(self) -> str:
        return f"KernelTransport({self._socket!r})"


def functional_sender(
    interface: str, address: Address, options: SocketOptions = _DEFAULT_OPTIONS
) -> IsoTpSocket:
    """Open a transmit-only socket for functional (1-to-n) requests, the kernel-correct way.

    The socket gets :attr:`Flags.SF_BROADCAST`: it sends single frames to the functional id
    and registers no receive id, because the kernel sends flow control to the bound tx id and a
    functional id must never act as a receiving physical socket. Responses arrive on the
    physical channel(s). ``address`` may be functional already or physical in a mode that
    defines a functional id (normal fixed, mixed 29-bit). Example::

        physical = Address(AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8)
        functional = Address(AddressingMode.Normal_11bits, txid=0x7DF, rxid=0x7E8,
                             target_type=TargetAddressType.Functional)
        with KernelTransport("can0", physical) as ecu, \\
                functional_sender("can0", functional) as broadcast:
            broadcast.send(bytes([0x3E, 0x80]))        # TesterPresent to every ECU
            ecu.send(bytes([0x22, 0xF1, 0x90]))        # then a physical request
            answer = ecu.recv(timeout=1.0)
    """
    if not isinstance(address, Address):
        raise ConfigurationError(f"address must be a diagkit Address, got {type(address).__name__}")
    if address.target_type is TargetAddressType.Physical:
        address = address.functional()
    sock = IsoTpSocket()
    try:
        sock.configure(_with_flags(options, Flags.SF_BROADCAST))
        sock.bind(interface, address)
    except BaseException:
        sock.close()
        raise
    return sock
