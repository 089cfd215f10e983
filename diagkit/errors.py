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
          +-- NegativeResponseError           the ECU answered 0x7F with an NRC
          +-- ResponseTimeoutError (TimeoutError)  P2, P2* or the overall timer expired
          +-- InvalidResponseError            the answer is malformed or for another service
          +-- SecurityAccessError             seed/key exchange failed or no algorithm is known

Warnings about legal but suspicious usage are of category :class:`DiagkitWarning`.
"""

from __future__ import annotations


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
    """The ECU answered with a negative response (0x7F); carries the service and the NRC."""


class ResponseTimeoutError(UdsError, TimeoutError):
    """No (final) response in time; the message names the timer (P2, P2*, overall) and address."""


class InvalidResponseError(UdsError):
    """The response is malformed, truncated or belongs to another service."""


class SecurityAccessError(UdsError):
    """Security access failed: unknown algorithm, bad seed, or the key was refused."""


class DiagkitWarning(UserWarning):
    """Legal but suspicious usage, e.g. an rx padding value without a padding check flag."""
