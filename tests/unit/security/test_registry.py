"""The security-algorithm registry: names, entry points loaded lazily, helpful unknown names."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator, Mapping
from importlib.metadata import EntryPoint

import pytest

import diagkit.security as registry
from diagkit import plugins
from diagkit.errors import SecurityAccessError
from diagkit.security import SecurityAlgorithm


class Reverse:
    """A toy algorithm: the key is the seed reversed."""

    def compute_key(self, level: int, seed: bytes, params: Mapping[str, object]) -> bytes:
        return seed[::-1]


@pytest.fixture
def plugin_module() -> Iterator[types.ModuleType]:
    """An importable module standing for a third-party package with an algorithm class."""
    module = types.ModuleType("acme_keys_for_tests")
    module.Reverse = Reverse  # type: ignore[attr-defined]
    module.loads = 0  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]
    registry.unregister("acme-reverse")


def fake_entry_points(*eps: EntryPoint) -> object:
    return lambda group: [ep for ep in eps if ep.group == group]


def test_builtins_are_registered() -> None:
    assert {"xor_mask", "add_constant"} <= set(registry.names())
    assert isinstance(registry.get("xor_mask"), SecurityAlgorithm)


def test_register_get_and_unregister() -> None:
    algorithm = Reverse()
    registry.register("test-reverse", algorithm)
    try:
        assert registry.get("test-reverse") is algorithm
        assert registry.compute_key("test-reverse", 1, b"\x01\x02", {}) == b"\x02\x01"
        with pytest.raises(ValueError, match="already registered"):
            registry.register("test-reverse", Reverse())
        registry.register("test-reverse", Reverse(), replace=True)
    finally:
        registry.unregister("test-reverse")
    assert "test-reverse" not in registry.names()


def test_register_refuses_what_has_no_compute_key() -> None:
    with pytest.raises(TypeError, match="compute_key"):
        registry.register("broken", object())  # type: ignore[arg-type]


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(SecurityAccessError) as info:
        registry.get("acme-v9")
    assert "unknown security algorithm 'acme-v9'" in str(info.value)
    assert "add_constant, aes128_cmac, xor_mask" in str(info.value)


def test_entry_points_are_listed_without_loading_and_loaded_on_first_use(
    plugin_module: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    ep = EntryPoint("acme-reverse", f"{plugin_module.__name__}:Reverse", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(plugins, "entry_points", fake_entry_points(ep))
    assert "acme-reverse" in registry.names()
    algorithm = registry.get("acme-reverse")
    assert isinstance(algorithm, Reverse)  # the class was instantiated
    assert registry.get("acme-reverse") is algorithm  # and kept
    assert registry.compute_key("acme-reverse", 1, b"\xaa\xbb", {}) == b"\xbb\xaa"


def test_a_broken_entry_point_names_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    ep = EntryPoint("acme-missing", "no_such_module_anywhere:Algo", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(plugins, "entry_points", fake_entry_points(ep))
    with pytest.raises(SecurityAccessError, match=r"no_such_module_anywhere:Algo.*failed to load"):
        registry.get("acme-missing")


def test_an_entry_point_without_compute_key_is_refused(
    plugin_module: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    ep = EntryPoint("acme-reverse", f"{plugin_module.__name__}:loads", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(plugins, "entry_points", fake_entry_points(ep))
    with pytest.raises(SecurityAccessError, match="has no compute_key"):
        registry.get("acme-reverse")


def test_an_algorithm_returning_something_else_than_bytes_is_refused() -> None:
    class Wrong:
        def compute_key(self, level: int, seed: bytes, params: Mapping[str, object]) -> bytes:
            return list(seed)  # type: ignore[return-value]

    registry.register("test-wrong", Wrong())
    try:
        with pytest.raises(SecurityAccessError, match="returned list, expected bytes"):
            registry.compute_key("test-wrong", 1, b"\x01", {})
    finally:
        registry.unregister("test-wrong")


def test_a_misspelled_name_suggests_the_closest_known_one() -> None:
    with pytest.raises(SecurityAccessError, match="'xor_msk'; did you mean 'xor_mask'"):
        registry.get("xor_msk")


def test_the_built_in_algorithms_declare_their_parameters() -> None:
    for name in registry.BUILTIN:
        model = registry.params_model(name)
        assert model is not None
        assert model.model_config.get("extra") == "forbid"
    aes = registry.params_model("aes128_cmac")
    assert aes is not None
    assert list(aes.model_fields) == ["key", "key_length"]


def test_params_that_are_not_a_model_are_refused() -> None:
    class Odd(Reverse):
        Params = dict

    registry.register("test-odd", Odd())
    try:
        with pytest.raises(TypeError, match="Params must be a pydantic model"):
            registry.params_model("test-odd")
    finally:
        registry.unregister("test-odd")
