"""The one place where udsoncan's and the OS's errors become diagkit errors.

:class:`NrcError` and :class:`TimerExpiredError` are the client's concrete forms of
:class:`~diagkit.errors.NegativeResponseError` and :class:`~diagkit.errors.ResponseTimeoutError`:
catch the base classes, read the fields (service, NRC with its ISO 14229-1 name, timer, address).
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from udsoncan.exceptions import (
    ConfigError,
    InvalidResponseException,
    NegativeResponseException,
    TimeoutException,
    UnexpectedResponseException,
)

from diagkit.codes import NEGATIVE_RESPONSE_SID, Nrc, nrc_name, service_name
from diagkit.errors import (
    ConfigurationError,
    DiagkitError,
    InvalidResponseError,
    NegativeResponseError,
    ResponseTimeoutError,
    SecurityAccessError,
    TransferError,
    TransportError,
    TransportTimeoutError,
)

Timer = Literal["P2", "P2*", "overall"]

_NRC_BY_VALUE: dict[int, Nrc] = {int(n): n for n in Nrc}
_TRANSFER_ERRNOS = frozenset(
    {errno.ECOMM, errno.EILSEQ, errno.EBADMSG, errno.EMSGSIZE, errno.ETIMEDOUT, errno.EOVERFLOW}
)


def _where(address: str) -> str:
    return f" [{address}]" if address else ""


class NrcError(NegativeResponseError):
    """The ECU refused ``service`` with ``nrc`` (a :class:`~diagkit.codes.Nrc` if ISO names it)."""

    service: int
    nrc: int  # an Nrc member where ISO 14229-1 names the code

    def __init__(self, service: int, nrc: int, address: str = "", response: bytes = b"") -> None:
        self.service = service
        self.nrc = _NRC_BY_VALUE.get(nrc, nrc)
        self.address = address
        self.response = response
        super().__init__(
            f"{service_name(service)} (0x{service:02X}){_where(address)}: "
            f"negative response 0x{nrc:02X} {nrc_name(nrc)}"
        )

    def __reduce__(self) -> tuple[type[NrcError], tuple[int, int, str, bytes]]:
        return (type(self), (self.service, int(self.nrc), self.address, self.response))


class SecurityRefusedError(NrcError, SecurityAccessError):
    """The ECU refused a SecurityAccess step (e.g. 0x35 invalidKey): an NRC and a security error."""


class TimerExpiredError(ResponseTimeoutError):
    """No (final) response: ``timer`` (P2, P2* or overall) of ``timeout`` seconds expired."""

    service: int
    timer: Timer
    timeout: float

    def __init__(
        self, service: int, timer: Timer, timeout: float, address: str = "", pendings: int = 0
    ) -> None:
        self.service = service
        self.timer = timer
        self.timeout = timeout
        self.address = address
        self.pendings = pendings
        after = f" after {pendings} response-pending (0x78)" if pendings else ""
        what = "overall request timeout" if timer == "overall" else timer
        super().__init__(
            f"{service_name(service)} (0x{service:02X}){_where(address)}: no response, "
            f"{what} of {timeout:.3f} s expired{after}"
        )

    def __reduce__(self) -> tuple[type[TimerExpiredError], tuple[int, Timer, float, str, int]]:
        return (type(self), (self.service, self.timer, self.timeout, self.address, self.pendings))


def negative_response_error(pdu: bytes, address: str = "") -> NrcError:
    """The error for a negative response PDU ``7F <sid> <nrc>``."""
    if len(pdu) < 3 or pdu[0] != NEGATIVE_RESPONSE_SID:
        raise ValueError(f"not a negative response: {pdu.hex(' ')}")
    return NrcError(pdu[1], pdu[2], address, bytes(pdu))


def transport_error(exc: OSError, address: str = "") -> TransportError:
    """A diagkit transport error for an OSError a transport let through unmapped."""
    if isinstance(exc, TransportError):
        return exc
    text = f"{exc.strerror or exc}{_where(address)}"
    if isinstance(exc, TimeoutError):
        return TransportTimeoutError(exc.errno or errno.ETIMEDOUT, f"transport timeout: {text}")
    if exc.errno in _TRANSFER_ERRNOS:
        return TransferError(exc.errno, f"ISO-TP transfer failed: {text}")
    return TransportError(exc.errno or 0, f"transport failed: {text}")


@contextmanager
def uds_errors(address: str = "") -> Iterator[None]:
    """Re-raise udsoncan's exceptions (and its bare ValueErrors) as diagkit errors."""
    try:
        yield
    except DiagkitError:
        raise
    except NegativeResponseException as exc:
        response = exc.response
        service = response.service.request_id() if response.service is not None else 0
        payload = response.original_payload or b""
        raise NrcError(service, response.code or 0, address, payload) from exc
    except TimeoutException as exc:
        raise ResponseTimeoutError(f"{exc}{_where(address)}") from exc
    except (InvalidResponseException, UnexpectedResponseException) as exc:
        raise InvalidResponseError(f"{exc}{_where(address)}".replace("  ", " ").strip()) from exc
    except ConfigError as exc:
        raise ConfigurationError(f"udsoncan configuration: {exc} (key {exc.key!r})") from exc
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from exc
    except OSError as exc:
        raise transport_error(exc, address) from exc
