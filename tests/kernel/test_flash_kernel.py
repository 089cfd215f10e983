"""flash() of 64 KiB into the simulated ECU served on a kernel ISO-TP socket (in the VM).

The whole sequence runs over the kernel: session, security, erase, RequestDownload, 16
TransferData blocks of 4 KiB (multi-frame PDUs of 4098 bytes), RequestTransferExit and the
CRC-32 check; the ECU's memory image is then read back.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from types import MappingProxyType

import pytest

from diagkit import security
from diagkit.client import EcuClient, KeepAlive, SecuritySettings, Timing
from diagkit.flash import FlashRegion, flash
from diagkit.sim import (
    PROGRAMMING_SESSION,
    MemoryRegionSpec,
    RoutineSpec,
    SecurityLevelSpec,
    SimEcu,
    SimEcuSpec,
    SimServer,
    check_crc32,
    erase_memory,
)
from diagkit.transport.address import Address, AddressingMode
from diagkit.transport.kernel import KernelTransport
from diagkit.transport.options import LinkLayerOptions, LinkLayerProtocol, SocketOptions

pytestmark = pytest.mark.kernel

CLIENT = Address(AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8)
ECU = Address(AddressingMode.Normal_11bits, txid=0x7E8, rxid=0x7E0)
FD_OPTIONS = SocketOptions(
    link_layer=LinkLayerOptions(mtu=LinkLayerProtocol.CAN_FD, tx_dl=64, tx_flags=0x01)
)
MASK = {"mask": 0x3C}
SIZE = 64 * 1024
APP = 0x00010000
IMAGE = bytes((i * 131 + (i >> 8)) & 0xFF for i in range(SIZE))


def _key(level: int, seed: bytes) -> bytes:
    return security.compute_key("xor_mask", level, seed, MASK)


SPEC = SimEcuSpec(
    name="kernel-flash",
    security_levels=MappingProxyType(
        {0x11: SecurityLevelSpec(_key, sessions=frozenset({PROGRAMMING_SESSION}))}
    ),
    routines=MappingProxyType(
        {
            0xFF00: RoutineSpec(erase_memory("app"), security=0x11),
            0x0202: RoutineSpec(check_crc32("app")),
        }
    ),
    memory=(MemoryRegionSpec("app", APP, SIZE, security=0x11),),
    p2=0.5,  # generous: the VM runs Python about 20 times slower
    p2_star=5.0,
    max_block_length=0x1002,  # SID + block counter + 4096 data bytes
)
REGION = FlashRegion(
    address=APP,
    size=SIZE,
    name="app",
    erase_routine=0xFF00,
    check_routine=0x0202,
    session=PROGRAMMING_SESSION,
    security_level=0x11,
    address_bits=32,
    size_bits=32,
)


@pytest.fixture(params=["classic", "fd"])
def bench(request: pytest.FixtureRequest) -> Iterator[tuple[EcuClient, SimEcu]]:
    """A client and a served simulated ECU on kernel sockets on the same vcan interface."""
    if request.param == "classic":
        interface, options = request.getfixturevalue("classic_iface"), SocketOptions()
    else:
        interface, options = request.getfixturevalue("fd_iface"), FD_OPTIONS
    ecu = SimEcu(SPEC)
    server = SimServer(poll_interval=0.05)
    server.add(ecu, KernelTransport(interface, ECU, options), owned=True)
    client = EcuClient(
        KernelTransport(interface, CLIENT, options),
        address=f"kernel-flash {interface}",
        timing=Timing(p2=1.0, p2_star=5.0),
        security_settings=SecuritySettings(algorithm="xor_mask", params=MASK),
        keep_alive=KeepAlive(enabled=False),
    )
    with server, client:
        yield client, ecu


def test_flash_64_kib_and_read_it_back(bench: tuple[EcuClient, SimEcu]) -> None:
    client, ecu = bench
    done: list[int] = []
    result = flash(client, REGION, IMAGE, progress=lambda d, t: done.append(d))
    assert ecu.state.read_memory(ecu.spec, APP, SIZE) == IMAGE
    assert (result.blocks, result.max_block_length, result.retries) == (16, 0x1002, 0)
    assert result.erased and result.verified
    assert done[0] == 0 and done[-1] == SIZE and done == sorted(done)
    assert zlib.crc32(ecu.state.memory["app"]) == zlib.crc32(IMAGE)
