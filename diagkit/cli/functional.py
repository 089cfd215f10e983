"""Functional requests from the command line: one request, every ECU's answer, by name.

Without ``--sim`` the ECUs' profiles give the functional sender and one receiver per ECU; with
``--sim`` each ECU is simulated in this process, receiving the request on a functional channel.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

from diagkit.cli.exitcodes import ExitCode
from diagkit.cli.output import Output, reported
from diagkit.cli.target import parse_hex

if TYPE_CHECKING:
    from diagkit.client import FunctionalGroup
    from diagkit.profile import EcuProfile
    from diagkit.transport.base import Transport

NEGATIVE_RESPONSE = 0x7F


def run_functional(args: argparse.Namespace) -> int:
    """``send --functional``: print each responder's answer; exit 3 if any refused, 4 if none."""
    return reported(args, "send", lambda out: gather(args, out))


def gather(args: argparse.Namespace, out: Output) -> ExitCode:
    """Send the functional request and report every answer, by ECU."""
    from diagkit.cli.common import load_profiles  # noqa: PLC0415
    from diagkit.errors import ResponseTimeoutError  # noqa: PLC0415
    from diagkit.profile import transport_config  # noqa: PLC0415

    request = parse_hex(args.request)
    profiles = load_profiles(args)
    with ExitStack() as stack:
        group = stack.enter_context(functional_group(profiles, simulated=args.sim))
        if getattr(args, "trace", None):
            from diagkit.trace.options import record_from_args  # noqa: PLC0415

            first = next(iter(group.receivers.values()))  # a userspace bench shares its bus
            stack.enter_context(record_from_args(args, profiles[0], first, profiles))
        answers = group.request(request)
        p2 = group.timing.p2
    out.set("ecus", [p.name for p in profiles])
    out.columns("ECU", "answer")
    for profile in profiles:
        if profile.name not in answers:
            continue
        answer = answers[profile.name]
        address = transport_config(profile).address
        out.add(
            "results",
            {
                "ecu": profile.name,
                "tx_id": f"0x{address.tx_id:X}",
                "rx_id": f"0x{address.rx_id:X}",
                "response": answer.hex(" "),
                "positive": answer[:1] != bytes((NEGATIVE_RESPONSE,)),
            },
        )
        out.row(profile.name, answer.hex(" "))
    if not answers:
        raise ResponseTimeoutError(request[0], "P2", p2, "functional", detail="no ECU answered")
    if any(a[:1] == bytes((NEGATIVE_RESPONSE,)) for a in answers.values()):
        out.set("ok", False)
        return ExitCode.NEGATIVE_RESPONSE
    return ExitCode.OK


@contextmanager
def functional_group(
    profiles: list[EcuProfile], *, simulated: bool
) -> Iterator[FunctionalGroup]:
    """A functional group over ``profiles``' ECUs: real ones, or simulated in this process."""
    from diagkit.client import FunctionalGroup  # noqa: PLC0415
    from diagkit.client.settings import client_settings  # noqa: PLC0415

    if not simulated:
        from diagkit.client.factory import open_functional_group  # noqa: PLC0415
        from diagkit.profile import Bench  # noqa: PLC0415

        bench = Bench(name="command line", ecus={p.name: p for p in profiles})
        with open_functional_group(bench) as group:
            yield group
        return
    from diagkit.sim import SimEcu, SimServer, spec_from_profile  # noqa: PLC0415
    from diagkit.sim.from_profile import simulation_environ  # noqa: PLC0415
    from diagkit.transport.memory import MemoryTransport  # noqa: PLC0415

    with ExitStack() as stack:
        server = SimServer(poll_interval=0.01)
        receivers: dict[str, Transport] = {}
        senders: list[Transport] = []
        for profile in profiles:
            environ = simulation_environ([profile])
            client_end, ecu_end = MemoryTransport.pair()
            sender_end, functional_end = MemoryTransport.pair()
            ecu = SimEcu(spec_from_profile(profile, environ=environ))
            server.add(ecu, ecu_end, functional=functional_end, owned=True)
            receivers[profile.name] = client_end
            senders.append(sender_end)
        stack.enter_context(server.start())
        timings = [client_settings(p).timing for p in profiles]
        from diagkit.client import Timing  # noqa: PLC0415

        timing = Timing(
            p2=max(t.p2 for t in timings),
            p2_star=max(t.p2_star for t in timings),
            use_server_timing=False,
        )
        group = FunctionalGroup(_FanOut(senders), receivers, timing)
        stack.callback(group.close)
        yield group


class _FanOut:
    """A functional sender in memory: every simulated ECU's functional channel gets the PDU."""

    def __init__(self, ends: list[Transport]) -> None:
        self.ends = ends

    def send(self, pdu: bytes, timeout: float | None = None) -> None:
        for end in self.ends:
            end.send(pdu, timeout)

    def close(self) -> None:
        for end in self.ends:
            end.close()
