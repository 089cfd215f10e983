"""pytest side of kernel tests: in place where CAN_ISOTP exists, else proxied to one VM run.

A test is a kernel test when it carries the ``kernel`` marker: every test under the kernel
directory (``tests/kernel/``, marked here, no ``pytestmark`` needed) and any parameter marked
``kernel`` elsewhere (the kernel backends of ``tests/conftest.py``'s ``backend`` fixture).
Where this process can open a kernel ISO-TP socket (inside the VM, or a Linux machine with
can-isotp) kernel tests run in place. Elsewhere each is replaced by a :class:`KernelProxyItem`;
the first one to run boots ONE VM that runs all selected kernel tests (their files, keeping only
their node ids), each of which writes a JSON result into a shared directory; every proxy then
replays its test's outcome. ``tests/conftest.py`` registers :class:`KernelBridge`, so it is
active whichever directory pytest is pointed at, on the host and in the VM alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

PLUGIN_NAME = "diagkit-kernel-bridge"
MODE_ENV = "DIAGKIT_KERNEL_TESTS"  # "skip": do not boot the VM on a host without CAN_ISOTP
TIMEOUT_ENV = "DIAGKIT_KERNEL_TIMEOUT"  # seconds for the whole kernel run in the VM
RESULTS_ENV = "DIAGKIT_KERNEL_RESULTS"  # inner run: directory for one JSON result per test
SELECT_ENV = "DIAGKIT_KERNEL_SELECT"  # inner run: file with the node ids to run, one per line
CLASSIC_IFACE_ENV = "DIAGKIT_CLASSIC_IFACE"
FD_IFACE_ENV = "DIAGKIT_FD_IFACE"
DEFAULT_TIMEOUT = 3600.0
RESULTS_DIRNAME = ".kernel-vm-results"
SESSION_FILE = "session.json"
OUTPUT_FILE = "output.log"
IFF_UP = 0x1


def isotp_unavailable_reason() -> str | None:
    """None when ``socket(AF_CAN, SOCK_DGRAM, CAN_ISOTP)`` opens here, else why not."""
    try:
        sock = socket.socket(socket.AF_CAN, socket.SOCK_DGRAM, socket.CAN_ISOTP)
    except AttributeError:
        return "this Python has no AF_CAN/CAN_ISOTP (not Linux?)"
    except OSError as exc:
        return f"socket(AF_CAN, SOCK_DGRAM, CAN_ISOTP) failed: {exc.strerror or exc}"
    sock.close()
    return None


# --- in place: interface fixtures ----------------------------------------------------------


def interface_problem(name: str, mtu: int, sysfs: Path = Path("/sys/class/net")) -> str | None:
    """None when ``name`` exists, is up and has ``mtu``; else a reason with the fix."""
    fd = " mtu 72" if mtu == 72 else ""
    create = f"ip link add dev {name} type vcan; ip link set {name}{fd} up"
    node = sysfs / name
    if not node.is_dir():
        return f"CAN interface {name} does not exist; create it (as root): {create}"
    try:
        actual_mtu = int((node / "mtu").read_text())
        flags = int((node / "flags").read_text(), 16)
    except (OSError, ValueError) as exc:
        return f"cannot read {node}: {exc}"
    if actual_mtu != mtu:
        kind = "CAN FD" if mtu == 72 else "classic CAN"
        return f"{name} has mtu {actual_mtu}, {kind} needs {mtu}: ip link set {name} mtu {mtu}"
    if not flags & IFF_UP:
        return f"{name} is down: ip link set {name} up"
    return None


def _require_interface(env: str, default: str, mtu: int) -> str:
    name = os.environ.get(env) or default
    problem = interface_problem(name, mtu)
    if problem:
        pytest.skip(problem)
    return name


@pytest.fixture(scope="session")
def classic_iface() -> str:
    """A classic CAN interface (mtu 16): ``vcan0``, or ``$DIAGKIT_CLASSIC_IFACE``."""
    return _require_interface(CLASSIC_IFACE_ENV, "vcan0", 16)


@pytest.fixture(scope="session")
def fd_iface() -> str:
    """A CAN FD interface (mtu 72): ``vcan1``, or ``$DIAGKIT_FD_IFACE``."""
    return _require_interface(FD_IFACE_ENV, "vcan1", 72)


# --- in place, inside the VM: one JSON result per test -------------------------------------

Outcome = Literal["passed", "failed", "skipped", "xfailed", "xpassed"]


@dataclass(frozen=True)
class InnerResult:
    """A test's outcome as the inner (in-VM) run saw it, across setup, call and teardown."""

    nodeid: str
    outcome: Outcome
    longrepr: str = ""
    skip_reason: str = ""
    duration: float = 0.0


def result_filename(nodeid: str) -> str:
    return hashlib.sha256(nodeid.encode()).hexdigest()[:32] + ".json"


def _skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return report.longreprtext


def merge_report(previous: InnerResult | None, report: pytest.TestReport) -> InnerResult:
    """Fold one phase's report into the test's result so far (the worst phase wins)."""
    base = previous or InnerResult(report.nodeid, "passed")
    duration = base.duration + report.duration
    xfail = getattr(report, "wasxfail", None)
    if report.failed:
        text = report.longreprtext
        if base.outcome == "failed":
            text = f"{base.longrepr}\n\n[{report.when}]\n{text}"
        elif report.when != "call":
            text = f"[error in {report.when}]\n{text}"
        return InnerResult(base.nodeid, "failed", text, "", duration)
    if report.skipped:
        if xfail is not None:
            return InnerResult(base.nodeid, "xfailed", "", str(xfail), duration)
        return InnerResult(base.nodeid, "skipped", "", _skip_reason(report), duration)
    if report.when == "call" and xfail is not None:
        return InnerResult(base.nodeid, "xpassed", "", str(xfail), duration)
    return InnerResult(base.nodeid, base.outcome, base.longrepr, base.skip_reason, duration)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically: a reader never sees half a file, even if the VM dies mid-write."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def load_results(directory: Path) -> dict[str, InnerResult]:
    """All per-test results in ``directory``; unreadable files are ignored (never passes)."""
    results = {}
    for path in directory.glob("*.json"):
        if path.name == SESSION_FILE:
            continue
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            data = json.loads(path.read_text())
            result = InnerResult(**data)
            if result.outcome in ("passed", "failed", "skipped", "xfailed", "xpassed"):
                results[result.nodeid] = result
    return results


# --- on the host: proxies and their verdicts -----------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What a proxy item does: pass, fail with a message, skip or xfail with a reason."""

    action: Literal["pass", "fail", "skip", "xfail"]
    message: str = ""


@dataclass(frozen=True)
class VmSummary:
    """The parts of a VM run the verdicts need (a :class:`tools.kernelvm.VmResult`, flattened)."""

    could_not_start: bool
    ended_early: bool  # timed out or crashed after the command started
    reason: str
    exit_code: int | None = None
    kernel_release: str | None = None


def proxy_verdict(result: InnerResult | None, vm: VmSummary, detail: str = "") -> Verdict:
    """Map the inner result, or its absence, to the proxy's outcome.

    A VM that never started skips (nothing was tested); a VM that died or timed out fails
    the tests it left without a result (a real failure); otherwise the inner outcome rules.
    """
    where = f"in the kernel VM (Linux {vm.kernel_release})" if vm.kernel_release else "in the VM"
    if result is not None:
        if result.outcome in ("passed", "xpassed"):
            return Verdict("pass")
        if result.outcome == "failed":
            return Verdict("fail", f"{where}:\n{result.longrepr}")
        if result.outcome == "xfailed":
            return Verdict("xfail", result.skip_reason)
        return Verdict("skip", f"{where}: {result.skip_reason}")
    if vm.could_not_start:
        return Verdict("skip", f"kernel VM could not start: {vm.reason}")
    if vm.ended_early:
        message = f"kernel VM: {vm.reason}; this test reported no result before that"
    else:
        message = (
            f"the kernel VM run ended (pytest exit status {vm.exit_code})"
            " without a result for this test"
        )
    return Verdict("fail", f"{message}\n{detail}".rstrip())


class KernelTestFailedError(Exception):
    """A kernel test failed in the VM; the message is the inner report."""


class KernelProxyItem(pytest.Item):
    """Stands in on the host for a kernel test: same node id and location, no fixtures."""

    def __init__(self, *, original: pytest.Item, vm_run: VmRun, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._reportinfo = original.reportinfo()
        self._vm_run = vm_run
        self.add_marker("kernel")

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self._reportinfo

    def setup(self) -> None:
        self._vm_run.ensure_ran()  # the first proxy boots the VM for all of them

    def runtest(self) -> None:
        verdict = self._vm_run.verdict_for(self.nodeid)
        if verdict.action == "skip":
            pytest.skip(verdict.message)
        if verdict.action == "xfail":
            pytest.xfail(verdict.message)
        if verdict.action == "fail":
            raise KernelTestFailedError(verdict.message)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        if isinstance(excinfo.value, KernelTestFailedError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class _Tee:
    """Binary sink writing to several streams (log file, and the terminal under ``-s``)."""

    def __init__(self, *streams: Any) -> None:
        self._streams = streams

    def write(self, data: bytes, /) -> int:
        for s in self._streams:
            s.write(data)
        return len(data)

    def flush(self) -> None:
        for s in self._streams:
            s.flush()


class VmRun:
    """The one VM run shared by all proxies of a session: started lazily, results cached."""

    def __init__(self, config: pytest.Config, nodeids: list[str], paths: list[str]) -> None:
        self._config = config
        self.nodeids = nodeids
        self._paths = paths
        self.results: dict[str, InnerResult] = {}
        self.summary: VmSummary | None = None
        self.vm_result: Any = None  # tools.kernelvm.VmResult once run
        self.results_dir: Path | None = None
        self._detail = ""

    def ensure_ran(self) -> None:
        if self.summary is None:
            try:
                self._run()
            except Exception as exc:  # a harness bug must not fail tests that never ran
                reason = f"kernel VM harness error: {type(exc).__name__}: {exc}"
                self.summary = VmSummary(could_not_start=True, ended_early=False, reason=reason)

    def verdict_for(self, nodeid: str) -> Verdict:
        self.ensure_ran()
        assert self.summary is not None
        return proxy_verdict(self.results.get(nodeid), self.summary, self._detail)

    def _run(self) -> None:
        from tools.kernelvm import Status, VmConfigError, run  # noqa: PLC0415 - host side only

        root = self._config.rootpath
        base = root / RESULTS_DIRNAME
        base.mkdir(exist_ok=True)
        _prune(base)
        self.results_dir = Path(tempfile.mkdtemp(prefix="run-", dir=base))
        select = self.results_dir / "selected.txt"
        select.write_text("".join(n + "\n" for n in self.nodeids))
        env = dict(os.environ)
        env.update({RESULTS_ENV: str(self.results_dir), SELECT_ENV: str(select)})
        env["PYTHONUNBUFFERED"] = "1"
        cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *self._paths]
        terminal = self._config.get_terminal_writer()
        live = self._config.getoption("capture") == "no"
        try:
            timeout = float(os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT)
        except ValueError:
            timeout = DEFAULT_TIMEOUT
        with open(self.results_dir / OUTPUT_FILE, "wb") as log:
            sink = _Tee(log, sys.stdout.buffer) if live else log
            if live:
                terminal.line(f"kernel VM: running {len(self.nodeids)} kernel tests")
            try:
                vm = run(cmd, cwd=root, rw_dirs=[self.results_dir], timeout=timeout,
                         env=env, stdout=sink, stderr=sink)  # fmt: skip
            except VmConfigError as exc:
                self.summary = VmSummary(True, False, f"bad DIAGKIT_VM_* setting: {exc}")
                return
        self.vm_result = vm
        self.results = load_results(self.results_dir)
        session = _read_session(self.results_dir)
        self.summary = VmSummary(
            could_not_start=vm.status in (Status.SETUP_FAILED, Status.BOOT_FAILED),
            ended_early=vm.status in (Status.TIMED_OUT, Status.CRASHED),
            reason=vm.reason,
            exit_code=vm.exit_code,
            kernel_release=vm.kernel_release,
        )
        self._detail = _missing_detail(session, self.results_dir / OUTPUT_FILE, vm.console_tail)


def _prune(base: Path, keep: float = 24 * 3600) -> None:
    now = time.time()
    for old in base.glob("run-*"):
        with contextlib.suppress(OSError):
            if now - old.stat().st_mtime > keep:
                shutil.rmtree(old, ignore_errors=True)


def _read_session(directory: Path) -> dict[str, Any]:
    try:
        data = json.loads((directory / SESSION_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _missing_detail(session: dict[str, Any], output: Path, console: str) -> str:
    """What explains tests without a result: collection errors, output and console tails."""
    parts = []
    for error in session.get("collect_errors", []):
        parts.append(f"collection error in the VM:\n{error}")
    out = _tail(output)
    if out:
        parts.append(f"--- last lines of the VM run's output ({output}) ---\n{out}")
    if console:
        parts.append(f"--- guest console tail ---\n{console}")
    return "\n".join(parts)


# --- the plugin ----------------------------------------------------------------------------


class KernelBridge:
    """Marks tests under the kernel directory; runs every ``kernel`` test in place or via the VM."""

    def __init__(self, config: pytest.Config, kernel_dir: Path) -> None:
        self._config = config
        self._kernel_dir = kernel_dir.resolve()
        self._unavailable = isotp_unavailable_reason()
        results = os.environ.get(RESULTS_ENV)
        self._inner_dir = Path(results) if results and self._unavailable is None else None
        self._partial: dict[str, InnerResult] = {}
        self._collect_errors: list[str] = []
        self._vm_run: VmRun | None = None
        self._skipped_by_env = 0
        mode = os.environ.get(MODE_ENV, "")
        if mode not in ("", "auto", "skip"):
            raise pytest.UsageError(f"{MODE_ENV}={mode!r}: expected 'skip' or unset")
        self._skip_mode = mode == "skip"

    def _under_kernel_dir(self, item: pytest.Item) -> bool:
        return self._kernel_dir in Path(item.path).resolve().parents

    @pytest.hookimpl(wrapper=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> Iterator[None]:
        for item in items:  # before -m selection sees them
            if self._under_kernel_dir(item) and item.get_closest_marker("kernel") is None:
                item.add_marker("kernel")
        result = yield
        if self._unavailable is None:
            self._select_inner(config, items)
        else:
            self._proxy(config, items)
        return result

    def _select_inner(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        select = os.environ.get(SELECT_ENV)
        if not select or self._inner_dir is None:
            return
        wanted = set(Path(select).read_text().splitlines())
        keep = [i for i in items if i.nodeid in wanted]
        drop = [i for i in items if i.nodeid not in wanted]
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def _proxy(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        kernel = [i for i in items if i.get_closest_marker("kernel") is not None]
        if not kernel:
            return
        if self._skip_mode:
            reason = (
                f"{MODE_ENV}=skip: kernel tests not run (this host has no kernel ISO-TP:"
                f" {self._unavailable})"
            )
            for item in kernel:
                item.add_marker(pytest.mark.skip(reason=reason))
            self._skipped_by_env = len(kernel)
            return
        root = config.rootpath
        paths = sorted({str(Path(i.path).resolve().relative_to(root)) for i in kernel})
        self._vm_run = VmRun(config, [i.nodeid for i in kernel], paths)
        for index, item in enumerate(items):
            if item.get_closest_marker("kernel") is not None and item.parent is not None:
                items[index] = KernelProxyItem.from_parent(
                    item.parent, name=item.name, nodeid=item.nodeid,
                    original=item, vm_run=self._vm_run,
                )  # fmt: skip

    # inner run: write results

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if self._inner_dir is not None and report.failed:
            self._collect_errors.append(f"{report.nodeid}: {report.longreprtext}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self._inner_dir is None:
            return
        merged = merge_report(self._partial.get(report.nodeid), report)
        self._partial[report.nodeid] = merged
        if report.when == "teardown":
            write_json(self._inner_dir / result_filename(report.nodeid), asdict(merged))
            del self._partial[report.nodeid]

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self._inner_dir is not None:
            write_json(
                self._inner_dir / SESSION_FILE,
                {
                    "kernel_release": platform.release(),
                    "exitstatus": int(exitstatus),
                    "collect_errors": self._collect_errors,
                },
            )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        tr = terminalreporter
        if self._inner_dir is not None or (self._unavailable is None and self._kernel_items(tr)):
            tr.write_sep("-", "kernel tests")
            tr.write_line(f"ran in place on Linux {platform.release()}")
            return
        if self._skipped_by_env:
            tr.write_sep("-", "kernel tests")
            tr.write_line(f"{self._skipped_by_env} kernel tests skipped: {MODE_ENV}=skip")
            return
        run = self._vm_run
        if run is None or run.summary is None:
            return
        tr.write_sep("-", "kernel VM")
        vm = run.vm_result
        if vm is None:
            tr.write_line(f"VM not run: {run.summary.reason}", red=True)
            return
        boot = f"{vm.boot_time:.1f}s" if vm.boot_time is not None else "n/a"
        tr.write_line(
            f"kernel {vm.kernel_release or 'unknown'} on {vm.machine or 'n/a'},"
            f" {vm.boot_attempts} boot attempt(s), boot {boot}, wall {vm.wall_time:.1f}s,"
            f" {len(run.results)}/{len(run.nodeids)} tests reported"
        )
        if vm.status.name != "EXITED":
            tr.write_line(f"VM {vm.status.value}: {vm.reason}", red=True)
        tr.write_line(f"VM output: {run.results_dir}/{OUTPUT_FILE}")

    def _kernel_items(self, tr: Any) -> bool:
        return any(
            r.keywords.get("kernel") for reps in tr.stats.values() for r in reps
            if isinstance(r, pytest.TestReport)
        )  # fmt: skip
