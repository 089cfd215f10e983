"""diagkit's client end to end against the simulated ECU: in memory and over userspace ISO-TP.

Both sides come from one profile. The kernel runs the same suite in
``tests/kernel/test_client_against_sim_kernel.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from can.interfaces import virtual

from diagkit.client import EcuClient
from diagkit.client.factory import open_client
from diagkit.profile import EcuProfile
from diagkit.sim import SimEcu, SimServer, spec_from_profile
from diagkit.sim.bench import run_bench
from diagkit.transport.memory import MemoryTransport
from tests.unit.sim.sim_client_suite import (
    ENVIRON,
    Connect,
    test_a_wrong_key_is_refused_as_invalid_key,
    test_dtcs_by_the_profile_status_mask_then_cleared,
    test_erase_download_and_checksum_of_the_application,
    test_injected_nrc_and_silence_reach_the_client_as_diagkit_errors,
    test_pendings_carry_a_routine_beyond_p2,
    test_read_dids_by_name_with_their_codecs,
    test_session_change_adopts_the_announced_timing,
    test_unlock_then_write_lands_in_the_ecu,
)

__all__ = [
    "test_a_wrong_key_is_refused_as_invalid_key",
    "test_dtcs_by_the_profile_status_mask_then_cleared",
    "test_erase_download_and_checksum_of_the_application",
    "test_injected_nrc_and_silence_reach_the_client_as_diagkit_errors",
    "test_pendings_carry_a_routine_beyond_p2",
    "test_read_dids_by_name_with_their_codecs",
    "test_session_change_adopts_the_announced_timing",
    "test_unlock_then_write_lands_in_the_ecu",
]

_channels = itertools.count()


@pytest.fixture(params=["memory", "userspace"])
def connect(request: pytest.FixtureRequest) -> Iterator[Connect]:
    """Serve a profile on the backend under test; everything is closed afterwards."""
    servers: list[SimServer] = []
    clients: list[EcuClient] = []
    channels_before = set(virtual.channels)

    def in_memory(profile: EcuProfile) -> tuple[EcuClient, SimEcu]:
        tester, ecu_end = MemoryTransport.pair()
        ecu = SimEcu(spec_from_profile(profile, environ=ENVIRON))
        servers.append(SimServer(poll_interval=0.02).add(ecu, ecu_end, owned=True).start())
        clients.append(open_client(profile, transport=tester, environ=ENVIRON))
        return clients[-1], ecu

    def on_virtual_bus(profile: EcuProfile) -> tuple[EcuClient, SimEcu]:
        channel = f"sim-suite-{next(_channels)}"
        profile = profile.model_copy(update={"python_can": {"interface": "virtual"}})
        profile = profile.with_overrides(interface=channel, backend="userspace")
        servers.append(run_bench(profile, environ=ENVIRON, poll_interval=0.02))
        clients.append(open_client(profile, environ=ENVIRON))
        return clients[-1], servers[-1].ecus[0]

    yield in_memory if request.param == "memory" else on_virtual_bus
    for client in clients:
        client.close()
    for server in servers:
        server.stop()
    assert set(virtual.channels) == channels_before, "a virtual bus was left open"
