"""``diagkit scan`` end to end on python-can's virtual bus: the bench's simulated ECUs found by
their ids, one ECU's services and DIDs with NRCs named, and a written profile that checks."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diagkit.cli import main
from diagkit.profile import load_bench, load_profile
from diagkit.scan.bus import PythonCanRawBus
from diagkit.scan.sim import simulated_bus
from diagkit.sim import run_bench

PROFILES = Path(__file__).resolve().parents[3] / "profiles"
BENCH = PROFILES / "hil_bench.yaml"
ENGINE_SIM = PROFILES / "engine_userspace.yaml"
# Narrow ranges around the bench's ECUs (engine 0x7E0, camera 0x74A, inverter TA 0x0B), and
# ids nobody answers on either side of them.
NARROW = ["--ids", "0x749-0x74B,0x7E0-0x7E1", "--targets", "0x0A-0x0C", "--timeout", "0.05"]
_channels = itertools.count(1)


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    status = main(argv)
    captured = capsys.readouterr()
    document: dict[str, Any] = json.loads(captured.out)
    return status, document


@pytest.fixture
def bench_bus() -> Iterator[str]:
    """The bench's three ECUs simulated on one virtual channel; yields the channel's name."""
    channel = f"scan-test-{next(_channels)}"
    with simulated_bus(list(load_bench(BENCH).ecus.values()), channel):
        yield channel


def test_discovery_finds_exactly_the_bench_ecus_with_their_ids(
    bench_bus: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["scan", bench_bus, "--backend", "userspace", "--python-can", "interface=virtual"]
    status, document = run_json([*argv, *NARROW, "--json"], capsys)
    assert status == 0 and document["ok"] and document["complete"]
    # ids from the profiles: engine 0x7E0 -> 0x7E8, camera 0x74A -> 0x7CA (not tx+8), and the
    # inverter at TA 0x0B from SA 0xF1: request 0x18DA0BF1, answer 0x18DAF10B (ISO 15765-2)
    found = {(e["tx_id"], e["rx_id"], e["response"]) for e in document["ecus"]}
    assert found == {
        ("0x7E0", "0x7E8", "7e 00"),
        ("0x74A", "0x7CA", "7e 00"),
        ("0x18DA0BF1", "0x18DAF10B", "7e 00"),
    }
    functional = {
        (r["tx_id"], r["rx_id"]) for r in document["responders"] if r["kind"] == "functional"
    }
    assert functional == {("0x7DF", "0x7E8"), ("0x7DF", "0x7CA"), ("0x18DB33F1", "0x18DAF10B")}
    assert all(e["elapsed_ms"] >= 0 for e in document["ecus"])
    assert document["probes_sent"] == 2 + 5 + 3  # functional 11/29-bit, 5 ids, 3 targets


def test_discovery_of_a_simulated_bench_names_its_ecus(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["scan", str(BENCH), "--sim", *NARROW]) == 0
    lines = sorted(capsys.readouterr().out.splitlines())
    assert [line.split(" = ")[0] for line in lines] == ["engine", "front_camera", "inverter"]
    assert lines[0].startswith("engine = 0x7E0 0x7E8 7e 00 ")


def test_discovery_without_answers_exits_4_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    channel = f"scan-empty-{next(_channels)}"
    argv = ["scan", channel, "--backend", "userspace", "--python-can", "interface=virtual"]
    status, document = run_json([*argv, "--ids", "0x7E0", "--targets", "none", "--json"], capsys)
    assert status == 4
    assert (
        document["error"]["exit_code"] == 4
        and "no ECU answered 3 probes" in (document["error"]["message"])
    )
    assert document["ecus"] == []


def test_ctrl_c_prints_what_was_found_and_exits_130(
    bench_bus: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    send = PythonCanRawBus.send
    sent: list[object] = []

    def interrupt_on_the_fourth(self: PythonCanRawBus, frame: Any) -> None:
        if len(sent) == 3:
            raise KeyboardInterrupt
        sent.append(frame)
        send(self, frame)

    monkeypatch.setattr(PythonCanRawBus, "send", interrupt_on_the_fourth)
    argv = ["scan", bench_bus, "--backend", "userspace", "--python-can", "interface=virtual"]
    status, document = run_json([*argv, *NARROW, "--json"], capsys)
    assert status == 130
    assert document["stopped"] == "interrupted" and document["complete"] is False
    assert document["probes_sent"] == 3  # two broadcasts and the first id, 0x749
    assert {e["rx_id"] for e in document["ecus"]} == {"0x7E8", "0x7CA", "0x18DAF10B"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--ids", "0x700-0x800"], "ascending within 0x0-0x7FF"),
        (["--write-profile", "x.yaml"], "--write-profile needs --dids"),
        (["--sim"], "--sim needs a profile or bench file"),
        (["--padding", "0x100"], "--padding 0x100"),
        (["--rate", "0"], "rate must be > 0"),
        (["--dids", "0xF190"], "which ECU?"),
    ],
)
def test_bad_input_exits_2_with_the_reason(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "vcan-none", "--backend", "userspace", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err


def test_services_and_dids_of_one_ecu_with_nrcs_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    dids = "0xF18C,0xF190,0xF40C,0x0110,0x1234"
    argv = ["scan", str(ENGINE_SIM), "--sim", "--services", "--dids", dids, "--json"]
    status, document = run_json(argv, capsys)
    assert status == 0 and document["complete"]
    services = {s["service"]: s for s in document["services"]}
    assert len(services) == 27  # every service id of ISO 14229-1:2020 table 23
    assert services["0x3E"]["status"] == "supported" and services["0x3E"]["response"] == "7e 00"
    # the simulated engine implements no ReadMemoryByAddress: serviceNotSupported means absent
    assert (services["0x23"]["status"], services["0x23"]["nrc_name"]) == (
        "absent",
        "serviceNotSupported",
    )
    # ECUReset is present; its bare SID is refused as too short, so nothing is reset
    assert services["0x11"]["request"] == "11"
    assert (services["0x11"]["status"], services["0x11"]["nrc_name"]) == (
        "refused",
        "incorrectMessageLengthOrInvalidFormat",
    )
    assert services["0x34"]["nrc_name"] == "serviceNotSupportedInActiveSession"
    found = {d["did"]: d for d in document["dids"]}
    assert found["0xF190"]["data"] == b"WVWZZZ1JZXW000001".hex(" ")  # the profile's VIN
    assert found["0xF18C"]["length"] == 10  # ascii, length 10, padded with spaces
    assert found["0xF40C"]["status"] == "supported"  # answered after two 0x78 (a fault)
    assert (found["0x1234"]["status"], found["0x1234"]["nrc_name"]) == (
        "absent",
        "requestOutOfRange",
    )
    assert "0x1234" not in document["present_dids"] and "0xF190" in document["present_dids"]


def test_dids_behind_a_session_are_found_once_it_is_entered(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["scan", str(ENGINE_SIM), "--sim", "--dids", "0x0110", "--json"]
    _, plain = run_json(argv, capsys)
    _, extended = run_json([*argv, "--session", "extended"], capsys)
    assert plain["dids"][0]["status"] == "absent"
    assert extended["steps"] == ["DiagnosticSessionControl 0x03"]
    assert extended["dids"][0]["status"] == "supported" and extended["dids"][0]["length"] == 2


def test_a_did_refused_with_another_nrc_is_present_and_the_nrc_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "engine.yaml"
    profile.write_text(
        f"extends: {ENGINE_SIM}\nsimulation:\n  faults:\n"
        "    - {service: read_data_by_identifier, did: vin, nrc: 0x33}\n"
    )
    status, document = run_json(
        ["scan", str(profile), "--sim", "--dids", "0xF190", "--json"], capsys
    )
    assert status == 0
    vin = document["dids"][0]
    assert (vin["status"], vin["nrc"], vin["nrc_name"]) == ("refused", 0x33, "securityAccessDenied")
    assert document["present_dids"] == ["0xF190"]


def test_the_written_profile_checks_and_reads_the_dids_it_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    written = tmp_path / "found.yaml"
    with run_bench(load_profile(ENGINE_SIM)):  # the engine on the virtual bus, not --sim
        argv = ["scan", str(ENGINE_SIM), "--dids", "0xF18B-0xF18C,0xF190,0x1234"]
        assert main([*argv, "--write-profile", str(written)]) == 0
        assert f"wrote {written} (3 DIDs)" in capsys.readouterr().out
        assert main(["profile", "check", str(written)]) == 0
        capsys.readouterr()
        assert main(["read", str(written), "vin", "manufacturing_date"]) == 0
        assert capsys.readouterr().out.splitlines() == [
            "vin = " + b"WVWZZZ1JZXW000001".hex().upper(),
            "manufacturing_date = 240131",  # BCD 24 01 31, shown as raw hex now
        ]
    profile = load_profile(written)
    assert (profile.addressing.mode, profile.addressing.txid, profile.addressing.rxid) == (
        "normal_11bit",
        0x7E0,
        0x7E8,
    )
    assert [
        (d.id, d.name, d.codec.type, getattr(d.codec, "length", None)) for d in profile.dids
    ] == [
        (0xF18B, "manufacturing_date", "hex", 3),
        (0xF18C, "ecu_serial_number", "hex", 10),
        (0xF190, "vin", "hex", 17),
    ]


def test_an_ecu_known_only_by_its_ids_gets_a_profile_from_scratch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    written = tmp_path / "ecu.yaml"
    with run_bench(load_profile(ENGINE_SIM)):  # channel "bench" of python-can's virtual bus
        argv = ["scan", "bench", "--backend", "userspace", "--python-can", "interface=virtual"]
        argv += ["--tx", "0x7E0", "--dids", "0xF190", "--write-profile", str(written), "--json"]
        status, document = run_json(argv, capsys)
        assert status == 0 and document["present_dids"] == ["0xF190"]
        assert main(["profile", "check", str(written)]) == 0
        capsys.readouterr()
        assert main(["read", str(written), "did_F190"]) == 0
        assert capsys.readouterr().out == f"did_F190 = {b'WVWZZZ1JZXW000001'.hex().upper()}\n"
    profile = load_profile(written)
    assert profile.name == "ecu_7E0" and profile.backend == "userspace"
    assert (profile.addressing.txid, profile.addressing.rxid) == (0x7E0, 0x7E8)  # tx+8
    assert profile.isotp.tx_padding == 0xCC


def test_a_bus_that_cannot_be_opened_exits_5(capsys: pytest.CaptureFixture[str]) -> None:
    # no such interface here (ENODEV), or no CAN in this kernel at all (EAFNOSUPPORT): both 5
    status, document = run_json(["scan", "nosuch0", "--ids", "0x7E0", "--json"], capsys)
    assert status == 5 and document["error"]["exit_code"] == 5
    assert "nosuch0" in document["error"]["message"] or "CAN" in document["error"]["message"]


def test_a_bench_on_two_buses_is_scanned_bus_by_bus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    n = next(_channels)
    bench = tmp_path / "bench.yaml"
    bench.write_text(
        "name: two_buses\necus:\n"
        f"  left: {{profile: {ENGINE_SIM}, interface: scan-left-{n}}}\n"
        f"  right: {{profile: {ENGINE_SIM}, interface: scan-right-{n}}}\n"
    )
    with run_bench(load_bench(bench)):  # the same ids on both buses: told apart by the bus
        argv = ["scan", str(bench), "--ids", "0x7E0", "--targets", "none", "--no-functional"]
        status, document = run_json([*argv, "--json"], capsys)
    assert status == 0
    found = {(e["ecu"], e["interface"], e["tx_id"], e["rx_id"]) for e in document["ecus"]}
    assert found == {
        ("engine_sim", f"scan-left-{n}", "0x7E0", "0x7E8"),  # the profile's name
        ("engine_sim", f"scan-right-{n}", "0x7E0", "0x7E8"),
    }
    assert document["probes_sent"] == 2
