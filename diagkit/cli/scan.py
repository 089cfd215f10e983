"""``diagkit scan INTERFACE|FILE``: which ECUs answer, and which services and DIDs one offers.

Discovery (the default) probes 11-bit request ids and 29-bit normal-fixed target addresses with
TesterPresent (or DiagnosticSessionControl 0x01) and sends one functional broadcast, listening
on every id: each answer is printed with the ids and the delay. ``--services`` and ``--dids``
probe one ECU (a profile, a bench and ``--ecu``, or ``--tx``/``--rx`` or ``--target-address``
on INTERFACE) and name every NRC; ``--write-profile`` writes a starting profile from what
answered. Probes are paced (``--rate``), each waits ``--timeout``, the whole scan stops after
``--max-time``; Ctrl-C stops it too, and what was found so far is printed. The logic lives in
:mod:`diagkit.scan`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from diagkit.cli.exitcodes import ExitCode
from diagkit.cli.output import Output, reported
from diagkit.cli.target import number, session_id
from diagkit.errors import ConfigurationError

if TYPE_CHECKING:
    from diagkit.profile import EcuProfile
    from diagkit.scan import Pacer, ServiceScan
    from diagkit.transport.base import Transport
    from diagkit.transport.config import TransportConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from diagkit.cli.common import add_backend_argument  # noqa: PLC0415
    from diagkit.scan.discovery import (  # noqa: PLC0415
        DEFAULT_IDS,
        DEFAULT_TARGETS,
        FRAMES,
        PROBES,
    )
    from diagkit.scan.limits import DEFAULT_MAX_TIME, DEFAULT_RATE  # noqa: PLC0415

    parser.add_argument(
        "target",
        metavar="INTERFACE|FILE",
        help="CAN interface to scan, or a profile/bench file (its ECUs' bus, or one ECU)",
    )
    parser.add_argument("--ecu", help="the ECU's name, when FILE is a bench")
    parser.add_argument("--interface", help="with FILE: CAN interface instead of the profile's")
    add_backend_argument(
        parser, "kernel (CAN_RAW and ISO-TP sockets, the default for INTERFACE) or userspace"
    )
    parser.add_argument(
        "--python-can",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="python-can bus argument for --backend userspace (interface=virtual, bitrate=...)",
    )
    parser.add_argument("--sim", action="store_true", help="scan simulated ECUs of FILE")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document on stdout, nothing else"
    )
    found = parser.add_argument_group("discovery")
    found.add_argument(
        "--ids",
        metavar="RANGE",
        default=DEFAULT_IDS,
        help=f"11-bit request ids to probe (default {DEFAULT_IDS})",
    )
    found.add_argument(
        "--targets",
        metavar="RANGE",
        default=DEFAULT_TARGETS,
        help=f"29-bit normal-fixed target addresses to probe (default {DEFAULT_TARGETS})",
    )
    found.add_argument(
        "--source-address",
        metavar="SA",
        type=number,
        default=0xF1,
        help="tester address in 29-bit ids (0xF1)",
    )
    found.add_argument(
        "--functional",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also broadcast to 0x7DF and 0x18DB33F1 and gather every responder (default on)",
    )
    found.add_argument(
        "--probe",
        choices=tuple(PROBES),
        default="tester-present",
        help="request probed with: 3E 00 (default) or 10 01",
    )
    found.add_argument(
        "--padding",
        metavar="BYTE",
        default="0xCC",
        help="byte the probe frames are padded to 8 bytes with, or 'none' (default 0xCC)",
    )
    found.add_argument(
        "--frames",
        choices=tuple(FRAMES),
        default="classic",
        help="probe with classic CAN frames (default), CAN FD frames, or both, each id",
    )
    one = parser.add_argument_group("one ECU")
    one.add_argument("--services", action="store_true", help="probe every ISO 14229-1 service")
    one.add_argument("--dids", metavar="RANGE", help="read these DIDs: 0xF180-0xF1FF,0x0100")
    one.add_argument(
        "--session", metavar="NAME", help="enter this session (name or number) before probing"
    )
    one.add_argument(
        "--tx", metavar="ID", type=number, help="with INTERFACE: the ECU's 11-bit request id"
    )
    one.add_argument(
        "--rx", metavar="ID", type=number, help="with INTERFACE: the ECU's 11-bit response id"
    )
    one.add_argument(
        "--target-address",
        metavar="TA",
        type=number,
        help="with INTERFACE: the ECU's 29-bit normal-fixed TA",
    )
    one.add_argument(
        "--write-profile",
        metavar="FILE",
        type=Path,
        help="write a starting profile: addressing and the DIDs found (hex codecs)",
    )
    limits = parser.add_argument_group("limits")
    limits.add_argument(
        "--rate",
        metavar="N",
        type=float,
        default=DEFAULT_RATE,
        help=f"requests per second, at most (default {DEFAULT_RATE:g})",
    )
    limits.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=float,
        help="seconds to wait for each answer (default 0.05; one ECU: its profile's P2)",
    )
    limits.add_argument(
        "--max-time",
        metavar="SECONDS",
        type=float,
        default=DEFAULT_MAX_TIME,
        help=f"seconds for the whole scan (default {DEFAULT_MAX_TIME:g})",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Discovery, or the services/DIDs scan of one ECU; partial results survive Ctrl-C."""

    def body(out: Output) -> ExitCode:
        if args.services or args.dids:
            return _scan_one(args, out)
        if args.write_profile is not None:
            raise ConfigurationError(
                "--write-profile needs --dids (and/or --services) on one ECU: a profile, "
                "a bench and --ecu, or INTERFACE with --tx/--rx or --target-address"
            )
        return _discover(args, out)

    return reported(args, "scan", body)


# -- discovery ---------------------------------------------------------------------------------


def _discover(args: argparse.Namespace, out: Output) -> ExitCode:
    from diagkit.errors import ResponseTimeoutError  # noqa: PLC0415
    from diagkit.scan import Discovery, DiscoveryPlan, discover, open_raw_bus  # noqa: PLC0415
    from diagkit.scan.discovery import FRAMES, PROBES  # noqa: PLC0415
    from diagkit.scan.limits import DEFAULT_TIMEOUT, parse_ids  # noqa: PLC0415

    plan = DiscoveryPlan(
        ids=parse_ids(args.ids, high=0x7FF, what="11-bit id"),
        targets=parse_ids(args.targets, high=0xFF, what="target address"),
        source_address=args.source_address,
        functional=args.functional,
        request=PROBES[args.probe],
        timeout=args.timeout if args.timeout is not None else DEFAULT_TIMEOUT,
        padding=_padding(args.padding),
        frames=FRAMES[args.frames],
    )
    pacer = _pacer(args)
    out.set(
        "plan",
        {
            "probes": plan.probe_count,
            "request": plan.request.hex(" "),
            "timeout_s": plan.timeout,
            "frames": args.frames,
            "rate": args.rate,
            "max_time_s": args.max_time,
        },
    )
    results: list[Discovery] = []
    ecus: list[dict[str, Any]] = []
    responders: list[dict[str, Any]] = []
    interrupted = False
    with _discovery_buses(args) as buses:
        out.set("buses", [_bus_json(config) for config, _ in buses])
        for config, profiles in buses:  # one result per bus: ids are only unique on a bus
            result = Discovery()
            results.append(result)
            bus = open_raw_bus(config, fd=plan.fd)
            try:
                discover(bus, plan, pacer=pacer, result=result)
            except KeyboardInterrupt:
                result.stopped = "interrupted"
                interrupted = True
            finally:
                bus.close()
            names = _names(profiles)
            for ecu in result.ecus():
                name = names.get((ecu["extended"], int(ecu["rx_id"], 16)))
                ecus.append(
                    {**ecu, "interface": config.interface, **({"ecu": name} if name else {})}
                )
            responders += [
                {**r.as_dict(), "interface": config.interface} for r in result.responders
            ]
            if not result.complete:
                break
    out.set("ecus", ecus)
    out.set("responders", responders)
    out.set("probes_sent", sum(r.probes_sent for r in results))
    stopped = next((r.stopped for r in results if r.stopped is not None), None)
    _report_stop(out, stopped, args)
    out.columns("ECU", "tx id", "rx id", "answer", "time")
    for ecu in ecus:
        tx = ecu["tx_id"] if ecu["kind"] != "functional" else f"{ecu['tx_id']} (functional)"
        out.row(ecu.get("ecu", "?"), tx, ecu["rx_id"], _answer_text(ecu), f"{ecu['elapsed_ms']} ms")
    if interrupted:
        return _interrupted(out)
    if not ecus:
        raise ResponseTimeoutError(
            plan.request[0],
            None,
            None,
            detail=f"no ECU answered {plan.probe_count} probes ({plan.request.hex(' ')})",
        )
    return ExitCode.OK


@contextmanager
def _discovery_buses(
    args: argparse.Namespace,
) -> Iterator[list[tuple[TransportConfig, list[EcuProfile]]]]:
    """The buses to scan, each with the profiles known on it (to name who answers)."""
    from diagkit.profile import transport_config  # noqa: PLC0415

    if not _is_file(args.target):
        if args.sim:
            raise ConfigurationError("--sim needs a profile or bench file, not an interface name")
        yield [(_interface_config(args, args.target), [])]
        return
    profiles = _load(args)
    with ExitStack() as stack:
        if args.sim:
            from diagkit.scan.sim import simulated_bus  # noqa: PLC0415

            profiles = stack.enter_context(simulated_bus(profiles))
        buses: dict[tuple[str, str, tuple[tuple[str, str], ...]], list[EcuProfile]] = {}
        configs: dict[tuple[str, str, tuple[tuple[str, str], ...]], TransportConfig] = {}
        for profile in profiles:
            config = transport_config(profile)
            if config.backend == "memory":
                raise ConfigurationError(
                    f"ECU {profile.name} uses the memory backend, which has no bus to scan; "
                    "scan its simulation with --sim"
                )
            key = (config.interface, config.backend, config.python_can)
            buses.setdefault(key, []).append(profile)
            configs.setdefault(key, config)
        yield [(configs[key], found) for key, found in buses.items()]


def _names(profiles: list[EcuProfile]) -> dict[tuple[bool, int], str]:
    from diagkit.profile import transport_config  # noqa: PLC0415

    names: dict[tuple[bool, int], str] = {}
    for profile in profiles:
        address = transport_config(profile).address
        names[(address.is_29bit, address.rx_id)] = profile.name
    return names


def _answer_text(item: dict[str, Any]) -> str:
    text = str(item["response"])
    if "nrc_name" in item:
        text += f" ({item['nrc_name']})"
    return text


# -- one ECU: services, DIDs, a starting profile -----------------------------------------------


def _scan_one(args: argparse.Namespace, out: Output) -> ExitCode:
    from diagkit.errors import ResponseTimeoutError  # noqa: PLC0415
    from diagkit.scan import ALL_SERVICES, ServiceScan, scan_dids, scan_services  # noqa: PLC0415
    from diagkit.scan.limits import parse_ids  # noqa: PLC0415
    from diagkit.scan.services import exchange  # noqa: PLC0415

    profile = _one_profile(args)
    dids = parse_ids(args.dids, high=0xFFFF, what="DID") if args.dids else ()
    timeout = args.timeout if args.timeout is not None else profile.uds.p2
    p2_star = max(profile.uds.p2_star, timeout)
    pacer = _pacer(args)
    result = ServiceScan()
    interrupted = False
    with _one_transport(profile, simulated=args.sim) as transport:
        out.set("ecu", _ecu_json(profile, simulated=args.sim))
        try:
            if args.session:
                session = session_id(profile, args.session)
                answer = exchange(
                    transport, bytes((0x10, session)), timeout=timeout, p2_star=p2_star
                )
                if not answer.positive:
                    raise _refused_session(session, answer.response)
                out.step(f"DiagnosticSessionControl 0x{session:02X}")
            if args.services:
                scan_services(
                    transport,
                    ALL_SERVICES,
                    timeout=timeout,
                    p2_star=p2_star,
                    pacer=pacer,
                    result=result,
                )
            if dids and result.complete:
                scan_dids(
                    transport, dids, timeout=timeout, p2_star=p2_star, pacer=pacer, result=result
                )
        except KeyboardInterrupt:
            result.stopped = "interrupted"
            interrupted = True
    _report_one(out, result, args)
    if args.write_profile is not None:
        from diagkit.scan import starting_profile, write_starting_profile  # noqa: PLC0415

        document = starting_profile(profile, result)
        write_starting_profile(args.write_profile, document)
        out.set("profile_written", str(args.write_profile))
        out.line(f"wrote {args.write_profile} ({len(document.get('dids', []))} DIDs)")
    if interrupted:
        return _interrupted(out)
    if not result.answered:
        raise ResponseTimeoutError(
            None, None, None, profile.name, detail="the ECU answered none of the probes"
        )
    return ExitCode.OK


def _report_one(out: Output, result: ServiceScan, args: argparse.Namespace) -> None:
    out.set("services", [f.as_dict() for f in result.services])
    out.set("dids", [f.as_dict() for f in result.dids])
    out.set("present_services", [f"0x{f.id:02X}" for f in result.services if f.present])
    out.set("present_dids", [f"0x{f.id:04X}" for f in result.dids if f.present])
    _report_stop(out, result.stopped, args)
    out.columns("id", "status", "answer")
    for finding in result.services:
        item = finding.as_dict()
        if finding.status != "absent":
            out.row(f"service {item['service']} {item['name']}", finding.status, _detail(item))
    for finding in result.dids:
        item = finding.as_dict()
        if finding.status != "absent":
            out.row(f"DID {item['did']}", finding.status, _detail(item))
    absent_services = sum(f.status == "absent" for f in result.services)
    absent_dids = sum(f.status == "absent" for f in result.dids)
    if result.services:
        out.line(f"{absent_services} of {len(result.services)} services absent (0x11)")
    if result.dids:
        out.line(f"{absent_dids} of {len(result.dids)} DIDs absent (0x31)")


def _detail(item: dict[str, Any]) -> str:
    if "nrc_name" in item:
        return f"NRC 0x{item['nrc']:02X} {item['nrc_name']}"
    if "length" in item:
        return f"{item['length']} bytes: {item['data']}"
    return str(item.get("response", "-"))


def _refused_session(session: int, response: bytes | None) -> Exception:
    from diagkit.errors import ResponseTimeoutError  # noqa: PLC0415

    if response is None:
        return ResponseTimeoutError(
            0x10, None, None, detail=f"no answer to DiagnosticSessionControl 0x{session:02X}"
        )
    from diagkit.client.errors import NrcError  # noqa: PLC0415

    if len(response) < 3:
        from diagkit.errors import InvalidResponseError  # noqa: PLC0415

        return InvalidResponseError(
            f"DiagnosticSessionControl 0x{session:02X}: {response.hex(' ')}"
        )
    return NrcError(0x10, response[2], response=response)


def _one_profile(args: argparse.Namespace) -> EcuProfile:
    """The ECU probed: FILE (+ --ecu), or INTERFACE with --tx/--rx or --target-address."""
    from diagkit.profile import EcuProfile  # noqa: PLC0415

    if _is_file(args.target):
        if args.tx is not None or args.rx is not None or args.target_address is not None:
            raise ConfigurationError("--tx/--rx/--target-address are for INTERFACE, not FILE")
        profiles = _load(args)
        if len(profiles) > 1:
            names = ", ".join(p.name for p in profiles)
            raise ConfigurationError(
                f"{args.target} is a bench: choose an ECU with --ecu ({names})"
            )
        return profiles[0]
    if args.sim:
        raise ConfigurationError("--sim needs a profile or bench file, not an interface name")
    addressing: dict[str, Any]
    if args.target_address is not None:
        addressing = {
            "mode": "normal_fixed_29bit",
            "target_address": args.target_address,
            "source_address": args.source_address,
        }
        name = f"ecu_{args.target_address:02X}"
    elif args.tx is not None:
        rx = args.rx if args.rx is not None else args.tx + 8
        addressing = {"mode": "normal_11bit", "txid": args.tx, "rxid": rx}
        name = f"ecu_{args.tx:03X}"
    else:
        raise ConfigurationError(
            "which ECU? with INTERFACE give --tx ID [--rx ID] (11-bit) or --target-address TA "
            "(29-bit normal fixed); or give a profile or bench file"
        )
    document: dict[str, Any] = {
        "name": name,
        "interface": args.target,
        "backend": args.backend or "kernel",
        "addressing": addressing,
    }
    padding = _padding(args.padding)
    if padding is not None:
        document["isotp"] = {"tx_padding": padding}
    if args.python_can:
        document["python_can"] = dict(_python_can(args.python_can))
    from pydantic import ValidationError  # noqa: PLC0415

    try:
        return EcuProfile.model_validate(document)
    except ValidationError as exc:
        raise ConfigurationError(f"bad ECU address: {exc.errors()[0]['msg']}") from None


@contextmanager
def _one_transport(profile: EcuProfile, *, simulated: bool) -> Iterator[Transport]:
    """The ECU's ISO-TP channel: the profile's, or a simulated ECU's in this process."""
    with ExitStack() as stack:
        if simulated:
            from diagkit.sim import SimEcu, SimServer, spec_from_profile  # noqa: PLC0415
            from diagkit.sim.from_profile import simulation_environ  # noqa: PLC0415
            from diagkit.transport.memory import MemoryTransport  # noqa: PLC0415

            client_end, ecu_end = MemoryTransport.pair()
            ecu = SimEcu(spec_from_profile(profile, environ=simulation_environ([profile])))
            server = SimServer(poll_interval=0.01).add(ecu, ecu_end, owned=True)
            stack.enter_context(server.start())
            transport: Transport = stack.enter_context(client_end)
        else:
            from diagkit.profile import transport_config  # noqa: PLC0415
            from diagkit.transport.factory import open_transport  # noqa: PLC0415

            transport = stack.enter_context(open_transport(transport_config(profile)))
        yield transport


def _ecu_json(profile: EcuProfile, *, simulated: bool) -> dict[str, Any]:
    from diagkit.profile import transport_config  # noqa: PLC0415

    return {
        "name": profile.name,
        "interface": "(simulated)" if simulated else profile.interface,
        "backend": "memory" if simulated else profile.backend,
        "address": str(transport_config(profile).address),
        "simulated": simulated,
    }


# -- shared ------------------------------------------------------------------------------------


def _is_file(target: str) -> bool:
    return Path(target).is_file()


def _load(args: argparse.Namespace) -> list[EcuProfile]:
    from diagkit.cli.common import load_profiles  # noqa: PLC0415

    namespace = argparse.Namespace(
        file=Path(args.target), ecu=args.ecu, interface=args.interface, backend=args.backend
    )
    return load_profiles(namespace)


def _interface_config(args: argparse.Namespace, interface: str) -> TransportConfig:
    """A config naming only the bus (discovery sends its own frames, any address will do)."""
    from diagkit.transport import Address, TransportConfig  # noqa: PLC0415

    backend: Literal["kernel", "userspace"] = (
        "userspace" if args.backend == "userspace" else "kernel"
    )
    if args.backend == "memory":
        raise ConfigurationError("the memory backend has no bus to scan; use kernel or userspace")
    return TransportConfig(
        interface=interface,
        address=Address(txid=0x7E0, rxid=0x7E8),
        backend=backend,
        python_can=_python_can(args.python_can),
    )


def _python_can(pairs: list[str]) -> tuple[tuple[str, str], ...]:
    items: list[tuple[str, str]] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigurationError(f"--python-can {pair!r}: write KEY=VALUE (interface=virtual)")
        items.append((key.strip(), value.strip()))
    return tuple(items)


def _padding(text: str) -> int | None:
    if text.strip().lower() == "none":
        return None
    value = number(text)
    if not 0 <= value <= 0xFF:
        raise ConfigurationError(f"--padding {text}: a byte 0x00-0xFF, or none")
    return value


def _pacer(args: argparse.Namespace) -> Pacer:
    from diagkit.scan import Pacer  # noqa: PLC0415

    return Pacer(rate=args.rate, max_time=args.max_time)


def _bus_json(config: TransportConfig) -> dict[str, Any]:
    return {"interface": config.interface, "backend": config.backend}


def _report_stop(out: Output, stopped: str | None, args: argparse.Namespace) -> None:
    out.set("complete", stopped is None)
    if stopped is not None:
        out.set("stopped", stopped)
        if stopped == "time limit" and not args.json:
            print(
                f"scan stopped after --max-time {args.max_time:g} s: partial results",
                file=sys.stderr,
            )


def _interrupted(out: Output) -> ExitCode:
    out.set("ok", False)
    out.set(
        "error",
        {
            "type": "KeyboardInterrupt",
            "message": "interrupted: partial results",
            "exit_code": int(ExitCode.INTERRUPTED),
        },
    )
    if not out.json_mode:
        print("interrupted: partial results", file=sys.stderr)
    return ExitCode.INTERRUPTED
