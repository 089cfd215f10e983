"""What ``pip install diagkit`` brings: the dependencies every advertised command needs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11; the metadata is the same on 3.10

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _project() -> dict[str, object]:
    project: dict[str, object] = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return project


def test_bincopy_is_installed_by_default_with_a_lower_bound() -> None:
    # `diagkit flash --help` offers Intel HEX and S-record files, which bincopy reads
    dependencies = _project()["dependencies"]
    assert isinstance(dependencies, list)
    bincopy = [d for d in dependencies if re.match(r"bincopy\b", d)]
    assert len(bincopy) == 1 and re.fullmatch(r"bincopy>=\d+(\.\d+)*", bincopy[0])
