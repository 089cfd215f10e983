"""Run one command in a fresh VM: prepare the image, boot (watchdog, retries), stream output."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from .config import Interface, VmConfig
from .host import Apt, SetupError, ensure_host_packages
from .image import GUEST_INIT, Image, build_image, cache_lock, load_image, prune_runs
from .job import guest_config, job_script
from .qemu import choose_machine, kernel_cmdline, parse_tsc_khz, qemu_command
from .result import BootObservation, Status, VmResult, classify, retryable

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.05  # seconds between looks at markers and output files
KILL_WAIT = 30.0  # seconds for a SIGKILLed QEMU to be reaped
_ENV_DROP = ("PYTEST_CURRENT_TEST",)


class Sink(Protocol):
    """Where guest output goes: a binary stream."""

    def write(self, data: bytes, /) -> object: ...

    def flush(self) -> object: ...


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown"


def _tsc_file(cfg: VmConfig) -> Path:
    # the TCG guest's TSC is the host's: valid until the host reboots
    return cfg.cache_dir / f"tsc-khz.{_boot_id()}"


def prepare(cfg: VmConfig) -> Image:
    """Install host packages and build the cached image if needed (under the cache lock)."""
    try:
        cfg.cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SetupError(f"cannot create the cache directory {cfg.cache_dir}: {exc}") from exc
    init_script = GUEST_INIT.read_bytes()
    apt = Apt(cfg.setup_timeout)
    with cache_lock(cfg.cache_dir / "lock", cfg.lock_timeout):
        ensure_host_packages(apt)
        pkg_file = cfg.cache_dir / "kernel-package"
        package = cfg.kernel_package
        if package is None and pkg_file.is_file():
            package = pkg_file.read_text().strip() or None
        if package is None:
            package = apt.kernel_package()
            pkg_file.write_text(package + "\n")
        image = load_image(cfg.cache_dir / package, package, init_script)
        if image is None:
            image = build_image(cfg.cache_dir, package, apt, init_script)
        (cfg.cache_dir / "runs").mkdir(exist_ok=True)
        prune_runs(cfg.cache_dir / "runs")
    return image


class _Pump:
    """Copies what QEMU appended to a file since the last call into a sink."""

    def __init__(self, path: Path, sink: Sink) -> None:
        path.write_bytes(b"")
        self._fh = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._sink = sink

    def pump(self) -> None:
        data = self._fh.read()
        if data:
            self._sink.write(data)
            self._sink.flush()

    def close(self) -> None:
        self.pump()
        self._fh.close()


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


def _boot_once(
    argv: list[str], run_dir: Path, cfg: VmConfig, stdout: Sink, stderr: Sink
) -> tuple[BootObservation, float | None]:
    """One QEMU boot; returns what was seen and the seconds it took to start the command."""
    for marker in ("booted", "rc", "init-failed", "timed-out", "tsc-khz", "kernel-release"):
        with contextlib.suppress(FileNotFoundError):
            (run_dir / marker).unlink()
    pumps = [_Pump(run_dir / "out", stdout), _Pump(run_dir / "err", stderr)]
    if cfg.verbose:
        pumps.append(_Pump(run_dir / "console.log", stderr))
    else:
        (run_dir / "console.log").write_bytes(b"")
    killed_by: str | None = None
    boot_time: float | None = None
    with open(run_dir / "qemu.log", "wb") as qlog:
        start = time.monotonic()
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=qlog, stderr=qlog)
        except OSError as exc:
            for p in pumps:
                p.close()
            raise SetupError(f"cannot start {argv[0]}: {exc}") from exc
        try:
            while proc.poll() is None:
                time.sleep(POLL_INTERVAL)
                for p in pumps:
                    p.pump()
                now = time.monotonic()
                if boot_time is None and (run_dir / "booted").exists():
                    boot_time = now - start
                if boot_time is None and now - start > cfg.boot_timeout:
                    killed_by = "boot watchdog"
                elif boot_time is not None and now - start - boot_time > cfg.hard_limit:
                    killed_by = "host hard limit"
                if killed_by:
                    log.warning("killing QEMU: %s", killed_by)
                    proc.kill()
                    proc.wait(timeout=KILL_WAIT)
        finally:
            if proc.poll() is None:  # interrupted (e.g. KeyboardInterrupt): never leak QEMU
                proc.kill()
                proc.wait(timeout=KILL_WAIT)
            for p in pumps:
                p.close()
    booted = boot_time is not None or (run_dir / "booted").exists()
    obs = BootObservation(
        booted=booted,
        rc_text=_read(run_dir / "rc"),
        init_error=_read(run_dir / "init-failed"),
        guest_timed_out=(run_dir / "timed-out").exists(),
        killed_by=killed_by,
        qemu_returncode=proc.returncode,
        qemu_log=_read(run_dir / "qemu.log") or "",
        console=_read(run_dir / "console.log") or "",
    )
    return obs, boot_time


def run(
    cmd: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    rw_dirs: Sequence[str | os.PathLike[str]] = (),
    interfaces: Sequence[Interface] | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    config: VmConfig | None = None,
    stdout: Sink | None = None,
    stderr: Sink | None = None,
) -> VmResult:
    """Run ``cmd`` as root in a throw-away VM with kernel CAN ISO-TP and vcan interfaces.

    The guest sees the host's ``/`` read-only (writes go to a discarded RAM layer) except
    ``rw_dirs``, shared read-write at the same paths; ``cwd`` and ``env`` (default: ours)
    are recreated. Output streams to ``stdout``/``stderr`` (default: ours). Never raises
    for VM trouble: the result says what happened.
    """
    started = time.monotonic()
    cfg = config or VmConfig.from_env()
    if timeout is not None or interfaces is not None:
        cfg = dataclasses.replace(
            cfg,
            timeout=cfg.timeout if timeout is None else timeout,
            interfaces=cfg.interfaces if interfaces is None else tuple(interfaces),
        )
    out = stdout if stdout is not None else sys.stdout.buffer
    err = stderr if stderr is not None else sys.stderr.buffer
    workdir = os.path.abspath(cwd if cwd is not None else os.getcwd())
    environ = {k: v for k, v in (os.environ if env is None else env).items() if k not in _ENV_DROP}

    def failed(reason: str) -> VmResult:
        return VmResult(Status.SETUP_FAILED, reason, wall_time=time.monotonic() - started)

    shares: list[Path] = []
    for d in rw_dirs:
        path = Path(d).resolve()
        if not path.is_dir():
            return failed(f"read-write share {d} is not a directory")
        if path == Path("/"):
            return failed("refusing to share / read-write")
        if "\n" in str(path):
            return failed(f"read-write share {d!r}: newline in path")
        shares.append(path)
    try:
        image = prepare(cfg)
    except SetupError as exc:
        return failed(str(exc))
    except OSError as exc:
        return failed(f"cannot prepare the VM cache in {cfg.cache_dir}: {exc}")

    tsc_file = _tsc_file(cfg)
    tsc_khz = parse_tsc_khz(_read(tsc_file) or "")
    machine = choose_machine(cfg.machine, tsc_khz)
    learn = machine == "pc" and tsc_khz is None
    try:
        run_dir = Path(tempfile.mkdtemp(prefix="run.", dir=cfg.cache_dir / "runs"))
    except OSError as exc:
        return failed(f"cannot create a run directory in {cfg.cache_dir / 'runs'}: {exc}")
    try:
        (run_dir / "job.sh").write_text(job_script(cmd, workdir, environ))
        (run_dir / "config").write_text(
            guest_config(timeout=cfg.timeout, interfaces=cfg.interfaces, learn_tsc=learn)
        )
        for i, share in enumerate(shares):
            (run_dir / f"rw.{i}").write_text(f"{share}\n")
        argv = qemu_command(
            image=image,
            machine=machine,
            cpus=cfg.cpus,
            memory_mib=cfg.memory_mib,
            run_dir=run_dir,
            rw_dirs=shares,
            cmdline=kernel_cmdline(machine, tsc_khz, image.hz),
        )
        log.debug("qemu: %s", " ".join(argv))
        attempts = 0
        while True:
            attempts += 1
            try:
                obs, boot_time = _boot_once(argv, run_dir, cfg, out, err)
            except SetupError as exc:
                return failed(str(exc))
            result = classify(
                obs, timeout=cfg.timeout, boot_timeout=cfg.boot_timeout, hard_limit=cfg.hard_limit
            )
            if not retryable(obs) or attempts > cfg.boot_retries:
                break
            log.warning("boot attempt %d failed (%s); retrying", attempts, result.reason)
        if result.status is Status.BOOT_FAILED and attempts > 1:
            result = dataclasses.replace(
                result, reason=f"{result.reason}; gave up after {attempts} boot attempts"
            )
        learned = parse_tsc_khz(_read(run_dir / "tsc-khz") or "")
        if learn and learned:
            for old in cfg.cache_dir.glob("tsc-khz.*"):
                old.unlink(missing_ok=True)
            tsc_file.write_text(f"{learned}\n")
        release = (_read(run_dir / "kernel-release") or "").strip() or image.kernel_release
        return dataclasses.replace(
            result,
            kernel_release=release,
            machine=machine,
            boot_attempts=attempts,
            boot_time=boot_time,
            wall_time=time.monotonic() - started,
        )
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def setup(config: VmConfig | None = None) -> Image:
    """Prepare host and image only (``--setup``); raises :class:`SetupError` on failure."""
    return prepare(config or VmConfig.from_env())
