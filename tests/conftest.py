"""What every test shares: the transport backends, one leak check, and the kernel VM bridge.

Backend-parametrised tests
--------------------------
A test that should hold on every transport asks for ``make_pair`` (or ``backend``) and is
written once; pytest runs it once per backend of :data:`tests.backends.BACKENDS`, with the
backend's name in the test id: ``memory``, ``userspace``, ``userspace-fd`` (python-can-isotp
on python-can's virtual bus), ``kernel`` and ``kernel-fd`` (kernel sockets on vcan0 and vcan1).
The kernel parameters are marked ``kernel``: on a host without kernel ISO-TP the VM bridge runs
them in the kernel VM, wherever the test module lives, and ``-m "not kernel"`` leaves them out.

    from tests.backends import MakePair

    def test_a_pdu_crosses(make_pair: MakePair) -> None:
        client, peer = make_pair()                 # or make_pair(100, peer_max_pdu_size=8300)
        client.send(b"\\x3e\\x00")
        assert peer.recv(5.0) == b"\\x3e\\x00"

``make_pair`` closes what the test left open. ``backend`` is the :class:`tests.backends.Backend`
itself, for tests that need more than a pair: ``backend.name``, ``backend.spec.kind``, and
``backend.profile(profile)``, the profile served and reached over that backend (see
``tests/unit/sim/test_client_against_sim.py``). A new backend is one more entry in
``BACKENDS`` (a new kind of transport also a branch in ``Backend._open`` and
``Backend.profile``), and every such test runs over it. Timings must suit a slow VM: seconds.

Leaks
-----
Every test, wherever it lives, fails (at teardown) when it leaves a transport open, a thread
running, a python-can virtual bus or a file descriptor open; the failure names each of them
(:mod:`tests.leaks`).

Kernel tests
------------
Tests under ``tests/kernel/`` are marked ``kernel`` without saying so. The fixtures
``classic_iface`` (vcan0) and ``fd_iface`` (vcan1) and the bridge (``docs/kernel-vm.md``) come
from :mod:`tools.kernelvm.pytest_bridge`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from diagkit.transport.base import Transport
from tests.backends import BACKENDS, Backend, BackendSpec, MakePair
from tests.leaks import LeakCheck, track_transports
from tools.kernelvm.pytest_bridge import PLUGIN_NAME, KernelBridge, classic_iface, fd_iface

__all__ = ["classic_iface", "fd_iface"]  # fixtures: pytest finds them by name in this module

KERNEL_DIR = Path(__file__).parent / "kernel"


def pytest_configure(config: pytest.Config) -> None:
    """Register the kernel bridge once; it marks, selects and (on the host) proxies kernel tests."""
    if config.pluginmanager.get_plugin(PLUGIN_NAME) is None:
        config.pluginmanager.register(KernelBridge(config, KERNEL_DIR), PLUGIN_NAME)


@pytest.fixture(scope="session", autouse=True)
def _track_transports() -> Iterator[None]:
    with track_transports():
        yield


@pytest.fixture(autouse=True)
def _no_leaks(_track_transports: None) -> Iterator[None]:
    """Fail the test that leaves a transport, bus, thread or fd open, naming each."""
    check = LeakCheck()
    yield
    leaks = check.leaks()
    if leaks:
        pytest.fail("the test leaked:\n  " + "\n  ".join(leaks), pytrace=False)


def _param(spec: BackendSpec) -> object:
    """The ``backend`` parameter of ``spec``: kernel ones are marked, so the bridge runs them."""
    marks = [pytest.mark.kernel] if spec.kind == "kernel" else []
    return pytest.param(spec, id=spec.name, marks=marks)


@pytest.fixture(params=[_param(spec) for spec in BACKENDS])
def backend(request: pytest.FixtureRequest) -> Backend:
    """The backend under test (one parameter per entry of ``BACKENDS``)."""
    spec: BackendSpec = request.param
    if spec.kind != "kernel":
        return Backend.bind(spec)
    interface = request.getfixturevalue("fd_iface" if spec.can_fd else "classic_iface")
    return Backend.bind(spec, interface)


@pytest.fixture
def make_pair(backend: Backend) -> Iterator[MakePair]:
    """Open connected (client, peer) pairs on the backend under test; close them afterwards."""
    opened: list[Transport] = []

    def make(
        max_pdu_size: int = 8300, *, peer_max_pdu_size: int | None = None
    ) -> tuple[Transport, Transport]:
        pair = backend.pair(max_pdu_size, peer_max_pdu_size=peer_max_pdu_size)
        opened.extend(pair)
        return pair

    yield make
    for transport in opened:
        transport.close()
