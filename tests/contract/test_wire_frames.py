"""The userspace backend's frames on the wire, sniffed on a python-can virtual bus.

The expectations are the table every backend shares (``tests/contract/wire_frames.py``); the
kernel backend checks the same table with CAN_RAW in the VM.
"""

from __future__ import annotations

import itertools

import can
import pytest

from diagkit.transport.userspace import UserspaceTransport
from tests.contract.wire_frames import ECU, TESTER, WIRE_CASES, WireCase, candump

RECV = 5.0
QUIET = 0.1  # the bus is done once no frame came for this long after the PDU arrived
_channels = itertools.count()


@pytest.mark.parametrize("case", WIRE_CASES)
def test_userspace_frames_on_the_wire(case: WireCase) -> None:
    channel = f"wire-{next(_channels)}"
    sniff = can.Bus(interface="virtual", channel=channel)
    try:
        with (
            UserspaceTransport(
                can.Bus(interface="virtual", channel=channel),
                TESTER,
                case.tester_options,
                own_bus=True,
            ) as tester,
            UserspaceTransport(
                can.Bus(interface="virtual", channel=channel),
                ECU,
                case.ecu_options,
                own_bus=True,
            ) as ecu,
        ):
            tester.send(case.request)
            assert ecu.recv(RECV) == case.request
        seen: list[str] = []
        while (msg := sniff.recv(QUIET)) is not None:
            seen.append(candump(msg.arbitration_id, bytes(msg.data), msg.is_fd))
    finally:
        sniff.shutdown()
    assert seen == list(case.frames)
