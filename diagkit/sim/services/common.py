"""Checks shared by the service handlers, in the order of ISO 14229-1:2013 7.5 (figure 6)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from diagkit.codes import Nrc
from diagkit.sim.reply import Reply
from diagkit.sim.spec import Sessions, SimEcuSpec, allowed
from diagkit.sim.state import SimState

Handler = Callable[[bytes, SimEcuSpec, SimState, float], Reply]
"""A service: ``(request, spec, state, now) -> Reply``; it may change ``state``, never does I/O."""


def subfunction(request: bytes) -> int:
    """The sub-function value without the suppressPosRspMsgIndicationBit."""
    return request[1] & 0x7F


def check_subfunction(request: bytes, state: SimState, supported: Mapping[int, Sessions]) -> int:
    """0x12 when the sub-function is unknown, 0x7E when not allowed in this session, else 0."""
    sub = subfunction(request)
    if sub not in supported:
        return Nrc.subFunctionNotSupported
    if not allowed(supported[sub], state.session):
        return Nrc.subFunctionNotSupportedInActiveSession
    return 0


def unlocked(state: SimState, level: int | None) -> bool:
    """True when ``level`` needs no security or that level is unlocked."""
    return level is None or state.security_level == level


def big(value: int, size: int) -> bytes:
    """``value`` as ``size`` big-endian bytes."""
    return value.to_bytes(size, "big")
