"""``python -m diagkit.sequence schema [DIR]``: write the sequence JSON Schema (profiles/schema)."""

from __future__ import annotations

import sys
from pathlib import Path

from diagkit.sequence.schema import write_schema

USAGE = "usage: python -m diagkit.sequence schema [DIRECTORY]"


def main(argv: list[str]) -> int:
    """Write the schema file; 2 on a usage error."""
    if not argv or argv[0] != "schema" or len(argv) > 2:
        print(USAGE, file=sys.stderr)
        return 2
    print(write_schema(Path(argv[1] if len(argv) == 2 else "profiles/schema")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
