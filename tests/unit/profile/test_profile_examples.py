"""Every file in profiles/ is valid, round-trips through a dump, and matches the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from diagkit.client.settings import client_settings
from diagkit.profile import (
    bench_schema,
    dump_profile,
    json_schema,
    load_bench,
    load_profile,
    parse_profile,
    transport_config,
)
from diagkit.profile.dump import profile_data
from diagkit.profile.schema import FILES, render
from tests.unit.profile._profile_helpers import PROFILES

SCHEMA_DIR = PROFILES / "schema"
FILES_IN_PROFILES = sorted(
    p
    for p in PROFILES.rglob("*")
    if p.suffix in (".yaml", ".yml", ".json") and SCHEMA_DIR not in p.parents
)


def raw(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def is_bench(path: Path) -> bool:
    return "ecus" in raw(path)


def is_base(path: Path) -> bool:
    """A base profile is only complete once extended (it has no name of its own)."""
    return "name" not in raw(path)


BENCHES = [p for p in FILES_IN_PROFILES if is_bench(p)]
BASES = [p for p in FILES_IN_PROFILES if not is_bench(p) and is_base(p)]
PROFILE_FILES = [p for p in FILES_IN_PROFILES if not is_bench(p) and not is_base(p)]


def ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(PROFILES)) for p in paths]


@pytest.mark.parametrize("path", PROFILE_FILES, ids=ids(PROFILE_FILES))
def test_every_example_profile_loads_and_compiles(path: Path) -> None:
    profile = load_profile(path)
    transport_config(profile)
    client_settings(profile).udsoncan_config()


@pytest.mark.parametrize("path", BENCHES, ids=ids(BENCHES))
def test_every_example_bench_loads(path: Path) -> None:
    assert len(load_bench(path).ecus) >= 2


@pytest.mark.parametrize("path", BASES, ids=ids(BASES))
def test_every_base_profile_is_extended_by_at_least_two_examples(path: Path) -> None:
    extenders = [
        p for p in PROFILE_FILES if (p.parent / str(raw(p).get("extends", ""))).resolve() == path
    ]
    assert len(extenders) >= 2
    for extender in extenders:
        load_profile(extender)


@pytest.mark.parametrize("path", PROFILE_FILES, ids=ids(PROFILE_FILES))
@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("full", [False, True])
def test_load_dump_load_gives_an_equal_profile(path: Path, fmt: str, full: bool) -> None:
    profile = load_profile(path)
    text = dump_profile(profile, fmt, full=full)  # type: ignore[arg-type]
    assert parse_profile(text, json_format=fmt == "json") == profile


def test_the_examples_cover_what_users_ask_for() -> None:
    engine = load_profile(PROFILES / "engine.yaml")
    assert (engine.addressing.txid, engine.addressing.rxid) == (0x7E0, 0x7E8)
    assert engine.addressing.functional_txid == 0x7DF
    assert engine.isotp.tx_padding == 0xCC
    modes = {load_profile(p).addressing.mode for p in PROFILE_FILES}
    assert {"normal_11bit", "normal_fixed_29bit", "extended_11bit"} <= modes
    fd = [load_profile(p) for p in PROFILE_FILES if load_profile(p).isotp.can_fd]
    assert any(p.isotp.tx_dl == 64 and p.isotp.bitrate_switch for p in fd)
    assert BASES


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_committed_schema_is_the_current_export(name: str) -> None:
    committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert committed == render(FILES[name]), (
        "regenerate with: python -m diagkit.profile schema profiles/schema"
    )


@pytest.mark.parametrize("path", FILES_IN_PROFILES, ids=ids(FILES_IN_PROFILES))
def test_the_schema_accepts_every_example_file_as_written(path: Path) -> None:
    schema = bench_schema() if is_bench(path) else json_schema()
    jsonschema.validate(raw(path), schema)


@pytest.mark.parametrize("path", PROFILE_FILES, ids=ids(PROFILE_FILES))
def test_the_schema_accepts_every_resolved_example(path: Path) -> None:
    profile = load_profile(path)
    for full in (False, True):
        data = json.loads(json.dumps(profile_data(profile, full=full)))
        jsonschema.validate(data, json_schema())


def test_the_schema_rejects_a_misspelled_key() -> None:
    data = raw(PROFILES / "engine.yaml")
    data["isotp"]["tx_paddding"] = data["isotp"].pop("tx_padding")
    with pytest.raises(jsonschema.ValidationError, match="tx_paddding"):
        jsonschema.validate(data, json_schema())
