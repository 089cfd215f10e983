"""What keeps a scan polite: a request rate, a per-probe timeout and a bound on the whole scan."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from diagkit.errors import ConfigurationError

DEFAULT_RATE = 50.0  # requests per second, at most
DEFAULT_TIMEOUT = 0.05  # seconds to wait for an answer: the default P2 of ISO 14229-2
DEFAULT_MAX_TIME = 120.0  # seconds for the whole scan


def parse_ids(text: str, *, high: int, what: str = "id") -> tuple[int, ...]:
    """Ids written as ``0x700-0x7FF``, ``0x7E0,0x74A``, a mix of both, or ``none``.

    Numbers are decimal or 0x hex; ranges include both ends; order is kept, repeats dropped.
    """
    if text.strip().lower() in ("", "none"):
        return ()
    found: dict[int, None] = {}
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        try:
            low_id = int(first, 0)
            high_id = int(last, 0) if last else low_id
        except ValueError:
            raise ConfigurationError(
                f"{text!r} is not a {what} list: write 0x700-0x7FF or 0x7E0,0x74A"
            ) from None
        if not 0 <= low_id <= high_id <= high:
            raise ConfigurationError(
                f"{part.strip()!r}: a {what} range must be ascending within 0x0-0x{high:X}"
            )
        for value in range(low_id, high_id + 1):
            found[value] = None
    return tuple(found)


@dataclass
class Pacer:
    """Spaces requests at most ``rate`` per second and ends the scan after ``max_time`` seconds.

    ``clock`` and ``sleep`` are injectable so the pacing itself can be checked without waiting.
    """

    rate: float = DEFAULT_RATE
    max_time: float | None = DEFAULT_MAX_TIME
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _start: float | None = field(default=None, init=False)
    _last: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if not self.rate > 0:
            raise ConfigurationError(f"rate must be > 0 requests/s, got {self.rate}")
        if self.max_time is not None and not self.max_time > 0:
            raise ConfigurationError(f"max_time must be > 0 s, got {self.max_time}")

    def expired(self) -> bool:
        """True once ``max_time`` seconds passed since the first request."""
        if self._start is None or self.max_time is None:
            return False
        return self.clock() - self._start >= self.max_time

    def wait_turn(self) -> None:
        """Sleep until the next request may go out (1/rate after the previous one)."""
        now = self.clock()
        if self._start is None:
            self._start = now
        if self._last is not None:
            delay = self._last + 1.0 / self.rate - now
            if delay > 0:
                self.sleep(delay)
                now = self.clock()
        self._last = now
