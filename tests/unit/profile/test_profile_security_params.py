"""Security algorithms and their parameters are checked at load, against the registry."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import jsonschema
import pytest
from pydantic import BaseModel, ConfigDict, Field

import diagkit.security as registry
from diagkit.profile import dump_profile, json_schema, parse_profile
from diagkit.profile.problems import path_text
from tests.unit.profile._profile_helpers import MINIMAL, problems_of


def found(text: str) -> list[tuple[int | None, str, str]]:
    """(line, field, message) of each problem of a profile text."""
    return [(p.line, path_text(p.path), p.message) for p in problems_of(text)]


def test_an_unknown_algorithm_is_refused_naming_the_closest_known_one() -> None:
    text = MINIMAL + "security:\n  - {level: 0x01, algorithm: xor_msk, params: {mask: 0xA5}}\n"
    [(line, field, message)] = found(text)
    assert (line, field) == (7, "security[0].algorithm")
    assert "unknown security algorithm 'xor_msk'; did you mean 'xor_mask'?" in message
    assert "add_constant, aes128_cmac, xor_mask" in message


def test_a_misspelled_parameter_names_the_right_one_and_the_missing_one() -> None:
    text = (
        MINIMAL + "security:\n  - level: 0x01\n    algorithm: xor_mask\n    params: {maks: 0xA5}\n"
    )
    assert sorted(found(text)) == [
        (9, "security[0].params.maks", "unknown key 'maks'; did you mean 'mask'?"),
        (9, "security[0].params.mask", "required, but missing"),
    ]


def test_missing_parameters_are_refused_at_the_level() -> None:
    text = MINIMAL + "security:\n  - {level: 0x01, algorithm: add_constant}\n"
    assert found(text) == [(7, "security[0].params.constant", "required, but missing")]


@pytest.mark.parametrize(
    ("params", "field", "fragment"),
    [
        ("{mask: zz}", "security[0].params.mask", "parameter 'mask' is not a hex string"),
        ("{mask: -1}", "security[0].params.mask", "as bytes, a hex string or a non-negative"),
    ],
)
def test_parameter_values_are_checked_by_the_algorithm(
    params: str, field: str, fragment: str
) -> None:
    text = MINIMAL + f"security:\n  - {{level: 0x01, algorithm: xor_mask, params: {params}}}\n"
    [(_, where, message)] = found(text)
    assert where == field
    assert fragment in message


def test_aes128_cmac_takes_its_key_from_key_env_and_needs_one() -> None:
    ok = parse_profile(
        MINIMAL + "security:\n  - {level: 0x11, algorithm: aes128_cmac, key_env: SA_KEY}\n"
    )
    assert ok.security[0].resolved_params({"SA_KEY": "00" * 16})["key"].reveal() == "00" * 16
    [(_, field, message)] = found(
        MINIMAL + "security:\n  - {level: 0x11, algorithm: aes128_cmac}\n"
    )
    assert field == "security[0].params"
    assert "needs its 16-byte key: set key_env: NAME" in message
    [(_, field, message)] = found(
        MINIMAL + "security:\n  - {level: 0x11, algorithm: aes128_cmac, key_env: K, "
        "params: {key_length: 17}}\n"
    )
    assert (field, message) == ("security[0].params.key_length", "17 is above the maximum 16")


def test_key_env_on_an_algorithm_without_a_key_is_refused() -> None:
    text = MINIMAL + (
        "security:\n  - {level: 0x01, algorithm: xor_mask, key_env: K, params: {mask: 0xA5}}\n"
    )
    [(_, field, message)] = found(text)
    assert field == "security[0].key_env"
    assert "xor_mask takes no key (its parameters: mask)" in message


class RotateParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    bits: int = Field(ge=1, le=7)


class Rotate:
    """A plugin algorithm declaring its parameters."""

    Params = RotateParams

    def compute_key(self, level: int, seed: bytes, params: Mapping[str, object]) -> bytes:
        return seed


class Anything:
    """A plugin algorithm declaring no parameters."""

    def compute_key(self, level: int, seed: bytes, params: Mapping[str, object]) -> bytes:
        return seed


@pytest.fixture
def plugins() -> Iterator[None]:
    registry.register("test_rotate", Rotate())
    registry.register("test_anything", Anything())
    yield
    registry.unregister("test_rotate")
    registry.unregister("test_anything")


@pytest.mark.usefixtures("plugins")
def test_a_plugin_s_params_model_is_checked_like_the_built_in_ones() -> None:
    head = MINIMAL + "security:\n  - {level: 0x01, algorithm: test_rotate, params: "
    assert parse_profile(head + "{bits: 3}}\n").security[0].params == {"bits": 3}
    assert found(head + "{bits: 9}}\n") == [
        (7, "security[0].params.bits", "9 is above the maximum 7")
    ]
    anything = MINIMAL + "security:\n  - {level: 0x01, algorithm: test_anything, params: {x: 1}}\n"
    assert parse_profile(anything).security[0].params == {"x": 1}


@pytest.mark.usefixtures("plugins")
def test_the_json_schema_describes_each_algorithm_s_params() -> None:
    schema = json_schema()
    assert "RotateParams" in schema["$defs"] and "XorMaskParams" in schema["$defs"]

    def errors(level: dict[str, object]) -> list[str]:
        document = {"name": "e", "security": [level]}
        return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(document)]

    assert errors({"level": 1, "algorithm": "xor_mask", "params": {"mask": "0xA5"}}) == []
    assert errors({"level": 1, "algorithm": "test_rotate", "params": {"bits": 3}}) == []
    assert any(
        "'maks' was unexpected" in e
        for e in errors({"level": 1, "algorithm": "xor_mask", "params": {"maks": 1}})
    )
    assert any(
        "'params' is a required property" in e
        for e in errors({"level": 1, "algorithm": "xor_mask"})
    )
    assert errors({"level": 1, "algorithm": "test_rotate", "params": {"bits": 9}}) != []


def test_a_mask_is_dumped_as_hex_and_loads_back_equal() -> None:
    profile = parse_profile(
        MINIMAL + "security:\n  - {level: 0x01, algorithm: xor_mask, params: {mask: 0x5A5AA5A5}}\n"
    )
    text = dump_profile(profile)
    assert "0x5A5AA5A5" in text
    assert "1515890085" not in text
    assert parse_profile(text) == profile
    assert parse_profile(dump_profile(profile, "json"), json_format=True) == profile


class BadParams:
    """A plugin whose Params is not a pydantic model."""

    Params = dict

    def compute_key(self, level: int, seed: bytes, params: Mapping[str, object]) -> bytes:
        return seed


def test_a_plugin_with_a_broken_params_declaration_is_a_problem_not_a_crash() -> None:
    registry.register("test_bad_params", BadParams())
    try:
        for params in ("", ", params: {x: 1}"):
            text = MINIMAL + (
                f"security:\n  - {{level: 0x01, algorithm: test_bad_params{params}}}\n"
            )
            [(_, field, message)] = found(text)
            assert field == "security[0].params"
            assert "Params must be a pydantic model class" in message
    finally:
        registry.unregister("test_bad_params")
