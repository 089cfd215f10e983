"""``diagkit profile check``: every mistake of a file at once, each with file:line, key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagkit.cli import main

PROFILES = Path(__file__).resolve().parents[3] / "profiles"

FOUR_MISTAKES = """\
name: engine
addressing: {txid: 0x7E0, rxid: 0x7E8}
isotp: {tx_paddding: 0xCC}
uds: {p2: 50, p2_star: 2s}
security:
  - {level: 0x01, algorithm: xor_msk, params: {maks: 0xA5}, session: extended}
routines:
  - {id: 0xFF00, name: erase_memory, session: programming, security_level: 0x11}
  - {id: 0x0202, name: check_memory, session: programming}
memory:
  - {name: app, address: 0x1000, size: 0x100, erase_routine: erase_flash}
"""


def test_every_mistake_is_reported_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "engine.yaml"
    path.write_text(FOUR_MISTAKES, encoding="utf-8")
    assert main(["profile", "check", str(path)]) == 2
    err = capsys.readouterr().err
    lines = [line.strip() for line in err.splitlines()[1:]]
    assert lines == [
        f"{path}:3 isotp.tx_paddding: unknown key 'tx_paddding'; did you mean 'tx_padding'?",
        f"{path}:4 uds.p2: 50 has no unit, and a bare number is ambiguous; write 50ms or 50s "
        "(units: ns, us, ms, s)",
        f"{path}:6 security[0].algorithm: unknown security algorithm 'xor_msk'; did you mean "
        "'xor_mask'? known algorithms: add_constant, aes128_cmac, xor_mask",
        f"{path}:8 routines[0].security_level: 0x11 is not a level in security:",
        f"{path}:11 memory[0].erase_routine: routine 'erase_flash' is not in routines: (known: "
        "erase_memory (0xFF00), check_memory (0x0202))",
    ]
    assert "invalid profile" in err and "(5 problems)" in err
    assert "p2_star" not in err  # the bare number is not blamed on the key compared with it


def test_a_level_of_another_session_is_refused_by_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "engine.yaml"
    path.write_text(
        FOUR_MISTAKES.replace("tx_paddding", "tx_padding")
        .replace("p2: 50,", "p2: 50ms,")
        .replace("xor_msk, params: {maks:", "xor_mask, params: {mask:")
        .replace("security_level: 0x11", "security_level: 0x01")
        .replace("erase_flash", "erase_memory"),
        encoding="utf-8",
    )
    assert main(["profile", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:8 routines[0].security_level: level 0x01 is unlocked only in the " in err
    assert "extended session (security[0].session), but this routine needs the programming" in err
    assert "NRC 0x7E" in err
    assert "(1 problem)" in err


def test_every_example_profile_and_bench_passes(capsys: pytest.CaptureFixture[str]) -> None:
    # (a base profile, only complete once extended, is not a profile on its own)
    files = sorted(str(p) for p in PROFILES.rglob("*.yaml") if p.name != "base.yaml")
    assert main(["profile", "check", *files]) == 0
    out = capsys.readouterr().out
    assert out.count("ok   ") == len(files)
