"""run_bench: each profile served on its own, swapped, addresses; userspace over a virtual bus."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from diagkit.errors import ConfigurationError
from diagkit.profile import EcuProfile, load_bench, load_profile, transport_config
from diagkit.sim import Fault, Faults
from diagkit.sim.bench import functional_listen_address, run_bench, server_address
from diagkit.transport.address import Address, AddressingMode, TargetAddressType
from diagkit.transport.base import Transport
from diagkit.transport.config import TransportConfig
from diagkit.transport.factory import open_transport
from diagkit.transport.memory import MemoryTransport

PROFILES = Path(__file__).resolve().parents[3] / "profiles"
h = bytes.fromhex


def test_server_address_swaps_11bit_ids() -> None:
    client = Address(AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8)
    server = server_address(client)
    assert (server.tx_id, server.rx_id) == (0x7E8, 0x7E0)
    functional = Address(
        AddressingMode.Normal_11bits,
        txid=0x7DF,
        rxid=0x7E8,
        target_type=TargetAddressType.Functional,
    )
    listen = functional_listen_address(functional)
    assert (listen.tx_id, listen.rx_id) == (0x7E8, 0x7DF)


def test_server_address_swaps_normal_fixed_target_and_source() -> None:
    client = Address(AddressingMode.NormalFixed_29bits, target_address=0x0B, source_address=0xF1)
    server = server_address(client)
    # ISO 15765-2 normal fixed: priority 6, PF 0xDA (physical) / 0xDB (functional), TA, SA
    assert (server.tx_id, server.rx_id) == (0x18DAF10B, 0x18DA0BF1)
    listen = functional_listen_address(client.functional())
    assert listen.rx_id == 0x18DB0BF1
    assert listen.tx_id == 0x18DAF10B


def test_extended_addressing_swaps_the_address_bytes() -> None:
    client = Address(
        AddressingMode.Extended_11bits,
        txid=0x6F1,
        rxid=0x612,
        target_address=0x12,
        source_address=0xF1,
    )
    server = server_address(client)
    assert (server.tx_id, server.rx_id) == (0x612, 0x6F1)
    assert (server.tx_ext_address, server.rx_ext_address) == (0xF1, 0x12)


def test_bench_serves_each_ecu_on_its_own_channels() -> None:
    bench = load_bench(PROFILES / "hil_bench.yaml")
    ends: dict[tuple[str, int], MemoryTransport] = {}

    def opener(config: TransportConfig) -> Transport:
        tester, ecu_end = MemoryTransport.pair()
        ends[(config.interface, config.address.rx_id)] = tester
        return ecu_end

    with run_bench(bench, open_transport=opener, poll_interval=0.02) as server:
        assert [ecu.name for ecu in server.ecus] == ["engine", "inverter", "front_camera"]
        engine = ends[("can0", 0x7E0)]
        inverter = ends[("can1", 0x18DA0BF1)]
        assert ("can0", 0x7DF) in ends  # engine: functional requests on 0x7DF
        engine.send(h("10 03"))
        inverter.send(h("3E 00"))
        assert engine.recv(2.0) == h("50 03 00 32 01 F4")
        assert inverter.recv(2.0) == h("7E 00")
        ends[("can0", 0x7DF)].send(h("3E 00"))
        assert engine.recv(2.0) == h("7E 00")
    for tester in ends.values():
        tester.close()


def test_faults_can_replace_the_profile_ones() -> None:
    profile = load_profile(PROFILES / "engine.yaml")
    ends: list[MemoryTransport] = []

    def opener(config: TransportConfig) -> Transport:
        tester, ecu_end = MemoryTransport.pair()
        ends.append(tester)
        return ecu_end

    faults = {"engine": Faults(Fault(service=0x3E, nrc=0x21))}
    with run_bench(profile, faults=faults, open_transport=opener, poll_interval=0.02):
        ends[0].send(h("3E 00"))
        assert ends[0].recv(2.0) == h("7F 3E 21")
    for tester in ends:
        tester.close()


def test_transports_are_closed_when_a_later_ecu_fails_to_open() -> None:
    bench = load_bench(PROFILES / "hil_bench.yaml")
    opened: list[MemoryTransport] = []

    def opener(config: TransportConfig) -> Transport:
        if config.interface == "can1":
            raise ConfigurationError("no can1 here")
        end = MemoryTransport()
        opened.append(end)
        return end

    with pytest.raises(ConfigurationError, match="no can1"):
        run_bench(bench, open_transport=opener)
    assert opened and all(end.closed for end in opened)


def test_memory_backend_cannot_be_served_from_a_profile() -> None:
    profile = load_profile(PROFILES / "engine.yaml").with_overrides(backend="memory")
    with pytest.raises(ConfigurationError, match=r"MemoryTransport\.pair"):
        run_bench(profile)


def test_userspace_backend_on_a_virtual_bus(tmp_path: Path) -> None:
    profile: EcuProfile = load_profile(PROFILES / "engine_userspace.yaml")
    profile = profile.with_overrides(interface=f"sim-{tmp_path.name}")
    config = transport_config(profile)
    assert config.functional_address is not None
    functional = dataclasses.replace(
        config, address=config.functional_address, functional_address=None
    )
    with (
        run_bench(profile, poll_interval=0.02),
        open_transport(config) as client,
        open_transport(functional) as broadcast,
    ):
        client.send(h("22 F1 8C"))
        assert client.recv(2.0) == h("62 F1 8C 53 4E 34 37 31 31 20 20 20 20")
        broadcast.send(h("22 12 34"))  # 0x31 is not sent to a functional request
        broadcast.send(h("10 03"))
        assert client.recv(2.0) == h("50 03 00 FA 01 F4")  # P2 250 ms, P2* 5 s (the profile)
