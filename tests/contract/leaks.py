"""Leak check for transport tests: after a test, every transport, bus, thread and fd is released."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from can.interfaces import virtual

from diagkit.transport.base import Transport

THREAD_GRACE = 2.0  # close() joins its threads; this only covers a slow VM


def _open_fds() -> set[str]:
    fd_dir = Path("/proc/self/fd")
    return set(os.listdir(fd_dir)) if fd_dir.is_dir() else set()


@contextmanager
def no_leaks() -> Iterator[list[Transport]]:
    """Yield a list to register transports in; afterwards assert nothing is left open.

    Checked: every registered transport is closed, no thread started inside is alive, no
    python-can virtual channel opened inside remains, and no file descriptor (kernel socket)
    opened inside is still open.
    """
    threads_before = set(threading.enumerate())
    channels_before = set(virtual.channels)
    fds_before = _open_fds()
    transports: list[Transport] = []
    yield transports
    still_open = [t for t in transports if not t.closed]
    assert not still_open, f"transports left open: {still_open}"
    new_threads = [t for t in threading.enumerate() if t not in threads_before]
    for thread in new_threads:
        thread.join(THREAD_GRACE)
    alive = [t.name for t in new_threads if t.is_alive()]
    assert not alive, f"threads left running: {alive}"
    channels_left = set(virtual.channels) - channels_before
    assert not channels_left, f"python-can virtual buses left open on channels {channels_left}"
    fds_left = _open_fds() - fds_before
    fds_left = {fd for fd in fds_left if Path(f"/proc/self/fd/{fd}").exists()}
    assert not fds_left, f"file descriptors left open: {sorted(fds_left)}"
