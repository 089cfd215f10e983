"""The kernel source's CAN_RAW filters and frame parsing, against linux/can.h layouts."""

from __future__ import annotations

import struct

from diagkit.trace.sources import parse_raw, raw_filters


def test_filters_keep_11_and_29_bit_ids_apart_and_leave_remote_frames_out() -> None:
    packed = raw_filters({(0x18DA0BF1, True), (0x7E0, False)})
    assert struct.unpack("=4I", packed) == (
        0x000007E0, 0xC00007FF,  # can_id; mask: CAN_EFF_FLAG | CAN_RTR_FLAG | CAN_SFF_MASK
        0x98DA0BF1, 0xDFFFFFFF,  # can_id | CAN_EFF_FLAG; mask: EFF | RTR | CAN_EFF_MASK
    )  # fmt: skip


def test_a_kernel_canfd_frame_becomes_a_trace_frame() -> None:
    # struct canfd_frame: can_id (host order), len, flags (BRS), 2 reserved, data[64]
    packet = struct.pack("=IBBBB", 0x98DAF10B, 12, 0x01, 0, 0) + bytes(range(12)) + bytes(52)
    frame = parse_raw(packet, 12.5, "rx")
    assert (frame.arbitration_id, frame.is_extended_id, frame.is_fd, frame.bitrate_switch) == (
        0x18DAF10B,
        True,
        True,
        True,
    )
    assert frame.data == bytes(range(12)) and frame.timestamp == 12.5


def test_a_kernel_can_frame_keeps_its_length() -> None:
    packet = struct.pack("=IBBBB", 0x7E8, 3, 0, 0, 0) + bytes.fromhex("02 50 03") + bytes(5)
    frame = parse_raw(packet, 0.0, "rx")
    assert (frame.arbitration_id, frame.data, frame.is_fd) == (0x7E8, b"\x02\x50\x03", False)
