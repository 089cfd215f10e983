"""Everything needed to open a transport, as one immutable value (what a profile compiles into)."""

from __future__ import annotations

from dataclasses import dataclass, field

from diagkit.transport.address import Address
from diagkit.transport.options import SocketOptions

DEFAULT_BACKEND = "kernel"


@dataclass(frozen=True)
class TransportConfig:
    """Where and how to open one ISO-TP channel to one ECU.

    ``address`` is the physical (request/response) address; ``functional_address``, when set, is
    the transmit-only functional address used for functional requests (SF_BROADCAST).
    ``backend`` names a backend of :mod:`diagkit.transport.registry` (checked when opened).
    ``python_can`` holds the python-can bus arguments of the userspace backend
    (e.g. ``{"interface": "virtual"}``); the kernel backend ignores it.
    """

    interface: str
    address: Address
    options: SocketOptions = field(default_factory=SocketOptions)
    functional_address: Address | None = None
    backend: str = DEFAULT_BACKEND
    max_pdu_size: int = 8300
    send_timeout: float = 2.0
    python_can: tuple[tuple[str, str], ...] = ()
