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

import importlib
import logging
from typing import TYPE_CHECKING, Any

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
    UnknownNameError,
)

if TYPE_CHECKING:
    from diagkit.client import EcuClient, FunctionalGroup, KeepAlive, SecuritySettings, Timing
    from diagkit.client.factory import open_client, open_functional_group
    from diagkit.client.factory import open_client as open
    from diagkit.codes import Nrc, ServiceId
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
    from diagkit.sequence.loader import InvalidSequenceError
    from diagkit.sequence.runner import run_sequence

# Imported on first use, so `import diagkit` (and every `diagkit` command) pays only for what
# it touches: the client, profiles and flashing pull in udsoncan, pydantic and python-can.
_LAZY: dict[str, tuple[str, str]] = {
    "EcuClient": ("diagkit.client", "EcuClient"),
    "FunctionalGroup": ("diagkit.client", "FunctionalGroup"),
    "KeepAlive": ("diagkit.client", "KeepAlive"),
    "SecuritySettings": ("diagkit.client", "SecuritySettings"),
    "Timing": ("diagkit.client", "Timing"),
    "open": ("diagkit.client.factory", "open_client"),
    "open_client": ("diagkit.client.factory", "open_client"),
    "open_functional_group": ("diagkit.client.factory", "open_functional_group"),
    "Nrc": ("diagkit.codes", "Nrc"),
    "ServiceId": ("diagkit.codes", "ServiceId"),
    "EcuProfile": ("diagkit.profile", "EcuProfile"),
    "InvalidProfileError": ("diagkit.profile", "InvalidProfileError"),
    "load_bench": ("diagkit.profile", "load_bench"),
    "load_profile": ("diagkit.profile", "load_profile"),
    "InvalidSequenceError": ("diagkit.sequence.loader", "InvalidSequenceError"),
    "run_sequence": ("diagkit.sequence.runner", "run_sequence"),
    **{
        name: ("diagkit.flash.errors", name)
        for name in (
            "FlashError",
            "FlashNrcError",
            "FlashResponseError",
            "FlashSecurityError",
            "FlashTimeoutError",
            "FlashTransportError",
            "FlashVerifyError",
        )
    },
}


def __getattr__(name: str) -> Any:
    """The public names that live in heavier modules, imported when first asked for."""
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'diagkit' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name), attribute)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

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
    "UnknownNameError",
    "__version__",
    "load_bench",
    "load_profile",
    "open",
    "open_client",
    "open_functional_group",
    "run_sequence",
]
