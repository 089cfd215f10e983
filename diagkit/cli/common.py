"""What several commands share: loading a profile or a bench, and the override options."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from diagkit.errors import ConfigurationError
from diagkit.transport import registry

if TYPE_CHECKING:
    from diagkit.profile import EcuProfile


def backend_choices() -> registry.Choices:
    """What --backend offers: every backend a command line can open, then ``auto``.

    Backends whose channels are only built in code (memory) are left out: from a command
    line they could never reach an ECU.
    """
    return registry.Choices(opens_from_config=True, extra=(registry.AUTO,))


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """FILE (a profile or a bench) plus --ecu, --interface and --backend."""
    parser.add_argument("file", type=Path, help="ECU profile or bench file (YAML or JSON)")
    parser.add_argument("--ecu", help="the ECU's name, when FILE is a bench")
    parser.add_argument("--interface", help="CAN interface to use instead of the profile's")
    add_backend_argument(
        parser, "transport backend to use instead (auto: the first that can serve the profile here)"
    )


def add_backend_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """--backend, whose names are listed only by --help and an invalid choice.

    A fixed metavar keeps argparse from listing the choices while the parser is built, which
    would read every installed package's entry points on each call.
    """
    parser.add_argument(
        "--backend", choices=backend_choices(), metavar="BACKEND", help=f"{what}: %(choices)s"
    )


def is_bench(path: Path) -> bool:
    """True when ``path`` holds a bench file (a top-level ``ecus:`` mapping)."""
    from diagkit.profile.loader import is_bench_file  # noqa: PLC0415

    return is_bench_file(path)  # False when unreadable: loading it reports file and line


def load_profiles(args: argparse.Namespace) -> list[EcuProfile]:
    """The profiles FILE names (one, or every ECU of a bench), with the overrides applied."""
    from diagkit.profile.loader import load_file  # noqa: PLC0415
    from diagkit.profile.model import Bench  # noqa: PLC0415

    loaded = load_file(args.file)
    if isinstance(loaded, Bench):
        names = [args.ecu] if args.ecu else list(loaded.ecus)
        profiles = [loaded[name] for name in names]  # an unknown name: UnknownNameError
    else:
        if args.ecu:
            raise ConfigurationError(
                f"--ecu {args.ecu}: {args.file} is a profile, not a bench file"
            )
        profiles = [loaded]
    chosen = [p.with_overrides(interface=args.interface) for p in profiles]
    if args.backend is None:
        return chosen
    return [p.with_overrides(backend=resolve_backend(p, args.backend)) for p in chosen]


def resolve_backend(profile: EcuProfile, backend: str) -> str:
    """``backend``, or for ``auto`` the first registered one that can serve ``profile`` here."""
    if backend != registry.AUTO:
        return backend
    from diagkit.profile import transport_config  # noqa: PLC0415

    return registry.choose(transport_config(profile)).name


def load_one_profile(args: argparse.Namespace) -> EcuProfile:
    """The single ECU a command talks to; a bench needs --ecu unless it has one ECU."""
    profiles = load_profiles(args)
    if len(profiles) > 1:
        names = ", ".join(p.name for p in profiles)
        raise ConfigurationError(f"{args.file} is a bench: choose an ECU with --ecu ({names})")
    return profiles[0]
