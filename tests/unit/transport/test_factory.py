"""open_transport picks the backend a config names, loads it lazily and explains every refusal."""

from __future__ import annotations

import sys

import can
import pytest
from can.interfaces import virtual

from diagkit.errors import ConfigurationError, TransportUnavailableError
from diagkit.transport import kernel
from diagkit.transport.address import Address
from diagkit.transport.config import TransportConfig
from diagkit.transport.factory import open_transport
from diagkit.transport.userspace import UserspaceTransport

ECU = Address(txid=0x7E0, rxid=0x7E8)


def test_userspace_backend_opens_and_owns_a_bus_from_the_python_can_args() -> None:
    config = TransportConfig(
        interface="factory-owned",
        address=ECU,
        backend="userspace",
        python_can=(("interface", "virtual"),),
    )
    ecu = can.Bus(interface="virtual", channel="factory-owned")
    try:
        with open_transport(config) as transport:
            assert isinstance(transport, UserspaceTransport)
            transport.send(b"\x3e\x00")
            msg = ecu.recv(3.0)
            assert msg is not None and (msg.arbitration_id, msg.data.hex()) == (0x7E0, "023e00")
        assert len(virtual.channels["factory-owned"]) == 1  # its own bus is shut down
    finally:
        ecu.shutdown()


def test_userspace_backend_uses_a_given_bus_and_leaves_it_open() -> None:
    config = TransportConfig(interface="ignored", address=ECU, backend="userspace")
    bus = can.Bus(interface="virtual", channel="factory-given")
    try:
        with open_transport(config, bus=bus) as transport:
            assert isinstance(transport, UserspaceTransport) and transport.bus is bus
        bus.send(can.Message(arbitration_id=0x1, data=b"\x00"))  # raises if it was shut down
    finally:
        bus.shutdown()


def test_kernel_backend_is_handed_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[TransportConfig] = []
    sentinel = object()

    def from_config(config: TransportConfig) -> object:
        seen.append(config)
        return sentinel

    monkeypatch.setattr(kernel.KernelTransport, "from_config", from_config)
    config = TransportConfig(interface="vcan0", address=ECU)  # "kernel" is the default
    assert open_transport(config) is sentinel
    assert seen == [config]


def test_kernel_backend_refuses_a_python_can_bus() -> None:
    bus = can.Bus(interface="virtual", channel="factory-kernel")
    try:
        with pytest.raises(ConfigurationError, match="userspace backend"):
            open_transport(TransportConfig(interface="vcan0", address=ECU), bus=bus)
    finally:
        bus.shutdown()


def test_memory_backend_explains_it_is_built_directly() -> None:
    config = TransportConfig(interface="none", address=ECU, backend="memory")
    with pytest.raises(ConfigurationError, match=r"MemoryTransport\(handler\).*pair\(\)"):
        open_transport(config)


def test_unknown_backend_lists_the_known_ones() -> None:
    config = TransportConfig(interface="can0", address=ECU, backend="socketcand")
    with pytest.raises(ConfigurationError, match=r"'socketcand'.*kernel, userspace, memory"):
        open_transport(config)


def test_missing_userspace_dependencies_give_an_install_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "diagkit.transport.userspace", None)  # import now fails
    config = TransportConfig(interface="x", address=ECU, backend="userspace")
    hint = r"pip install 'python-can>=4\.3' 'can-isotp>=2\.0\.4'"
    with pytest.raises(TransportUnavailableError, match=hint):
        open_transport(config)


def test_an_unloadable_kernel_backend_points_to_the_userspace_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "diagkit.transport.kernel", None)
    with pytest.raises(TransportUnavailableError, match="backend='userspace'"):
        open_transport(TransportConfig(interface="vcan0", address=ECU))
