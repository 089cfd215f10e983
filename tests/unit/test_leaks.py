"""The suite's leak check names what a test left open: transports, threads, buses, fds."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import can
import pytest

from diagkit.transport.memory import MemoryTransport
from tests import leaks
from tests.leaks import LeakCheck


@pytest.fixture(autouse=True)
def _short_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(leaks, "THREAD_GRACE", 0.05)


def test_nothing_left_open_is_no_leak() -> None:
    check = LeakCheck()
    client, peer = MemoryTransport.pair()
    with client, peer, can.Bus(interface="virtual", channel="leak-probe-0"):
        pass
    assert check.leaks() == []


def test_a_transport_left_open_is_named_and_then_closed() -> None:
    check = LeakCheck()
    transport = MemoryTransport()
    (found,) = check.leaks()
    assert found.startswith("transports left open: <diagkit.transport.memory.MemoryTransport")
    assert transport.closed  # so its threads and buses do not fail the tests after it


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_a_thread_left_running_is_named(stop: threading.Event) -> None:
    check = LeakCheck()
    thread = threading.Thread(target=stop.wait, name="leaky-peer", daemon=True)
    thread.start()
    (found,) = check.leaks()
    assert found.startswith("threads left running: <Thread(leaky-peer, started daemon")
    stop.set()
    thread.join()


def test_a_virtual_bus_left_open_is_named_by_its_channel() -> None:
    check = LeakCheck()
    bus = can.Bus(interface="virtual", channel="leak-probe-1")
    try:
        assert check.leaks() == ["python-can virtual buses left open on channels ['leak-probe-1']"]
    finally:
        bus.shutdown()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_a_file_descriptor_left_open_is_named_with_what_it_is() -> None:
    check = LeakCheck()
    read, write = os.pipe()
    try:
        (found,) = check.leaks()
    finally:
        os.close(read)
        os.close(write)
    assert found.startswith("file descriptors left open: ")
    assert f"{read} -> pipe:[" in found and f"{write} -> pipe:[" in found
