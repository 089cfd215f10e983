"""The client's error names: the classes live in :mod:`diagkit.errors`, the mapping of
udsoncan's and the OS's errors in :mod:`diagkit.errormap`; nothing is defined here.

:data:`NrcError` and :data:`TimerExpiredError` are deprecated aliases of the canonical
:class:`~diagkit.errors.NegativeResponseError` and :class:`~diagkit.errors.ResponseTimeoutError`.
"""

from __future__ import annotations

from diagkit.codes import NEGATIVE_RESPONSE_SID
from diagkit.errormap import uds_errors
from diagkit.errors import (
    NegativeResponseError,
    NrcError,
    ResponseTimeoutError,
    SecurityRefusedError,
    Timer,
    TimerExpiredError,
)


def negative_response_error(pdu: bytes, address: str = "") -> NegativeResponseError:
    """The error for a negative response PDU ``7F <sid> <nrc>``."""
    if len(pdu) < 3 or pdu[0] != NEGATIVE_RESPONSE_SID:
        raise ValueError(f"not a negative response: {pdu.hex(' ')}")
    return NegativeResponseError(pdu[1], pdu[2], address, bytes(pdu))


__all__ = [
    "NegativeResponseError",
    "NrcError",
    "ResponseTimeoutError",
    "SecurityRefusedError",
    "Timer",
    "TimerExpiredError",
    "negative_response_error",
    "uds_errors",
]
