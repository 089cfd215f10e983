"""diagkit: UDS (ISO 14229) diagnostics over ISO-TP (ISO 15765-2) on the Linux kernel's sockets.

``diagkit.open("profiles/engine.yaml")`` gives a context-managed ECU client configured from
the profile alone; ``diagkit.transport`` has the kernel socket wrapper and the other backends.
"""

from __future__ import annotations

import logging

from diagkit.client import (
    EcuClient,
    FunctionalGroup,
    KeepAlive,
    NrcError,
    SecuritySettings,
    TimerExpiredError,
    Timing,
)
from diagkit.client.factory import open_client, open_functional_group
from diagkit.codes import Nrc, ServiceId
from diagkit.errors import (
    ConfigurationError,
    DiagkitError,
    DiagkitWarning,
    NegativeResponseError,
    ProfileError,
    ResponseTimeoutError,
    SecurityAccessError,
    TransportError,
    TransportTimeoutError,
)
from diagkit.profile import EcuProfile, load_bench, load_profile

__version__ = "0.1.0"

open = open_client  # diagkit.open(profile) reads as the user expects (shadows the builtin)

# A library configures no logging; this keeps Python's last-resort handler from printing
# the warnings of libraries below us (python-can-isotp) when the application set up none.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "ConfigurationError",
    "DiagkitError",
    "DiagkitWarning",
    "EcuClient",
    "EcuProfile",
    "FunctionalGroup",
    "KeepAlive",
    "NegativeResponseError",
    "Nrc",
    "NrcError",
    "ProfileError",
    "ResponseTimeoutError",
    "SecurityAccessError",
    "SecuritySettings",
    "ServiceId",
    "TimerExpiredError",
    "Timing",
    "TransportError",
    "TransportTimeoutError",
    "__version__",
    "load_bench",
    "load_profile",
    "open",
    "open_client",
    "open_functional_group",
]
