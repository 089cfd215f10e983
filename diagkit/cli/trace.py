"""``diagkit trace FILE``: a recorded trace printed as UDS, for readers without Wireshark.

Reads pcapng/pcap (LINKTYPE_CAN_SOCKETCAN) and python-can's formats (.asc, .blf, .log, .csv,
.mf4, .trc), reassembles ISO-TP per CAN id and names each PDU's service, DIDs and NRC
(:mod:`diagkit.trace.decode`). ``--profile`` adds the profile's DID names and its addressing
(extension bytes); ``--frames`` also lists every CAN frame; ``--json`` prints one document.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from diagkit.cli.output import Output, reported


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("trace", type=Path, help="trace file (.pcapng .pcap .asc .blf .log ...)")
    parser.add_argument(
        "--profile", type=Path, help="ECU profile or bench: DID names and addressing to decode with"
    )
    parser.add_argument("--frames", action="store_true", help="also list every CAN frame")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document on stdout, nothing else"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return reported(args, "trace", lambda out: show(args, out))


def show(args: argparse.Namespace, out: Output) -> None:
    """Decode the trace into ``out``: one row per PDU (and per frame with --frames)."""
    from diagkit.trace import read_frames, reassemble  # noqa: PLC0415
    from diagkit.trace.decode import describe  # noqa: PLC0415

    names: dict[int, str] = {}
    prefix: dict[tuple[int, bool], int] = {}
    if args.profile is not None:
        names, prefix = _profile_names(args.profile)
    frames = list(read_frames(args.trace))
    out.set("file", str(args.trace))
    out.set("frames", len(frames))
    start = frames[0].timestamp if frames else 0.0
    if args.frames:
        for frame in frames:
            out.add(
                "can_frames",
                {
                    "time": round(frame.timestamp - start, 6),
                    "id": f"0x{frame.arbitration_id:X}",
                    "extended": frame.is_extended_id,
                    "fd": frame.is_fd,
                    "direction": frame.direction,
                    "data": frame.data.hex(" "),
                },
            )
            out.line(
                f"{frame.timestamp - start:10.6f}  {frame.direction or '--'}  "
                f"{frame.arbitration_id:>8X}  {frame.data.hex(' ')}"
            )
    result = reassemble(frames, prefix)
    out.set("flow_controls", result.flow_controls)
    out.columns("time", "dir", "id", "UDS")
    out.document.setdefault("pdus", [])
    for pdu in result.pdus:
        info = describe(pdu.data, names)
        time = f"{pdu.timestamp - start:.6f}"
        ident = f"0x{pdu.arbitration_id:X}"
        out.add(
            "pdus",
            {
                "time": round(pdu.timestamp - start, 6),
                "id": ident,
                "extended": pdu.is_extended_id,
                "direction": pdu.direction,
                "frames": pdu.frames,
                "data": pdu.data.hex(" "),
                **{k: v for k, v in info.items() if k != "text"},
                "text": info["text"],
            },
        )
        out.row(time, pdu.direction or "--", ident, info["text"])
    for problem in result.problems:
        out.add("problems", problem)
        out.line(f"warning: {problem}")


def _profile_names(path: Path) -> tuple[dict[int, str], dict[tuple[int, bool], int]]:
    from diagkit.profile import Bench  # noqa: PLC0415
    from diagkit.profile.loader import load_file  # noqa: PLC0415
    from diagkit.trace import trace_ids, transport_configs  # noqa: PLC0415

    loaded = load_file(path)
    profiles = list(loaded.ecus.values()) if isinstance(loaded, Bench) else [loaded]
    names = {did.id: did.name for profile in profiles for did in profile.dids}
    return names, dict(trace_ids(transport_configs(profiles)).prefix)
