"""Connected transport pairs for the contract suite, one parameter per backend, and a leak check.

Kernel pairs live in ``tests/kernel/test_contract_kernel.py`` (they need the VM).
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import can
import pytest

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:  # `tests` is not installed; import the suite from this checkout
    sys.path.insert(0, str(_ROOT))

from diagkit.transport.address import Address  # noqa: E402
from diagkit.transport.base import Transport  # noqa: E402
from diagkit.transport.memory import MemoryTransport  # noqa: E402
from diagkit.transport.options import LinkLayerOptions, LinkLayerProtocol, SocketOptions  # noqa: E402
from diagkit.transport.userspace import UserspaceTransport  # noqa: E402
from tests.contract.contract_suite import MakePair  # noqa: E402
from tests.contract.leaks import no_leaks  # noqa: E402

CLIENT = Address(txid=0x7E0, rxid=0x7E8)
PEER = Address(txid=0x7E8, rxid=0x7E0)
FD_OPTIONS = SocketOptions(
    link_layer=LinkLayerOptions(mtu=LinkLayerProtocol.CAN_FD, tx_dl=64, tx_flags=0x01)
)
_channels = itertools.count()

PairFactory = Callable[[int, int], tuple[Transport, Transport]]


def memory_pair(client_max: int, peer_max: int) -> tuple[Transport, Transport]:
    if client_max != peer_max:
        pytest.skip("both ends of a memory pair share one max_pdu_size")
    return MemoryTransport.pair(max_pdu_size=client_max)


def userspace_pair(
    client_max: int, peer_max: int, options: SocketOptions | None = None
) -> tuple[Transport, Transport]:
    channel = f"contract-{next(_channels)}"
    ends: list[Transport] = []
    for address, limit in ((CLIENT, client_max), (PEER, peer_max)):
        bus = can.Bus(interface="virtual", channel=channel)
        try:
            ends.append(UserspaceTransport(bus, address, options, max_pdu_size=limit, own_bus=True))
        except BaseException:
            bus.shutdown()
            for end in ends:
                end.close()
            raise
    return ends[0], ends[1]


def userspace_fd_pair(client_max: int, peer_max: int) -> tuple[Transport, Transport]:
    return userspace_pair(client_max, peer_max, FD_OPTIONS)


BACKENDS: dict[str, PairFactory] = {
    "memory": memory_pair,
    "userspace": userspace_pair,
    "userspace-fd": userspace_fd_pair,
}


@pytest.fixture(autouse=True)
def leak_check() -> Iterator[list[Transport]]:
    """Fails the test when a transport, python-can bus, thread or fd outlives it."""
    with no_leaks() as registry:
        yield registry


@pytest.fixture(params=sorted(BACKENDS))
def make_pair(request: pytest.FixtureRequest, leak_check: list[Transport]) -> Iterator[MakePair]:
    """Open (client, peer) pairs of the backend under test; close what the test left open."""
    factory = BACKENDS[request.param]
    opened: list[Transport] = []

    def make(
        max_pdu_size: int = 8300, *, peer_max_pdu_size: int | None = None
    ) -> tuple[Transport, Transport]:
        pair = factory(max_pdu_size, peer_max_pdu_size or max_pdu_size)
        opened.extend(pair)
        leak_check.extend(pair)
        return pair

    yield make
    for transport in opened:
        transport.close()
