"""pytest bridge for kernel tests: run them in place where CAN_ISOTP exists, else in one QEMU VM.

Every test under ``tests/kernel/`` is marked ``kernel`` here (no ``pytestmark`` needed).
Fixtures: ``classic_iface`` (``vcan0``, mtu 16) and ``fd_iface`` (``vcan1``, mtu 72).
The host/VM split and its knobs are described in ``docs/kernel-vm.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:  # `tools` is not installed; import it from this checkout
    sys.path.insert(0, str(_ROOT))

from tools.kernelvm.pytest_bridge import (  # noqa: E402
    PLUGIN_NAME,
    KernelBridge,
    classic_iface,
    fd_iface,
)

__all__ = ["classic_iface", "fd_iface"]


def pytest_configure(config: pytest.Config) -> None:
    """Register the bridge once; it marks, selects and (on the host) proxies kernel tests."""
    if config.pluginmanager.get_plugin(PLUGIN_NAME) is None:
        config.pluginmanager.register(KernelBridge(config, Path(__file__).parent), PLUGIN_NAME)
