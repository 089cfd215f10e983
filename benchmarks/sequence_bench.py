"""Parallel flashing benchmark: N simulated ECUs flashed by one ``diagkit run`` at once.

Each ECU is profiles/engine.yaml with its own CAN ids (0x700+i / 0x780+i), a 128 KiB
application region and realistic timings in its ``simulation:`` section: the erase routine
answers after 5 s (0x78 pendings meanwhile), each TransferData block of 4 KiB after 100 ms.
One ECU alone thus takes about 5 + 32 x 0.1 = 8.2 s of the ECU's own delays. The ECUs are
served by ``diagkit simulate`` in a second process; the sequence (programming session,
unlock, then the flash: erase, download, CRC check) runs on all of them in this one (P2 5 s:
the VM's Python is slow), for N = 1, 4, 16, (a) all on one vcan and (b) each on its own,
after one warm-up run, in ``--repeat`` rounds (3) of every N in turn, so that the host
slowing down between cases shows as spread rather than as a ratio. Printed: wall time, the
ratio to N = 1 of the same layout and round, this process's CPU time per ECU, the
simulator's CPU time, how busy both kept the CPU and how busy the whole machine was (the
kernel's CAN and ISO-TP work included); then the median ratio of the rounds, and where each
ECU's time went in the median round. ``--frame-txtime`` sets the ISO-TP gap between frames
of every ECU and tester (``0ms``: each frame as soon as the previous one is sent), else the
kernel's default (50 us).
Needs kernel CAN_ISOTP and 16 vcan interfaces: in the VM,

    DIAGKIT_VM_IFACES="$(for i in $(seq 0 15); do printf 'vcan%d:16 ' $i; done)" \\
        python -m tools.kernelvm -- .venv/bin/python benchmarks/sequence_bench.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from diagkit.sequence import SequenceResult, run_sequence
from diagkit.sim.from_profile import SIMULATION_KEY

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "profiles" / "engine.yaml"
IMAGE_SIZE = 128 * 1024
SEQUENCE = """\
name: parallel_flash
steps:
  - {name: session, session: programming}
  - {name: unlock, unlock: programming}
  - {name: flash, flash: {file: app.bin, region: application}}
"""


FRAME_TXTIME: str | None = None  # --frame-txtime: the gap between frames, else the kernel's


def profile(index: int, interface: str) -> dict[str, Any]:
    """engine.yaml with its own ids, a 128 KiB region and the realistic flash timings."""
    data: dict[str, Any] = yaml.safe_load(ENGINE.read_text(encoding="utf-8"))
    if FRAME_TXTIME is not None:
        data["isotp"]["frame_txtime"] = FRAME_TXTIME
    data["name"] = f"ecu{index:02d}"
    data["interface"] = interface
    data["backend"] = "kernel"
    data["addressing"] = {"mode": "normal_11bit", "txid": 0x700 + index, "rxid": 0x780 + index}
    data["uds"]["tester_present"]["addressing"] = "physical"
    data["uds"]["p2"] = "5s"  # Python in the VM is slow, most of all on its first seed/key
    for region in data["memory"]:
        if region["name"] == "application":
            region["size"] = IMAGE_SIZE
    data["simulation"] = {
        "max_block_length": 4096 + 2,  # 4 KiB of data per TransferData request
        "faults": [
            {"service": "routine_control", "did": "erase_memory", "delay": "5s"},
            {"service": "transfer_data", "delay": "100ms"},
        ],
    }
    return data


def write_bench(directory: Path, count: int, shared: bool) -> Path:
    ecus = {}
    for index in range(count):
        interface = "vcan0" if shared else f"vcan{index}"
        path = directory / f"ecu{index:02d}.yaml"
        path.write_text(yaml.safe_dump(profile(index, interface)), encoding="utf-8")
        ecus[f"ecu{index:02d}"] = path.name
    bench = directory / f"bench_{count}_{'shared' if shared else 'own'}.yaml"
    bench.write_text(yaml.safe_dump({"name": "flash_line", "ecus": ecus}), encoding="utf-8")
    return bench


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def system_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, kernel included (/proc/stat)."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    scale = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / scale, sum(ticks) / scale


@dataclass
class Figures:
    """One case: wall and CPU times, and where each ECU's time went."""

    wall: float
    cpu: float
    sim_cpu: float
    share: float
    result: SequenceResult

    def split(self) -> dict[str, list[float]]:
        """Per ECU, seconds: before its thread ran, open+close, each step, the flash's parts."""
        parts: dict[str, list[float]] = {}
        for ecu in self.result.ecus:
            steps = {step.name: step.duration for step in ecu.steps}
            flash = next(step for step in ecu.steps if step.name == "flash").details
            for name, seconds in (
                ("open+close", ecu.duration - sum(steps.values())),
                ("session", steps["session"]),
                ("unlock", steps["unlock"]),
                ("erase+exit+check", flash["seconds"] - flash["transfer_seconds"]),
                ("transfer", flash["transfer_seconds"]),
            ):
                parts.setdefault(name, []).append(seconds)
        parts["load+start"] = [self.wall - max(ecu.duration for ecu in self.result.ecus)]
        return parts


def measure(directory: Path, count: int, shared: bool) -> Figures:
    """Run the flash sequence on ``count`` ECUs served by ``diagkit simulate``."""
    bench = write_bench(directory, count, shared)
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "diagkit", "simulate", str(bench)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert server.stdout is not None
        for _ in range(count):
            line = server.stdout.readline()
            assert line.startswith("simulating "), line
        sim_cpu = cpu_seconds(server.pid)
        busy, total = system_busy()
        cpu, began = time.process_time(), time.monotonic()
        result = run_sequence(directory / "flash.yaml", bench)
        wall, cpu = time.monotonic() - began, time.process_time() - cpu
        sim_cpu = cpu_seconds(server.pid) - sim_cpu
        busy_after, total_after = system_busy()
        share = (busy_after - busy) / max(total_after - total, 1e-9)
        failed = [(e.name, e.error, [s.message for s in e.failed]) for e in result.ecus]
        assert result.passed, failed
        return Figures(wall, cpu, sim_cpu, share, result)
    finally:
        server.terminate()
        server.communicate(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="1,4,16", help="ECU counts (default 1,4,16)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds of every count, alternating (default 3)"
    )
    parser.add_argument(
        "--frame-txtime", help="isotp.frame_txtime of every ECU and tester (default: the kernel's)"
    )
    args = parser.parse_args()
    global FRAME_TXTIME  # noqa: PLW0603 - one setting of the whole run, read by profile()
    FRAME_TXTIME = args.frame_txtime
    os.environ.setdefault("ENGINE_SA_KEY", SIMULATION_KEY)  # the made-up key of simulations
    counts = [int(c) for c in args.counts.split(",")]
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        (directory / "app.bin").write_bytes(os.urandom(IMAGE_SIZE))
        (directory / "flash.yaml").write_text(SEQUENCE, encoding="utf-8")
        measure(directory, 1, True)  # warm-up: first imports, first key, cold caches
        print(
            "| layout | round | ECUs | wall s | ratio to 1 ECU | runner CPU s per ECU "
            "| ECUs' CPU s | both busy | machine busy |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        ratios: dict[tuple[str, int], list[float]] = {}
        splits: dict[tuple[str, int], list[tuple[float, dict[str, list[float]]]]] = {}
        for shared in (True, False):
            layout = "one vcan" if shared else "own vcan each"
            for round_ in range(1, args.repeat + 1):  # each round's ratios against its own N=1
                base = None
                for count in counts:
                    f = measure(directory, count, shared)
                    base = f.wall if base is None else base
                    ratio = f.wall / base
                    print(
                        f"| {layout} | {round_} | {count} | {f.wall:.2f} | {ratio:.2f} "
                        f"| {f.cpu / count:.3f} | {f.sim_cpu:.2f} "
                        f"| {(f.cpu + f.sim_cpu) / f.wall:.0%} | {f.share:.0%} |",
                        flush=True,
                    )
                    ratios.setdefault((layout, count), []).append(ratio)
                    splits.setdefault((layout, count), []).append((ratio, f.split()))
        print("\nRatio to 1 ECU, median of the rounds (each round against its own single ECU)\n")
        print("| layout | ECUs | median | rounds |")
        print("|---|---|---|---|")
        for (layout, count), values in ratios.items():
            rounds = ", ".join(f"{v:.2f}" for v in values)
            print(f"| {layout} | {count} | {statistics.median(values):.2f} | {rounds} |")
        print("\nWhere the time went in the median round, seconds: median / slowest ECU\n")
        names = list(next(iter(splits.values()))[0][1])
        print("| layout | ECUs | " + " | ".join(names) + " |")
        print("|---|---|" + "---|" * len(names))
        for (layout, count), rounds_ in splits.items():
            split = sorted(rounds_, key=lambda item: item[0])[len(rounds_) // 2][1]
            cells = [f"{statistics.median(split[n]):.2f} / {max(split[n]):.2f}" for n in names]
            print(f"| {layout} | {count} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
