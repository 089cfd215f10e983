"""Test plan: the powertrain HIL bench (profiles/hil_bench.yaml), every ECU and its limits.

On the bench:           pytest examples/test_hil_bench.py --diagkit-bench profiles/hil_bench.yaml
Without hardware (CI):  add --diagkit-sim (each ECU simulated from its own profile)
For the plant's report: add --junitxml=report.xml (every measure() is a property of its test)

Tests asking for ``ecu`` run once per ECU of the bench (``test_answers[engine]``...), or for
the ECUs their ``ecu`` marker names. In the simulation the inverter's DC link is not charged
(0 V), so its voltage check fails there, as it would on a bench with the high voltage off.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from diagkit import EcuClient, NegativeResponseError, Nrc, ResponseTimeoutError
from diagkit.sim import Fault, Faults, SimEcu
from diagkit.testing import Measure

ENGINE_SECURITY_LEVEL = 0x01  # "extended diagnostics" in profiles/engine.yaml

# -- 1. Every ECU answers ----------------------------------------------------------------------


def test_answers_tester_present(ecu: EcuClient) -> None:
    """TesterPresent (0x3E 0x00) is answered by every ECU of the bench."""
    ecu.tester_present()


@pytest.mark.ecu("engine", "front_camera")
def test_vin_has_17_characters(ecu: EcuClient) -> None:
    """The VIN (0xF190) is 17 characters long (ISO 3779)."""
    assert len(ecu.read_did("vin")) == 17


# -- 2. Live values within their limits ------------------------------------------------------


@pytest.mark.ecu("engine")
def test_engine_values(ecu: EcuClient, measure: Measure) -> None:
    """Engine at rest: speed and coolant temperature within the plant's limits."""
    measure("engine_speed", ecu.read_did("engine_speed"), min=0, max=7000, unit="rpm")
    measure(
        "coolant_temperature", ecu.read_did("coolant_temperature"), min=-40, max=130, unit="degC"
    )


@pytest.mark.ecu("inverter")
def test_dc_link_voltage(ecu: EcuClient, measure: Measure) -> None:
    """The DC link is charged: 250-450 V."""
    measure("dc_link_voltage", ecu.read_did("dc_link_voltage"), min=250, max=450, unit="V")


# -- 3. Sessions and security ----------------------------------------------------------------


@pytest.mark.ecu("engine")
def test_idle_speed_target_needs_the_extended_session(ecu: EcuClient) -> None:
    """In the default session the idle speed target (0x0110) is out of reach."""
    with pytest.raises(NegativeResponseError) as refused:
        ecu.read_did("idle_speed_target")
    assert refused.value.nrc is Nrc.requestOutOfRange


@pytest.mark.ecu("engine")
@pytest.mark.session("extended")
def test_idle_speed_target_can_be_written_once_unlocked(ecu: EcuClient) -> None:
    """Extended session, security level 0x01: the idle speed target is written and read back."""
    ecu.unlock(ENGINE_SECURITY_LEVEL)
    ecu.write_did("idle_speed_target", 850)
    assert ecu.read_did("idle_speed_target") == 850


# -- 4. Reactions to a misbehaving ECU (simulation only: skipped on the bench) ---------------


@pytest.mark.ecu("engine")
def test_a_busy_engine_is_waited_for(ecu: EcuClient, diagkit_sim: Mapping[str, SimEcu]) -> None:
    """Three 0x78 (response pending) before the answer: the client waits, P2* each time."""
    diagkit_sim["engine"].set_faults(Faults(Fault(service=0x22, pending=3)))
    assert len(ecu.read_did("vin")) == 17


@pytest.mark.ecu("engine")
def test_an_engine_that_stops_answering_is_reported(
    ecu: EcuClient, diagkit_sim: Mapping[str, SimEcu]
) -> None:
    """No answer at all: a timeout naming P2, not a hang."""
    diagkit_sim["engine"].set_faults(Faults(Fault(no_answer=True)))
    with pytest.raises(ResponseTimeoutError) as timed_out:
        ecu.read_did("vin")
    assert timed_out.value.timer == "P2"


# -- 5. The whole bench at once --------------------------------------------------------------


def test_every_ecu_of_the_bench_answers(bench: Mapping[str, EcuClient]) -> None:
    """One test over all clients by name: each ECU answers TesterPresent."""
    for client in bench.values():
        client.tester_present()
