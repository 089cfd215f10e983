"""A corpus of invalid profiles and benches, each rejected with the expected file, line, field
and reason (files in ``invalid/``; helper files they refer to are in ``invalid/bases/``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagkit.profile import load_bench, load_profile
from diagkit.profile.problems import InvalidProfileError, path_text

INVALID = Path(__file__).parent / "invalid"

# file -> every expected problem: (file shown, line or None, field path, reason fragment)
Expected = list[tuple[str, int | None, str, str]]
CORPUS: dict[str, Expected] = {
    "txid_11bit_overflow.yaml": [
        (
            "txid_11bit_overflow.yaml",
            5,
            "addressing.txid",
            "0x800 does not fit an 11-bit id (max 0x7FF); "
            "use addressing.mode: normal_29bit for extended ids",
        )
    ],
    "misspelled_top_key.yaml": [
        ("misspelled_top_key.yaml", None, "addressing", "required, but missing"),
        ("misspelled_top_key.yaml", 2, "adressing", "did you mean 'addressing'?"),
    ],
    "misspelled_nested_key.yaml": [
        ("misspelled_nested_key.yaml", 4, "isotp.tx_paddding", "did you mean 'tx_padding'?")
    ],
    "python_tag.yaml": [
        ("python_tag.yaml", 2, "", "YAML tag !!python/object/apply:os.system is not allowed")
    ],
    "duplicate_key.yaml": [
        ("duplicate_key.yaml", 5, "addressing", "key 'txid' appears twice (first at line 3)")
    ],
    "stmin_rounded.yaml": [
        ("stmin_rounded.yaml", 5, "isotp.flow_control.stmin", "nearest legal values: 900us, 1ms")
    ],
    "stmin_too_large.yaml": [
        ("stmin_too_large.yaml", 6, "isotp.flow_control.stmin", "largest STmin ISO 15765-2")
    ],
    "tx_dl_without_fd.yaml": [
        ("tx_dl_without_fd.yaml", 4, "isotp.tx_dl", "64 needs CAN FD; set isotp.can_fd: true")
    ],
    "fd_bad_tx_dl.yaml": [("fd_bad_tx_dl.yaml", 5, "isotp.tx_dl", "50 is not a CAN FD data")],
    "brs_without_fd.yaml": [("brs_without_fd.yaml", 4, "isotp.bitrate_switch", "needs CAN FD")],
    "fixed_with_txid.yaml": [
        ("fixed_with_txid.yaml", 6, "addressing.txid", "the CAN ids derive from target_address")
    ],
    "extended_missing_target.yaml": [
        (
            "extended_missing_target.yaml",
            2,
            "addressing.target_address",
            "required with mode: extended_11bit",
        )
    ],
    "mixed_missing_extension.yaml": [
        (
            "mixed_missing_extension.yaml",
            2,
            "addressing.address_extension",
            "required with mode: mixed_29bit",
        )
    ],
    "p2_star_below_p2.yaml": [
        ("p2_star_below_p2.yaml", 5, "uds.p2_star", "500ms is shorter than p2 (2s)")
    ],
    # a bare number is refused where it is written, not blamed on the key compared with it
    "time_bare_number.yaml": [
        (
            "time_bare_number.yaml",
            4,
            "uds.p2",
            "50 has no unit, and a bare number is ambiguous; write 50ms or 50s",
        ),
        ("time_bare_number.yaml", 7, "isotp.flow_control.stmin", "write 1ms or 1s"),
    ],
    "time_bad_unit.yaml": [("time_bad_unit.yaml", 4, "uds.p2", "'50 msec' is not a time")],
    "tester_present_too_slow.yaml": [
        (
            "tester_present_too_slow.yaml",
            6,
            "uds.tester_present.interval",
            "6s is not below S3server (5s)",
        )
    ],
    "did_duplicate_id.yaml": [
        ("did_duplicate_id.yaml", 5, "dids[1].id", "id 0xF190 is already defined at index 0")
    ],
    "did_unknown_codec.yaml": [
        ("did_unknown_codec.yaml", 7, "dids[0].codec.type", "type 'unsigned' is not one of")
    ],
    "did_ascii_without_length.yaml": [
        ("did_ascii_without_length.yaml", 6, "dids[0].codec.length", "required, but missing")
    ],
    "security_even_level.yaml": [
        ("security_even_level.yaml", 4, "security[0].level", "0x02 is not a requestSeed")
    ],
    "security_level_not_defined.yaml": [
        (
            "security_level_not_defined.yaml",
            8,
            "routines[0].security_level",
            "0x11 is not a level in security:",
        )
    ],
    "memory_overlap.yaml": [
        ("memory_overlap.yaml", 5, "memory[1].address", "region 'app' overlaps 'boot'")
    ],
    "memory_unknown_routine.yaml": [
        (
            "memory_unknown_routine.yaml",
            9,
            "memory[0].erase_routine",
            "routine 'erase_flash' is not in routines: (known: erase_memory (0xFF00))",
        )
    ],
    "top_level_list.yaml": [
        ("top_level_list.yaml", None, "", "a profile must be a mapping of keys, this is a list")
    ],
    "empty.yaml": [("empty.yaml", None, "", "a profile must be a mapping of keys, this is empty")],
    "yaml_syntax_error.yaml": [("yaml_syntax_error.yaml", 4, "", "YAML syntax")],
    "json_syntax_error.json": [("json_syntax_error.json", 4, "", "JSON syntax")],
    "json_misspelled.json": [
        ("json_misspelled.json", 5, "addressing.rxdi", "unknown key 'rxdi'; did you mean 'rxid'?")
    ],
    "extends_missing.yaml": [
        ("extends_missing.yaml", 1, "extends", "'bases/does_not_exist.yaml' not found")
    ],
    "extends_cycle.yaml": [
        (
            "bases/cycle_back.yaml",
            1,
            "extends",
            "cycle: extends_cycle.yaml -> cycle_back.yaml -> extends_cycle.yaml",
        )
    ],
    "extends_bad_base.yaml": [
        ("bases/bad_base.yaml", 3, "isotp.tx_padding", "0x1CC is above the maximum 0xFF")
    ],
    "rx_padding_without_check.yaml": [
        (
            "rx_padding_without_check.yaml",
            3,
            "isotp.rx_padding_check",
            "rx_padding has no effect without a check",
        )
    ],
    "enum_boolean_trap.yaml": [
        (
            "enum_boolean_trap.yaml",
            9,
            "dids[0].codec.values[0]",
            "YAML reads yes/no/on/off as booleans",
        )
    ],
    "simulation_value_mismatch.yaml": [
        (
            "simulation_value_mismatch.yaml",
            7,
            "simulation.dids.idle_speed_target",
            "800 does not fit uint8",
        )
    ],
    "recursive_alias.yaml": [("recursive_alias.yaml", 2, "", "recursive YAML alias")],
    "interface_too_long.yaml": [
        ("interface_too_long.yaml", 2, "interface", "longer than a Linux interface name")
    ],
    "functional_equals_response.yaml": [
        (
            "functional_equals_response.yaml",
            5,
            "addressing.functional_txid",
            "must differ from rxid",
        )
    ],
    "key_env_with_inline_key.yaml": [
        (
            "key_env_with_inline_key.yaml",
            6,
            "security[0].key_env",
            "keep key material in one place",
        )
    ],
    "bench_same_response_id.yaml": [
        (
            "bench_same_response_id.yaml",
            4,
            "ecus.second",
            "answers on CAN id 0x7E8 on can0 like ECU 'first'",
        )
    ],
    "bench_missing_profile.yaml": [
        (
            "bench_missing_profile.yaml",
            4,
            "ecus.gearbox",
            "profile 'bases/gearbox.yaml' not found",
        )
    ],
    "bench_unknown_key.yaml": [
        ("bench_unknown_key.yaml", None, "ecus", "required, but missing"),
        ("bench_unknown_key.yaml", 4, "ecu", "unknown key 'ecu'; did you mean 'ecus'?"),
    ],
}


def test_the_corpus_is_large_and_complete() -> None:
    on_disk = {p.name for p in INVALID.iterdir() if p.is_file()}
    assert on_disk == set(CORPUS)
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_invalid_file_is_rejected_with_file_line_field_and_reason(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(INVALID)
    load = load_bench if name.startswith("bench") else load_profile
    with pytest.raises(InvalidProfileError) as caught:
        load(name)
    found = caught.value.problems
    expected = CORPUS[name]
    assert len(found) == len(expected), [str(p) for p in found]
    for problem, (file, line, path, reason) in zip(
        sorted(found, key=lambda p: path_text(p.path)),
        sorted(expected, key=lambda e: e[2]),
        strict=True,
    ):
        assert (problem.file, problem.line, path_text(problem.path)) == (file, line, path)
        assert reason in problem.message
        assert reason in str(caught.value)
