"""The pytest plugin for profile-driven test benches (entry point ``pytest11``: ``diagkit``).

Installing diagkit is enough: ``pytest --diagkit-bench profiles/hil_bench.yaml --diagkit-sim``
runs every test that asks for ``ecu`` once per ECU of the bench (``test_vin[engine]``...)
against simulated ECUs. Options, ``pytest.ini`` keys, fixtures and markers are described in
``docs/pytest-plugin.md``. Clients are opened once per ECU for the whole run
(:class:`~diagkit.testing.rig.Rig`) and closed at its end; a test that leaves one in doubt
(a transport error, an ECU that stopped answering) gets it reopened for the next test.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import re
from collections.abc import Generator, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from diagkit.errors import DiagkitError, ResponseTimeoutError, TransportError
from diagkit.testing.measure import Measure
from diagkit.testing.rig import MEMORY, Rig

if TYPE_CHECKING:
    from diagkit.client import EcuClient
    from diagkit.profile import EcuProfile
    from diagkit.sim import SimEcu

log = logging.getLogger(__name__)

DEFAULT_SESSION = 0x01
TRACE_SUFFIX = ".pcapng"
_NO_TARGET = (
    "needs an ECU: give --diagkit-profile P or --diagkit-bench B "
    "(or diagkit_profile / diagkit_bench in pytest.ini)"
)


@dataclass(frozen=True)
class Settings:
    """What the options (command line first, then ``pytest.ini``) ask for."""

    profile: Path | None = None
    bench: Path | None = None
    interface: str | None = None
    backend: str | None = None
    sim: bool = False
    trace: Path | None = None

    @property
    def target(self) -> Path | None:
        """The profile or bench file the run is about, if any."""
        return self.profile or self.bench

    @property
    def sim_on_bus(self) -> bool:
        """Simulated ECUs on the profiles' interfaces (a backend was named), not memory pairs."""
        return self.sim and self.backend not in (None, MEMORY)


@dataclass(frozen=True)
class Run:
    """The ECUs of this run, loaded once at the start of the session."""

    settings: Settings
    profiles: dict[str, EcuProfile]
    bench_name: str | None  # None: one profile


_SETTINGS = pytest.StashKey[Settings]()
_RUN = pytest.StashKey[Run]()
_RIG = pytest.StashKey[Rig]()
_CALL_ERROR = pytest.StashKey[BaseException]()

_OPTIONS: tuple[tuple[str, str | None, str], ...] = (
    ("profile", "P", "ECU profile the tests talk to (the ecu fixture)"),
    ("bench", "B", "bench file: tests asking for ecu run once per ECU of the bench"),
    ("interface", "IFACE", "CAN interface for every ECU instead of the profiles' own"),
    ("backend", "NAME", "transport backend instead of the profiles' (auto: the first that fits)"),
    ("sim", None, "serve the profile's / bench's ECUs simulated in this process (no hardware)"),
    ("trace", "DIR", "record a trace of each test's CAN frames in DIR (needs diagkit.trace)"),
)

_PATHS = ("profile", "bench", "trace")


# -- options ----------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--diagkit-*`` options, and the same as ``diagkit_*`` keys of ``pytest.ini``."""
    group = parser.getgroup("diagkit", "diagkit ECU test benches")
    for name, metavar, help_text in _OPTIONS:
        if metavar is None:
            group.addoption(f"--diagkit-{name}", action="store_true", default=None, help=help_text)
            parser.addini(f"diagkit_{name}", help_text, type="bool", default=False)
        else:
            group.addoption(f"--diagkit-{name}", metavar=metavar, default=None, help=help_text)
            where = " (relative to this file)" if name in _PATHS else ""
            parser.addini(f"diagkit_{name}", help_text + where)


def read_settings(config: pytest.Config) -> Settings:
    """The settings of this run: a command-line option wins over its ``pytest.ini`` key.

    Paths on the command line are relative to where pytest was started, in ``pytest.ini``
    relative to that file.
    """
    ini_dir = config.inipath.parent if config.inipath is not None else config.rootpath
    cwd = config.invocation_params.dir

    def text(name: str) -> tuple[str | None, Path]:
        given = config.getoption(f"diagkit_{name}")
        if given is not None:
            return str(given), cwd
        value = str(config.getini(f"diagkit_{name}") or "").strip()
        return value or None, ini_dir

    def path(name: str) -> Path | None:
        value, base = text(name)
        return None if value is None else base / value

    sim = config.getoption("diagkit_sim")
    profile, bench = path("profile"), path("bench")
    cli_profile = config.getoption("diagkit_profile") is not None
    if cli_profile != (config.getoption("diagkit_bench") is not None):  # one replaces the ini's
        profile, bench = (profile, None) if cli_profile else (None, bench)
    settings = Settings(
        profile=profile,
        bench=bench,
        interface=text("interface")[0],
        backend=text("backend")[0],
        sim=bool(config.getini("diagkit_sim")) if sim is None else bool(sim),
        trace=path("trace"),
    )
    if settings.profile is not None and settings.bench is not None:
        raise pytest.UsageError("give --diagkit-profile or --diagkit-bench, not both")
    if settings.trace is not None:
        _check_trace_support(settings)
    return settings


def _check_trace_support(settings: Settings) -> None:
    """Traces need CAN frames: ECUs simulated in memory have none, so refuse that at start."""
    if settings.sim and not settings.sim_on_bus:
        raise pytest.UsageError(
            "--diagkit-trace: ECUs simulated in memory put no frames on a bus; add "
            "--diagkit-backend userspace (python-can's virtual bus) or kernel (vcan) to trace them"
        )


def open_trace(path: Path, rig: Rig) -> AbstractContextManager[object]:
    """The hook point of per-test traces: record the frames of ``rig``'s ECUs into ``path``.

    :func:`diagkit.trace.recording` returns a context manager recording while the test runs;
    ``clients`` maps ECU names to their clients (one not open yet is opened when asked for).
    """
    trace: Any = importlib.import_module("diagkit.trace")
    recording: AbstractContextManager[object] = trace.recording(
        path, profiles=list(rig.profiles.values()), clients=_Clients(rig)
    )
    return recording


def load_run(settings: Settings) -> Run | None:
    """The ECUs ``settings`` name, with the interface and backend overrides applied."""
    from diagkit.profile import load_bench, load_profile  # noqa: PLC0415

    if settings.target is None:
        return None
    option = "--diagkit-profile" if settings.profile is not None else "--diagkit-bench"
    try:
        if settings.bench is not None:
            bench = load_bench(settings.bench)
            found, bench_name = dict(bench.ecus), bench.name
        else:
            assert settings.profile is not None
            profile = load_profile(settings.profile)
            found, bench_name = {profile.name: profile}, None
        profiles = {name: _overridden(p, settings) for name, p in found.items()}
    except (DiagkitError, OSError) as exc:
        raise pytest.UsageError(f"{option} {settings.target}: {exc}") from None
    return Run(settings, profiles, bench_name)


def _overridden(profile: EcuProfile, settings: Settings) -> EcuProfile:
    from diagkit.transport import registry  # noqa: PLC0415

    profile = profile.with_overrides(interface=settings.interface)
    backend = settings.backend
    if backend is None or (backend == MEMORY and settings.sim):
        return profile  # memory pairs: the client's transport is given, not opened
    if backend == registry.AUTO:
        from diagkit.profile import transport_config  # noqa: PLC0415

        backend = registry.choose(transport_config(profile)).name
    return profile.with_overrides(backend=backend)


# -- hooks ------------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers; read (and check) the options."""
    config.addinivalue_line(
        "markers", "ecu(*names): run only for these ECUs of the bench (diagkit)"
    )
    config.addinivalue_line(
        "markers",
        "session(session): enter this diagnostic session (ISO name or number) before the "
        "test and return to the default session afterwards (diagkit)",
    )
    config.stash[_SETTINGS] = read_settings(config)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Load the profile or bench once, before collection (tests are parametrised from it)."""
    run = load_run(session.config.stash[_SETTINGS])
    if run is not None:
        session.config.stash[_RUN] = run


def pytest_report_header(config: pytest.Config) -> str | None:
    """One line saying which ECUs the run talks to, and whether they are simulated."""
    run = config.stash.get(_RUN, None)
    if run is None:
        return None
    what = f"bench {run.bench_name}" if run.bench_name else "profile"
    where = ""
    if run.settings.sim:
        where = ", simulated on their bus" if run.settings.sim_on_bus else ", simulated in memory"
    return f"diagkit: {what} ({', '.join(run.profiles)}){where}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """On a bench, a test asking for ``ecu`` runs once per ECU (those its marker names)."""
    run = metafunc.config.stash.get(_RUN, None)
    if run is None or run.bench_name is None:
        return
    wanted = _marked_ecus(metafunc.definition)
    unknown = [name for name in wanted or () if name not in run.profiles]
    if unknown:
        pytest.fail(
            f"{metafunc.definition.nodeid}: pytest.mark.ecu names {', '.join(unknown)}, not "
            f"an ECU of bench {run.bench_name} (ECUs: {', '.join(run.profiles)})",
            pytrace=False,
        )
    if "diagkit_ecu_name" in metafunc.fixturenames:
        names = [name for name in run.profiles if wanted is None or name in wanted]
        metafunc.parametrize("diagkit_ecu_name", names, ids=names, scope="function")


def _marked_ecus(node: pytest.Item | pytest.Function | Any) -> list[str] | None:
    """The ECU names of the test's ``ecu`` markers, None when it has none."""
    markers = list(node.iter_markers("ecu"))
    if not markers:
        return None
    names: list[str] = []
    for marker in markers:
        if not marker.args or not all(isinstance(a, str) for a in marker.args):
            pytest.fail(
                f"{node.nodeid}: write pytest.mark.ecu('engine'[, ...]) with ECU names",
                pytrace=False,
            )
        names += marker.args
    return names


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep what the test raised, so its ECU can be reopened when the error leaves it in doubt."""
    report = yield
    if call.when == "call" and call.excinfo is not None:
        item.stash[_CALL_ERROR] = call.excinfo.value
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None]:
    """Before any fixture is torn down: the simulated ECUs lose the faults the test injected."""
    rig = item.config.stash.get(_RIG, None)
    if rig is not None and "diagkit_sim" in getattr(item, "fixturenames", ()):
        rig.restore_faults()
    return (yield)


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def diagkit_rig(pytestconfig: pytest.Config) -> Iterator[Rig]:
    """Every ECU of the run: clients opened once, simulations; all closed at the end."""
    run = pytestconfig.stash.get(_RUN, None)
    if run is None:
        pytest.fail(f"this test {_NO_TARGET}", pytrace=False)
    rig = Rig(run.profiles, simulate=run.settings.sim, on_bus=run.settings.sim_on_bus)
    pytestconfig.stash[_RIG] = rig
    try:
        yield rig
    finally:
        del pytestconfig.stash[_RIG]
        rig.close()


@pytest.fixture
def diagkit_ecu_name(diagkit_rig: Rig) -> str:
    """The name of the ECU under test (on a bench, the parameter of the test)."""
    return next(iter(diagkit_rig.profiles))


@pytest.fixture
def ecu_profile(diagkit_rig: Rig, diagkit_ecu_name: str) -> EcuProfile:
    """The profile of the ECU under test, overrides applied."""
    return diagkit_rig.profile(diagkit_ecu_name)


@pytest.fixture
def ecu(
    request: pytest.FixtureRequest,
    diagkit_rig: Rig,
    diagkit_ecu_name: str,
    _diagkit_trace: None,
) -> Iterator[EcuClient]:
    """The open client of the ECU under test, in the session ``pytest.mark.session`` asks for.

    With ``--diagkit-bench`` the test runs once per ECU (ids are the ECU names).
    """
    name = diagkit_ecu_name
    marked = _marked_ecus(request.node)
    if marked is not None and name not in marked:  # one profile: the marker cannot filter it
        pytest.skip(f"for ECU {', '.join(marked)} only; this run's ECU is {name}")
    session = _marked_session(request.node)
    client = diagkit_rig.client(name)
    if session is not None:
        try:
            client.change_session(session)
        except DiagkitError as exc:
            _discard_if_in_doubt(diagkit_rig, name, exc)
            pytest.fail(f"{name}: entering session 0x{session:02X} failed: {exc}", pytrace=False)
    yield client
    error = request.node.stash.get(_CALL_ERROR, None)
    _discard_if_in_doubt(diagkit_rig, name, error)
    if session is not None and session != DEFAULT_SESSION:
        _back_to_default(diagkit_rig, name, failed=error is not None)


@pytest.fixture
def bench(
    request: pytest.FixtureRequest, diagkit_rig: Rig, _diagkit_trace: None
) -> Iterator[Mapping[str, EcuClient]]:
    """All the run's clients by ECU name, each opened the first time the test uses it."""
    clients = _Clients(diagkit_rig)
    yield clients
    error = request.node.stash.get(_CALL_ERROR, None)
    for name in clients.used:
        _discard_if_in_doubt(diagkit_rig, name, error)


@pytest.fixture
def diagkit_sim(diagkit_rig: Rig) -> Mapping[str, SimEcu]:
    """The simulated ECUs by name (``SimEcu.set_faults`` injects a fault for this test only).

    Skips the test when the run is not simulated (``--diagkit-sim``): faults cannot be
    injected into real ECUs.
    """
    if not diagkit_rig.simulate:
        pytest.skip("injects faults into simulated ECUs: run with --diagkit-sim")
    return diagkit_rig.sims()


@pytest.fixture
def measure(request: pytest.FixtureRequest) -> Measure:
    """``measure(name, value, min=, max=, unit=)``: record value and limits, fail outside them.

    The value and limits become JUnit properties of the test (what ``record_property`` does,
    without its warning under ``junit_family=xunit2``).
    """
    properties: list[tuple[str, object]] = request.node.user_properties

    def record(name: str, value: object) -> None:
        properties.append((name, value))

    return Measure(record)


@pytest.fixture
def _diagkit_trace(request: pytest.FixtureRequest, diagkit_rig: Rig) -> Iterator[None]:
    """With ``--diagkit-trace DIR``: a trace of this test's frames in DIR/<test id>.pcapng."""
    settings = request.config.stash[_SETTINGS]
    context: AbstractContextManager[object] = nullcontext()
    if settings.trace is not None:
        settings.trace.mkdir(parents=True, exist_ok=True)
        path = settings.trace / (_file_name(request.node.nodeid) + TRACE_SUFFIX)
        context = open_trace(path, diagkit_rig)
    with context:
        yield


# -- helpers ----------------------------------------------------------------------------------


class _Clients(Mapping[str, "EcuClient"]):
    """The rig's clients by name, opened on first access; remembers which a test used."""

    def __init__(self, rig: Rig) -> None:
        self._rig = rig
        self.used: list[str] = []

    def __getitem__(self, name: str) -> EcuClient:
        if name not in self._rig.profiles:
            raise KeyError(f"no ECU {name!r} in this run (ECUs: {', '.join(self._rig.profiles)})")
        if name not in self.used:
            self.used.append(name)
        return self._rig.client(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._rig.profiles)

    def __len__(self) -> int:
        return len(self._rig.profiles)


def _marked_session(node: Any) -> int | None:
    """The session number ``pytest.mark.session`` names (ISO name or number), if any."""
    from diagkit.profile.uds import parse_session  # noqa: PLC0415

    marker = node.get_closest_marker("session")
    if marker is None:
        return None
    if len(marker.args) != 1 or marker.kwargs:
        pytest.fail(f"{node.nodeid}: write pytest.mark.session('extended') or (3)", pytrace=False)
    try:
        return parse_session(marker.args[0])
    except ValueError as exc:
        pytest.fail(f"{node.nodeid}: pytest.mark.session: {exc}", pytrace=False)


def _discard_if_in_doubt(rig: Rig, name: str, error: BaseException | None) -> None:
    """Close the client when ``error`` may have left its link in an unknown state."""
    if isinstance(error, TransportError | ResponseTimeoutError):
        log.info("%s: reopening the client after %s", name, type(error).__name__)
        rig.discard(name)


def _back_to_default(rig: Rig, name: str, *, failed: bool) -> None:
    """Return ECU ``name`` to the default session; a test that passed errors when it cannot."""
    try:
        rig.client(name).change_session(DEFAULT_SESSION)
    except DiagkitError as exc:
        rig.discard(name)  # tester present stops: the ECU falls back to default after S3
        if not failed:
            pytest.fail(f"{name}: returning to the default session failed: {exc}", pytrace=False)
        log.warning("%s: returning to the default session failed: %s", name, exc)


def _file_name(nodeid: str) -> str:
    """A test id as a file name (``a/test_x.py::test_vin[engine]``: ``test_x.py-test_vin-engine``).

    Only the file's own name is kept, so traces of one module sit side by side.
    """
    name = nodeid.rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
