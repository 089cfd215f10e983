"""libyaml reads profiles as PyYAML's own reader does: the same data, every key on its line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagkit.profile import yamlsource
from diagkit.profile.problems import InvalidProfileError
from tests.unit.profile._profile_helpers import PROFILES, REPO

FILES = sorted([*PROFILES.rglob("*.yaml"), *(REPO / "sequences").rglob("*.yaml")])

needs_libyaml = pytest.mark.skipif(
    not yaml.__with_libyaml__, reason="this PyYAML is built without libyaml"
)


def python_only(text: str, monkeypatch: pytest.MonkeyPatch) -> yamlsource.Document:
    with monkeypatch.context() as patch:
        patch.setattr(yamlsource, "_LibyamlLoader", None)
        return yamlsource.parse_yaml(text, "f.yaml")


@needs_libyaml
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_shipped_file_reads_the_same_with_libyaml(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = path.read_text(encoding="utf-8")
    fast = yamlsource.parse_yaml(text, "f.yaml")
    assert fast.data == python_only(text, monkeypatch).data
    assert fast.locations == python_only(text, monkeypatch).locations
    assert fast.data == yaml.safe_load(text)


TRICKY = """\
base: &base {txid: 0x7E0, rxid: 0x7E8}
ecus:
  left:
    <<: *base
    name: "left \\u00e9"
  right: [1, 0o17, 1_000, 0b101, ~, yes, '2024-01-01']
text: |
  two
  lines
"""


@needs_libyaml
def test_anchors_merges_and_scalars_are_read_and_located_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast = yamlsource.parse_yaml(TRICKY, "f.yaml")
    assert fast.data == python_only(TRICKY, monkeypatch).data
    assert fast.locations == python_only(TRICKY, monkeypatch).locations
    assert fast.locations[("ecus", "left", "txid")].line == 1  # merged in from the anchor
    assert fast.locations[("ecus", "right", 1)].line == 6
    assert fast.locations[("base", "txid")].text == "0x7E0"  # quoted back as written


@needs_libyaml
@pytest.mark.parametrize(
    "text",
    [
        'a: "\\ud800"\n',  # a surrogate escape: libyaml refuses it, PyYAML reads it
        "a: [1\n",
        "a: 1\na: 2\n",
        "a: !!python/object:os.system x\n",
        "[" * 70 + "]" * 70 + "\n",
        "a: \x01\n",
    ],
)
def test_what_is_refused_is_reported_as_without_libyaml(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def problems(libyaml: bool) -> list[str]:
        with monkeypatch.context() as patch:
            if not libyaml:
                patch.setattr(yamlsource, "_LibyamlLoader", None)
            try:
                yamlsource.parse_yaml(text, "f.yaml")
            except InvalidProfileError as exc:
                return [str(p) for p in exc.problems]
            return []

    assert problems(True) == problems(False)


def test_a_document_of_too_many_values_is_refused_without_any_alias() -> None:
    text = "name: ecu\nvalues: [" + ", ".join(["0"] * (yamlsource.MAX_NODES + 1)) + "]\n"
    with pytest.raises(InvalidProfileError, match=r"too large .*more than 200000 values"):
        yamlsource.parse_yaml(text, "f.yaml")



NOISE = list(" \t\n\r:-[]{},'\"#&*!|>%@`?\\\x85\u2028\ufeffa0x")


@st.composite
def edited(draw: st.DrawFn) -> str:
    """A shipped file with a few YAML-significant characters inserted, replaced or cut."""
    text = list(draw(st.sampled_from(FILES)).read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text) - 1))
        edit = draw(st.sampled_from(["insert", "replace", "cut"]))
        if edit == "insert":
            text.insert(at, draw(st.sampled_from(NOISE)))
        elif edit == "replace":
            text[at] = draw(st.sampled_from(NOISE))
        else:
            del text[at]
    return "".join(text)


def outcome(text: str) -> tuple[str, object, object]:
    try:
        document = yamlsource.parse_yaml(text, "f.yaml")
    except InvalidProfileError as exc:
        return "refused", [str(p) for p in exc.problems], None
    return "read", document.data, document.locations


@needs_libyaml
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited())
def test_libyaml_never_reads_a_text_differently_from_pyyaml(text: str) -> None:
    """Text both read gives the same data and lines; text libyaml refuses, the same findings.

    libyaml reads a few texts PyYAML's scanner refuses (a tab or ``?`` inside a plain scalar,
    which YAML allows): those load, with the data YAML gives them.
    """
    fast = outcome(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlsource, "_LibyamlLoader", None)
        slow = outcome(text)
    if fast[0] == "read" and slow[0] == "refused":
        return
    assert fast == slow
