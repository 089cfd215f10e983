"""Bench entries: the short and the mapping form, and overrides of interface and addressing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from diagkit.profile import load_bench
from diagkit.profile.problems import InvalidProfileError, path_text

Write = Callable[[str, str], Path]

DOOR = "name: door\naddressing: {txid: 0x740, rxid: 0x748}\n"


def problems(path: Path) -> list[tuple[str, int | None, str, str]]:
    with pytest.raises(InvalidProfileError) as caught:
        load_bench(path)
    return [
        (Path(p.file).name, p.line, path_text(p.path), p.message) for p in caught.value.problems
    ]


def test_a_mapping_entry_is_reported_only_for_its_real_mistake(write: Write) -> None:
    write("door.yaml", DOOR)
    bench = write(
        "bench.yaml",
        "name: b\n"
        "ecus:\n"
        "  left: {profile: door.yaml, interface: can0}\n"
        "  right: {profile: door.yaml, interfac: can1}\n",
    )
    assert problems(bench) == [
        (
            "bench.yaml",
            4,
            "ecus.right.interfac",
            "unknown key 'interfac'; did you mean 'interface'?",
        )
    ]


def test_an_entry_that_is_neither_a_file_nor_a_mapping_says_what_it_may_be(write: Write) -> None:
    write("door.yaml", DOOR)
    bench = write("bench.yaml", "name: b\necus:\n  left: door.yaml\n  right: 5\n")
    [(_, line, field, message)] = problems(bench)
    assert (line, field) == (4, "ecus.right")
    assert "expected a profile file or a mapping with profile:" in message


def test_identical_ecus_at_different_addresses_share_one_profile(write: Write) -> None:
    write("door.yaml", DOOR)
    bench = load_bench(
        write(
            "bench.yaml",
            "name: doors\n"
            "ecus:\n"
            "  left: door.yaml\n"
            "  right: {profile: door.yaml, interface: can1}\n"
            "  rear: {profile: door.yaml, addressing: {txid: 0x742, rxid: 0x74A}}\n",
        )
    )
    addresses = {
        name: (p.interface, p.addressing.txid, p.addressing.rxid) for name, p in bench.ecus.items()
    }
    assert addresses == {
        "left": ("can0", 0x740, 0x748),
        "right": ("can1", 0x740, 0x748),
        "rear": ("can0", 0x742, 0x74A),
    }


def test_an_addressing_override_can_change_the_mode(write: Write) -> None:
    write("door.yaml", DOOR)
    bench = load_bench(
        write(
            "bench.yaml",
            "name: b\necus:\n  far:\n    profile: door.yaml\n"
            "    addressing: {mode: normal_29bit, txid: 0x18DA10F1, rxid: 0x18DAF110}\n",
        )
    )
    assert bench["far"].addressing.mode == "normal_29bit"
    assert bench["far"].addressing.txid == 0x18DA10F1


def test_a_mistake_in_an_override_is_reported_where_the_bench_writes_it(write: Write) -> None:
    write("door.yaml", DOOR)
    bench = write(
        "bench.yaml",
        "name: b\n"
        "defaults:\n"
        "  uds: {p2: 50}\n"
        "ecus:\n"
        "  left:\n"
        "    profile: door.yaml\n"
        "    addressing: {txid: 0x741, rxid: 0x900}\n",
    )
    found = problems(bench)
    assert [(file, line, field) for file, line, field, _ in found] == [
        ("bench.yaml", 3, "defaults.uds.p2"),
        ("bench.yaml", 7, "ecus.left.addressing.rxid"),
    ]
    assert "0x900 does not fit an 11-bit id" in found[1][3]


def test_two_entries_left_at_one_address_still_collide(write: Write) -> None:
    write("door.yaml", DOOR)
    bench = write("bench.yaml", "name: b\necus:\n  left: door.yaml\n  right: door.yaml\n")
    [(_, line, field, message)] = problems(bench)
    assert (line, field) == (4, "ecus.right")
    assert "answers on CAN id 0x748 on can0 like ECU 'left'" in message


def test_a_broken_ecu_does_not_hide_a_collision_of_the_others(write: Write) -> None:
    write("door.yaml", DOOR)
    write("broken.yaml", "name: broken\naddressing: {txid: 0x800, rxid: 0x7E8}\n")
    bench = write(
        "bench.yaml",
        "name: b\necus:\n  left: door.yaml\n  right: door.yaml\n  other: broken.yaml\n",
    )
    assert [(file, line, field) for file, line, field, _ in problems(bench)] == [
        ("bench.yaml", 4, "ecus.right"),
        ("broken.yaml", 2, "addressing.txid"),
    ]
