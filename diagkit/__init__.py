"""diagkit: UDS (ISO 14229) diagnostics over ISO-TP (ISO 15765-2) on the Linux kernel's sockets.

``diagkit.open("profiles/engine.yaml")`` gives a context-managed ECU client configured from
the profile alone; ``diagkit.transport`` has the kernel socket wrapper and the other backends.

``diagkit.run_sequence(sequence, bench)`` runs an end-of-line sequence (:mod:`diagkit.sequence`,
imported on first use).

One name per concept: :func:`open` (``open_client`` is the same function, kept as an alias),
:class:`NegativeResponseError` and :class:`ResponseTimeoutError` (``NrcError`` and
``TimerExpiredError`` are deprecated aliases of them, the same classes). Every error diagkit
raises is exported here and is a :class:`DiagkitError`; the tree is in :mod:`diagkit.errors`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:  # imported on first use at run time, see __getattr__
    from diagkit.sequence.loader import InvalidSequenceError
    from diagkit.sequence.runner import run_sequence

_LAZY = {
    "InvalidSequenceError": "diagkit.sequence.loader",
    "run_sequence": "diagkit.sequence.runner",
}
"""Names exported here whose modules load only when first used (the sequence runner)."""


def __getattr__(name: str) -> object:
    """Import :data:`_LAZY` names on first access, so ``import diagkit`` stays light."""
    if name in _LAZY:
        import importlib  # noqa: PLC0415

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'diagkit' has no attribute {name!r}")


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
    "InvalidSequenceError",
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
    "run_sequence",
]
