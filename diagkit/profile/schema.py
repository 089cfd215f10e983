"""JSON Schema export of profiles and benches, for editors' YAML language servers.

A security level's ``params`` are described by its algorithm's ``Params`` model (one
``if algorithm is X then params is XParams`` rule per algorithm). Regenerate the committed
files, which describe the built-in algorithms, with
``python -m diagkit.profile schema profiles/schema``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from diagkit import security
from diagkit.errors import SecurityAccessError
from diagkit.profile.model import BenchFile, EcuProfile

DRAFT = "https://json-schema.org/draft/2020-12/schema"
FILES = {"profile.schema.json": "profile", "bench.schema.json": "bench"}


class _WithDefaults(GenerateJsonSchema):
    """Shows a section built by a default factory with its defaults, as a plain default is.

    Sections default through factories so that no model is validated while diagkit imports.
    """

    def get_default_value(self, schema: core_schema.WithDefaultSchema) -> Any:
        factory = schema.get("default_factory")
        if isinstance(factory, type) and issubclass(factory, BaseModel):
            return factory()
        return super().get_default_value(schema)


def json_schema(algorithms: Iterable[str] | None = None) -> dict[str, Any]:
    """The JSON Schema of a profile file, with the parameters of ``algorithms`` (default: every
    algorithm the registry knows, plugins included).

    No top-level key is required: a base profile (``extends:``) or a bench's ``defaults:`` may
    supply any of them, which a schema cannot see; the loader checks the merged result.
    """
    schema = EcuProfile.model_json_schema(mode="validation", schema_generator=_WithDefaults)
    _add_algorithm_params(schema, security.names() if algorithms is None else sorted(algorithms))
    schema.pop("required", None)
    schema["properties"] = {
        "extends": {
            "type": "string",
            "description": "profile file this one is based on, relative to this file",
        },
        **schema["properties"],
    }
    return {"$schema": DRAFT, "title": "diagkit ECU profile", **_without_title(schema)}


def _add_algorithm_params(schema: dict[str, Any], names: list[str]) -> None:
    """Describe each algorithm's ``params`` (its ``Params`` model) in ``SecurityLevel``."""
    defs: dict[str, Any] = schema.setdefault("$defs", {})
    level = defs["SecurityLevel"]
    rules: list[dict[str, Any]] = []
    described: list[str] = []
    for name in names:
        try:
            model = security.params_model(name)
        except (SecurityAccessError, TypeError):
            continue  # a plugin that does not load is reported when a profile uses it
        described.append(name)
        if model is None:
            continue
        params = model.model_json_schema(
            mode="validation", ref_template="#/$defs/{model}", schema_generator=_WithDefaults
        )
        defs.update(params.pop("$defs", {}))
        title = model.__name__
        defs[title] = {key: value for key, value in params.items() if key != "title"}
        then: dict[str, Any] = {"properties": {"params": {"$ref": f"#/$defs/{title}"}}}
        if params.get("required"):
            then["required"] = ["params"]
        rules.append(
            {
                "if": {"properties": {"algorithm": {"const": name}}, "required": ["algorithm"]},
                "then": then,
            }
        )
    level["properties"]["algorithm"]["examples"] = described
    if rules:
        level["allOf"] = rules


def bench_schema() -> dict[str, Any]:
    """The JSON Schema of a bench file."""
    schema = BenchFile.model_json_schema(mode="validation", schema_generator=_WithDefaults)
    for pattern, entry in schema["properties"]["ecus"]["patternProperties"].items():
        short = {"type": "string", "minLength": 1, "description": "profile file"}
        schema["properties"]["ecus"]["patternProperties"][pattern] = {"anyOf": [short, entry]}
    return {"$schema": DRAFT, "title": "diagkit bench", **_without_title(schema)}


def _without_title(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key != "title"}


def render(kind: str) -> str:
    """The text of one schema file (stable: sorted keys, two-space indent, final newline)."""
    schema = json_schema(security.BUILTIN) if kind == "profile" else bench_schema()
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
