"""The diagkit error tree: every error a user can meet, rooted in one class.

::

    DiagkitError
     +-- ProfileError (ValueError)            a profile file or model is invalid
     |    +-- InvalidProfileError             each finding: file:line field: reason
     |    +-- InvalidSequenceError            a sequence file (diagkit.sequence), the same way
     +-- ConfigurationError (ValueError)      an option value is out of range or contradictory
     |    +-- UnknownNameError (KeyError)     no ECU/DID of that name; the known ones are listed
     +-- TransportError (OSError)             the transport failed; .errno when mapped
     |    +-- TransportUnavailableError       no CAN / ISO-TP support here (module, Python, OS)
     |    +-- InterfaceError                  no such CAN interface, or it is down
     |    +-- TransportTimeoutError (TimeoutError)  ISO-TP timer (ECOMM, ETIMEDOUT) or send timeout
     |    +-- TransferError                   wrong frames broke a transfer (EILSEQ, EBADMSG...)
     |    +-- TransportClosedError            used after close()
     +-- UdsError                             the ECU's answer was not what was asked for
     |    +-- NegativeResponseError           0x7F: .service .nrc .nrc_name .address .response
     |    |    +-- SecurityRefusedError       ...to SecurityAccess (also a SecurityAccessError)
     |    +-- ResponseTimeoutError (TimeoutError)  P2, P2* or overall: .timer .timeout .address
     |    +-- InvalidResponseError            the answer is malformed or for another service
     |    +-- SecurityAccessError             seed/key exchange failed or no algorithm is known
     +-- FlashError                           a download stopped (diagkit.flash); each subclass is
                                              also the error above of its cause (FlashNrcError is
                                              a NegativeResponseError...)

Which OS, python-can(-isotp) and udsoncan errors become which of these is decided in one
place, :mod:`diagkit.errormap`. ``NrcError`` and ``TimerExpiredError`` are deprecated aliases
of :class:`NegativeResponseError` and :class:`ResponseTimeoutError` (the same classes, kept so
older code runs). Warnings about legal but suspicious usage are of category
:class:`DiagkitWarning`.
"""

from __future__ import annotations

from typing import Any, Literal

from diagkit.codes import Nrc, nrc_name, service_name

Timer = Literal["P2", "P2*", "overall"]
"""The ISO 14229-2 timer that expired: P2, P2* (after a 0x78 pending), or the overall limit."""

_NRC_BY_VALUE: dict[int, Nrc] = {int(n): n for n in Nrc}


def _rebuild(cls: type[DiagkitError], args: tuple[Any, ...]) -> DiagkitError:
    return cls.__new__(cls, *args)


class DiagkitError(Exception):
    """Root of every error raised by diagkit."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickles (multiprocessing, test runners) keep the fields and the errno whatever the
        # constructor's signature: rebuilt without __init__, then the attributes restored.
        state: dict[str, Any] = {**vars(self), "args": self.args}
        if isinstance(self, OSError):  # C-level fields, not in vars(); None means unset
            for name in ("errno", "strerror"):
                if getattr(self, name) is not None:
                    state[name] = getattr(self, name)
        return (_rebuild, (type(self), self.args), state)


class ProfileError(DiagkitError, ValueError):
    """A profile (file, document or model) is invalid; the message names file, field and reason."""


class ConfigurationError(DiagkitError, ValueError):
    """A value given to diagkit is out of its legal range or contradicts another one.

    ``errno`` is set when the refusal was mapped from an OS error (EINVAL...), else None.
    """

    errno: int | None = None


class UnknownNameError(ConfigurationError, KeyError):
    """A name the profile or bench does not define (an ECU, a DID); the message lists the known.

    A KeyError too, so mapping-style lookups (``bench["engine"]``) behave as Python's do.
    """

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


class TransportError(DiagkitError, OSError):
    """The transport failed; ``errno`` says how, the original error is chained as ``__cause__``."""


class TransportUnavailableError(TransportError):
    """This machine cannot open the requested transport (no CAN, no can-isotp, not Linux)."""


class InterfaceError(TransportError):
    """The CAN interface does not exist or is not up."""


class TransportTimeoutError(TransportError, TimeoutError):
    """An ISO-TP timer (no flow control, consecutive frames stopped) or a send timeout expired."""


class TransferError(TransportError):
    """An ISO-TP transfer broke off or was malformed on the bus."""


class TransportClosedError(TransportError):
    """The transport was used after it was closed."""


class UdsError(DiagkitError):
    """The diagnostic exchange did not give the expected positive response."""


def _where(address: str) -> str:
    return f" [{address}]" if address else ""


class NegativeResponseError(UdsError):
    """The ECU refused ``service`` with ``nrc``: the canonical class (``NrcError`` is an alias).

    ``nrc`` is a :class:`~diagkit.codes.Nrc` member where ISO 14229-1 names the code (a plain
    int otherwise), ``nrc_name`` its ISO name, ``address`` the ECU (e.g. ``"engine vcan0
    7E0->7E8"``) and ``response`` the whole ``7F`` PDU.
    """

    service: int
    nrc: int
    address: str = ""
    response: bytes = b""

    def __init__(self, service: int, nrc: int, address: str = "", response: bytes = b"") -> None:
        self.service = service
        self.nrc = _NRC_BY_VALUE.get(nrc, nrc)
        self.address = address
        self.response = response
        super().__init__(
            f"{service_name(service)} (0x{service:02X}){_where(address)}: "
            f"negative response 0x{nrc:02X} {nrc_name(nrc)}"
        )

    @property
    def service_name(self) -> str:
        """The ISO 14229-1 name of the refused service."""
        return service_name(self.service)

    @property
    def nrc_name(self) -> str | None:
        """The ISO 14229-1 name of the NRC (reserved and manufacturer ranges included)."""
        nrc: int | None = getattr(self, "nrc", None)
        return None if nrc is None else nrc_name(nrc)


class ResponseTimeoutError(UdsError, TimeoutError):
    """No (final) response: ``timer`` (P2, P2* or overall) of ``timeout`` seconds expired.

    The canonical class (``TimerExpiredError`` is an alias). ``pendings`` counts the 0x78
    response-pending answers received before; ``address`` names the ECU. ``service``, ``timer``
    and ``timeout`` are None only where udsoncan reported a timeout without them.
    """

    service: int | None = None
    timer: Timer | None = None
    timeout: float | None = None
    address: str = ""
    pendings: int = 0

    def __init__(
        self,
        service: int | None,
        timer: Timer | None,
        timeout: float | None,
        address: str = "",
        pendings: int = 0,
        *,
        detail: str = "",
    ) -> None:
        self.service = service
        self.timer = timer
        self.timeout = timeout
        self.address = address
        self.pendings = pendings
        what = "no response" if service is None else f"{service_name(service)} (0x{service:02X})"
        if timer is None or timeout is None:
            text = f"{what}{_where(address)}: {detail or 'no response in time'}"
        else:
            after = f" after {pendings} response-pending (0x78)" if pendings else ""
            name = "overall request timeout" if timer == "overall" else timer
            text = f"{what}{_where(address)}: no response, {name} of {timeout:.3f} s expired{after}"
        super().__init__(text)


class InvalidResponseError(UdsError):
    """The response is malformed, truncated or belongs to another service."""


class SecurityAccessError(UdsError):
    """Security access failed: unknown algorithm, bad seed, or the key was refused."""


class SecurityRefusedError(NegativeResponseError, SecurityAccessError):
    """The ECU refused a SecurityAccess step (e.g. 0x35 invalidKey): an NRC and a security error."""


NrcError = NegativeResponseError
"""Deprecated alias of :class:`NegativeResponseError` (the same class)."""

TimerExpiredError = ResponseTimeoutError
"""Deprecated alias of :class:`ResponseTimeoutError` (the same class)."""


class DiagkitWarning(UserWarning):
    """Legal but suspicious usage, e.g. an rx padding value without a padding check flag."""
