"""Flash errors: which step failed, at which block and address, and what state the ECU is in.

Each error is also of the category of what caused it (a negative response, a timeout, a
transport failure...), so ``except NegativeResponseError`` still catches an NRC during a
download; the original error is chained as ``__cause__``.
"""

from __future__ import annotations

from diagkit.errors import (
    DiagkitError,
    InvalidResponseError,
    NegativeResponseError,
    ResponseTimeoutError,
    SecurityAccessError,
    TransportError,
    UdsError,
)


class FlashError(DiagkitError):
    """A flash sequence stopped; ``step``, ``block``, ``address``, ``nrc`` say where and why.

    ``written`` is how many bytes the ECU acknowledged before the failure and ``partial`` is
    True when the region may have been erased or partly written (flash it again).
    """

    step: str = ""
    region: str = ""
    block: int | None = None
    address: int | None = None
    nrc: int | None = None
    written: int = 0
    total: int = 0
    changed: bool = False


class FlashNrcError(FlashError, NegativeResponseError):
    """The ECU answered a step of the sequence with a negative response (``nrc``)."""


class FlashTimeoutError(FlashError, ResponseTimeoutError):
    """A step got no (final) answer in time, retries included."""


class FlashTransportError(FlashError, TransportError):
    """The transport failed during a step."""


class FlashSecurityError(FlashError, SecurityAccessError):
    """The security access the region needs could not be obtained."""


class FlashResponseError(FlashError, InvalidResponseError):
    """The ECU's answer to a step is malformed or does not match the request."""


class FlashVerifyError(FlashError, UdsError):
    """The download completed but the ECU's check routine reports the content as wrong."""


_KINDS: tuple[tuple[type[DiagkitError], type[FlashError]], ...] = (
    (SecurityAccessError, FlashSecurityError),
    (NegativeResponseError, FlashNrcError),
    (ResponseTimeoutError, FlashTimeoutError),
    (TransportError, FlashTransportError),
    (InvalidResponseError, FlashResponseError),
)


def flash_error_class(cause: BaseException | None) -> type[FlashError]:
    """The flash error class of the same category as ``cause``."""
    for category, kind in _KINDS:
        if isinstance(cause, category):
            return kind
    return FlashError
