"""The diagkit error tree: every error a user can meet, rooted in one class.

::

    DiagkitError
     +-- ProfileError (ValueError)            a profile file or model is invalid
     +-- ConfigurationError (ValueError)      an option value is out of range or contradictory
     +-- TransportError (OSError)             the transport failed; the OSError is the cause
     |    +-- TransportUnavailableError       no CAN / ISO-TP support here (module, Python, OS)
     |    +-- InterfaceError                  no such CAN interface, or it is down
     |    +-- TransportTimeoutError (TimeoutError)  a send or receive timed out
     |    +-- TransferError                   an ISO-TP transfer broke (ECOMM, EILSEQ, EBADMSG...)
     |    +-- TransportClosedError            used after close()
     +-- UdsError                             the ECU's answer was not what was asked for
          +-- NegativeResponseError           the ECU answered 0x7F: .service, .nrc, .nrc_name
          +-- ResponseTimeoutError (TimeoutError)  P2, P2* or the overall timer: .timer, .timeout
          +-- InvalidResponseError            the answer is malformed or for another service
          +-- SecurityAccessError             seed/key exchange failed or no algorithm is known

Warnings about legal but suspicious usage are of category :class:`DiagkitWarning`.
"""

from __future__ import annotations

from diagkit.codes import nrc_name, service_name


class DiagkitError(Exception):
    """Root of every error raised by diagkit."""


class ProfileError(DiagkitError, ValueError):
    """A profile (file, document or model) is invalid; the message names file, field and reason."""


class ConfigurationError(DiagkitError, ValueError):
    """A value given to diagkit is out of its legal range or contradicts another one."""


class TransportError(DiagkitError, OSError):
    """The transport failed; when an OS error caused it, it is chained as ``__cause__``."""


class TransportUnavailableError(TransportError):
    """This machine cannot open the requested transport (no CAN, no can-isotp, not Linux)."""


class InterfaceError(TransportError):
    """The CAN interface does not exist or is not up."""


class TransportTimeoutError(TransportError, TimeoutError):
    """A transport-level send or receive did not complete within its timeout."""


class TransferError(TransportError):
    """An ISO-TP transfer broke off or was malformed on the bus."""


class TransportClosedError(TransportError):
    """The transport was used after it was closed."""


class UdsError(DiagkitError):
    """The diagnostic exchange did not give the expected positive response."""


class NegativeResponseError(UdsError):
    """The ECU answered with a negative response (0x7F) to ``service`` with ``nrc``.

    ``nrc`` is a :class:`~diagkit.codes.Nrc` member where ISO 14229-1 names the code (a plain
    int otherwise); both are None only where the failure is known without its NRC.
    """

    service: int | None = None
    nrc: int | None = None

    @property
    def service_name(self) -> str | None:
        """The ISO 14229-1 name of the refused service."""
        return None if self.service is None else service_name(self.service)

    @property
    def nrc_name(self) -> str | None:
        """The ISO 14229-1 name of the NRC (reserved and manufacturer ranges included)."""
        return None if self.nrc is None else nrc_name(self.nrc)


class ResponseTimeoutError(UdsError, TimeoutError):
    """No (final) response in time; ``timer`` (P2, P2*, overall) of ``timeout`` s expired."""

    timer: str | None = None
    timeout: float | None = None


class InvalidResponseError(UdsError):
    """The response is malformed, truncated or belongs to another service."""


class SecurityAccessError(UdsError):
    """Security access failed: unknown algorithm, bad seed, or the key was refused."""


class DiagkitWarning(UserWarning):
    """Legal but suspicious usage, e.g. an rx padding value without a padding check flag."""
