"""Transports: one ISO-TP channel to one peer (kernel socket, userspace stack, in memory).

``KernelTransport`` runs on the Linux kernel's CAN_ISOTP sockets (``isotp`` has the
python-can-isotp compatible socket), ``UserspaceTransport`` (``diagkit.transport.userspace``,
imported on use) on python-can, ``MemoryTransport`` in process; ``open_transport`` picks one
from a :class:`TransportConfig`.
"""

from __future__ import annotations

from diagkit.transport.address import Address, AddressingMode, TargetAddressType
from diagkit.transport.base import Transport
from diagkit.transport.config import TransportConfig
from diagkit.transport.factory import KNOWN_BACKENDS, open_transport
from diagkit.transport.kernel import KernelTransport, functional_sender
from diagkit.transport.memory import Delayed, MemoryTransport
from diagkit.transport.options import (
    FRAME_TXTIME_ZERO,
    Flags,
    FlowControlOptions,
    GeneralOptions,
    LinkLayerOptions,
    LinkLayerProtocol,
    SocketOptions,
)

__all__ = [
    "FRAME_TXTIME_ZERO",
    "KNOWN_BACKENDS",
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
    "TransportConfig",
    "functional_sender",
    "open_transport",
]
