"""What ``pip install diagkit`` brings: the dependencies and files every advertised command
needs. The wheel tests build a real wheel (a few seconds) and run the demo from its files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _project() -> dict[str, object]:
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11; the wheel test covers 3.10
    project: dict[str, object] = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return project


def test_bincopy_is_installed_by_default_with_a_lower_bound() -> None:
    # `diagkit flash --help` offers Intel HEX and S-record files, which bincopy reads
    dependencies = _project()["dependencies"]
    assert isinstance(dependencies, list)
    bincopy = [d for d in dependencies if re.match(r"bincopy\b", d)]
    assert len(bincopy) == 1 and re.fullmatch(r"bincopy>=\d+(\.\d+)*", bincopy[0])


ROOT = PYPROJECT.parent
EXAMPLES = ("engine.yaml", "engine_userspace.yaml")
"""The profiles ``diagkit demo`` serves, shipped in ``diagkit/examples/``."""


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_shipped_example_profiles_are_the_checkout_s(name: str) -> None:
    shipped = ROOT / "diagkit" / "examples" / name
    assert shipped.read_bytes() == (ROOT / "profiles" / name).read_bytes()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel ``pip wheel . --no-deps`` builds from this checkout (a few seconds: it builds
    in an isolated environment, from pip's cache or the index; skipped when neither has
    setuptools)."""
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {built.stderr.strip()[-300:]}")
    (path,) = out.glob("diagkit-*.whl")
    return path


def test_the_wheel_ships_the_demo_profiles_and_requires_bincopy(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        requires = [
            line
            for line in archive.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist: bincopy")
        ]
    assert {f"diagkit/examples/{name}" for name in EXAMPLES} <= names
    assert not any(n.startswith("profiles/") or n.startswith("tests/") for n in names)
    assert len(requires) == 1 and "extra ==" not in requires[0]


def test_the_demo_runs_from_the_installed_wheel_alone(wheel: Path, tmp_path: Path) -> None:
    # The wheel's files, unpacked as pip installs them, come first on sys.path; the working
    # directory is empty, so nothing of the checkout (profiles/) can be found.
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    work = tmp_path / "work"
    work.mkdir()
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import diagkit, diagkit.cli; "
        "assert diagkit.__file__.startswith(sys.argv[1]), diagkit.__file__; "
        "sys.exit(diagkit.cli.main(['demo', '--transport', 'memory']))"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script, str(site)],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200", "PYTHONPATH": ""},
    )
    assert ran.returncode == 0, ran.stderr
    assert "simulated ECU engine_sim" in ran.stdout
    assert "WVWZZZ1JZXW000001" in ran.stdout
