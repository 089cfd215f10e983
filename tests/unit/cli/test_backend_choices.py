"""The command line offers the registry's backends, and only those it can open."""

from __future__ import annotations

import argparse
import sys
import types
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from diagkit import plugins
from diagkit.cli import build_parser, main
from diagkit.cli.common import load_one_profile
from diagkit.transport import registry

PROFILES = Path(__file__).resolve().parents[3] / "profiles"


def backend_choices(command: str) -> list[str]:
    """The --backend choices argparse holds for ``command``."""
    parser = build_parser(command)
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub = subparsers.choices[command]
    (action,) = [a for a in sub._actions if "--backend" in a.option_strings]
    assert action.choices is not None
    return list(action.choices)


@pytest.mark.parametrize(
    "command", ["read", "write", "dtc", "session", "routine", "send", "flash", "simulate"]
)
def test_backend_choices_are_the_registry_backends_that_open_from_a_config(command: str) -> None:
    assert backend_choices(command) == [*registry.names(opens_from_config=True), "auto"]
    assert "memory" not in backend_choices(command)


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A third-party backend published by entry point, never loaded by these tests."""
    ep = EntryPoint("acme_doip", "acme_doip_for_tests:BACKEND", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(plugins, "entry_points", lambda group: [ep])
    monkeypatch.setitem(sys.modules, "acme_doip_for_tests", types.ModuleType("unused"))
    yield ep.name
    registry.unregister(ep.name)


def test_a_published_backend_is_offered(published: str) -> None:
    assert published in backend_choices("read")


def test_memory_is_refused_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["read", str(PROFILES / "engine.yaml"), "vin", "--backend", "memory"])
    assert info.value.code == 2
    assert "invalid choice: 'memory'" in capsys.readouterr().err


def test_auto_picks_a_backend_that_can_serve_the_profile() -> None:
    # no machine has this interface, so the kernel backend cannot serve it; python-can can
    parser = build_parser("read")
    args = parser.parse_args(
        [
            "read",
            str(PROFILES / "engine.yaml"),
            "vin",
            "--backend",
            "auto",
            "--interface",
            "nosuchcan9",
        ]
    )
    profile = load_one_profile(args)
    assert (profile.backend, profile.interface) == ("userspace", "nosuchcan9")
