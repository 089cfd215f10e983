"""The ECU client: udsoncan's services over any diagkit transport, with ISO 14229-2 timing.

The errors it raises are :mod:`diagkit.errors`' (re-exported here; ``NrcError`` and
``TimerExpiredError`` are deprecated aliases of ``NegativeResponseError`` and
``ResponseTimeoutError``).
"""

from __future__ import annotations

from diagkit.client.client import EcuClient, KeepAlive, SecuritySettings
from diagkit.client.functional import FunctionalGroup
from diagkit.client.timing import Timing
from diagkit.errors import (
    NegativeResponseError,
    NrcError,
    ResponseTimeoutError,
    SecurityRefusedError,
    TimerExpiredError,
)

__all__ = [
    "EcuClient",
    "FunctionalGroup",
    "KeepAlive",
    "NegativeResponseError",
    "NrcError",
    "ResponseTimeoutError",
    "SecurityRefusedError",
    "SecuritySettings",
    "TimerExpiredError",
    "Timing",
]
