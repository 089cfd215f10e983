"""The transport registry: built-in names, third-party backends by entry point, clear refusals."""

from __future__ import annotations

import subprocess
import sys
import types
from collections.abc import Iterator
from importlib.metadata import EntryPoint

import pytest

from diagkit import plugins
from diagkit.client.factory import open_client
from diagkit.errors import ConfigurationError, TransportUnavailableError
from diagkit.profile import InvalidProfileError, parse_profile
from diagkit.transport import registry
from diagkit.transport.address import Address, TargetAddressType
from diagkit.transport.base import Transport
from diagkit.transport.config import TransportConfig
from diagkit.transport.factory import open_functional, open_transport
from diagkit.transport.memory import MemoryTransport

ECU = Address(txid=0x7E0, rxid=0x7E8)
PLUGIN = "acme_loop"
PLUGIN_MODULE = "acme_loop_for_tests"
PROFILE = f"""\
name: bench_ecu
backend: {PLUGIN}
interface: j2534-0
addressing: {{mode: normal_11bit, txid: 0x7E0, rxid: 0x7E8, functional_txid: 0x7DF}}
uds: {{tester_present: {{enabled: true, addressing: functional}}}}
"""


class Plugin:
    """What a third-party package publishes: a backend whose channels it opens itself."""

    def __init__(self) -> None:
        self.opened: list[TransportConfig] = []
        self.functional: list[MemoryTransport] = []
        self.backend = registry.TransportBackend(
            name=PLUGIN,
            summary="a loopback for tests",
            open=self.open,
            open_functional=self.open_functional,
        )

    def open(self, config: TransportConfig) -> Transport:
        self.opened.append(config)
        # ISO 14229-1 TesterPresent: 3E 00 is answered 7E 00
        return MemoryTransport(lambda pdu: [b"\x7e\x00"] if pdu == b"\x3e\x00" else [])

    def open_functional(self, config: TransportConfig, physical: Transport) -> Transport:
        sender = MemoryTransport()
        self.functional.append(sender)
        return sender


def fake_entry_points(*eps: EntryPoint) -> object:
    return lambda group: [ep for ep in eps if ep.group == group]


@pytest.fixture
def plugin(monkeypatch: pytest.MonkeyPatch) -> Iterator[Plugin]:
    """A backend published as entry point ``acme_loop`` of group diagkit.transports."""
    published = Plugin()
    module = types.ModuleType(PLUGIN_MODULE)
    module.BACKEND = published.backend  # type: ignore[attr-defined]
    ep = EntryPoint(PLUGIN, f"{PLUGIN_MODULE}:BACKEND", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(plugins, "entry_points", fake_entry_points(ep))
    monkeypatch.setitem(sys.modules, PLUGIN_MODULE, module)
    yield published
    registry.unregister(PLUGIN)


def test_the_builtin_backends_in_preference_order() -> None:
    assert registry.names()[:3] == ["kernel", "userspace", "memory"]
    # memory channels are built in code: nothing can open them from a config
    assert "memory" not in registry.names(opens_from_config=True)
    assert registry.get("kernel").opens_from_config


def test_an_entry_point_backend_is_listed_before_it_is_loaded(
    plugin: Plugin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, PLUGIN_MODULE)  # importing it now would fail
    assert PLUGIN in registry.names()
    assert PLUGIN in registry.names(opens_from_config=True)
    with pytest.raises(TransportUnavailableError, match=r"'acme_loop'.*cannot be imported"):
        registry.get(PLUGIN)


def test_an_entry_point_backend_is_usable_from_open_transport(plugin: Plugin) -> None:
    config = TransportConfig(interface="j2534-0", address=ECU, backend=PLUGIN)
    with open_transport(config) as transport:
        transport.send(b"\x3e\x00")
        assert transport.recv(0.0) == b"\x7e\x00"
    assert plugin.opened == [config]
    assert registry.get(PLUGIN) is plugin.backend  # loaded once, then kept


def test_an_entry_point_backend_is_usable_from_a_profile(plugin: Plugin) -> None:
    profile = parse_profile(PROFILE)
    assert profile.backend == PLUGIN
    with open_client(profile) as client:
        client.tester_present()
        (sender,) = plugin.functional  # the profile's functional tester present uses it
    assert [c.interface for c in plugin.opened] == ["j2534-0"]
    assert sender.closed  # the client owned it


def test_an_unknown_backend_in_a_profile_lists_the_known_ones(plugin: Plugin) -> None:
    with pytest.raises(InvalidProfileError) as info:
        parse_profile(PROFILE.replace(f"backend: {PLUGIN}", "backend: doip"))
    assert "unknown transport backend 'doip'" in str(info.value)
    assert "kernel, userspace, memory, acme_loop" in str(info.value)


def test_an_unknown_backend_in_a_config_lists_the_known_ones() -> None:
    config = TransportConfig(interface="can0", address=ECU, backend="j2534")
    with pytest.raises(ConfigurationError, match=r"'j2534'.*kernel, userspace, memory"):
        open_transport(config)


def test_an_entry_point_that_is_no_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType(PLUGIN_MODULE)
    module.BACKEND = object()  # type: ignore[attr-defined]
    ep = EntryPoint(PLUGIN, f"{PLUGIN_MODULE}:BACKEND", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(plugins, "entry_points", fake_entry_points(ep))
    monkeypatch.setitem(sys.modules, PLUGIN_MODULE, module)
    with pytest.raises(ConfigurationError, match="must name a TransportBackend"):
        registry.get(PLUGIN)


def test_register_refuses_a_taken_name_and_auto() -> None:
    with pytest.raises(ValueError, match="already registered"):
        registry.register(
            registry.TransportBackend(name="kernel", summary="another", open=Plugin().open)
        )
    with pytest.raises(ConfigurationError, match="not 'auto'"):
        registry.TransportBackend(name="auto", summary="", open=Plugin().open)


def test_auto_takes_the_first_backend_that_can_serve_the_config() -> None:
    # no interface has this name, so the kernel backend cannot serve it; python-can can
    config = TransportConfig(interface="nosuchcan9", address=ECU)
    assert registry.choose(config).name == "userspace"


def test_auto_without_any_usable_backend_says_why_for_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "diagkit.transport.userspace", None)  # import now fails
    config = TransportConfig(interface="nosuchcan9", address=ECU)
    with pytest.raises(TransportUnavailableError) as info:
        registry.choose(config)
    assert "kernel: " in str(info.value)
    assert "userspace: the userspace backend needs python-can" in str(info.value)


def test_memory_has_no_functional_sender_and_says_how_to_build_one() -> None:
    functional = Address(txid=0x7DF, rxid=0x7E8, target_type=TargetAddressType.Functional)
    config = TransportConfig(
        interface="none", address=ECU, functional_address=functional, backend="memory"
    )
    with pytest.raises(ConfigurationError, match="memory backend has no functional sender"):
        open_functional(config, MemoryTransport())


def test_importing_the_transport_package_loads_no_backend() -> None:
    code = (
        "import sys, diagkit.transport as t\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('diagkit.transport.'))\n"
        "assert not {'diagkit.transport.kernel', 'diagkit.transport.userspace',"
        " 'diagkit.transport.memory'} & set(loaded), loaded\n"
        "assert t.MemoryTransport.__module__ == 'diagkit.transport.memory'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_backend_registered_in_code_comes_after_the_builtins(plugin: Plugin) -> None:
    in_code = registry.TransportBackend(name="acme_code", summary="", open=Plugin().open)
    registry.register(in_code)
    try:
        assert registry.names() == ["kernel", "userspace", "memory", "acme_code", PLUGIN]
        assert in_code in registry.loaded()
        assert plugin.backend not in registry.loaded()  # the entry point is not imported yet
    finally:
        registry.unregister("acme_code")


def test_a_bus_is_refused_by_a_backend_that_opens_its_own() -> None:
    config = TransportConfig(interface="vcan0", address=ECU)
    with pytest.raises(ConfigurationError, match="bus= is for the userspace backend"):
        open_transport(config, bus=object())  # type: ignore[arg-type]
