"""Writing a profile back out as YAML or JSON that loads to an equal profile."""

from __future__ import annotations

import json
from typing import Any, Literal

import yaml

from diagkit.profile.model import EcuProfile

DumpFormat = Literal["yaml", "json"]


def profile_data(profile: EcuProfile, *, full: bool = False) -> dict[str, Any]:
    """The profile as plain data in the file's terms (times with units, ids in hex).

    Without ``full`` only values that differ from the defaults are kept. Key material named
    by ``key_env`` is never part of a profile, so it cannot leak here.
    """
    data: dict[str, Any] = _type_first(profile.model_dump(mode="json", exclude_defaults=not full))
    return data


def _type_first(value: Any) -> Any:
    """Put a codec's ``type`` key first, where a reader looks for it."""
    if isinstance(value, dict):
        items = {key: _type_first(item) for key, item in value.items()}
        if "type" in items:
            items = {"type": items.pop("type"), **items}
        return items
    if isinstance(value, list):
        return [_type_first(item) for item in value]
    return value


def dump_profile(profile: EcuProfile, format: DumpFormat = "yaml", *, full: bool = False) -> str:
    """The profile as YAML or JSON text; loading it gives a profile equal to ``profile``."""
    data = profile_data(profile, full=full)
    if format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if format == "yaml":
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    raise ValueError(f"format must be 'yaml' or 'json', got {format!r}")
