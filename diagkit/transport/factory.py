"""Open the transport a :class:`~diagkit.transport.config.TransportConfig` names by its backend.

Backends are imported only when chosen, so a machine without python-can can still use the
kernel backend and vice versa; a missing piece is reported with what to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from diagkit.errors import ConfigurationError, TransportUnavailableError
from diagkit.transport.base import Transport
from diagkit.transport.config import TransportConfig

if TYPE_CHECKING:
    import can

KNOWN_BACKENDS = ("kernel", "userspace", "memory")

_USERSPACE_HINT = "pip install 'python-can>=4.3' 'can-isotp>=2.0.4'"


def open_transport(config: TransportConfig, *, bus: can.BusABC | None = None) -> Transport:
    """Open the channel ``config`` describes with the backend ``config.backend`` names.

    ``bus`` is an already open python-can bus for the userspace backend (it stays the
    caller's to shut down); without it the userspace backend opens one from
    ``config.python_can`` and shuts it down on close.
    """
    backend = config.backend
    if backend == "kernel":
        if bus is not None:
            raise ConfigurationError(
                "bus= is for the userspace backend; the kernel backend opens its own ISO-TP "
                f"socket on interface {config.interface!r}"
            )
        return _open_kernel(config)
    if backend == "userspace":
        return _open_userspace(config, bus)
    if backend == "memory":
        raise ConfigurationError(
            "the memory backend cannot be opened from a config: it has no bus, only a handler "
            "or a peer; create MemoryTransport(handler) or MemoryTransport.pair() from "
            "diagkit.transport.memory directly"
        )
    raise ConfigurationError(
        f"unknown transport backend {backend!r}; known backends: {', '.join(KNOWN_BACKENDS)}"
    )


def _open_kernel(config: TransportConfig) -> Transport:
    try:
        from diagkit.transport.kernel import KernelTransport  # noqa: PLC0415 (lazy by design)
    except ImportError as exc:
        raise TransportUnavailableError(
            f"the kernel backend cannot be loaded here ({exc}); it needs Linux with the "
            "can-isotp module (Linux 5.10+); elsewhere use backend='userspace' "
            f"({_USERSPACE_HINT})"
        ) from exc
    return KernelTransport.from_config(config)


def _open_userspace(config: TransportConfig, bus: can.BusABC | None) -> Transport:
    try:
        from diagkit.transport.userspace import UserspaceTransport  # noqa: PLC0415
    except ImportError as exc:
        raise TransportUnavailableError(
            f"the userspace backend needs python-can and can-isotp ({exc}): {_USERSPACE_HINT}"
        ) from exc
    return UserspaceTransport.from_config(config, bus=bus)
