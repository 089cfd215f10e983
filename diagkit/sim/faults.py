"""Fault injection for the simulated ECU: misbehaviour chosen per service or per DID.

Each :class:`Fault` names what it applies to (a request SID, a DID or routine id, or both) and
what goes wrong. The first matching fault of :class:`Faults` applies to a request; ``times``
limits how often it fires (counted in the ECU state), so "the first request fails" is easy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from diagkit.codes import ServiceId
from diagkit.errors import ConfigurationError

if TYPE_CHECKING:
    from diagkit.sim.state import SimState

_IDENTIFIED = {
    ServiceId.ReadDataByIdentifier,
    ServiceId.WriteDataByIdentifier,
    ServiceId.InputOutputControlByIdentifier,
}


@dataclass(frozen=True)
class Fault:
    """One way to misbehave, for requests of ``service`` about ``did`` (None matches any).

    - ``delay``: extra processing time; covered by 0x78 pendings once it exceeds P2/2, like a
      slow but correct ECU.
    - ``nrc``: answer this negative response code instead of serving the request.
    - ``pending``: send exactly this many 0x78 before the answer, ``pending_interval`` apart,
      else spread evenly over ``delay`` (back to back without one).
    - ``no_answer``: serve the request but send nothing.
    - ``truncate``: drop this many bytes from the end of the answer (at least one byte stays).
    - ``wrong_sid``: answer as if for another service: DiagnosticSessionControl (0x50), or for a
      DiagnosticSessionControl request ECUReset (0x51); negative answers echo that SID.
    - ``late``: send the answer this many seconds after the request with no 0x78 at all, i.e.
      after a client's P2 has run out.
    - ``reset_after_blocks``: during a download, the ECU resets when TransferData block number
      ``reset_after_blocks + 1`` arrives, and answers nothing.
    """

    service: int | None = None
    did: int | None = None
    delay: float = 0.0
    nrc: int | None = None
    pending: int | None = None
    pending_interval: float | None = None
    no_answer: bool = False
    truncate: int = 0
    wrong_sid: bool = False
    late: float | None = None
    reset_after_blocks: int | None = None
    times: int | None = None

    def __post_init__(self) -> None:
        if self.nrc is not None and not 0x10 <= self.nrc <= 0xFF:
            raise ConfigurationError(f"fault nrc must be 0x10-0xFF, got {self.nrc!r}")
        if self.delay < 0 or (self.late is not None and self.late < 0):
            raise ConfigurationError("fault delay and late must not be negative")
        if self.pending is not None and self.pending < 0:
            raise ConfigurationError(f"fault pending must not be negative, got {self.pending}")
        if self.truncate < 0:
            raise ConfigurationError(f"fault truncate must not be negative, got {self.truncate}")
        if self.pending_interval is not None and self.pending_interval < 0:
            raise ConfigurationError("fault pending_interval must not be negative")
        if self.times is not None and self.times < 1:
            raise ConfigurationError(f"fault times must be 1 or more, got {self.times}")
        if self.reset_after_blocks is not None:
            if self.reset_after_blocks < 0:
                raise ConfigurationError("fault reset_after_blocks must not be negative")
            if self.service not in (None, ServiceId.TransferData):
                raise ConfigurationError(
                    "fault reset_after_blocks only applies to TransferData (0x36) requests"
                )

    def matches(self, request: bytes, state: SimState) -> bool:
        """True when this fault applies to ``request`` now (ignoring how often it fired)."""
        if self.service is not None and request[0] != self.service:
            return False
        if self.reset_after_blocks is not None:
            transfer = state.transfer
            if request[0] != ServiceId.TransferData or transfer is None:
                return False
            if transfer.blocks < self.reset_after_blocks:
                return False
        if self.did is None:
            return True
        return self.did in identifiers(request)


@dataclass(frozen=True, init=False)
class Faults:
    """An ordered set of faults; the first one matching a request applies."""

    items: tuple[Fault, ...] = ()

    def __init__(self, *items: Fault) -> None:
        object.__setattr__(self, "items", tuple(items))

    def find(self, request: bytes, state: SimState) -> Fault | None:
        """The fault to apply to ``request``, counted in ``state.fault_hits``, or None."""
        hits = state.fault_hits
        for index, fault in enumerate(self.items):
            if not fault.matches(request, state):
                continue
            if fault.times is not None and hits.get(index, 0) >= fault.times:
                continue
            hits[index] = hits.get(index, 0) + 1
            return fault
        return None

    def __bool__(self) -> bool:
        return bool(self.items)


def identifiers(request: bytes) -> tuple[int, ...]:
    """The DIDs (0x22, 0x2E, 0x2F) or routine id (0x31) a request is about."""
    sid = request[0]
    if sid == ServiceId.ReadDataByIdentifier:
        body = request[1:]
        return tuple(int.from_bytes(body[i : i + 2], "big") for i in range(0, len(body) - 1, 2))
    if sid in _IDENTIFIED and len(request) >= 3:
        return (int.from_bytes(request[1:3], "big"),)
    if sid == ServiceId.RoutineControl and len(request) >= 4:
        return (int.from_bytes(request[2:4], "big"),)
    return ()
