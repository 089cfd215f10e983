"""The rig: one client per ECU for a whole run, reopened when discarded, all closed at the end.

The root conftest's leak check fails these tests if a transport or a serving thread stays open.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from diagkit import ConfigurationError, ResponseTimeoutError
from diagkit.profile import load_bench
from diagkit.sim import Fault, Faults
from diagkit.testing import Rig

PROFILES = Path(__file__).parents[3] / "profiles"


@pytest.fixture
def rig() -> Iterator[Rig]:
    bench = load_bench(PROFILES / "hil_bench.yaml")
    rig = Rig(bench.ecus, simulate=True)
    yield rig
    rig.close()


def test_a_client_is_opened_once_and_kept(rig: Rig) -> None:
    engine = rig.client("engine")
    engine.tester_present()
    assert rig.client("engine") is engine
    assert rig.client("inverter") is not engine


def test_a_discarded_client_is_closed_and_replaced(rig: Rig) -> None:
    engine = rig.client("engine")
    rig.discard("engine")
    assert engine.closed
    again = rig.client("engine")
    assert again is not engine
    assert len(again.read_did("vin")) == 17


def test_a_client_closed_elsewhere_is_reopened(rig: Rig) -> None:
    engine = rig.client("engine")
    engine.close()
    assert not rig.client("engine").closed


def test_injected_faults_are_taken_back_and_the_ecu_answers_again(rig: Rig) -> None:
    engine = rig.client("engine")
    rig.sims()["engine"].set_faults(Faults(Fault(no_answer=True)))
    with pytest.raises(ResponseTimeoutError):
        engine.read_did("vin")
    rig.restore_faults()
    assert not rig.sims()["engine"].spec.faults
    assert len(engine.read_did("vin")) == 17


def test_close_closes_every_client(rig: Rig) -> None:
    clients = [rig.client(name) for name in rig]
    rig.close()
    assert all(client.closed for client in clients)
    rig.close()  # twice is harmless


def test_an_unknown_ecu_lists_the_known_ones(rig: Rig) -> None:
    with pytest.raises(ConfigurationError, match="ECUs: engine, inverter, front_camera"):
        rig.client("gearbox")


def test_without_simulation_there_are_no_simulated_ecus() -> None:
    bench = load_bench(PROFILES / "hil_bench.yaml")
    assert Rig(bench.ecus).sims() == {}
