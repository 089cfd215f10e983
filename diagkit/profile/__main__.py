"""``python -m diagkit.profile schema [DIR]``: write the JSON Schema files (profiles/schema)."""

from __future__ import annotations

import sys
from pathlib import Path

from diagkit.profile.schema import write_schemas

USAGE = "usage: python -m diagkit.profile schema [DIRECTORY]"


def main(argv: list[str]) -> int:
    """Run the command line; returns the exit status."""
    if not argv or argv[0] != "schema" or len(argv) > 2:
        print(USAGE, file=sys.stderr)
        return 2
    for path in write_schemas(Path(argv[1] if len(argv) == 2 else "profiles/schema")):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
