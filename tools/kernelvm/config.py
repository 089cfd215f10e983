"""VM settings: one frozen value, read once from the ``DIAGKIT_VM_*`` environment variables."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

CLASSIC_MTU = 16  # sizeof(struct can_frame)
FD_MTU = 72  # sizeof(struct canfd_frame)
MACHINES = ("auto", "pc", "microvm")
_IFNAME = re.compile(r"[A-Za-z0-9_.-]{1,15}\Z")  # IFNAMSIZ - 1, no shell metacharacters


class VmConfigError(ValueError):
    """A VM setting (argument or ``DIAGKIT_VM_*`` variable) is malformed or out of range."""


@dataclass(frozen=True)
class Interface:
    """A vcan interface created in the guest: its name and mtu (16 classic CAN, 72 CAN FD)."""

    name: str
    mtu: int = CLASSIC_MTU

    def __post_init__(self) -> None:
        if not _IFNAME.match(self.name):
            raise VmConfigError(f"bad interface name {self.name!r} (1-15 of A-Z a-z 0-9 _ . -)")
        if self.mtu not in (CLASSIC_MTU, FD_MTU):
            raise VmConfigError(
                f"interface {self.name}: mtu {self.mtu} is neither {CLASSIC_MTU} (classic CAN)"
                f" nor {FD_MTU} (CAN FD)"
            )


DEFAULT_INTERFACES = (Interface("vcan0", CLASSIC_MTU), Interface("vcan1", FD_MTU))


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    """``DIAGKIT_VM_CACHE``, else ``diagkit-kernel-vm`` in ``$XDG_CACHE_HOME`` or ``~/.cache``."""
    if environ.get("DIAGKIT_VM_CACHE"):
        return Path(environ["DIAGKIT_VM_CACHE"]).expanduser()
    base = environ.get("XDG_CACHE_HOME") or str(Path(environ.get("HOME", "/tmp")) / ".cache")
    return Path(base) / "diagkit-kernel-vm"


def parse_interfaces(spec: str) -> tuple[Interface, ...]:
    """Parse ``"vcan0:16 vcan1:72"`` (space or comma separated; mtu defaults to 16)."""
    result: list[Interface] = []
    for word in spec.replace(",", " ").split():
        name, _, mtu = word.partition(":")
        try:
            result.append(Interface(name, int(mtu) if mtu else CLASSIC_MTU))
        except ValueError as exc:
            raise VmConfigError(f"DIAGKIT_VM_IFACES: {word!r}: {exc}") from exc
    names = [i.name for i in result]
    if len(set(names)) != len(names):
        raise VmConfigError(f"DIAGKIT_VM_IFACES: duplicate interface in {spec!r}")
    return tuple(result)


@dataclass(frozen=True)
class VmConfig:
    """Everything that shapes a VM run except the command itself; all timers in seconds."""

    cache_dir: Path
    timeout: float = 600.0  # command timer, enforced in the guest
    boot_timeout: float = 60.0  # boot watchdog: the command must have started by then
    boot_retries: int = 2  # re-boots after a boot hang (safe: the command never started)
    hard_limit_slack: float = 60.0  # host hard limit = timeout + this, from command start
    setup_timeout: float = 900.0  # each apt-get step
    lock_timeout: float = 900.0  # waiting for another run building the cache
    cpus: int = 1
    memory_mib: int = 2048
    machine: str = "auto"
    kernel_package: str | None = None
    interfaces: tuple[Interface, ...] = field(default=DEFAULT_INTERFACES)
    verbose: bool = False

    def __post_init__(self) -> None:
        for name in ("timeout", "boot_timeout", "hard_limit_slack", "setup_timeout"):
            if not getattr(self, name) > 0:
                raise VmConfigError(f"{name} must be > 0 seconds, not {getattr(self, name)}")
        if self.boot_retries < 0:
            raise VmConfigError(f"boot_retries must be >= 0, not {self.boot_retries}")
        if not 1 <= self.cpus <= 64:
            raise VmConfigError(f"cpus must be 1..64, not {self.cpus}")
        if self.memory_mib < 256:
            raise VmConfigError(f"memory_mib must be >= 256, not {self.memory_mib}")
        if self.machine not in MACHINES:
            raise VmConfigError(
                f"machine must be one of {', '.join(MACHINES)}, not {self.machine!r}"
            )

    @property
    def hard_limit(self) -> float:
        """Host-side limit on command time, a safety net behind the guest's own timer."""
        return self.timeout + self.hard_limit_slack

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> VmConfig:
        """Build from ``DIAGKIT_VM_*`` variables; unset or empty ones keep their defaults."""
        env = os.environ if environ is None else environ

        def num(name: str, default: float) -> float:
            raw = env.get(name, "")
            if not raw:
                return default
            try:
                return float(raw)
            except ValueError as exc:
                raise VmConfigError(f"{name}={raw!r} is not a number") from exc

        ifaces = env.get("DIAGKIT_VM_IFACES")
        return cls(
            cache_dir=default_cache_dir(env),
            timeout=num("DIAGKIT_VM_TIMEOUT", cls.timeout),
            boot_timeout=num("DIAGKIT_VM_BOOT_TIMEOUT", cls.boot_timeout),
            boot_retries=int(num("DIAGKIT_VM_BOOT_RETRIES", cls.boot_retries)),
            cpus=int(num("DIAGKIT_VM_CPUS", cls.cpus)),
            memory_mib=int(num("DIAGKIT_VM_MEM", cls.memory_mib)),
            machine=env.get("DIAGKIT_VM_MACHINE") or cls.machine,
            kernel_package=env.get("DIAGKIT_VM_KERNEL_PKG") or None,
            interfaces=DEFAULT_INTERFACES if ifaces is None else parse_interfaces(ifaces),
            verbose=env.get("DIAGKIT_VM_VERBOSE", "") not in ("", "0"),
        )
