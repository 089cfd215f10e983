"""Bad paths and bad shapes: each is a profile problem at the file, line and key that wrote it.

Paths named by ``extends:`` and by bench entries that cannot be read (a NUL byte, a name too
long for the file system, a directory, a device, a symbolic link loop, a read error) and
documents nested deeper than :data:`~diagkit.profile.yamlsource.MAX_DEPTH` or larger than
:data:`~diagkit.profile.loader.MAX_FILE_SIZE`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from diagkit.profile import load_bench, load_profile, parse_profile
from diagkit.profile.loader import MAX_FILE_SIZE
from diagkit.profile.problems import InvalidProfileError, Problem, path_text
from diagkit.profile.yamlsource import MAX_DEPTH
from tests.unit.profile._profile_helpers import MINIMAL

Write = Callable[[str, str], Path]

NAME_MAX = os.pathconf("/", "PC_NAME_MAX")  # 255 on Linux file systems


def only_problem(load: Callable[[], object]) -> Problem:
    """The single problem ``load()`` is refused with (fails the test otherwise)."""
    with pytest.raises(InvalidProfileError) as caught:
        load()
    (problem,) = caught.value.problems
    return problem


def where(problem: Problem) -> tuple[str, int | None, str]:
    return Path(problem.file).name, problem.line, path_text(problem.path)


def extending(write: Write, target: str) -> Path:
    """A profile whose ``extends:`` (line 2) names ``target``, written as a JSON string."""
    return write("child.yaml", f"name: child\nextends: {json.dumps(target)}\n")


def bench_naming(write: Write, target: str) -> Path:
    """A bench with one ECU ``e`` (line 4) whose profile path is ``target``."""
    write("engine.yaml", MINIMAL)
    return write(
        "bench.yaml",
        f"name: b\necus:\n  good: engine.yaml\n  e: {json.dumps(target)}\n",
    )


# Paths the file system refuses, with what the message says about each.
REFUSED = [
    pytest.param("base\0.yaml", "the path contains a NUL byte", id="nul-byte"),
    pytest.param(
        "b" * (NAME_MAX + 1) + ".yaml", "the path is longer than the file system allows", id="long"
    ),
    pytest.param(
        "/".join(["d" * 200] * 30), "the path is longer than the file system allows", id="long-path"
    ),
    pytest.param("sub", "it is a directory, not a profile file", id="directory"),
    pytest.param(".", "it is a directory, not a profile file", id="dot"),
    pytest.param("/dev/null", "not a regular file (a device, pipe or socket)", id="device"),
    pytest.param("loop.yaml", "symbolic links in the path form a loop", id="symlink-loop"),
    pytest.param("engine.yaml/x.yaml", "a part of the path is not a directory", id="not-a-dir"),
]


@pytest.fixture
def odd_files(tmp_path: Path) -> None:
    """What the refused paths point at: a directory and a symbolic link to itself."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    (tmp_path / "engine.yaml").write_text(MINIMAL, encoding="utf-8")


@pytest.mark.usefixtures("odd_files")
@pytest.mark.parametrize(
    ("target", "reason"),
    [
        *REFUSED,
        pytest.param("base\ud800.yaml", "'\\ud800' cannot be part of a file name", id="surrogate"),
    ],
)
def test_an_unreadable_extends_is_a_problem_at_its_line(
    write: Write, target: str, reason: str
) -> None:
    problem = only_problem(lambda: load_profile(extending(write, target)))
    assert where(problem) == ("child.yaml", 2, "extends")
    assert problem.message.startswith("cannot read ")
    assert problem.message.endswith(f": {reason}")


@pytest.mark.usefixtures("odd_files")
@pytest.mark.parametrize(("target", "reason"), REFUSED)
def test_an_unreadable_bench_profile_is_a_problem_at_its_entry(
    write: Write, target: str, reason: str
) -> None:
    problem = only_problem(lambda: load_bench(bench_naming(write, target)))
    assert where(problem) == ("bench.yaml", 4, "ecus.e")
    assert problem.message.startswith("cannot read profile ")
    assert problem.message.endswith(f": {reason}")


def test_a_bench_profile_path_that_is_not_text_is_a_problem_at_its_entry(write: Write) -> None:
    problem = only_problem(lambda: load_bench(bench_naming(write, "base\ud800.yaml")))
    assert where(problem) == ("bench.yaml", 4, "ecus.e")
    assert problem.message == (
        "a string 'base\\ud800.yaml' is not text: '\\ud800' is half of a UTF-16 surrogate pair "
        "(write the character itself, not its \\u escapes)"
    )


def test_a_bench_entry_mapping_is_reported_at_its_profile_key(write: Write) -> None:
    path = write("bench.yaml", 'name: b\necus:\n  e:\n    interface: can1\n    profile: "a\\0"\n')
    problem = only_problem(lambda: load_bench(path))
    assert where(problem) == ("bench.yaml", 5, "ecus.e.profile")
    assert problem.message == "cannot read profile 'a\\x00': the path contains a NUL byte"


def test_an_over_long_name_is_shortened_in_the_message(write: Write) -> None:
    target = "b" * 5000
    problem = only_problem(lambda: load_profile(extending(write, target)))
    assert problem.message == (
        f"cannot read {'b' * 40!r}... (5000 characters): the path is longer than the file "
        "system allows"
    )


@pytest.mark.skipif(not Path("/proc/self/mem").is_file(), reason="needs Linux /proc")
def test_a_file_that_fails_to_read_is_a_problem_where_it_is_named(write: Write) -> None:
    # /proc/self/mem is a regular file whose first page is never mapped: reading it is EIO
    problem = only_problem(lambda: load_profile(extending(write, "/proc/self/mem")))
    assert where(problem) == ("child.yaml", 2, "extends")
    assert problem.message == "cannot read '/proc/self/mem': Input/output error"


def test_a_missing_base_still_says_where_it_was_looked_for(write: Write, tmp_path: Path) -> None:
    problem = only_problem(lambda: load_profile(extending(write, "absent.yaml")))
    assert where(problem) == ("child.yaml", 2, "extends")
    looked_for = tmp_path.resolve() / "absent.yaml"
    assert problem.message == f"'absent.yaml' not found (looked for {looked_for})"


@pytest.mark.usefixtures("odd_files")
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("a\0b.yaml", "cannot read: the path contains a NUL byte"),
        ("b" * (NAME_MAX + 1), "cannot read: the path is longer than the file system allows"),
        ("sub", "cannot read: it is a directory, not a profile file"),
        ("loop.yaml", "cannot read: symbolic links in the path form a loop"),
    ],
)
@pytest.mark.parametrize("load", [load_profile, load_bench])
def test_the_file_given_to_load_is_refused_as_a_profile_problem(
    tmp_path: Path, name: str, reason: str, load: Callable[[Path], object]
) -> None:
    problem = only_problem(lambda: load(tmp_path / name))
    assert problem.message == reason
    assert "\0" not in str(problem)  # shown escaped, fit for a terminal


def test_a_nul_byte_in_base_dir_is_a_profile_problem() -> None:
    problem = only_problem(lambda: parse_profile(MINIMAL, source="p", base_dir="a\0b"))
    assert problem.message == "cannot read base_dir 'a\\x00b': the path contains a NUL byte"


def test_non_utf8_bytes_in_a_base_are_reported_at_their_line(write: Write, tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_bytes(b"description: fine\ninterface: can\xe9\n")
    problem = only_problem(lambda: load_profile(extending(write, "base.yaml")))
    assert where(problem) == ("base.yaml", 2, "")
    assert problem.message == "not UTF-8 text (byte 32)"


def nested_lists(levels: int) -> str:
    return "[" * levels + "1" + "]" * levels


def depth_problem(text: str, *, json_format: bool = False) -> Problem:
    problem = only_problem(lambda: parse_profile(text, source="p", json_format=json_format))
    assert f"nested deeper than {MAX_DEPTH} levels" in problem.message
    return problem


@pytest.mark.parametrize("json_format", [False, True], ids=["yaml", "json"])
def test_deep_flow_nesting_is_refused_at_the_limit(json_format: bool) -> None:
    inside = json.dumps({"name": "x"}).rstrip("}")
    # the profile mapping and MAX_DEPTH - 1 lists: as deep as allowed, refused for what it says
    fits = f'{inside}, "a": {nested_lists(MAX_DEPTH - 1)}}}'
    with pytest.raises(InvalidProfileError) as caught:
        parse_profile(fits, json_format=json_format)
    assert sorted(path_text(p.path) for p in caught.value.problems) == ["a", "addressing"]
    problem = depth_problem(f'{inside},\n"a": {nested_lists(MAX_DEPTH)}}}', json_format=json_format)
    assert problem.line == 2


@pytest.mark.parametrize("json_format", [False, True], ids=["yaml", "json"])
def test_thousands_of_levels_are_refused_by_the_depth_check(json_format: bool) -> None:
    assert depth_problem(nested_lists(50_000), json_format=json_format).line == 1


def test_deep_block_nesting_is_refused_at_the_line_past_the_limit() -> None:
    text = "".join(" " * level + f"k{level}:\n" for level in range(MAX_DEPTH + 10))
    assert depth_problem(text).line == MAX_DEPTH + 1


def test_json_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"name": "x", "description": "[{" * 100, "addressing": {"rxid": 1}})
    problem = only_problem(lambda: parse_profile(text, json_format=True))
    assert path_text(problem.path) == "addressing.txid"


def test_aliases_that_nest_past_the_limit_are_refused_where_they_are_used() -> None:
    deep = nested_lists(MAX_DEPTH - 10)
    text = f"name: x\nbase: &deep {deep}\nuse: {nested_lists(20).replace('1', '*deep')}\n"
    problem = depth_problem(text)
    assert problem.line == 3
    assert "once YAML aliases are expanded" in problem.message


def looped() -> dict[str, Any]:
    mapping: dict[str, Any] = {"name": "x"}
    mapping["self"] = mapping
    return mapping


@pytest.mark.parametrize(
    "mapping",
    [looped(), {"name": "x", "a": json.loads(nested_lists(MAX_DEPTH))}],
    ids=["holding-itself", "deep"],
)
def test_a_mapping_nested_past_the_limit_or_holding_itself_is_refused(
    mapping: dict[str, Any],
) -> None:
    problem = only_problem(lambda: parse_profile(mapping, source="p"))
    assert problem.message == f"lists and mappings nested deeper than {MAX_DEPTH} levels"


def test_text_above_the_size_limit_is_refused_before_parsing() -> None:
    text = "#" * MAX_FILE_SIZE + "\n"
    problem = only_problem(lambda: parse_profile(text, source="p"))
    assert problem.message.startswith(f"text larger than {MAX_FILE_SIZE // 1024} KiB")


def test_a_file_above_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(MINIMAL.encode() + b"#" * MAX_FILE_SIZE)
    problem = only_problem(lambda: load_profile(path))
    assert problem.message.startswith(f"file larger than {MAX_FILE_SIZE // 1024} KiB")


def test_a_bench_is_told_from_a_profile_and_from_what_is_neither(write: Write) -> None:
    from diagkit.profile.loader import is_bench_file  # noqa: PLC0415

    profile = write("engine.yaml", MINIMAL)
    bench = write("bench.yaml", "name: b\necus: {engine: engine.yaml}\n")
    deep = write("deep.yaml", nested_lists(10_000))
    assert is_bench_file(bench)
    assert not is_bench_file(profile)
    assert not is_bench_file(deep)  # loading it as a profile says why
    assert not is_bench_file(profile.parent / "a\0b")
