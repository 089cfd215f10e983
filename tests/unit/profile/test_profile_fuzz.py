"""Property: whatever document or path comes in, the only error that comes out is a profile error.

And whatever is accepted compiles into transport options and dumps to an equal profile.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagkit.profile import (
    load_bench,
    load_profile,
    parse_profile,
    transport_config,
    udsoncan_config,
)
from diagkit.profile.dump import dump_profile
from diagkit.profile.model import EcuProfile
from diagkit.profile.problems import InvalidProfileError, path_text
from tests.unit.profile._profile_helpers import PROFILES

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["0x7E0", "50ms", "500us", "950us", "5s", "0x1CC", "normal_29bit", "uint"]),
)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12) | st.integers(0, 0xFFFF), inner, max_size=4)
    ),
    max_leaves=25,
)


def accepted(profile: EcuProfile) -> None:
    """What every accepted profile must allow."""
    transport_config(profile)
    udsoncan_config(profile)
    assert parse_profile(dump_profile(profile)) == profile


def check(source: str | dict[str, Any], **kwargs: Any) -> None:
    try:
        profile = parse_profile(source, **kwargs)
    except InvalidProfileError as exc:
        assert exc.problems
        assert str(exc)
    else:
        accepted(profile)


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text_gives_only_profile_errors(text: str) -> None:
    check(text)
    check(text, json_format=True)


@FUZZ
@given(documents)
def test_arbitrary_yaml_and_json_documents_give_only_profile_errors(document: Any) -> None:
    check(yaml.safe_dump(document))
    try:
        text = json.dumps(document)
    except ValueError:  # e.g. non-string keys mixing with sort order; still valid input
        return
    check(text, json_format=True)


# Structures shaped like profiles: the real keys, with values that are sometimes right.
ids = st.one_of(st.integers(-5, 0x2000_0000), st.sampled_from(["0x7E0", "0x7E8", "0x18DA10F1"]))
times = st.one_of(st.sampled_from(["0", "1ms", "500us", "950us", "50ms", "5s", "2s"]), scalars)
codec = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["ascii", "utf8", "uint", "int", "scaled", "enum", "bytes", "hex", "bcd", "x"]
        )
    },
    optional={
        "length": st.integers(-1, 20),
        "size": st.integers(-1, 10),
        "byteorder": st.sampled_from(["big", "little", "middle"]),
        "factor": st.floats(allow_nan=True),
        "values": st.dictionaries(
            st.integers(-1, 300), st.text(max_size=5) | st.booleans(), max_size=3
        ),
        "pad": st.integers(-1, 256),
        "signed": st.booleans(),
    },
)
addressing = st.fixed_dictionaries(
    {},
    optional={
        "mode": st.sampled_from(
            [
                "normal_11bit",
                "normal_29bit",
                "normal_fixed_29bit",
                "extended_11bit",
                "extended_29bit",
                "mixed_11bit",
                "mixed_29bit",
                "bogus",
            ]
        ),
        "txid": ids,
        "rxid": ids,
        "target_address": st.integers(-1, 256),
        "source_address": st.integers(-1, 256),
        "address_extension": st.integers(-1, 256),
        "functional_txid": ids,
        "functional_target_address": st.integers(-1, 256),
    },
)
isotp = st.fixed_dictionaries(
    {},
    optional={
        "tx_padding": st.integers(-1, 256) | st.none(),
        "rx_padding": st.integers(-1, 256) | st.none(),
        "rx_padding_check": st.sampled_from(["none", "length", "data", "length_and_data", "all"]),
        "flow_control": st.fixed_dictionaries(
            {},
            optional={
                "block_size": st.integers(-1, 256),
                "stmin": times,
                "wft_max": st.integers(-1, 256),
            },
        ),
        "tx_stmin": times,
        "rx_stmin": times,
        "frame_txtime": times,
        "wait_tx_done": st.booleans(),
        "can_fd": st.booleans(),
        "tx_dl": st.sampled_from([8, 12, 16, 20, 24, 32, 48, 64, 7, 65]),
        "bitrate_switch": st.booleans(),
        "max_pdu_size": st.integers(-1, 2**33),
    },
)
uds = st.fixed_dictionaries(
    {},
    optional={
        "p2": times,
        "p2_star": times,
        "request_timeout": times,
        "standard_version": st.sampled_from([2006, 2013, 2020, 2018]),
        "server_address_format": st.sampled_from([8, 16, 24, 32, 40, 12]),
        "tester_present": st.fixed_dictionaries(
            {},
            optional={
                "enabled": st.booleans(),
                "interval": times,
                "addressing": st.sampled_from(["physical", "functional", "both"]),
            },
        ),
    },
)
did = st.fixed_dictionaries(
    {"id": ids, "name": st.sampled_from(["vin", "serial", "rpm", "2bad"]), "codec": codec},
    optional={
        "writable": st.booleans(),
        "session": st.sampled_from(["extended", 3, "x"]),
        "security_level": st.integers(0, 4),
    },
)
profiles = st.fixed_dictionaries(
    {"name": st.sampled_from(["engine", "ecu_1", "bad name"]), "addressing": addressing},
    optional={
        "interface": st.sampled_from(["can0", "vcan1", "a" * 16, ""]),
        "backend": st.sampled_from(["kernel", "userspace", "memory", "magic"]),
        "isotp": isotp,
        "uds": uds,
        "dids": st.lists(did, max_size=3),
        "security": st.lists(
            st.fixed_dictionaries(
                {"level": st.integers(0, 0x80), "algorithm": st.sampled_from(["xor", ""])},
                optional={"key_env": st.sampled_from(["KEY", "A B"])},
            ),
            max_size=2,
        ),
        "memory": st.lists(
            st.fixed_dictionaries(
                {
                    "name": st.sampled_from(["boot", "app"]),
                    "address": st.integers(-1, 2**41),
                    "size": st.integers(-1, 2**20),
                },
            ),
            max_size=2,
        ),
        "simulation": st.fixed_dictionaries(
            {},
            optional={
                "dids": st.dictionaries(st.sampled_from(["vin", "rpm", 1]), scalars, max_size=2)
            },
        ),
    },
)


@FUZZ
@given(profiles)
def test_profile_shaped_structures_give_only_profile_errors(data: dict[str, Any]) -> None:
    check(data)
    check(yaml.safe_dump(data))


@st.composite
def valid_addressing(draw: st.DrawFn) -> dict[str, Any]:
    mode = draw(
        st.sampled_from(
            [
                "normal_11bit",
                "normal_29bit",
                "normal_fixed_29bit",
                "extended_11bit",
                "extended_29bit",
                "mixed_11bit",
                "mixed_29bit",
            ]
        )
    )
    top = 0x1FFFFFFF if mode.endswith("29bit") else 0x7FF
    txid, rxid, functional = draw(
        st.lists(st.integers(0, top), min_size=3, max_size=3, unique=True)
    )
    ta, sa, fta = draw(st.lists(st.integers(0, 0xFF), min_size=3, max_size=3, unique=True))
    data: dict[str, Any] = {"mode": mode}
    if mode in ("normal_fixed_29bit", "mixed_29bit"):
        data |= {"target_address": ta, "source_address": sa}
        if draw(st.booleans()):
            data["functional_target_address"] = fta
    else:
        data |= {"txid": hex(txid), "rxid": rxid}
        if draw(st.booleans()):
            data["functional_txid"] = functional
    if mode.startswith("extended"):
        data |= {"target_address": ta, "source_address": sa}
    if mode.startswith("mixed"):
        data["address_extension"] = draw(st.integers(0, 0xFF))
    return data


legal_stmin = st.one_of(
    st.integers(0, 127).map(lambda ms: f"{ms}ms"), st.integers(1, 9).map(lambda n: f"{n}00us")
)


@st.composite
def valid_isotp(draw: st.DrawFn) -> dict[str, Any]:
    fd = draw(st.booleans())
    data: dict[str, Any] = {
        "can_fd": fd,
        "tx_dl": draw(st.sampled_from([8, 12, 16, 20, 24, 32, 48, 64])) if fd else 8,
        "bitrate_switch": fd and draw(st.booleans()),
        "flow_control": {
            "block_size": draw(st.integers(0, 255)),
            "stmin": draw(legal_stmin),
            "wft_max": draw(st.integers(0, 255)),
        },
        "wait_tx_done": draw(st.booleans()),
        "max_pdu_size": draw(st.integers(1, 2**32 - 1)),
    }
    if draw(st.booleans()):
        data["tx_padding"] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data["rx_padding"] = draw(st.integers(0, 255))
        data["rx_padding_check"] = draw(st.sampled_from(["length", "data", "length_and_data"]))
    for key in ("tx_stmin", "rx_stmin", "frame_txtime"):
        if draw(st.booleans()):
            data[key] = f"{draw(st.integers(1, 4_000_000))}us"
    return data


valid_codecs = st.one_of(
    st.builds(lambda n: {"type": "ascii", "length": n}, st.integers(1, 40)),
    st.builds(
        lambda n, b: {"type": "uint", "size": n, "byteorder": b},
        st.integers(1, 8),
        st.sampled_from(["big", "little"]),
    ),
    st.builds(
        lambda n, f: {"type": "scaled", "size": n, "factor": f},
        st.integers(1, 4),
        st.floats(0.001, 1000),
    ),
    st.builds(lambda n: {"type": "bcd", "length": n}, st.integers(1, 8)),
    st.builds(lambda n: {"type": "hex", "length": n}, st.integers(1, 8)),
)


@st.composite
def valid_profiles(draw: st.DrawFn) -> dict[str, Any]:
    p2 = draw(st.integers(1, 65535))
    dids = draw(st.lists(st.integers(0, 0xFFFF), max_size=4, unique=True))
    return {
        "name": "ecu",
        "interface": draw(st.sampled_from(["can0", "vcan1", "bench"])),
        "backend": draw(st.sampled_from(["kernel", "userspace", "memory"])),
        "addressing": draw(valid_addressing()),
        "isotp": draw(valid_isotp()),
        "uds": {
            "p2": f"{p2}ms",
            "p2_star": f"{draw(st.integers(p2, 655350))}ms",
            "request_timeout": draw(st.none() | st.integers(p2, 10**6).map(lambda t: f"{t}ms")),
            "standard_version": draw(st.sampled_from([2006, 2013, 2020])),
        },
        "dids": [
            {"id": did, "name": f"did_{index}", "codec": draw(valid_codecs)}
            for index, did in enumerate(dids)
        ],
    }


@FUZZ
@given(valid_profiles())
def test_valid_profiles_are_accepted_compile_and_round_trip(data: dict[str, Any]) -> None:
    accepted(parse_profile(yaml.safe_dump(data)))


# Files and paths: mangled example files, and paths the file system refuses in every way.


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of profiles/ with a directory, a symbolic link loop and a device to point at."""
    root = tmp_path_factory.mktemp("fuzz") / "profiles"
    shutil.copytree(PROFILES, root)
    (root / "sub").mkdir()
    (root / "loop.yaml").symlink_to("loop.yaml")
    return root


EXAMPLES = sorted(
    str(path.relative_to(PROFILES))
    for path in PROFILES.rglob("*.yaml")
    if "schema" not in path.parts
)


@st.composite
def mangled(draw: st.DrawFn) -> tuple[str, bytes]:
    """An example file with a few bytes replaced, inserted or cut off."""
    name = draw(st.sampled_from(EXAMPLES))
    data = bytearray((PROFILES / name).read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["replace", "insert", "cut"]))
        chunk = draw(st.binary(min_size=1, max_size=8) | st.sampled_from([b"[" * 200, b"\0"]))
        if edit == "cut":
            del data[at:]
        elif edit == "insert":
            data[at:at] = chunk
        else:
            data[at : at + len(chunk)] = chunk
    return name, bytes(data)


def loads_or_refuses(load: Callable[[Path], object], path: Path) -> list[Any]:
    """The problems ``load(path)`` reports; none when it loads. Anything else fails the test."""
    try:
        load(path)
    except InvalidProfileError as exc:
        assert exc.problems
        assert str(exc)
        return list(exc.problems)
    return []


@FUZZ
@given(mangled())
def test_mangled_example_files_give_only_profile_errors(
    workdir: Path, case: tuple[str, bytes]
) -> None:
    name, data = case
    path = workdir / name.replace(".yaml", ".mangled.yaml")
    path.write_bytes(data)
    loads_or_refuses(load_bench if "bench" in name else load_profile, path)


path_parts = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=12),  # NUL, controls, surrogates
    st.sampled_from(["", ".", "..", "/", "sub", "sub/", "loop.yaml", "doors", "/dev/null"]),
    st.sampled_from(["engine.yaml", "engine.yaml/x", "doors/base.yaml", "child.yaml"]),
    st.integers(200, 5000).map(lambda n: "n" * n),
)
paths = st.lists(path_parts, min_size=1, max_size=4).map("/".join)


@FUZZ
@given(paths)
def test_any_path_in_extends_or_a_bench_is_a_problem_at_its_key(workdir: Path, target: str) -> None:
    child = workdir / "child.yaml"
    child.write_text(f"name: child\nextends: {json.dumps(target)}\n", encoding="utf-8")
    for problem in loads_or_refuses(load_profile, child):
        if problem.file == str(child):
            assert (problem.line, path_text(problem.path)) == (2, "extends")
    bench = workdir / "fuzz_bench.yaml"
    bench.write_text(f"name: b\necus:\n  e: {json.dumps(target)}\n", encoding="utf-8")
    for problem in loads_or_refuses(load_bench, bench):
        if problem.file == str(bench):
            assert (problem.line, path_text(problem.path)) == (3, "ecus.e")
    for load in (load_profile, load_bench):
        loads_or_refuses(load, workdir / target)
