"""A plugin-based bench test on vcan in the VM: clients and simulated ECUs on kernel sockets.

The inner run is a fresh pytest process (the installed entry point) with
``--diagkit-bench B --diagkit-backend kernel --diagkit-interface vcan0 --diagkit-sim``: naming a
backend puts the simulated ECUs on the bus (``diagkit.sim.run_bench`` in that process), so
client and ECUs talk through the kernel's ISO-TP sockets on one vcan interface, an 11-bit and a
29-bit ECU side by side. A CAN_RAW sniffer in this process checks the frames against ISO
15765-2 single frames written out by hand (PCI byte = length, then the UDS bytes, then the
profile's padding).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.kernel.helpers import Frame, sniffer

pytestmark = pytest.mark.kernel
pytest_plugins = ["pytester"]

h = bytes.fromhex
ENGINE = """
name: engine
addressing: {mode: normal_11bit, txid: 0x7E0, rxid: 0x7E8}
isotp: {tx_padding: 0xCC}
uds: {p2: 2s, p2_star: 5s}   # generous: the VM runs Python about 20 times slower
dids:
  - {id: 0x0110, name: idle_speed_target, codec: {type: uint, size: 2}, session: extended}
"""
INVERTER = """
name: inverter
addressing: {mode: normal_fixed_29bit, target_address: 0x0B, source_address: 0xF1}
isotp: {tx_padding: 0xAA}
uds: {p2: 2s, p2_star: 5s}
dids:
  - {id: 0x4A10, name: dc_link_voltage, codec: {type: scaled, size: 2, factor: 0.1, unit: V}}
simulation:
  dids: {dc_link_voltage: 400.0}
"""
BENCH = "name: vcan_bench\necus:\n  engine: engine.yaml\n  inverter: inverter.yaml\n"
PLAN = """
import pytest

def test_answers(ecu):
    ecu.tester_present()

@pytest.mark.ecu("engine")
@pytest.mark.session("extended")
def test_idle_speed_target(ecu):
    assert ecu.read_did("idle_speed_target") == 0

@pytest.mark.ecu("inverter")
def test_dc_link_voltage(ecu, measure):
    measure("dc_link_voltage", ecu.read_did("dc_link_voltage"), min=250, max=450, unit="V")
"""


def _on(frames: list[Frame], can_id: int, extended: bool = False) -> list[bytes]:
    return [f.data for f in frames if f.can_id == can_id and f.extended == extended]


def test_a_bench_test_plan_on_vcan(pytester: pytest.Pytester, classic_iface: str) -> None:
    pytester.makefile(".yaml", engine=ENGINE, inverter=INVERTER, bench=BENCH)
    pytester.makeini("[pytest]\naddopts = --strict-markers\nfilterwarnings = error\n")
    pytester.makepyfile(test_plan=PLAN)
    report = Path(pytester.path) / "report.xml"
    with sniffer(classic_iface) as raw:
        result = pytester.runpytest_subprocess(
            "-p",
            "no:cacheprovider",
            "-rA",
            "--diagkit-bench=bench.yaml",
            "--diagkit-backend=kernel",
            f"--diagkit-interface={classic_iface}",
            "--diagkit-sim",
            f"--junitxml={report}",
            timeout=600,
        )
        frames = raw.frames()

    result.stdout.fnmatch_lines(["diagkit: bench vcan_bench (engine, inverter), simulated on *"])
    result.assert_outcomes(passed=4)
    voltage = {p.get("name"): p.get("value") for p in ET.parse(report).getroot().iter("property")}
    assert voltage == {
        "dc_link_voltage": "400.0",
        "dc_link_voltage.min": "250",
        "dc_link_voltage.max": "450",
        "dc_link_voltage.unit": "V",
    }
    engine_requests = _on(frames, 0x7E0)
    assert h("02 3E 00 CC CC CC CC CC") in engine_requests  # TesterPresent
    assert h("02 7E 00 CC CC CC CC CC") in _on(frames, 0x7E8)
    session_changes = [pdu for pdu in engine_requests if pdu[1] == 0x10]
    assert session_changes == [h("02 10 03 CC CC CC CC CC"), h("02 10 01 CC CC CC CC CC")]
    assert h("03 22 01 10 CC CC CC CC") in engine_requests
    # normal fixed 29-bit: 0x18DA_TA_SA, tester 0xF1 to inverter 0x0B and back
    assert h("02 3E 00 AA AA AA AA AA") in _on(frames, 0x18DA0BF1, extended=True)
    assert h("03 22 4A 10 AA AA AA AA") in _on(frames, 0x18DA0BF1, extended=True)
    assert h("05 62 4A 10 0F A0 AA AA") in _on(frames, 0x18DAF10B, extended=True)  # 4000 x 0.1 V
