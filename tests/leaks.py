"""The suite's one leak check: what a test opens (transport, python-can bus, thread, fd) it closes.

``tests/conftest.py`` takes a :class:`LeakCheck` before every test and fails the test on its
:meth:`~LeakCheck.leaks`. It costs about 0.25 ms per test: a snapshot of the threads, the fds in
``/proc/self/fd``, python-can's virtual channels and a serial number of transports before, the
same after; whatever is new and still open is named. :func:`track_transports` numbers every
``Transport`` created (weakly: one dropped without ``close()`` shows as its fd or bus instead).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from can.interfaces import virtual

from diagkit.transport.base import Transport

THREAD_GRACE = 2.0  # close() joins its threads; this only covers a slow VM, for all threads at once
_FD_DIR = Path("/proc/self/fd")

_serials = itertools.count()
_live: weakref.WeakValueDictionary[int, Transport] = weakref.WeakValueDictionary()


def _tracking_new(cls: type[Transport], *args: Any, **kwargs: Any) -> Transport:
    transport = object.__new__(cls)
    _live[next(_serials)] = transport
    return transport


@contextmanager
def track_transports() -> Iterator[None]:
    """Number every :class:`Transport` created meanwhile (weakly: tracking keeps none alive)."""
    previous = Transport.__dict__.get("__new__")
    Transport.__new__ = _tracking_new  # type: ignore[assignment,method-assign]
    try:
        yield
    finally:
        if previous is None:
            del Transport.__new__
        else:
            Transport.__new__ = previous  # type: ignore[method-assign]


def _open_fds() -> dict[str, str]:
    """Open fds and what each is (``socket:[…]``, a path), empty where /proc is missing."""
    try:
        names = os.listdir(_FD_DIR)
    except OSError:
        return {}
    fds = {}
    for name in names:
        try:
            fds[name] = os.readlink(_FD_DIR / name)
        except OSError:  # the fd listdir itself used, already closed
            continue
    return fds


class LeakCheck:
    """A snapshot taken before a test; :meth:`leaks` lists what the test left open."""

    def __init__(self) -> None:
        self._threads = set(threading.enumerate())
        self._fds = _open_fds()
        self._channels = set(virtual.channels)
        self._first_serial = next(_serials)

    def leaks(self) -> list[str]:
        """One line per kind of leak, naming each leaked thing; empty when nothing leaked."""
        found = []
        transports = [
            t for serial, t in list(_live.items()) if serial > self._first_serial and not t.closed
        ]
        if transports:
            found.append(f"transports left open: {', '.join(map(repr, transports))}")
            for transport in transports:  # so that their threads and buses do not count too
                transport.close()
        threads = self._threads_alive()
        if threads:
            found.append(f"threads left running: {', '.join(threads)}")
        channels = sorted(map(str, set(virtual.channels) - self._channels))
        if channels:
            found.append(f"python-can virtual buses left open on channels {channels}")
        fds = {n: target for n, target in _open_fds().items() if self._fds.get(n) != target}
        if fds:
            found.append(
                "file descriptors left open: "
                + ", ".join(f"{n} -> {target}" for n, target in sorted(fds.items()))
            )
        return found

    def _threads_alive(self) -> list[str]:
        new = [t for t in threading.enumerate() if t not in self._threads]
        deadline = time.monotonic() + THREAD_GRACE
        for thread in new:
            thread.join(max(0.0, deadline - time.monotonic()))
        return [repr(t) for t in new if t.is_alive()]
