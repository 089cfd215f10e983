"""Loading files: extends chains, benches, JSON, YAML safety, and where problems are reported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from diagkit.errors import ConfigurationError, UnknownNameError
from diagkit.profile import load_bench, load_profile, parse_profile
from diagkit.profile.problems import InvalidProfileError, path_text
from tests.unit.profile._profile_helpers import MINIMAL, problems_of

Write = Callable[[str, str], Path]


def test_the_message_names_file_line_field_and_remedy(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write("profiles/engine.yaml", MINIMAL.replace("0x7E0", "0x800"))
    monkeypatch.chdir(path.parent.parent)
    with pytest.raises(InvalidProfileError) as caught:
        load_profile("profiles/engine.yaml")
    assert (
        "profiles/engine.yaml:4 addressing.txid: 0x800 does not fit an 11-bit id (max 0x7FF); "
        "use addressing.mode: normal_29bit for extended ids"
    ) in str(caught.value)
    assert isinstance(caught.value, ValueError)  # ProfileError is a ValueError


BASE = """\
description: shared
interface: can3
addressing: {mode: normal_11bit, txid: 0x7E0, rxid: 0x7E8}
isotp:
  tx_padding: 0xCC
  flow_control: {block_size: 8, stmin: 2ms}
dids:
  - {id: 0xF190, name: vin, codec: {type: ascii, length: 17}}
"""


def test_extends_merges_mappings_and_replaces_other_values(write: Write) -> None:
    write("base.yaml", BASE)
    child = write(
        "child.yaml",
        "extends: base.yaml\n"
        "name: child\n"
        "addressing: {txid: 0x7E1, rxid: 0x7E9}\n"
        "isotp: {flow_control: {stmin: 5ms}}\n"
        "dids: [{id: 0xF18C, name: serial, codec: {type: ascii, length: 10}}]\n",
    )
    profile = load_profile(child)
    assert (profile.name, profile.description, profile.interface) == ("child", "shared", "can3")
    assert (profile.addressing.txid, profile.addressing.rxid) == (0x7E1, 0x7E9)
    assert profile.isotp.tx_padding == 0xCC
    assert (profile.isotp.flow_control.block_size, profile.isotp.flow_control.stmin) == (8, 0.005)
    assert [did.name for did in profile.dids] == ["serial"]


def test_extends_chains_resolve_relative_to_each_file(write: Write) -> None:
    write("family/base.yaml", BASE)
    write("family/variant.yaml", "extends: base.yaml\ndescription: variant\n")
    leaf = write("leaf/ecu.yaml", "extends: ../family/variant.yaml\nname: leaf\n")
    profile = load_profile(leaf)
    assert (profile.name, profile.description) == ("leaf", "variant")


def test_a_problem_in_a_base_is_reported_in_the_base_file(write: Write) -> None:
    write("base.yaml", BASE.replace("0xCC", "0x1CC"))
    child = write("child.yaml", "extends: base.yaml\nname: child\ndescription: 0x10\n")
    with pytest.raises(InvalidProfileError) as caught:
        load_profile(child)
    (problem_1, problem_2) = sorted(caught.value.problems, key=lambda p: p.file)
    assert (Path(problem_1.file).name, problem_1.line) == ("base.yaml", 5)
    assert path_text(problem_1.path) == "isotp.tx_padding"
    assert (Path(problem_2.file).name, problem_2.line) == ("child.yaml", 3)
    assert path_text(problem_2.path) == "description"


def test_a_base_value_replaced_by_the_child_is_no_longer_located_in_the_base(
    write: Write,
) -> None:
    write("base.yaml", BASE)
    child = write("child.yaml", "extends: base.yaml\nname: c\ndids: [{id: 1, name: 2x}]\n")
    with pytest.raises(InvalidProfileError) as caught:
        load_profile(child)
    problems = {path_text(p.path): p for p in caught.value.problems}
    assert Path(problems["dids[0].name"].file).name == "child.yaml"
    assert Path(problems["dids[0].codec"].file).name == "child.yaml"


def test_extends_must_name_a_file(write: Write) -> None:
    path = write("child.yaml", "extends: [a, b]\nname: c\n")
    with pytest.raises(InvalidProfileError, match="extends: must be the path of a profile file"):
        load_profile(path)


def test_a_profile_may_not_extend_itself(write: Write) -> None:
    path = write("self.yaml", "extends: self.yaml\nname: c\n")
    with pytest.raises(InvalidProfileError, match=r"cycle: self.yaml -> self.yaml"):
        load_profile(path)


def test_parse_profile_resolves_extends_from_base_dir(write: Write, tmp_path: Path) -> None:
    write("base.yaml", BASE)
    profile = parse_profile("extends: base.yaml\nname: inline\n", base_dir=tmp_path)
    assert profile.addressing.txid == 0x7E0


def test_parse_profile_accepts_a_mapping() -> None:
    data = {"name": "ecu", "addressing": {"txid": "0x7E0", "rxid": 2024}}
    assert parse_profile(data).addressing.rxid == 2024


def test_json_profiles_are_read_with_line_numbers(write: Write) -> None:
    path = write(
        "ecu.json",
        '{\n  "name": "ecu",\n  "addressing": {"txid": "0x7E0", "rxid": "0x7E8"},\n'
        '  "uds": {"p2": "5 minutes"}\n}\n',
    )
    with pytest.raises(InvalidProfileError) as caught:
        load_profile(path)
    (problem,) = caught.value.problems
    assert (problem.line, path_text(problem.path)) == (4, "uds.p2")


def test_json_duplicate_keys_are_refused(write: Write) -> None:
    path = write("ecu.json", '{"name": "a", "name": "b", "addressing": {"txid": 1, "rxid": 2}}')
    with pytest.raises(InvalidProfileError, match="'name' appears"):
        load_profile(path)


def test_yaml_merge_keys_work_and_are_not_duplicates() -> None:
    text = (
        "name: ecu\n"
        "common: &ids {txid: 0x7E0, rxid: 0x7E8}\n"
        "addressing:\n  <<: *ids\n  rxid: 0x7E9\n"
    )
    problems = problems_of(text)
    assert [path_text(p.path) for p in problems] == ["common"]  # only the unknown key


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['true']",
        "!!python/name:os.system",
        "!!python/object/new:dict {}",
        "!custom 1",
    ],
)
def test_yaml_tags_that_build_objects_are_refused(tag: str) -> None:
    (problem,) = problems_of(MINIMAL + f"description: {tag}\n")
    assert "is not allowed: profiles are plain data" in problem.message
    assert problem.line == 6


def test_alias_bombs_are_refused_before_anything_walks_them() -> None:
    lines = ["name: ecu", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    (problem,) = problems_of("\n".join(lines) + "\n")
    assert "too large once YAML aliases are expanded" in problem.message


def test_missing_unreadable_and_non_utf8_files(write: Write, tmp_path: Path) -> None:
    with pytest.raises(InvalidProfileError, match="file not found"):
        load_profile(tmp_path / "absent.yaml")
    with pytest.raises(InvalidProfileError, match="cannot read"):
        load_profile(tmp_path)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(MINIMAL.encode() + b"description: \xe9\n")
    with pytest.raises(InvalidProfileError, match="not UTF-8 text"):
        load_profile(latin)


ENGINE = "name: engine\ninterface: can0\naddressing: {txid: 0x7E0, rxid: 0x7E8}\n"
GEARBOX = "name: gearbox\naddressing: {txid: 0x7E1, rxid: 0x7E9}\nuds: {p2: 80ms}\n"


def test_a_bench_resolves_each_ecu_with_defaults_under_and_overrides_over(write: Write) -> None:
    write("ecus/engine.yaml", ENGINE)
    write("ecus/gearbox.yaml", GEARBOX)
    bench_path = write(
        "bench.yaml",
        "name: hil\n"
        "defaults: {interface: can7, uds: {p2: 60ms, p2_star: 3s}, isotp: {tx_padding: 0xCC}}\n"
        "ecus:\n"
        "  engine: {profile: ecus/engine.yaml, interface: vcan0}\n"
        "  gearbox: ecus/gearbox.yaml\n",
    )
    bench = load_bench(bench_path)
    engine, gearbox = bench["engine"], bench["gearbox"]
    assert engine.interface == "vcan0"  # the bench entry wins over the profile file
    assert gearbox.interface == "can7"  # the defaults fill what the file leaves out
    assert (engine.uds.p2, gearbox.uds.p2) == (0.06, 0.08)  # the file wins over the defaults
    assert engine.uds.p2_star == gearbox.uds.p2_star == 3.0
    assert engine.isotp.tx_padding == gearbox.isotp.tx_padding == 0xCC
    with pytest.raises(UnknownNameError, match="no ECU 'brakes' on bench hil") as info:
        bench["brakes"]
    assert isinstance(info.value, ConfigurationError)  # a diagkit error (exit code 2)
    assert isinstance(info.value, KeyError)  # and a lookup's, as a mapping's would be
    assert str(info.value).startswith("no ECU 'brakes'")  # not quoted as KeyError would


def test_a_bench_reports_the_problems_of_every_ecu_at_once(write: Write) -> None:
    write("engine.yaml", ENGINE.replace("0x7E0", "0x900"))
    write("gearbox.yaml", GEARBOX.replace("80ms", "80 ms please"))
    bench_path = write(
        "bench.yaml", "name: b\necus: {engine: engine.yaml, gearbox: gearbox.yaml}\n"
    )
    with pytest.raises(InvalidProfileError) as caught:
        load_bench(bench_path)
    assert sorted((Path(p.file).name, path_text(p.path)) for p in caught.value.problems) == [
        ("engine.yaml", "addressing.txid"),
        ("gearbox.yaml", "uds.p2"),
    ]


def test_bench_defaults_may_not_extend(write: Write) -> None:
    write("engine.yaml", ENGINE)
    bench_path = write(
        "bench.yaml", "name: b\ndefaults: {extends: x.yaml}\necus: {engine: engine.yaml}\n"
    )
    with pytest.raises(InvalidProfileError, match=r"defaults\.extends: not allowed"):
        load_bench(bench_path)


def test_ecus_with_distinct_response_ids_or_interfaces_share_a_bench(write: Write) -> None:
    write("engine.yaml", ENGINE)
    bench_path = write(
        "bench.yaml",
        "name: b\necus:\n  left: engine.yaml\n  right: {profile: engine.yaml, interface: can1}\n",
    )
    assert list(load_bench(bench_path).ecus) == ["left", "right"]
