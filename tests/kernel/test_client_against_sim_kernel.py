"""diagkit's client end to end against the simulated ECU on kernel ISO-TP sockets (in the VM).

The suite of ``tests/unit/sim/sim_client_suite.py``, both sides opened from one profile by
``open_client`` and ``run_bench``: on vcan0 (classic CAN) and vcan1 (CAN FD, tx_dl 64, bit
rate switch), with the profile's functional tester present on 0x7DF.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from diagkit.client import EcuClient
from diagkit.client.factory import open_client
from diagkit.profile import EcuProfile
from diagkit.sim import SimEcu, SimServer
from diagkit.sim.bench import run_bench
from tests.unit.sim.sim_client_suite import (
    ENVIRON,
    VIN,
    Connect,
    suite_profile,
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

@pytest.fixture(params=["classic", "fd"])
def connect(request: pytest.FixtureRequest) -> Iterator[Connect]:
    """Serve a profile on a kernel socket of vcan0 or vcan1; everything closed afterwards."""
    fd = request.param == "fd"
    interface = request.getfixturevalue("fd_iface" if fd else "classic_iface")
    servers: list[SimServer] = []
    clients: list[EcuClient] = []

    def on_kernel_sockets(profile: EcuProfile) -> tuple[EcuClient, SimEcu]:
        if fd:
            profile = with_can_fd(profile)
        profile = profile.with_overrides(interface=interface, backend="kernel")
        servers.append(run_bench(profile, environ=ENVIRON))
        clients.append(open_client(profile, environ=ENVIRON))
        return clients[-1], servers[-1].ecus[0]

    yield on_kernel_sockets
    for client in clients:
        client.close()
    for server in servers:
        server.stop()


def with_can_fd(profile: EcuProfile) -> EcuProfile:
    """``profile`` on CAN FD: 64-byte frames with bit rate switch."""
    data = profile.model_dump(mode="json", exclude_defaults=True)
    data["isotp"] = {**data.get("isotp", {}), "can_fd": True, "tx_dl": 64, "bitrate_switch": True}
    return EcuProfile.model_validate(data)


def test_functional_tester_present_keeps_the_session_beyond_s3(classic_iface: str) -> None:
    # S3server is 5 s; the profile sends a suppressed TesterPresent to 0x7DF every 2 s
    profile = suite_profile().with_overrides(interface=classic_iface, backend="kernel")
    with (
        run_bench(profile, environ=ENVIRON) as server,
        open_client(profile, environ=ENVIRON) as client,
    ):
        assert client.functional is not None
        client.change_session(0x03)
        time.sleep(server.ecus[0].spec.s3 + 1.0)
        assert client.read_did("vin") == VIN  # a request: the ECU applies an expired S3 now
        assert server.ecus[0].state.session == 0x03  # still extended: S3 never expired
