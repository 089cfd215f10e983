"""diagkit: UDS (ISO 14229) diagnostics over ISO-TP (ISO 15765-2) on the Linux kernel's sockets.

``diagkit.open("profiles/engine.yaml")`` gives a context-managed ECU client configured from
the profile alone; ``diagkit.transport`` has the kernel socket wrapper and the other backends.

One name per concept: :func:`open` (``open_client`` is the same function, kept as an alias),
:class:`NegativeResponseError` and :class:`ResponseTimeoutError` (``NrcError`` and
``TimerExpiredError`` are deprecated aliases of them, the same classes). Every error diagkit
raises is exported here and is a :class:`DiagkitError`; the tree is in :mod:`diagkit.errors`.
"""

from __future__ import annotations

import logging

from diagkit.client import (
    EcuClient,
    FunctionalGroup,
    KeepAlive,
    SecuritySettings,
    Timing,
)
from diagkit.client.factory import open_client, open_functional_group
from diagkit.codes import Nrc, ServiceId
from diagkit.errors import (
    ConfigurationError,
    DiagkitError,
    DiagkitWarning,
    InterfaceError,
    InvalidResponseError,
    NegativeResponseError,
    NrcError,
    ProfileError,
    ResponseTimeoutError,
    SecurityAccessError,
    SecurityRefusedError,
    TimerExpiredError,
    TransferError,
    TransportClosedError,
    TransportError,
    TransportTimeoutError,
    TransportUnavailableError,
    UdsError,
)
from diagkit.flash.errors import (
    FlashError,
    FlashNrcError,
    FlashResponseError,
    FlashSecurityError,
    FlashTimeoutError,
    FlashTransportError,
    FlashVerifyError,
)
from diagkit.profile import EcuProfile, InvalidProfileError, load_bench, load_profile

__version__ = "0.1.0"

open = open_client  # the canonical name: diagkit.open(profile) (shadows the builtin here only)

# A library configures no logging; this keeps Python's last-resort handler from printing
# the warnings of libraries below us (python-can-isotp) when the application set up none.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "ConfigurationError",
    "DiagkitError",
    "DiagkitWarning",
    "EcuClient",
    "EcuProfile",
    "FlashError",
    "FlashNrcError",
    "FlashResponseError",
    "FlashSecurityError",
    "FlashTimeoutError",
    "FlashTransportError",
    "FlashVerifyError",
    "FunctionalGroup",
    "InterfaceError",
    "InvalidProfileError",
    "InvalidResponseError",
    "KeepAlive",
    "NegativeResponseError",
    "Nrc",
    "NrcError",
    "ProfileError",
    "ResponseTimeoutError",
    "SecurityAccessError",
    "SecurityRefusedError",
    "SecuritySettings",
    "ServiceId",
    "TimerExpiredError",
    "Timing",
    "TransferError",
    "TransportClosedError",
    "TransportError",
    "TransportTimeoutError",
    "TransportUnavailableError",
    "UdsError",
    "__version__",
    "load_bench",
    "load_profile",
    "open",
    "open_client",
    "open_functional_group",
]
