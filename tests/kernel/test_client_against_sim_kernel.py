"""diagkit's client against the simulated ECU on kernel ISO-TP sockets (in the VM): the
profile's functional tester present, sent on an SF_BROADCAST socket to 0x7DF, keeps a session.

The tests every backend runs: ``tests/unit/sim/test_client_against_sim.py``.
"""

from __future__ import annotations

import time

import pytest

from diagkit.client.factory import open_client
from diagkit.sim.bench import run_bench
from tests.unit.sim._suite_profile import ENVIRON, VIN, suite_profile

pytestmark = pytest.mark.kernel


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
