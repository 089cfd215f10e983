"""The pytest plugin as a user meets it: a fresh pytest process finding it by its entry point.

Every run is ``pytester.runpytest_subprocess``, so what is tested is the installed ``pytest11``
entry point, and the simulated ECUs and clients of the inner run live (and must end) in that
process. Expected values come from the profiles as written: the simulated engine's records are
all zero, so engine_speed is 0 rpm and coolant_temperature 0 - 40 = -40 degC.
"""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from diagkit.trace import read_frames

pytest_plugins = ["pytester"]

ROOT = Path(__file__).parents[3]
BENCH = ROOT / "profiles" / "hil_bench.yaml"
ENGINE = ROOT / "profiles" / "engine.yaml"
ENGINE_SIM = ROOT / "profiles" / "engine_userspace.yaml"
EXAMPLE = ROOT / "examples" / "test_hil_bench.py"
INI = "[pytest]\naddopts = --strict-markers\nfilterwarnings = error\n"
# After the last test's teardown (where the plugin closes everything): the threads still alive.
THREADS_LEFT = """
import threading
from pathlib import Path

def pytest_sessionfinish(session):
    left = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    Path("threads-left.txt").write_text(" ".join(left))
"""


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project of its own, as strict as ours (unknown markers and warnings are errors)."""
    pytester.makeini(INI)
    pytester.makeconftest(THREADS_LEFT)
    return pytester


def threads_left(pytester: pytest.Pytester) -> str:
    """The threads the inner run left running (serving loops, tester present keepers...)."""
    return (pytester.path / "threads-left.txt").read_text()


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA", *args, timeout=120)


def junit(path: Path) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in ET.parse(path).getroot().iter("testcase")}


def properties(case: ET.Element) -> list[tuple[str, str]]:
    return [(p.get("name", ""), p.get("value", "")) for p in case.iter("property")]


def test_the_example_test_plan_on_the_simulated_bench(inner: pytest.Pytester) -> None:
    shutil.copy(EXAMPLE, inner.path / EXAMPLE.name)
    report = inner.path / "report.xml"
    result = run(inner, f"--diagkit-bench={BENCH}", "--diagkit-sim", f"--junitxml={report}")

    result.stdout.fnmatch_lines(
        ["diagkit: bench powertrain_hil (engine, inverter, front_camera), simulated in memory"]
    )
    result.assert_outcomes(passed=11, failed=1)
    cases = junit(report)
    assert sorted(cases) == [
        "test_a_busy_engine_is_waited_for[engine]",
        "test_an_engine_that_stops_answering_is_reported[engine]",
        "test_answers_tester_present[engine]",
        "test_answers_tester_present[front_camera]",
        "test_answers_tester_present[inverter]",
        "test_dc_link_voltage[inverter]",
        "test_engine_values[engine]",
        "test_every_ecu_of_the_bench_answers",
        "test_idle_speed_target_can_be_written_once_unlocked[engine]",
        "test_idle_speed_target_needs_the_extended_session[engine]",
        "test_vin_has_17_characters[engine]",
        "test_vin_has_17_characters[front_camera]",
    ]
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == {"test_dc_link_voltage[inverter]"}
    failure = cases["test_dc_link_voltage[inverter]"].find("failure")
    assert failure is not None
    assert "dc_link_voltage = 0 V is below its limits [250 V, 450 V]" in failure.get("message", "")
    assert properties(cases["test_dc_link_voltage[inverter]"]) == [
        ("dc_link_voltage", "0.0"),
        ("dc_link_voltage.min", "250"),
        ("dc_link_voltage.max", "450"),
        ("dc_link_voltage.unit", "V"),
    ]
    assert properties(cases["test_engine_values[engine]"]) == [
        ("engine_speed", "0.0"),
        ("engine_speed.min", "0"),
        ("engine_speed.max", "7000"),
        ("engine_speed.unit", "rpm"),
        ("coolant_temperature", "-40.0"),
        ("coolant_temperature.min", "-40"),
        ("coolant_temperature.max", "130"),
        ("coolant_temperature.unit", "degC"),
    ]
    assert threads_left(inner) == ""


LIFECYCLE = """
import pytest
from diagkit import NegativeResponseError, Nrc
from diagkit.sim import Fault, Faults

seen = []

def out_of_reach(ecu):
    with pytest.raises(NegativeResponseError) as refused:
        ecu.read_did("idle_speed_target")  # 0x0110 is for the extended session only
    return refused.value.nrc == Nrc.requestOutOfRange

def test_first(ecu):
    seen.append(ecu)
    ecu.tester_present()

def test_the_same_client_for_the_next_test(ecu):
    assert ecu is seen[0]

@pytest.mark.session("extended")
def test_fails_in_the_extended_session(ecu):
    assert ecu.read_did("idle_speed_target") == 0
    assert False, "planned failure"

def test_back_in_the_default_session_with_the_same_client(ecu):
    assert out_of_reach(ecu)
    assert ecu is seen[0]

def test_the_engine_stops_answering(ecu, diagkit_sim):
    diagkit_sim["engine"].set_faults(Faults(Fault(no_answer=True)))
    ecu.read_did("vin")

def test_a_new_client_and_no_fault_left(ecu):
    assert ecu is not seen[0]
    assert len(ecu.read_did("vin")) == 17
    seen.append(ecu)

def test_closes_its_client(ecu):
    ecu.close()

def test_reopened(ecu):
    assert ecu is not seen[1] and not ecu.closed
    ecu.tester_present()

@pytest.mark.session(3)
def test_session_by_number(ecu):
    assert ecu.read_did("idle_speed_target") == 0

def test_default_again_after_a_passing_session_test(ecu):
    assert out_of_reach(ecu)

@pytest.mark.ecu("inverter")
def test_for_the_inverter_only(ecu):
    pass

def test_supply_voltage(measure):
    measure("supply_voltage", 14.9, min=11, max=14.5, unit="V")
"""


def test_clients_live_for_the_run_and_are_reopened_when_a_test_breaks_them(
    inner: pytest.Pytester,
) -> None:
    inner.makepyfile(test_lifecycle=LIFECYCLE)
    report = inner.path / "report.xml"
    result = run(inner, f"--diagkit-profile={ENGINE}", "--diagkit-sim", f"--junitxml={report}")

    result.assert_outcomes(passed=8, failed=3, skipped=1)
    failures = {
        name: failure.get("message", "")
        for name, case in junit(report).items()
        if (failure := case.find("failure")) is not None
    }
    assert failures.keys() == {
        "test_fails_in_the_extended_session",
        "test_the_engine_stops_answering",
        "test_supply_voltage",
    }
    assert "planned failure" in failures["test_fails_in_the_extended_session"]
    assert failures["test_the_engine_stops_answering"].startswith(
        "diagkit.errors.ResponseTimeoutError: ReadDataByIdentifier (0x22)"
    )
    assert failures["test_supply_voltage"] == (
        "AssertionError: supply_voltage = 14.9 V is above its limits [11 V, 14.5 V]"
    )
    result.stdout.fnmatch_lines(
        ["SKIPPED * test_lifecycle.py:*: for ECU inverter only; this run's ECU is engine"]
    )
    assert threads_left(inner) == ""  # every serving thread and tester present keeper ended


def test_options_from_pytest_ini_and_the_command_line_replacing_them(
    pytester: pytest.Pytester,
) -> None:
    bench = os.path.relpath(BENCH, pytester.path)
    pytester.makeini(f"{INI}diagkit_bench = {bench}\ndiagkit_sim = true\n")
    pytester.makepyfile(test_ini="def test_answers(ecu):\n    ecu.tester_present()\n")

    from_ini = run(pytester)
    from_ini.assert_outcomes(passed=3)
    from_ini.stdout.fnmatch_lines_random(
        [
            "PASSED test_ini.py::test_answers[[]engine[]]",
            "PASSED test_ini.py::test_answers[[]inverter[]]",
            "PASSED test_ini.py::test_answers[[]front_camera[]]",
        ]
    )
    profile_instead = run(pytester, f"--diagkit-profile={ENGINE}")
    profile_instead.assert_outcomes(passed=1)
    profile_instead.stdout.fnmatch_lines(["PASSED test_ini.py::test_answers"])


def test_overrides_and_fault_injection_skipped_without_simulation(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_real="""
        def test_profile(ecu_profile):
            assert (ecu_profile.name, ecu_profile.interface) == ("engine", "vcan9")
            assert ecu_profile.backend == "userspace"

        def test_fault(diagkit_sim):
            raise AssertionError("never runs without --diagkit-sim")

        import pytest

        @pytest.mark.session("turbo")
        def test_no_such_session(ecu):
            raise AssertionError("never runs: the marker is refused before anything opens")
        """
    )
    result = run(
        inner,
        f"--diagkit-profile={ENGINE}",
        "--diagkit-interface=vcan9",
        "--diagkit-backend=userspace",
    )
    result.assert_outcomes(passed=1, skipped=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*test_no_such_session: pytest.mark.session: 'turbo' is not a session*"]
    )
    result.stdout.fnmatch_lines(
        ["SKIPPED * injects faults into simulated ECUs: run with --diagkit-sim"]
    )


def test_a_test_asking_for_an_ecu_without_one_configured_says_what_to_give(
    inner: pytest.Pytester,
) -> None:
    inner.makepyfile(test_none="def test_vin(ecu):\n    pass\n")
    result = run(inner)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*needs an ECU: give --diagkit-profile P or --diagkit-bench B*"])


def test_an_ecu_marker_naming_no_ecu_of_the_bench_is_a_collection_error(
    inner: pytest.Pytester,
) -> None:
    inner.makepyfile(
        test_typo='import pytest\n\n@pytest.mark.ecu("engin")\ndef test_x(ecu):\n    pass\n'
    )
    result = run(inner, f"--diagkit-bench={BENCH}", "--diagkit-sim")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*pytest.mark.ecu names engin, not an ECU of bench powertrain_hil "
            "(ECUs: engine, inverter, front_camera)*"
        ]
    )


def test_a_profile_that_does_not_load_is_a_usage_error(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_x="def test_x():\n    pass\n")
    result = run(inner, "--diagkit-profile=missing.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --diagkit-profile */missing.yaml: *"])


def test_traces_of_ecus_simulated_in_memory_are_refused_clearly(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_x="def test_x():\n    pass\n")
    result = run(inner, f"--diagkit-profile={ENGINE}", "--diagkit-sim", "--diagkit-trace=out")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --diagkit-trace: ECUs simulated in memory put no frames*"])


def test_a_trace_per_test_and_ecu_holds_its_frames(inner: pytest.Pytester) -> None:
    inner.makeconftest(THREADS_LEFT)
    inner.makepyfile(
        test_traced="""
        def test_vin(ecu):
            assert ecu.read_did("vin") == "WVWZZZ1JZXW000001"

        def test_no_ecu():
            pass
        """
    )
    result = run(
        inner,
        f"--diagkit-profile={ENGINE_SIM}",
        "--diagkit-sim",
        "--diagkit-backend=userspace",
        "--diagkit-trace=traces",
    )
    result.assert_outcomes(passed=2)
    traces = sorted(p.name for p in (inner.path / "traces").iterdir())
    assert traces == ["test_traced.py-test_vin.pcapng"]  # one ECU: no name; none for test_no_ecu
    frames = list(read_frames(inner.path / "traces" / traces[0]))
    # ISO 15765-2: the request as a single frame padded with 0xCC (engine.yaml), from 0x7E0;
    # the 20-byte answer as a first frame 10 14 62 F1 90 ... from 0x7E8
    assert (0x7E0, bytes.fromhex("03 22 F1 90 CC CC CC CC")) in [
        (f.arbitration_id, f.data) for f in frames
    ]
    first_frame = bytes.fromhex("10 14 62 F1 90")
    assert any(f.arbitration_id == 0x7E8 and f.data[:5] == first_frame for f in frames)
