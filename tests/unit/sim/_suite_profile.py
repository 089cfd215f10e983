"""The profile the client-against-simulator tests serve and open: engine.yaml plus a simulation.

Both sides come from it: the simulated ECU (its values, DTCs and injected faults) and the
client (addressing, timing, DID codecs, security). ``ENVIRON`` holds the security key it uses.
"""

from __future__ import annotations

from pathlib import Path

from diagkit.profile import EcuProfile, parse_profile

PROFILES = Path(__file__).resolve().parents[3] / "profiles"
ENVIRON = {"ENGINE_SA_KEY": "000102030405060708090A0B0C0D0E0F"}
VIN = "WVWZZZ1JZXW000001"
SUITE_PROFILE = """
extends: engine.yaml
uds: {p2: 1s, p2_star: 5s}
simulation:
  dids: {vin: WVWZZZ1JZXW000001, ecu_serial_number: SN4711, engine_speed: 812.5,
         injection_mode: batch}
  dtcs:
    - {code: 0x012300, status: 0x09}
    - {code: 0xC07300, status: 0x28}
    - {code: 0x0A1B2C, status: 0x40}    # outside the profile's status mask 0x2F
  max_block_length: 0x402
  faults:
    - {service: read_data_by_identifier, did: coolant_temperature, nrc: 0x22}
    - {service: read_data_by_identifier, did: software_version, no_answer: true}
    - {service: routine_control, did: check_programming_preconditions, pending: 4,
       pending_interval: 400ms}
"""
APPLICATION = 0x08004000
APPLICATION_SIZE = 0x3C000


def suite_profile(extra: str = "") -> EcuProfile:
    """The engine profile with the suite's simulation section, plus ``extra`` top-level YAML."""
    return parse_profile(SUITE_PROFILE + extra, source="suite.yaml", base_dir=PROFILES)
