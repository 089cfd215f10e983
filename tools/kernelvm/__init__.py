"""Run commands in a throw-away QEMU VM whose Debian kernel has CAN, can-isotp and vcan.

The host needs no CAN support and no KVM: the VM runs under TCG. See ``docs/kernel-vm.md``.
``python -m tools.kernelvm [--setup|--info] [--] CMD ARGS...`` is the command line.
"""

from __future__ import annotations

from .config import DEFAULT_INTERFACES, Interface, VmConfig, VmConfigError
from .host import SetupError
from .image import Image
from .result import EXIT_TIMEOUT, EXIT_VM_FAILURE, Status, VmResult
from .runner import run, setup

__all__ = [
    "DEFAULT_INTERFACES",
    "EXIT_TIMEOUT",
    "EXIT_VM_FAILURE",
    "Image",
    "Interface",
    "SetupError",
    "Status",
    "VmConfig",
    "VmConfigError",
    "VmResult",
    "run",
    "setup",
]
