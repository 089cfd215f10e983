"""``diagkit demo``: a simulated engine ECU and a short diagnostic session against it.

It needs no hardware: it picks the best transport this machine has (the kernel's CAN_ISOTP
sockets on a vcan interface, else userspace ISO-TP on python-can's virtual bus, else memory),
serves the engine profile as a simulated ECU there, and talks to it as a script would.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console
from rich.table import Table

from diagkit.errors import DiagkitError
from diagkit.transport import registry
from diagkit.transport.address import Address
from diagkit.transport.config import TransportConfig

if TYPE_CHECKING:
    from diagkit.client import EcuClient
    from diagkit.profile import EcuProfile

PROFILE = Path(__file__).resolve().parents[1] / "examples" / "engine_userspace.yaml"
"""Shipped in the package (a copy of ``profiles/engine_userspace.yaml`` and the profile it
extends), so an installed diagkit runs the demo without a checkout."""
FIRMWARE_SIZE = 64 * 1024
_T = TypeVar("_T")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--transport",
        choices=(registry.AUTO, *registry.names()),
        default="auto",
        help="auto: kernel if a vcan interface is up, else userspace, else memory",
    )
    parser.add_argument("--interface", default="vcan0", help="CAN interface for the kernel")
    parser.add_argument("--profile", type=Path, default=PROFILE, help="the ECU profile to serve")
    parser.set_defaults(func=run)


def choose_transport(wanted: str, interface: str) -> tuple[str, str]:
    """The backend to use and a sentence saying why (the registry's checks decide ``auto``)."""
    if wanted != registry.AUTO:
        return wanted, "chosen with --transport"
    probe = TransportConfig(interface=interface, address=Address(txid=0x7E0, rxid=0x7E8))
    why_not = registry.get("kernel").unavailable(probe)
    if why_not is None:
        return "kernel", f"the kernel's CAN_ISOTP sockets on {interface}"
    if registry.get("userspace").unavailable(probe) is not None:
        return "memory", f"in memory ({why_not}; python-can is not installed)"
    return "userspace", f"userspace ISO-TP on python-can's virtual bus ({why_not})"


@contextmanager
def simulated(profile: EcuProfile, environ: Mapping[str, str]) -> Iterator[EcuClient]:
    """The simulated ECU serving ``profile`` and a client connected to it.

    ``environ`` is where both read ``key_env`` security keys.
    """
    from diagkit.client.factory import open_client  # noqa: PLC0415
    from diagkit.sim import SimEcu, run_bench, spec_from_profile  # noqa: PLC0415

    if profile.backend == "memory":
        from diagkit.station import open_simulated  # noqa: PLC0415

        sim = SimEcu(spec_from_profile(profile, environ=environ))
        client, server = open_simulated(profile, sim, environ=environ)
        with server, client as ecu:
            yield ecu
        return
    with run_bench(profile, environ=environ), open_client(profile, environ=environ) as ecu:
        yield ecu


class Session:
    """Runs the demo's steps, printing each exchange and what it took."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.steps = 0

    def step(self, title: str, action: Callable[[], _T]) -> _T | None:
        """Run one diagnostic step; a diagkit error is shown (that is part of the demo)."""
        self.steps += 1
        start = time.perf_counter()
        try:
            result = action()
        except DiagkitError as exc:
            elapsed = (time.perf_counter() - start) * 1000
            self.console.print(f"[bold]{title}[/] [red]{type(exc).__name__}[/] ({elapsed:.1f} ms)")
            self.console.print(f"    {exc}", markup=False)
            return None
        elapsed = (time.perf_counter() - start) * 1000
        self.console.print(f"[bold]{title}[/] [green]ok[/] ({elapsed:.1f} ms)")
        return result


def run(args: argparse.Namespace) -> int:
    from diagkit.profile import load_profile  # noqa: PLC0415

    console = Console(highlight=False)
    backend, why = choose_transport(args.transport, args.interface)
    profile = load_profile(args.profile)
    if backend == "kernel":
        profile = profile.with_overrides(backend="kernel", interface=args.interface)
    elif backend != profile.backend:
        profile = profile.with_overrides(backend=backend)
    console.print(f"[bold]diagkit demo[/]: simulated ECU [cyan]{profile.name}[/] over {why}")
    from diagkit.sim.from_profile import simulation_environ  # noqa: PLC0415

    environ = simulation_environ([profile])  # the simulated bench's made-up AES key
    started = time.perf_counter()
    with simulated(profile, environ) as ecu:
        session = Session(console)
        demo_session(session, ecu, profile)
    total = time.perf_counter() - started
    console.print(f"{session.steps} steps in {total:.2f} s; run `diagkit --help` for more")
    return 0


def demo_session(session: Session, ecu: EcuClient, profile: EcuProfile) -> None:
    """What a diagnostic script does first: session, security, identification, DTCs."""
    console = session.console
    response = session.step(
        "DiagnosticSessionControl extended (0x10 0x03)", lambda: ecu.change_session(3)
    )
    if response is not None:
        p2, p2_star = ecu.timing.p2, ecu.timing.p2_star
        console.print(
            f"    ECU timing adopted: P2 {p2 * 1000:.0f} ms, P2* {p2_star:.1f} s; "
            "tester present now keeps the session open"
        )
    session.step("SecurityAccess level 0x01 (xor_mask)", lambda: ecu.unlock(0x01))

    identification = Table(title="Identification (ReadDataByIdentifier 0x22)", title_justify="left")
    for column in ("DID", "name", "value"):
        identification.add_column(column)
    for name in ("vin", "ecu_serial_number", "software_version", "manufacturing_date"):
        did = profile.did(name)
        value = session.step(f"read {name} (0x{did.id:04X})", partial(ecu.read_did, name))
        identification.add_row(f"0x{did.id:04X}", name, repr(value))
    console.print(identification)

    speed = session.step(
        "read engine_speed (the ECU answers 0x78 twice first)", lambda: ecu.read_did("engine_speed")
    )
    console.print(f"    engine_speed = {speed}")
    session.step(
        "write idle_speed_target = 850 (0x2E)", lambda: ecu.write_did("idle_speed_target", 850)
    )
    target = session.step("read idle_speed_target back", lambda: ecu.read_did("idle_speed_target"))
    console.print(f"    idle_speed_target = {target}")

    dtcs = session.step("ReadDTCInformation by status mask (0x19 0x02)", ecu.read_dtcs) or []
    table = Table(title="Diagnostic trouble codes", title_justify="left")
    for column in ("DTC", "status", "test failed", "confirmed"):
        table.add_column(column)
    for dtc in dtcs:
        status = dtc.status.get_byte_as_int()
        table.add_row(
            f"{dtc.id:06X}", f"0x{status:02X}", str(bool(status & 0x01)), str(bool(status & 0x08))
        )
    console.print(table)
    session.step("ClearDiagnosticInformation (0x14)", ecu.clear_dtcs)
    remaining = session.step("read DTCs again", ecu.read_dtcs)
    console.print(f"    {len(remaining or [])} DTC(s) left")

    routine = profile.routines[-1] if profile.routines else None
    if routine is not None:
        console.print("[dim]The simulated ECU is told to refuse this routine, to show an error:[/]")
        session.step(
            f"RoutineControl start {routine.name} (0x31 0x01 0x{routine.id:04X})",
            lambda: ecu.start_routine(routine.id),
        )
    demo_flash(session, ecu, profile)
    session.step("ECUReset hardReset (0x11 0x01)", lambda: ecu.ecu_reset(1))


def demo_flash(session: Session, ecu: EcuClient, profile: EcuProfile) -> None:
    """Programming session, security level 0x11 (AES-128 CMAC), erase, download, CRC check."""
    from diagkit.cli.flash import progress_bar, summary  # noqa: PLC0415
    from diagkit.flash import FlashRegion, flash  # noqa: PLC0415

    region = FlashRegion.from_profile(profile, "application")
    firmware = bytes(i * 7 & 0xFF for i in range(FIRMWARE_SIZE))
    rest = (region.size or FIRMWARE_SIZE) - FIRMWARE_SIZE
    with progress_bar(region.label) as progress:
        result = session.step(
            f"flash {FIRMWARE_SIZE // 1024} KiB of firmware into {region.label} "
            f"(0x31 erase, 0x34/0x36/0x37, 0x31 {region.checksum.label} check of the whole "
            f"region: its other {rest // 1024} KiB, not written, count as erased "
            f"0x{region.erased_value:02X})",
            lambda: flash(ecu, region, firmware, progress=progress),
        )
    if result is not None:
        session.console.print(f"    {summary(result)}", markup=False)
        session.console.print(f"    the ECU checked the {result.checked}", markup=False)
