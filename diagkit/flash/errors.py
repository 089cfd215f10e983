"""Flash errors: which step failed, at which block and address, and what state the ECU is in.

Each error is also the client's error of what caused it, so ``except NegativeResponseError``
(or its alias ``NrcError``) still catches an NRC during a download, ``except
ResponseTimeoutError`` a silent ECU, ``except TransportError`` a broken channel; the original
error is chained as ``__cause__``. On every flash error ``address`` is the memory address of the
failed block (not the ECU's name, which the message gives).
"""

from __future__ import annotations

from typing import Any

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

    def __init__(self, message: str) -> None:
        # One message for every kind: the cause's own constructor (service, NRC...) is skipped,
        # its fields come from the chained cause.
        Exception.__init__(self, message)


def _cause_field(error: BaseException, name: str) -> Any:
    cause = error.__cause__
    if not isinstance(cause, NegativeResponseError):
        raise AttributeError(f"{type(error).__name__} without a chained NRC has no {name}")
    return getattr(cause, name)


class FlashNrcError(FlashError, NegativeResponseError):
    """The ECU answered a step of the sequence with a negative response (``nrc``).

    ``service`` and ``response`` are those of the chained
    :class:`~diagkit.errors.NegativeResponseError`.
    """

    nrc: int
    address: int | None  # type: ignore[assignment]  # the memory address, as on every FlashError

    @property
    def service(self) -> int:
        """The refused service (of the chained negative response)."""
        return int(_cause_field(self, "service"))

    @service.setter
    def service(self, value: int) -> None:
        raise AttributeError("a FlashNrcError's service is its chained NRC's")

    @property
    def response(self) -> bytes:
        """The negative response PDU ``7F <sid> <nrc>`` (of the chained negative response)."""
        return bytes(_cause_field(self, "response"))

    @response.setter
    def response(self, value: bytes) -> None:
        raise AttributeError("a FlashNrcError's response is its chained NRC's")


class FlashTimeoutError(FlashError, ResponseTimeoutError):
    """A step got no (final) answer in time, retries included."""

    address: int | None  # type: ignore[assignment]  # the memory address, as on every FlashError


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
