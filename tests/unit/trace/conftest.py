"""The engine profile served by a simulated ECU on a python-can virtual channel of its own."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from diagkit.profile import EcuProfile, load_profile, transport_config
from diagkit.sim import SimEcu, SimServer, spec_from_profile
from diagkit.sim.bench import server_address
from diagkit.sim.from_profile import simulation_environ
from diagkit.transport.factory import open_transport

ENGINE = Path(__file__).resolve().parents[3] / "profiles" / "engine_userspace.yaml"
_channels = itertools.count()


@pytest.fixture
def engine() -> Iterator[tuple[EcuProfile, dict[str, str]]]:
    """The engine profile on a virtual channel of its own, its simulated ECU serving there.

    The programming level (0x11, AES-128-CMAC: a 16-byte key) sends a 16-byte seed here, so
    both the seed and the key are multi-frame transfers.
    """
    profile = load_profile(ENGINE).with_overrides(interface=f"trace-{next(_channels)}")
    environ = simulation_environ([profile])
    spec = spec_from_profile(profile, environ=environ)
    levels = dict(spec.security_levels)
    levels[0x11] = dataclasses.replace(levels[0x11], seed_size=16)
    spec = dataclasses.replace(spec, security_levels=levels)
    config = transport_config(profile)
    ecu_end = open_transport(
        dataclasses.replace(config, address=server_address(config.address), functional_address=None)
    )
    with SimServer(poll_interval=0.01).add(SimEcu(spec), ecu_end, owned=True):
        yield profile, environ
