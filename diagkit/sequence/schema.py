"""JSON Schema of sequence files, beside the profile's (profiles/schema/sequence.schema.json).

Regenerate the committed file with ``python -m diagkit.sequence schema profiles/schema``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from diagkit.profile.schema import DRAFT
from diagkit.sequence.model import Sequence

FILE = "sequence.schema.json"


def sequence_schema() -> dict[str, Any]:
    """The JSON Schema of a sequence file, for editors' YAML language servers."""
    schema = Sequence.model_json_schema(mode="validation")
    schema.pop("title", None)
    return {"$schema": DRAFT, "title": "diagkit sequence", **schema}


def render() -> str:
    """The schema file's text (stable: sorted keys, two-space indent, final newline)."""
    return json.dumps(sequence_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schema(directory: Path) -> Path:
    """Write :data:`FILE` into ``directory``; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / FILE
    target.write_text(render(), encoding="utf-8")
    return target
