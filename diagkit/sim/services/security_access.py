"""SecurityAccess (0x27): seed, key, attempt counter and delay timer (ISO 14229-1).

An odd sub-function requests a seed, the next even one sends the key. A wrong key counts an
attempt (0x35); the attempt that reaches ``max_attempts`` answers 0x36 and starts the delay
timer, during which RequestSeed answers 0x37. After the delay the counter starts afresh.
Seeds and keys are never logged.
"""

from __future__ import annotations

from diagkit.codes import Nrc
from diagkit.sim.reply import Reply, negative, positive
from diagkit.sim.services.common import check_subfunction, subfunction
from diagkit.sim.spec import Sessions, SimEcuSpec
from diagkit.sim.state import SimState


def security_access(request: bytes, spec: SimEcuSpec, state: SimState, now: float) -> Reply:
    """``27 odd [data]`` -> ``67 odd seed``; ``27 even key`` -> ``67 even``."""
    sid = request[0]
    supported: dict[int, Sessions] = {}
    for level, level_spec in spec.security_levels.items():
        supported[level] = level_spec.sessions
        supported[level + 1] = level_spec.sessions
    nrc = check_subfunction(request, state, supported)
    if nrc:
        return negative(sid, nrc)
    sub = subfunction(request)
    if sub % 2 == 1:
        return _request_seed(request, spec, state, now)
    return _send_key(request, spec, state, now)


def _request_seed(request: bytes, spec: SimEcuSpec, state: SimState, now: float) -> Reply:
    sid, level = request[0], subfunction(request)
    level_spec = spec.security_levels[level]
    _expire_delay(state, level, now)
    if level in state.delay_until:
        return negative(sid, Nrc.requiredTimeDelayNotExpired)
    if state.security_level == level:
        # ISO 14229-1: a seed request for the unlocked level answers a seed of all zeros.
        return positive(sid, level, bytes(level_spec.seed_size))
    seed = level_spec.fixed_seed
    if seed is None:
        seed = bytes(state.rng.randrange(256) for _ in range(level_spec.seed_size))
        if not any(seed):
            seed = b"\x01" + seed[1:]
    state.seed = (level, seed)
    return positive(sid, level, seed)


def _send_key(request: bytes, spec: SimEcuSpec, state: SimState, now: float) -> Reply:
    sid, sub = request[0], subfunction(request)
    level = sub - 1
    level_spec = spec.security_levels[level]
    if len(request) < 3:
        return negative(sid, Nrc.incorrectMessageLengthOrInvalidFormat)
    if state.seed is None or state.seed[0] != level:
        return negative(sid, Nrc.requestSequenceError)
    seed = state.seed[1]
    state.seed = None
    if request[2:] == level_spec.key(level, seed):
        state.security_level = level
        state.failed_attempts.pop(level, None)
        return positive(sid, sub)
    attempts = state.failed_attempts.get(level, 0) + 1
    state.failed_attempts[level] = attempts
    if attempts >= level_spec.max_attempts:
        state.delay_until[level] = now + level_spec.delay
        return negative(sid, Nrc.exceededNumberOfAttempts)
    return negative(sid, Nrc.invalidKey)


def _expire_delay(state: SimState, level: int, now: float) -> None:
    until = state.delay_until.get(level)
    if until is not None and now >= until:
        del state.delay_until[level]
        state.failed_attempts.pop(level, None)
