"""The QEMU command line: machine choice, kernel arguments and the 9p / virtio-serial devices."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .image import Image

# quiet boot; any crash ends QEMU (panic=-1 + -no-reboot) instead of hanging; tsc=reliable,
# or the guest judges TCG's TSC unstable and falls back to a 4 ms jiffies clock on microvm
BASE_KERNEL_ARGS = (
    "console=ttyS0 quiet edd=off panic=-1 oops=panic mitigations=off"
    " random.trust_cpu=on nowatchdog tsc=reliable"
)
_TSC_KHZ = re.compile(r"[0-9]{6,8}\Z")  # 100 MHz .. 99 GHz


def parse_tsc_khz(text: str) -> int | None:
    """A TSC frequency in kHz as learned from the guest's dmesg, None if implausible."""
    text = text.strip()
    return int(text) if _TSC_KHZ.match(text) else None


def choose_machine(requested: str, tsc_khz: int | None) -> str:
    """``auto`` means microvm once the TSC frequency is known, else pc (which learns it).

    microvm boots ~0.6 s faster but has no HPET/PM timer: when the guest's PIT calibration
    of the TSC fails (1-3 % of TCG boots) it spins forever, unless ``tsc_early_khz`` is given.
    """
    if requested != "auto":
        return requested
    return "microvm" if tsc_khz else "pc"


def kernel_cmdline(machine: str, tsc_khz: int | None, hz: int) -> str:
    """Kernel arguments; on microvm with a known TSC, skip both calibrations."""
    args = BASE_KERNEL_ARGS
    if machine == "microvm" and tsc_khz:
        args += f" tsc_early_khz={tsc_khz} lpj={tsc_khz * 1000 // hz}"
    return args


def qemu_escape(value: str) -> str:
    """QEMU option values escape ``,`` as ``,,``."""
    return value.replace(",", ",,")


def qemu_command(
    *,
    image: Image,
    machine: str,
    cpus: int,
    memory_mib: int,
    run_dir: Path,
    rw_dirs: Sequence[Path],
    cmdline: str,
    binary: str = "qemu-system-x86_64",
) -> list[str]:
    """The full QEMU argv: host / read-only over 9p, control and RW shares, two output ports."""
    bus = "device" if machine == "microvm" else "pci"  # virtio-mmio vs virtio-pci
    run = qemu_escape(str(run_dir))
    argv = [
        binary,
        "-accel", "tcg", "-M", machine, "-cpu", "max",
        "-smp", str(cpus), "-m", str(memory_mib),
        "-nodefaults", "-display", "none", "-no-reboot",
        "-kernel", qemu_escape(str(image.vmlinux)),
        "-initrd", qemu_escape(str(image.initrd)),
        "-append", cmdline,
        "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap",
        "-device", f"virtio-9p-{bus},fsdev=hostroot,mount_tag=hostroot",
        "-fsdev", f"local,id=vmctl,path={run},security_model=none",
        "-device", f"virtio-9p-{bus},fsdev=vmctl,mount_tag=vmctl",
    ]  # fmt: skip
    for i, d in enumerate(rw_dirs):
        path = qemu_escape(str(d))
        argv += [
            "-fsdev", f"local,id=rw{i},path={path},security_model=none,multidevs=remap",
            "-device", f"virtio-9p-{bus},fsdev=rw{i},mount_tag=rw{i}",
        ]  # fmt: skip
    argv += [
        "-serial", f"file:{run}/console.log",
        "-device", f"virtio-serial-{bus},id=vser",
        "-chardev", f"file,id=out,path={run}/out",
        "-device", "virtserialport,bus=vser.0,chardev=out,name=out",
        "-chardev", f"file,id=err,path={run}/err",
        "-device", "virtserialport,bus=vser.0,chardev=err,name=err",
    ]  # fmt: skip
    return argv
