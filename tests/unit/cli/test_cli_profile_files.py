"""``diagkit profile check`` on files that are not profiles: an error line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagkit.cli import main


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name: x\ndescription: caf\xe9\n", "bad.yaml:2: not UTF-8 text (byte 24)"),
        (b"[" * 5000 + b"]" * 5000, "bad.yaml:1: lists and mappings nested deeper than 64 levels"),
    ],
    ids=["latin-1", "deep"],
)
def test_check_reports_a_file_that_is_no_profile_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    assert main(["profile", "check", str(path)]) == 2
    assert message in capsys.readouterr().err
