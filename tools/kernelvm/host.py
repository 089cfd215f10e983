"""Host preparation through apt: install QEMU, download the kernel and busybox packages."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)

KERNEL_META_PACKAGE = "linux-image-amd64"  # Debian's flavour with CAN, can-isotp and vcan
BUSYBOX_PACKAGE = "busybox-static"


class SetupError(Exception):
    """The VM could not be prepared; the message names the step and its reason."""


def _last_lines(text: str, n: int = 3) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-n:]) if lines else "no output"


def run_step(what: str, cmd: Sequence[str], *, timeout: float, cwd: Path | None = None) -> str:
    """Run one setup command; any failure becomes a :class:`SetupError` naming ``what``."""
    log.debug("setup: %s: %s", what, " ".join(cmd))
    try:
        proc = subprocess.run(
            list(cmd),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"},
        )
    except FileNotFoundError as exc:
        raise SetupError(
            f"{what} failed: {cmd[0]} not found (a Debian host with apt is needed)"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise SetupError(f"{what} timed out after {timeout:g}s (setup timeout)") from exc
    if proc.returncode != 0:
        output = _last_lines(proc.stderr + proc.stdout)
        raise SetupError(f"{what} failed (exit status {proc.returncode}): {output}")
    return proc.stdout


def as_root(cmd: Sequence[str]) -> list[str]:
    """``cmd`` as root: unchanged when we are root, else through non-interactive sudo."""
    if os.geteuid() == 0:
        return list(cmd)
    if shutil.which("sudo"):
        return ["sudo", "-n", *cmd]
    raise SetupError(f"need root (or sudo) to run: {' '.join(cmd)}")


def missing_host_packages() -> list[str]:
    """Debian packages the host lacks: QEMU, and iproute2 (the guest runs the host's ``ip``)."""
    missing = []
    if shutil.which("qemu-system-x86_64") is None:
        missing.append("qemu-system-x86")
    if not (Path("/usr/sbin/ip").exists() or Path("/sbin/ip").exists()):
        missing.append("iproute2")  # busybox ip cannot `ip link add ... type vcan`
    return missing


class Apt:
    """apt-get with ``update`` run at most once per process, and only when needed."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._updated = False

    def update_once(self) -> None:
        if not self._updated:
            run_step("apt-get update", as_root(["apt-get", "update", "-qq"]), timeout=self._timeout)
            self._updated = True

    def install(self, packages: Sequence[str]) -> None:
        self.update_once()
        log.info("installing %s", " ".join(packages))
        run_step(
            f"apt-get install {' '.join(packages)}",
            as_root(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]),
            timeout=self._timeout,
        )

    def download(self, package: str, dest: Path) -> Path:
        """Download ``package``'s .deb into ``dest`` (no root needed); return its path."""
        cmd = ["apt-get", "download", "-qq", package]
        try:
            run_step(f"apt-get download {package}", cmd, timeout=self._timeout, cwd=dest)
        except SetupError:
            if self._updated:
                raise
            self.update_once()  # stale package lists are the usual cause
            run_step(f"apt-get download {package}", cmd, timeout=self._timeout, cwd=dest)
        debs = sorted(dest.glob(f"{package}_*.deb"))
        if not debs:
            raise SetupError(f"apt-get download {package} succeeded but left no {package}_*.deb")
        return debs[-1]

    def kernel_package(self) -> str:
        """The versioned package ``linux-image-amd64`` currently depends on."""
        for attempt in range(2):
            try:
                out = run_step(
                    f"apt-cache depends {KERNEL_META_PACKAGE}",
                    ["apt-cache", "depends", KERNEL_META_PACKAGE],
                    timeout=self._timeout,
                )
            except SetupError:
                if attempt:
                    raise
                out = ""  # no package lists yet: update below, then ask again
            for line in out.splitlines():
                dep = line.strip().removeprefix("Depends:").strip()
                if line.strip().startswith("Depends:") and dep.startswith("linux-image-"):
                    return dep
            if attempt == 0:
                self.update_once()
        raise SetupError(
            f"cannot resolve {KERNEL_META_PACKAGE} to a kernel package (apt-cache depends"
            " found none); set DIAGKIT_VM_KERNEL_PKG"
        )


def ensure_host_packages(apt: Apt) -> None:
    """Install what the host lacks (as root); a no-op once QEMU and iproute2 are there."""
    missing = missing_host_packages()
    if missing:
        apt.install(missing)
        still = missing_host_packages()
        if still:
            raise SetupError(f"apt-get install {' '.join(missing)} left {' '.join(still)} missing")
