"""Turn pydantic's validation errors into :class:`Problem` entries in the profile writer's terms.

Each error gets the path as written in the file (union tags and internal names removed), the
file and line it came from, and a message that says what is wrong and what would be right; a
misspelled key names the closest known key.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from diagkit.profile.catalogue import NAME_PATTERN
from diagkit.profile.problems import Path, Problem, Spot, SubfieldError
from diagkit.profile.security import ENV_NAME_PATTERN
from diagkit.profile.values import INTERFACE_PATTERN

Locations = Mapping[Path, Spot]

_PATTERN_WORDS = {
    NAME_PATTERN: "a valid name: use letters, digits and _, not starting with a digit",
    ENV_NAME_PATTERN: "an environment variable name (no '=' or spaces)",
    INTERFACE_PATTERN: "an interface name (no spaces)",
}

_TYPE_NAMES = {
    "dict": "a mapping",
    "list": "a list",
    "tuple": "a list",
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "NoneType": "nothing (null)",
    "bytes": "binary data",
}


def problems_from_validation(
    exc: ValidationError,
    file: str,
    data: object,
    locations: Locations | None = None,
    model: type[BaseModel] | None = None,
) -> list[Problem]:
    """One :class:`Problem` per distinct finding of ``exc`` about ``data`` read from ``file``."""
    where = locations or {}
    found: dict[tuple[Path, str], Problem] = {}
    type_errors: dict[Path, list[str]] = {}
    errors = exc.errors()
    not_text = {_data_path(data, e["loc"])[0] for e in errors if e["type"] == "string_unicode"}
    for error in errors:
        path, rest = _data_path(data, error["loc"])
        if path in not_text and error["type"] in ("model_type", "dict_type"):
            continue  # a union's other member (a mapping) says nothing about the string
        if error["type"] == "value_error" and isinstance(
            (error.get("ctx") or {}).get("error"), SubfieldError
        ):
            findings: SubfieldError = error["ctx"]["error"]
            for sub, message in findings.findings:
                full = (*path, *sub)
                found.setdefault((full, message), _make(file, where, full, message))
            continue
        if error["type"].endswith("_type") and error["type"] not in ("model_type", "dict_type"):
            type_errors.setdefault(path, []).append(_expected(error["type"]))
            continue
        spot = where.get(path)
        message = _message(error, model, spot.text if spot is not None else None)
        if error["type"] in ("extra_forbidden", "missing"):
            path = (*path, *rest)
        elif error["type"] == "union_tag_invalid":
            key = str((error.get("ctx") or {}).get("discriminator", "")).strip("'")
            target = _value_at(data, path)
            if isinstance(target, Mapping) and key in target:
                path = (*path, key)
        found.setdefault((path, message), _make(file, where, path, message))
    for path, expected in type_errors.items():
        kinds = sorted(set(expected))
        value = _value_at(data, path)
        text = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " or " + kinds[-1]
        message = f"expected {text}, got {_describe(value)}"
        if isinstance(value, bool) and "a string" in kinds:
            message += " (YAML reads yes/no/on/off as booleans: quote the text, e.g. 'off')"
        found.setdefault((path, message), _make(file, where, path, message))
    return list(found.values())


def problems_at(
    findings: list[tuple[Path, str]], file: str, locations: Locations | None = None
) -> list[Problem]:
    """A :class:`Problem` per ``(path, message)`` finding, at the line the path was written."""
    return [_make(file, locations or {}, path, message) for path, message in findings]


def _make(file: str, where: Locations, path: Path, message: str) -> Problem:
    for length in range(len(path), 0, -1):
        spot = where.get(path[:length])
        if spot is not None:
            return Problem(spot[0], spot[1], path, message)
    return Problem(file, None, path, message)


def _data_path(data: object, loc: tuple[int | str, ...]) -> tuple[Path, Path]:
    """Split pydantic's ``loc`` into the path present in ``data`` and what is not there.

    Parts naming a union member or a key validator (``'uint'``, ``'[key]'``,
    ``'function-after[...]'``) are dropped, since they are not in the user's file.
    """
    path: list[str | int] = []
    node = data
    rest: list[str | int] = []
    for index, part in enumerate(loc):
        if isinstance(node, Mapping) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, Mapping) and _key_match(node, part) is not None:
            key = _key_match(node, part)
            assert key is not None
            path.append(key)
            node = node[key]
        elif isinstance(node, list | tuple) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif isinstance(part, int) or (
            index == len(loc) - 1 and isinstance(part, str) and not _is_internal(part)
        ):
            rest.append(part)
    return tuple(path), tuple(rest)


def _key_match(node: Mapping[Any, Any], part: str | int) -> Any:
    """Dict keys validated by pydantic show in ``loc`` as text; find the key as written."""
    for key in node:
        if str(key) == str(part):
            return key
    return None


def _is_internal(part: str) -> bool:
    return part == "[key]" or "[" in part or part in _TYPE_NAMES


def _value_at(data: object, path: Path) -> object:
    node = data
    for part in path:
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list | tuple) and isinstance(part, int):
            node = node[part]
    return node


def _describe(value: object) -> str:
    name = type(value).__name__
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    if isinstance(value, Mapping | list | tuple):
        return _TYPE_NAMES.get(name, name)
    return f"{_TYPE_NAMES.get(name, name)} {shown}" if value is not None else "null"


def _expected(kind: str) -> str:
    base = kind.removesuffix("_type")
    names = {
        "string": "a string",
        "int": "an integer",
        "float": "a number",
        "bool": "true or false",
        "list": "a list",
        "tuple": "a list",
        "none": "null",
        "bytes": "binary data",
    }
    return names.get(base, base.replace("_", " "))


def _message(error: ErrorDetails, model: type[BaseModel] | None, written: str | None) -> str:
    kind = error["type"]
    loc = error["loc"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "value_error":
        return str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        key = loc[-1]
        known = _known_keys(model, loc[:-1]) if model is not None else []
        return _unknown_key(str(key), known)
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        options = [o.strip().strip("'") for o in expected.replace(" or ", ", ").split(",")]
        return _not_one_of(value, [o for o in options if o])
    if kind == "union_tag_invalid":
        tags = [t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(",")]
        what = str(ctx.get("discriminator", "type")).strip("'")
        return _not_one_of(ctx.get("tag"), tags, what=what)
    if kind == "union_tag_not_found":
        return f"needs a {str(ctx.get('discriminator', 'type')).strip(chr(39))!r} key"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return _out_of_range(kind, value, ctx, written)
    if kind == "string_pattern_mismatch":
        what = _PATTERN_WORDS.get(str(ctx.get("pattern")), f"text matching {ctx.get('pattern')}")
        return f"{value!r} is not {what}"
    if kind in ("model_type", "dict_type"):
        return f"expected a mapping of keys, got {_describe(value)}"
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        return error["msg"].replace("Value should", "must").replace("String should", "must")
    if kind == "recursion_loop":
        return "a value contains itself (recursive YAML alias)"
    if kind == "string_unicode" and isinstance(value, str):
        half = next((c for c in value if "\ud800" <= c <= "\udfff"), "")
        return (
            f"{_describe(value)} is not text: {half!r} is half of a UTF-16 surrogate pair "
            "(write the character itself, not its \\u escapes)"
        )
    return str(error["msg"])


def _unknown_key(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"unknown key {key!r}; did you mean {close[0]!r}?"
    if known:
        return f"unknown key {key!r}; known keys here: {', '.join(known)}"
    return f"unknown key {key!r}"


def _not_one_of(value: object, options: list[str], what: str = "") -> str:
    label = f"{what} " if what else ""
    text = f"{label}{value!r} is not one of {', '.join(options)}"
    close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
    if close:
        text += f"; did you mean {close[0]!r}?"
    return text


def _out_of_range(kind: str, value: object, ctx: dict[str, Any], written: str | None) -> str:
    limit = next(iter(ctx.values()), None)
    as_hex = written is not None or (
        isinstance(value, str) and value.strip().lower().startswith("0x")
    )

    def show(number: object) -> str:
        if isinstance(number, int) and as_hex:
            return f"0x{number:X}"
        return str(number)

    words = {
        "greater_than_equal": "below the minimum",
        "greater_than": "must be above",
        "less_than_equal": "above the maximum",
        "less_than": "must be below",
    }
    shown = written or (value if isinstance(value, str) else show(value))
    if kind in ("greater_than", "less_than"):
        return f"{shown} {words[kind]} {show(limit)}"
    return f"{shown} is {words[kind]} {show(limit)}"


def _known_keys(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the model found by following ``loc`` from ``model``."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    current = _unwrap(current, None)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any, tag: str | int | None) -> Any:
    """Strip Annotated/Optional; pick a union member by discriminator tag when given."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            if tag is not None:
                for member in models:
                    field = member.model_fields.get("type")
                    if field is not None and tag in typing.get_args(field.annotation):
                        return member
            if len(models) == 1:
                return models[0]
            if len(members) == 1:
                annotation = members[0]
                continue
            return annotation
        return annotation


def _step(current: Any, part: str | int) -> Any:
    current = _unwrap(current, part if isinstance(part, str) else None)
    if isinstance(current, type) and issubclass(current, BaseModel):
        if isinstance(part, str) and part in current.model_fields:
            return current.model_fields[part].annotation
        return current  # a union tag: stay on the member just chosen
    origin = typing.get_origin(current)
    if origin in (tuple, list):
        return typing.get_args(current)[0]
    if origin is dict:
        return typing.get_args(current)[1]
    return None
