"""The exit codes of every ``diagkit`` command, and the one mapping from errors to them.

======  =====================================================================================
code    meaning
======  =====================================================================================
0       success
1       a check failed: ``--fail-on``, an expectation of a sequence
2       usage or profile error: bad arguments, an invalid profile, a value the profile refuses
3       the ECU refused: a negative response (the NRC is printed), or an answer that is not one
4       no response: a timer expired (P2, P2*, the overall timeout, or ISO-TP's N_Bs/N_Cr)
5       transport or OS error: no such interface, interface down, no CAN support, bus off...
130     interrupted (Ctrl-C)
======  =====================================================================================

Scripts can rely on these: they are the same for every command, and ``--json`` reports the
code in ``error.exit_code``.
"""

from __future__ import annotations

from enum import IntEnum

from diagkit.errors import (
    ConfigurationError,
    InvalidResponseError,
    NegativeResponseError,
    ProfileError,
    ResponseTimeoutError,
    SecurityAccessError,
    TransportError,
    TransportTimeoutError,
)


class ExitCode(IntEnum):
    """What a ``diagkit`` process exit status means (see the module's table)."""

    OK = 0
    CHECK_FAILED = 1
    USAGE = 2
    NEGATIVE_RESPONSE = 3
    NO_RESPONSE = 4
    TRANSPORT = 5
    INTERRUPTED = 130


def exit_code(exc: BaseException) -> ExitCode:
    """The exit code for ``exc``; errors diagkit does not know are usage errors only if ours."""
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    # Order matters: a refused SecurityAccess is an NRC and a security error; a transport
    # timeout is a transport error that means the ECU did not answer.
    if isinstance(exc, NegativeResponseError | InvalidResponseError):
        return ExitCode.NEGATIVE_RESPONSE
    if isinstance(exc, ResponseTimeoutError | TransportTimeoutError):
        return ExitCode.NO_RESPONSE
    if isinstance(exc, TransportError):
        return ExitCode.TRANSPORT
    if isinstance(exc, ProfileError | ConfigurationError | SecurityAccessError):
        return ExitCode.USAGE
    return ExitCode.TRANSPORT if isinstance(exc, OSError) else ExitCode.USAGE
