"""JSON Schema export of profiles and benches, for editors' YAML language servers.

Regenerate the committed files with ``python -m diagkit.profile schema profiles/schema``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from diagkit.profile.model import BenchFile, EcuProfile

DRAFT = "https://json-schema.org/draft/2020-12/schema"
FILES = {"profile.schema.json": "profile", "bench.schema.json": "bench"}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a profile file.

    No top-level key is required: a base profile (``extends:``) or a bench's ``defaults:`` may
    supply any of them, which a schema cannot see; the loader checks the merged result.
    """
    schema = EcuProfile.model_json_schema(mode="validation")
    schema.pop("required", None)
    schema["properties"] = {
        "extends": {
            "type": "string",
            "description": "profile file this one is based on, relative to this file",
        },
        **schema["properties"],
    }
    return {"$schema": DRAFT, "title": "diagkit ECU profile", **_without_title(schema)}


def bench_schema() -> dict[str, Any]:
    """The JSON Schema of a bench file."""
    schema = BenchFile.model_json_schema(mode="validation")
    return {"$schema": DRAFT, "title": "diagkit bench", **_without_title(schema)}


def _without_title(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key != "title"}


def render(kind: str) -> str:
    """The text of one schema file (stable: sorted keys, two-space indent, final newline)."""
    schema = json_schema() if kind == "profile" else bench_schema()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    """Write every schema file into ``directory``; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, kind in FILES.items():
        target = directory / name
        target.write_text(render(kind), encoding="utf-8")
        written.append(target)
    return written
