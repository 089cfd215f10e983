"""Open the transport a :class:`~diagkit.transport.config.TransportConfig` names, by its backend.

:func:`open_transport` and :func:`open_functional` look the backend up in
:mod:`diagkit.transport.registry`. diagkit's own backends are defined here, each once:
``kernel`` (the kernel's CAN_ISOTP sockets), ``userspace`` (python-can + python-can-isotp) and
``memory`` (built in code, never from a config). Their modules are imported only when a channel
is opened, so a machine without python-can can still use the kernel backend and vice versa; a
missing piece is reported with what to install.
"""

from __future__ import annotations

import dataclasses
import socket
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from diagkit.errors import ConfigurationError, TransportUnavailableError
from diagkit.transport import registry
from diagkit.transport.base import Transport
from diagkit.transport.config import DEFAULT_BACKEND, TransportConfig
from diagkit.transport.options import Flags

if TYPE_CHECKING:
    import can

    from diagkit.transport.kernel_socket import IsoTpSocket
    from diagkit.transport.userspace import UserspaceTransport

USERSPACE_HINT = "pip install 'python-can>=4.3' 'can-isotp>=2.0.4'"


def open_transport(config: TransportConfig, *, bus: can.BusABC | None = None) -> Transport:
    """Open the physical channel ``config`` describes with the backend ``config.backend`` names.

    ``bus`` is an already open bus for a backend that runs on one (a python-can bus for the
    userspace backend; it stays the caller's to shut down); without it the userspace backend
    opens one from ``config.python_can`` and shuts it down on close.
    """
    backend = registry.get(config.backend)
    if bus is not None:
        if backend.open_on_bus is None:
            takers = [b.name for b in registry.loaded() if b.open_on_bus is not None]
            raise ConfigurationError(
                f"bus= is for the {' or '.join(takers)} backend; the {backend.name} backend "
                f"opens its own channel on interface {config.interface!r}"
            )
        return backend.open_on_bus(config, bus)
    if backend.open is None:
        raise ConfigurationError(backend.refusal)
    return backend.open(config)


def open_functional(config: TransportConfig, physical: Transport) -> Transport:
    """A transmit-only channel on ``config.functional_address``, for the config's backend.

    ``physical`` is the ECU's open physical channel (the userspace backend shares its bus).
    Answers to functional requests arrive on the physical channels, never here.
    """
    if config.functional_address is None:
        raise ConfigurationError(
            "functional requests need a functional address (addressing.functional_txid "
            "or addressing.functional_target_address in the profile)"
        )
    backend = registry.get(config.backend)
    if backend.open_functional is None:
        raise ConfigurationError(
            f"the {backend.name} backend has no functional sender; pass one (functional=) "
            "to the client directly"
        )
    return backend.open_functional(config, physical)


# -- kernel ----------------------------------------------------------------------------------


def _open_kernel(config: TransportConfig) -> Transport:
    transport: Transport = _import_kernel().KernelTransport.from_config(config)
    return transport


def _open_kernel_functional(config: TransportConfig, physical: Transport) -> Transport:
    del physical  # the kernel opens a socket of its own on the interface
    assert config.functional_address is not None  # checked by open_functional
    kernel = _import_kernel()
    sock = kernel.functional_sender(config.interface, config.functional_address, config.options)
    return _SocketTransport(sock, config.send_timeout)


def _import_kernel() -> ModuleType:
    try:
        kernel = import_module("diagkit.transport.kernel")  # lazy by design
    except ImportError as exc:
        raise TransportUnavailableError(
            f"the kernel backend cannot be loaded here ({exc}); it needs Linux with the "
            "can-isotp module (Linux 5.10+); elsewhere use backend='userspace' "
            f"({USERSPACE_HINT})"
        ) from exc
    return kernel


def _kernel_unavailable(config: TransportConfig) -> str | None:
    if not hasattr(socket, "CAN_ISOTP"):
        return "this Python has no socket.CAN_ISOTP (Linux only)"
    try:
        socket.socket(socket.AF_CAN, socket.SOCK_DGRAM, socket.CAN_ISOTP).close()
    except OSError as exc:
        return f"the kernel has no CAN ISO-TP ({exc.strerror}; try modprobe can-isotp)"
    name = config.interface
    flags = Path("/sys/class/net", name, "flags")
    if "/" in name or name in (".", "..") or not flags.exists():
        return f"no interface {name}"
    if not int(flags.read_text(), 16) & 0x1:  # IFF_UP
        return f"{name} is down"
    return None


class _SocketTransport(Transport):
    """The transport contract on a transmit-only kernel socket (``SF_BROADCAST``).

    ``recv`` waits out its timeout and finds nothing: such a socket registers no receive id.
    """

    def __init__(self, sock: IsoTpSocket, send_timeout: float) -> None:
        self._socket = sock
        self._send_timeout = send_timeout

    def send(self, pdu: bytes, timeout: float | None = None) -> None:
        self._socket.settimeout(self._send_timeout if timeout is None else timeout)
        self._socket.send(pdu)

    def recv(self, timeout: float) -> bytes | None:
        self._socket.settimeout(max(timeout, 0.0))
        return self._socket.recv()

    def close(self) -> None:
        self._socket.close()

    @property
    def closed(self) -> bool:
        return self._socket.closed

    def __repr__(self) -> str:
        return f"functional {self._socket!r}"


# -- userspace -------------------------------------------------------------------------------


def _open_userspace(config: TransportConfig) -> Transport:
    transport: Transport = _import_userspace().UserspaceTransport.from_config(config)
    return transport


def _open_userspace_on_bus(config: TransportConfig, bus: Any) -> Transport:
    transport: Transport = _import_userspace().UserspaceTransport.from_config(config, bus=bus)
    return transport


def _open_userspace_functional(config: TransportConfig, physical: Transport) -> Transport:
    userspace = _import_userspace()
    assert config.functional_address is not None  # checked by open_functional
    if not isinstance(physical, userspace.UserspaceTransport):
        raise ConfigurationError("a userspace functional sender needs a userspace transport")
    general = config.options.general
    broadcast = dataclasses.replace(
        config.options,
        general=dataclasses.replace(general, optflag=general.optflag | Flags.SF_BROADCAST),
    )
    sender: UserspaceTransport = userspace.UserspaceTransport(
        physical.bus,
        config.functional_address,
        broadcast,
        send_timeout=config.send_timeout,
        max_pdu_size=config.max_pdu_size,
    )
    return _TransmitOnly(sender)


def _import_userspace() -> ModuleType:
    try:
        userspace = import_module("diagkit.transport.userspace")  # lazy by design
    except ImportError as exc:
        raise TransportUnavailableError(
            f"the userspace backend needs python-can and can-isotp ({exc}): {USERSPACE_HINT}"
        ) from exc
    return userspace


def _userspace_unavailable(config: TransportConfig) -> str | None:
    del config
    try:
        _import_userspace()
    except TransportUnavailableError as exc:
        return str(exc)
    return None


class _TransmitOnly(Transport):
    """A userspace channel used only to send: its stack also hears the ECUs' answers (which
    the physical channels read), so they are dropped after each send and never returned."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def send(self, pdu: bytes, timeout: float | None = None) -> None:
        self._transport.send(pdu, timeout)
        self._drain()

    def recv(self, timeout: float) -> bytes | None:
        self._drain()
        self._transport.recv(timeout)  # whatever arrives is an answer for the physical channel
        self._drain()
        return None

    def _drain(self) -> None:
        while self._transport.recv(0.0) is not None:
            pass

    def close(self) -> None:
        self._transport.close()

    @property
    def closed(self) -> bool:
        return self._transport.closed


# -- the registrations -----------------------------------------------------------------------

BUILTIN_BACKENDS = (
    registry.TransportBackend(
        name=DEFAULT_BACKEND,  # "kernel": what a config without a backend gets
        summary="the Linux kernel's CAN_ISOTP sockets",
        open=_open_kernel,
        open_functional=_open_kernel_functional,
        unavailable=_kernel_unavailable,
    ),
    registry.TransportBackend(
        name="userspace",
        summary="ISO-TP in userspace on a python-can bus",
        open=_open_userspace,
        open_functional=_open_userspace_functional,
        unavailable=_userspace_unavailable,
        open_on_bus=_open_userspace_on_bus,
    ),
    registry.TransportBackend(
        name="memory",
        summary="in-process channels built in code (tests, the simulated ECU)",
        open=None,
        refusal=(
            "the memory backend cannot be opened from a config: it has no bus, only a handler "
            "or a peer; create MemoryTransport(handler) or MemoryTransport.pair() from "
            "diagkit.transport.memory directly and hand it over (open_client(transport=...))"
        ),
    ),
)
