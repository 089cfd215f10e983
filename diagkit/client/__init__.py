"""The ECU client: udsoncan's services over any diagkit transport, with ISO 14229-2 timing."""

from __future__ import annotations

from diagkit.client.client import EcuClient, KeepAlive, SecuritySettings
from diagkit.client.errors import NrcError, SecurityRefusedError, TimerExpiredError
from diagkit.client.functional import FunctionalGroup
from diagkit.client.timing import Timing

__all__ = [
    "EcuClient",
    "FunctionalGroup",
    "KeepAlive",
    "NrcError",
    "SecurityRefusedError",
    "SecuritySettings",
    "TimerExpiredError",
    "Timing",
]
