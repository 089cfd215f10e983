"""``diagkit run`` on kernel sockets in the VM: the bench's three ECUs simulated on vcan1.

The ECUs of profiles/hil_bench.yaml are served by :func:`diagkit.sim.run_bench` on the CAN FD
interface (the engine and inverter on classic ISO-TP sockets, the camera on a CAN FD one, as
the kernel keeps frames of each MTU apart); the sequence runs on all three at once over the
kernel backend, with the one step that fails on purpose (tests/unit/sequence/_bench_run.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from diagkit.cli import main
from diagkit.profile import load_bench
from diagkit.sim import run_bench
from diagkit.sim.from_profile import simulation_environ
from tests.unit.sequence._bench_run import BENCH, VIN, check_reports, write_sequence

pytestmark = pytest.mark.kernel


def test_the_bench_sequence_runs_on_kernel_sockets_with_one_step_failing(
    fd_iface: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bench = load_bench(BENCH)
    profiles = [p.with_overrides(interface=fd_iface, backend="kernel") for p in bench.ecus.values()]
    environ = simulation_environ(profiles)
    for name, value in environ.items():  # the client reads the same made-up keys
        monkeypatch.setenv(name, value)
    sequence = write_sequence(tmp_path)
    junit, report = tmp_path / "eol.xml", tmp_path / "eol.json"
    with run_bench(profiles, environ=environ):
        argv = ["run", str(sequence), "--bench", str(BENCH), "--interface", fd_iface]
        argv += ["--backend", "kernel", "--set", f"vin={VIN}"]
        status = main([*argv, "--junit", str(junit), "--json", str(report)])
    out = capsys.readouterr().out
    assert status == 1, out
    check_reports(sequence, report, junit)
