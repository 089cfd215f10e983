"""What a VM run came to, and the rules that tell a command's failure from the VM's own."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

EXIT_TIMEOUT = 124  # CLI exit status when a timer ended the command
EXIT_VM_FAILURE = 125  # CLI exit status when the VM could not be set up, booted, or died


class Status(enum.Enum):
    """How a run ended; only ``EXITED`` carries the command's own exit status."""

    EXITED = "exited"  # the command ran to its end; see exit_code
    TIMED_OUT = "timed out"  # a timer ended the command (see timer)
    SETUP_FAILED = "setup failed"  # host packages, kernel download or image build failed
    BOOT_FAILED = "boot failed"  # the VM never reached the command
    CRASHED = "crashed"  # the VM died after the command had started


@dataclass(frozen=True)
class VmResult:
    """Outcome of one :func:`tools.kernelvm.run`; ``reason`` is one line for humans."""

    status: Status
    reason: str
    exit_code: int | None = None
    timer: str | None = None
    kernel_release: str | None = None
    machine: str | None = None
    boot_attempts: int = 0
    boot_time: float | None = None  # seconds from QEMU start to command start
    wall_time: float = 0.0  # seconds for the whole run, setup included
    console_tail: str = ""

    @property
    def vm_failed(self) -> bool:
        """True when the VM, not the command, is to blame."""
        return self.status in (Status.SETUP_FAILED, Status.BOOT_FAILED, Status.CRASHED)

    @property
    def started(self) -> bool:
        """True when the command was started in the guest (it may have written results)."""
        return self.status in (Status.EXITED, Status.TIMED_OUT, Status.CRASHED)

    @property
    def cli_exit_code(self) -> int:
        """The command's status, 124 when a timer ended it, 125 when the VM failed."""
        if self.status is Status.EXITED and self.exit_code is not None:
            return self.exit_code
        return EXIT_TIMEOUT if self.status is Status.TIMED_OUT else EXIT_VM_FAILURE


@dataclass(frozen=True)
class BootObservation:
    """What the host saw of one boot attempt (markers the guest left in its control share)."""

    booted: bool  # the guest's init reached the command (ctl/booted)
    rc_text: str | None  # ctl/rc: the command's exit status, written by the guest's init
    init_error: str | None  # ctl/init-failed: the guest's init could not prepare the command
    guest_timed_out: bool  # ctl/timed-out: the guest's command timer fired
    killed_by: str | None  # "boot watchdog" or "host hard limit" when the host killed QEMU
    qemu_returncode: int | None
    qemu_log: str = ""
    console: str = ""


_PANIC = re.compile(r"(vm-init: FAILED: .*|Kernel panic - not syncing:.*|BUG: .*|Oops: .*)")


def console_tail(console: str, lines: int = 40) -> str:
    """The last ``lines`` lines of the guest console, where panics and init failures show."""
    return "\n".join(console.rstrip().splitlines()[-lines:])


def _qemu_detail(obs: BootObservation) -> str:
    panic = _PANIC.search(obs.console)
    if panic:
        return panic.group(1).strip()
    log = [line for line in obs.qemu_log.splitlines() if line.strip()]
    return log[-1].strip() if log else "no message from QEMU; see the console tail"


def classify(
    obs: BootObservation, *, timeout: float, boot_timeout: float, hard_limit: float
) -> VmResult:
    """Turn one boot attempt into a result; a garbled marker never passes as an exit status."""
    rc: int | None = None
    if obs.rc_text is not None and obs.rc_text.strip().isdigit():
        rc = int(obs.rc_text.strip())
    tail = console_tail(obs.console)
    if obs.guest_timed_out:
        return VmResult(
            Status.TIMED_OUT,
            f"command timed out after {timeout:g}s (command timeout)",
            timer="command timeout",
            console_tail=tail,
        )
    if rc is not None:
        return VmResult(Status.EXITED, f"command exited with status {rc}", exit_code=rc)
    if obs.init_error is not None:
        return VmResult(
            Status.BOOT_FAILED,
            f"guest init failed: {obs.init_error.strip() or 'no detail'}",
            console_tail=tail,
        )
    if not obs.booted:
        if obs.killed_by == "boot watchdog":
            reason = f"guest did not reach the command within {boot_timeout:g}s (boot watchdog)"
        else:
            status = obs.qemu_returncode
            reason = f"VM exited during boot (qemu exit status {status}): {_qemu_detail(obs)}"
        return VmResult(Status.BOOT_FAILED, reason, console_tail=tail)
    if obs.killed_by == "host hard limit":
        return VmResult(
            Status.TIMED_OUT,
            f"VM killed after {hard_limit:g}s of command time (host hard limit);"
            " the guest's command timer did not end it",
            timer="host hard limit",
            console_tail=tail,
        )
    return VmResult(
        Status.CRASHED,
        f"VM died after the command started (qemu exit status {obs.qemu_returncode}):"
        f" {_qemu_detail(obs)}",
        console_tail=tail,
    )


def retryable(obs: BootObservation) -> bool:
    """A boot that never reached the command and may succeed again (hang or guest crash)."""
    if obs.booted or obs.rc_text is not None or obs.init_error is not None:
        return False
    return obs.killed_by == "boot watchdog" or obs.qemu_returncode == 0
