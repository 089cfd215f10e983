"""``diagkit profile check|dump|schema``: validate, show resolved, export the JSON Schema."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from diagkit.cli.common import is_bench
from diagkit.errors import DiagkitError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate profiles and benches, all errors at once")
    check.add_argument("files", type=Path, nargs="+")
    check.set_defaults(func=run_check)
    dump = actions.add_parser("dump", help="print a profile resolved (extends applied)")
    dump.add_argument("file", type=Path)
    dump.add_argument("--json", action="store_true", help="JSON instead of YAML")
    dump.set_defaults(func=run_dump)
    schema = actions.add_parser("schema", help="print the JSON Schema of profiles or benches")
    schema.add_argument("--bench", action="store_true", help="the bench file schema")
    schema.set_defaults(func=run_schema)


def run_check(args: argparse.Namespace) -> int:
    from diagkit.profile import load_bench, load_profile  # noqa: PLC0415

    failed = 0
    for path in args.files:
        try:
            if is_bench(path):
                bench = load_bench(path)
                print(f"ok   {path}: bench {bench.name}, ECUs {', '.join(bench.ecus)}")
            else:
                profile = load_profile(path)
                print(f"ok   {path}: {profile.name}")
        except DiagkitError as exc:
            failed += 1
            print(f"FAIL {exc}", file=sys.stderr)
    return 2 if failed else 0  # a profile error, as for every command (cli.exitcodes)


def run_dump(args: argparse.Namespace) -> int:
    from diagkit.profile import dump_profile, load_profile  # noqa: PLC0415

    print(dump_profile(load_profile(args.file), "json" if args.json else "yaml"), end="")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    from diagkit.profile import bench_schema, json_schema  # noqa: PLC0415

    print(json.dumps(bench_schema() if args.bench else json_schema(), indent=2))
    return 0
