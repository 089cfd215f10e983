"""The kernel backend's frames on the wire, sniffed with CAN_RAW: the table every backend shares.

The expectations are ``tests/contract/wire_frames.py``, which the userspace backend checks on a
python-can virtual bus, so a bench (userspace) and a vehicle (kernel) see the same frames.
"""

from __future__ import annotations

import pytest

from diagkit.transport.kernel import KernelTransport
from tests.contract.wire_frames import ECU, TESTER, WIRE_CASES, WireCase, candump
from tests.kernel.helpers import sniffer

pytestmark = pytest.mark.kernel


@pytest.mark.parametrize("case", WIRE_CASES)
def test_kernel_frames_on_the_wire(case: WireCase, request: pytest.FixtureRequest) -> None:
    interface: str = request.getfixturevalue("fd_iface" if case.fd else "classic_iface")
    with (
        sniffer(interface) as raw,
        KernelTransport(interface, TESTER, case.tester_options) as tester,
        KernelTransport(interface, ECU, case.ecu_options) as ecu,
    ):
        tester.send(case.request)
        assert ecu.recv(timeout=5.0) == case.request
        seen = [candump(f.can_id, f.data, f.fd) for f in raw.frames()]
    assert seen == list(case.frames)
