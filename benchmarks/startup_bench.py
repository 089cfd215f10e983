"""Start-up of the ``diagkit`` command, as a ratio to importing what it stands on.

An end-of-line station calls the command many times per part, so a call must import only
what it uses. Each case is a whole process, run alternately with the baseline
``python -c "import udsoncan, pydantic, yaml"``; the figure is the median of the runs::

    python benchmarks/startup_bench.py            # 15 runs of each case
    python benchmarks/startup_bench.py --runs 30

Cases: ``diagkit --help``; ``diagkit read PROFILE vin --sim`` (load the profile, serve it as a
simulated ECU in the process, read one DID, close everything); and, as a floor, the baseline
plus one pydantic model defined and validated (what any pydantic-validated profile costs
before its first line is read).

Every process runs with its bytecode cached, as an installed package has it (pip compiles it
at install): ``PYTHONDONTWRITEBYTECODE`` is dropped, so the warm-up run writes it for a
source checkout too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROFILE = Path(__file__).resolve().parents[1] / "profiles" / "engine_userspace.yaml"
BASELINE = [sys.executable, "-c", "import udsoncan, pydantic, yaml"]
ONE_MODEL = (
    "import udsoncan, pydantic, yaml\n"
    "class A(pydantic.BaseModel):\n    x: int\n"
    "A(x=1)"
)
CASES = {
    "one pydantic model": [sys.executable, "-c", ONE_MODEL],
    "diagkit --help": [sys.executable, "-m", "diagkit", "--help"],
    "diagkit read --sim": [sys.executable, "-m", "diagkit", "read", str(PROFILE), "vin", "--sim"],
}


ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def elapsed(command: list[str]) -> float:
    """Wall time of one process running ``command`` to its end, in seconds."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=ENVIRONMENT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each case (>= 10)")
    args = parser.parse_args()
    for command in (BASELINE, *CASES.values()):  # warm the file cache and .pyc files
        elapsed(command)
    print(f"{'case':<22} {'median':>9} {'baseline':>9} {'ratio':>6}")
    for name, command in CASES.items():
        times, base = [], []
        for _ in range(args.runs):  # alternate, so a noisy moment hits both
            base.append(elapsed(BASELINE))
            times.append(elapsed(command))
        median, baseline = statistics.median(times), statistics.median(base)
        ratio = median / baseline
        print(f"{name:<22} {median * 1000:7.0f}ms {baseline * 1000:7.0f}ms {ratio:6.2f}")


if __name__ == "__main__":
    main()
