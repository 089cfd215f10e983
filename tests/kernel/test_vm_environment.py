"""The kernel test environment itself: interfaces with the promised mtu, ISO-TP sockets open."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

pytestmark = pytest.mark.kernel


def test_classic_iface_has_classic_mtu(classic_iface: str) -> None:
    # 16 = sizeof(struct can_frame) in linux/can.h: classic CAN only
    assert Path(f"/sys/class/net/{classic_iface}/mtu").read_text().strip() == "16"


def test_fd_iface_has_fd_mtu(fd_iface: str) -> None:
    # 72 = sizeof(struct canfd_frame): CAN FD frames accepted
    assert Path(f"/sys/class/net/{fd_iface}/mtu").read_text().strip() == "72"


def test_kernel_isotp_socket_binds(classic_iface: str) -> None:
    with socket.socket(socket.AF_CAN, socket.SOCK_DGRAM, socket.CAN_ISOTP) as sock:
        sock.bind((classic_iface, 0x7E8, 0x7E0))  # (ifname, rx_id, tx_id)
        assert sock.getsockname()[0] == classic_iface
