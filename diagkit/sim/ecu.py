"""The simulated ECU's protocol logic: request bytes + state + time -> reply; no I/O at all.

:func:`handle` makes the checks of ISO 14229-1:2013 7.5 (figure 5) common to every service
(0x11, 0x7F, 0x33, then the sub-function length), runs the service's handler, applies the
suppressPosRspMsgIndicationBit and the functional-addressing rules, the S3 timeout and any
injected fault. :class:`SimEcu` bundles a spec and its state for the serving loop.
"""

from __future__ import annotations

import dataclasses
import threading

from diagkit.codes import POSITIVE_RESPONSE_OFFSET, SUPPRESS_POSITIVE_RESPONSE, Nrc, ServiceId
from diagkit.sim.faults import Fault, Faults
from diagkit.sim.reply import Emission, Reply, answer_time, negative, schedule
from diagkit.sim.services import HANDLERS, WITH_SUBFUNCTION
from diagkit.sim.services.common import unlocked
from diagkit.sim.spec import DEFAULT_SESSION, SimEcuSpec, allowed
from diagkit.sim.state import SimState

FUNCTIONALLY_SUPPRESSED = frozenset(
    {
        Nrc.serviceNotSupported,
        Nrc.subFunctionNotSupported,
        Nrc.requestOutOfRange,
        Nrc.subFunctionNotSupportedInActiveSession,
        Nrc.serviceNotSupportedInActiveSession,
    }
)
"""NRCs a server does not send to functionally addressed requests (ISO 14229-1:2013 7.5)."""


def handle(
    request: bytes, spec: SimEcuSpec, state: SimState, now: float, *, functional: bool = False
) -> Reply:
    """Answer ``request`` received at time ``now`` (seconds, any monotonic origin)."""
    if not request:
        return Reply(None)
    if state.offline_until is not None:
        if now < state.offline_until:
            return Reply(None)
        state.offline_until = None
    if (
        state.session != DEFAULT_SESSION
        and state.s3_start is not None
        and now - state.s3_start > spec.s3
    ):
        state.enter_default_session()
    reply = _serve(request, spec, state, now)
    if state.offline_until is None:
        # ISO 14229-2: S3server restarts when the exchange is complete, not at its request,
        # so a long 0x78 chain does not end the session it was asked in.
        state.s3_start = now + answer_time(reply)
    if functional and reply.is_negative:
        assert reply.response is not None
        if len(reply.response) == 3 and reply.response[2] in FUNCTIONALLY_SUPPRESSED:
            return Reply(None)
    return reply


def _serve(request: bytes, spec: SimEcuSpec, state: SimState, now: float) -> Reply:
    sid = request[0]
    service = spec.services.get(sid)
    handler = HANDLERS.get(sid)
    if service is None or handler is None:
        return negative(sid, Nrc.serviceNotSupported)
    fault = spec.faults.find(request, state)
    if fault is not None:
        if fault.reset_after_blocks is not None:
            state.power_cycle(spec, now)
            return Reply(None)
        if fault.nrc is not None:
            return _deliver(fault, negative(sid, fault.nrc), sid)
    if not allowed(service.sessions, state.session):
        reply = negative(sid, Nrc.serviceNotSupportedInActiveSession)
    elif not unlocked(state, service.security):
        reply = negative(sid, Nrc.securityAccessDenied)
    elif sid in WITH_SUBFUNCTION and len(request) < 2:
        reply = negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    else:
        reply = handler(request, spec, state, now)
        if sid in WITH_SUBFUNCTION and request[1] & SUPPRESS_POSITIVE_RESPONSE:
            reply = dataclasses.replace(reply, suppress_positive=True)
    return reply if fault is None else _deliver(fault, reply, sid)


def _deliver(fault: Fault, reply: Reply, sid: int) -> Reply:
    """Apply a fault's delivery misbehaviour (silence, damage, timing) to an answer."""
    if fault.no_answer or reply.response is None:
        return Reply(None)
    response = bytearray(reply.response)
    if fault.truncate:
        del response[max(1, len(response) - fault.truncate) :]
    if fault.wrong_sid:
        other = _other_service(sid)
        if reply.is_negative:
            response[1] = other
        else:
            response[0] = other + POSITIVE_RESPONSE_OFFSET
    return dataclasses.replace(
        reply,
        response=bytes(response),
        busy=reply.busy + fault.delay,
        pending=fault.pending,
        pending_interval=fault.pending_interval,
        late=fault.late,
    )


def _other_service(sid: int) -> int:
    """The service a wrong-SID answer claims to answer: DSC, or ECUReset for DSC.

    Never TesterPresent: clients rightly skip stray ``7E 00`` answers (their own keep-alive
    may cause them), so a wrong SID of 0x7E would look like no answer at all.
    """
    if sid == ServiceId.DiagnosticSessionControl:
        return ServiceId.ECUReset
    return ServiceId.DiagnosticSessionControl


class SimEcu:
    """A simulated ECU: a spec, its state and a lock, answering requests with a wire plan.

    Safe to use from several threads; tests read :attr:`state` (e.g. the memory image) after
    the exchanges they check.
    """

    def __init__(
        self, spec: SimEcuSpec, state: SimState | None = None, *, rng_seed: int | None = None
    ) -> None:
        self._spec = spec
        self.state = state if state is not None else SimState.initial(spec, rng_seed=rng_seed)
        self.lock = threading.RLock()

    @property
    def spec(self) -> SimEcuSpec:
        """The definition the ECU answers from."""
        return self._spec

    @property
    def name(self) -> str:
        """The ECU's name, for logs."""
        return self._spec.name

    def set_faults(self, faults: Faults) -> None:
        """Replace the injected faults from now on (their hit counts start afresh)."""
        with self.lock:
            self._spec = dataclasses.replace(self._spec, faults=faults)
            self.state.fault_hits.clear()

    def handle(self, request: bytes, now: float, *, functional: bool = False) -> Reply:
        """The reply to ``request`` received at ``now``; see :func:`handle`."""
        with self.lock:
            return handle(request, self._spec, self.state, now, functional=functional)

    def plan(self, request: bytes, now: float, *, functional: bool = False) -> tuple[Emission, ...]:
        """What to send for ``request`` and when, relative to its arrival."""
        reply = self.handle(request, now, functional=functional)
        if not request:
            return ()
        return schedule(reply, request[0], self._spec.p2, self._spec.p2_star)
