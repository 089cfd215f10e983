"""Transports: one ISO-TP channel to one peer (kernel socket, userspace stack, in memory).

``KernelTransport`` runs on the Linux kernel's CAN_ISOTP sockets (``isotp`` has the
python-can-isotp compatible socket), ``UserspaceTransport`` on python-can, ``MemoryTransport``
in process; ``open_transport`` opens the backend a :class:`TransportConfig` names, from
:mod:`diagkit.transport.registry`. Backends are imported when first used (these names are
resolved lazily), so importing ``diagkit.transport`` needs neither python-can nor Linux.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from diagkit.transport.address import Address, AddressingMode, TargetAddressType
from diagkit.transport.base import Transport
from diagkit.transport.config import TransportConfig
from diagkit.transport.factory import open_functional, open_transport
from diagkit.transport.options import (
    FRAME_TXTIME_ZERO,
    Flags,
    FlowControlOptions,
    GeneralOptions,
    LinkLayerOptions,
    LinkLayerProtocol,
    SocketOptions,
)
from diagkit.transport.registry import TransportBackend

if TYPE_CHECKING:
    from diagkit.transport.kernel import KernelTransport, functional_sender
    from diagkit.transport.memory import Delayed, MemoryTransport
    from diagkit.transport.userspace import UserspaceTransport

_LAZY = {
    "KernelTransport": "diagkit.transport.kernel",
    "functional_sender": "diagkit.transport.kernel",
    "Delayed": "diagkit.transport.memory",
    "MemoryTransport": "diagkit.transport.memory",
    "UserspaceTransport": "diagkit.transport.userspace",
}


def __getattr__(name: str) -> Any:
    """Import a backend's module the first time one of its names is used."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "FRAME_TXTIME_ZERO",
    "Address",
    "AddressingMode",
    "Delayed",
    "Flags",
    "FlowControlOptions",
    "GeneralOptions",
    "KernelTransport",
    "LinkLayerOptions",
    "LinkLayerProtocol",
    "MemoryTransport",
    "SocketOptions",
    "TargetAddressType",
    "Transport",
    "TransportBackend",
    "TransportConfig",
    "UserspaceTransport",
    "functional_sender",
    "open_functional",
    "open_transport",
]
