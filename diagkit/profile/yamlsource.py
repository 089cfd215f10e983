"""Safe YAML (and JSON) reading that remembers the line of every key, for error messages.

Only plain data is accepted: tags that would construct Python objects are refused, duplicate
keys are reported instead of silently keeping the last, and recursive or explosive aliases are
refused before anything walks them. Documents nested deeper than :data:`MAX_DEPTH` are refused
while they are read, before the rest of the text is scanned: PyYAML's scanner slows down with
the square of the nesting, and every later step (merging, validation) recurses.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from diagkit.profile.problems import InvalidProfileError, Path, Problem, Spot

MERGE_TAG = "tag:yaml.org,2002:merge"
MAX_NODES = 200_000  # after expanding aliases; far above any real profile
MAX_DEPTH = 64  # nested lists and mappings; profiles need 5 (dids[0].codec.values), benches 6


@dataclass
class Document:
    """Parsed data plus where each path (mapping key or list item) was written."""

    data: Any
    locations: dict[Path, Spot] = field(default_factory=dict)


class _TooDeepError(Exception):
    """Raised inside the loader where the nesting passes :data:`MAX_DEPTH`."""

    def __init__(self, mark: yaml.Mark) -> None:
        super().__init__(mark)
        self.line = mark.line + 1


def _too_deep_text(what: str = "") -> str:
    return f"lists and mappings nested deeper than {MAX_DEPTH} levels{what}; no profile needs it"


def _too_deep(file: str, line: int | None) -> Problem:
    return Problem(file, line, (), _too_deep_text())


class _DepthLimit(yaml.composer.Composer):
    """Composing that stops at :data:`MAX_DEPTH`, whichever parser produces the events."""

    _depth = 0
    nodes = 0
    """Nodes composed, aliases counted once."""
    anchored = False
    """Whether the document has an anchor, and so maybe aliases (which expand)."""

    if TYPE_CHECKING:  # given by the parser this is mixed with

        def get_event(self) -> Any: ...
        def check_event(self, *choices: Any) -> bool: ...
        def peek_event(self) -> Any: ...

    def compose_document(self) -> yaml.Node | None:
        """Composer's, noting whether an anchor was set before it forgets them."""
        self.get_event()  # DocumentStartEvent
        node = self.compose_node(None, None)  # type: ignore[arg-type]  # what Composer passes
        self.get_event()  # DocumentEndEvent
        self.anchored = bool(self.anchors)
        self.anchors = {}
        return node

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """Every list or mapping, block or flow: refused past the limit before what is inside."""
        self.nodes += 1
        nested = self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent)
        self._depth += nested
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeepError(self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= nested


class _PythonLoader(_DepthLimit, yaml.SafeLoader):
    """PyYAML's own scanner, refusing deep flow nesting before it scans further ahead."""

    def fetch_flow_collection_start(self, TokenClass: type[yaml.Token]) -> None:  # noqa: N803
        """``[`` or ``{``: refused past the limit before the scanner looks further ahead."""
        if self.flow_level >= MAX_DEPTH:
            raise _TooDeepError(self.get_mark())
        super().fetch_flow_collection_start(TokenClass)


_LibyamlLoader: type[_LibyamlParser] | None = None
if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _LibyamlParser(
        _DepthLimit, CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver
    ):
        """libyaml scans and parses (a profile in a fifth of the time), Python composes.

        Composing here, not in C, keeps the depth limit and the marks of every node.
        """

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            yaml.composer.Composer.__init__(self)

    _LibyamlLoader = _LibyamlParser


def _path_key(key: object) -> str | int:
    if isinstance(key, bool) or not isinstance(key, str | int):
        return str(key)
    return key


def parse_yaml(text: str, file: str) -> Document:
    """Parse one YAML document; raise :class:`InvalidProfileError` on syntax, tags, duplicates.

    libyaml reads the text when PyYAML has it. Text it refuses is read again by PyYAML's own
    reader, whose findings are the ones reported (the same messages with or without libyaml).
    libyaml accepts a few texts PyYAML's reader refuses (a tab or ``?`` inside a plain scalar,
    as YAML allows); text both accept reads the same.
    """
    if _LibyamlLoader is not None:
        try:
            fast = _LibyamlLoader(text)
        except UnicodeEncodeError:
            pass  # a lone surrogate, only possible in text given by code: reported below
        else:
            try:
                return _compose(fast, file)
            except (yaml.YAMLError, _TooDeepError, RecursionError):
                pass
            finally:
                fast.dispose()
    try:
        loader = _PythonLoader(text)
    except yaml.reader.ReaderError as exc:
        raise InvalidProfileError([_reader_problem(file, text, exc)]) from None
    try:
        return _compose(loader, file)
    except _TooDeepError as exc:
        raise InvalidProfileError([_too_deep(file, exc.line)]) from None
    except yaml.reader.ReaderError as exc:
        raise InvalidProfileError([_reader_problem(file, text, exc)]) from None
    except yaml.constructor.ConstructorError as exc:
        raise InvalidProfileError([_problem(file, exc, _tag_message(exc))]) from None
    except yaml.MarkedYAMLError as exc:
        raise InvalidProfileError([_problem(file, exc, f"YAML syntax: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise InvalidProfileError([Problem(file, None, (), f"not readable YAML: {exc}")]) from None
    except RecursionError:
        raise InvalidProfileError([Problem(file, None, (), "YAML nested too deeply")]) from None
    finally:
        loader.dispose()


def _compose(loader: _PythonLoader | _LibyamlParser, file: str) -> Document:
    """The document with the line of every key; YAML's own errors are left to the caller."""
    node = loader.get_single_node()
    document = Document(None)
    if node is not None:
        if loader.anchored or loader.nodes > MAX_NODES:  # else nothing expands: no need to
            _check_size(node, file)  # walk the tree once more
        walker = _Walker(loader, file, document.locations)
        walker.walk(node, ())
        if walker.problems:
            raise InvalidProfileError(walker.problems)
        document.data = loader.construct_document(node)
    return document


def parse_json(text: str, file: str) -> Document:
    """Parse JSON; lines come from reading the same text as YAML when that gives the same data."""
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    _check_json_depth(text, file)
    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise InvalidProfileError(
            [Problem(file, exc.lineno, (), f"JSON syntax: {exc.msg}")]
        ) from None
    except RecursionError:
        raise InvalidProfileError([Problem(file, None, (), "JSON nested too deeply")]) from None
    located = Document(None)
    if isinstance(data, dict):  # anything else is refused whole: not worth parsing it again
        with contextlib.suppress(InvalidProfileError, RecursionError):
            located = parse_yaml(text, file)
    if duplicates and located.data is None:
        raise InvalidProfileError(
            [Problem(file, None, (), f"key {key!r} appears more than once") for key in duplicates]
        )
    if located.data == data:
        return located
    return Document(data)


# A string, to skip it whole (to the end of the text when unterminated, so a failed match is
# never retried from every quote inside it: linear time whatever the text), or a bracket.
_JSON_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


def _check_json_depth(text: str, file: str) -> None:
    """Refuse JSON nested deeper than :data:`MAX_DEPTH`, naming the line, before parsing it."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for match in _JSON_NESTING.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                raise InvalidProfileError([_too_deep(file, line)])
        elif token in ("]", "}"):
            depth = max(depth - 1, 0)


def _problem(file: str, exc: yaml.MarkedYAMLError, message: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    return Problem(file, None if mark is None else mark.line + 1, (), message)


def _reader_problem(file: str, text: str, exc: yaml.reader.ReaderError) -> Problem:
    line = text[: exc.position].count("\n") + 1
    if isinstance(exc.character, int):
        what = f"character U+{exc.character:04X} is not allowed in YAML"
    else:
        what = f"not readable YAML: {exc.reason}"
    return Problem(file, line, (), what)


def _tag_message(exc: yaml.constructor.ConstructorError) -> str:
    problem = exc.problem or ""
    if "could not determine a constructor for the tag" in problem:
        tag = problem.split("tag", 1)[1].strip().strip("'")
        tag = tag.replace("tag:yaml.org,2002:", "!!")
        return (
            f"YAML tag {tag} is not allowed: profiles are plain data (safe YAML only; tags "
            "that build Python objects are refused)"
        )
    return f"YAML: {problem}"


def _check_size(root: yaml.Node, file: str) -> None:
    """Refuse alias loops, and aliases that expand past :data:`MAX_NODES` or :data:`MAX_DEPTH`."""
    measured: dict[int, tuple[int, int]] = {}  # node -> (values, nesting) once expanded
    active: set[int] = set()

    def refuse(node: yaml.Node, message: str) -> InvalidProfileError:
        return InvalidProfileError([Problem(file, node.start_mark.line + 1, (), message)])

    def measure(node: yaml.Node, outer: int, parent: yaml.Node) -> tuple[int, int]:
        """Values and nesting of ``node`` expanded, inside ``outer`` lists or mappings."""
        key = id(node)
        if key in active:
            raise refuse(node, "recursive YAML alias: a value contains itself")
        if key not in measured:
            children: list[yaml.Node] = []
            if isinstance(node, yaml.MappingNode):
                children = [part for pair in node.value for part in pair]
            elif isinstance(node, yaml.SequenceNode):
                children = list(node.value)
            nested = isinstance(node, yaml.MappingNode | yaml.SequenceNode)
            if nested and outer >= MAX_DEPTH:  # keeps this recursion within the limit too
                raise refuse(node, _too_deep_text(" once YAML aliases are expanded"))
            active.add(key)
            inside = [measure(child, outer + 1, node) for child in children]
            active.discard(key)
            measured[key] = (
                1 + sum(values for values, _ in inside),
                int(nested) + max((levels for _, levels in inside), default=0),
            )
        total, levels = measured[key]
        if outer + levels > MAX_DEPTH:  # an alias to a deep value, used deep: name the user
            raise refuse(parent, _too_deep_text(" once YAML aliases are expanded"))
        if total > MAX_NODES:
            raise refuse(
                node,
                f"document too large once YAML aliases are expanded (more than {MAX_NODES} values)",
            )
        return total, levels

    measure(root, 0, root)


@dataclass
class _Walker:
    """Records the line of every key and list item, and reports duplicate keys."""

    loader: yaml.constructor.SafeConstructor
    file: str
    locations: dict[Path, Spot]
    problems: list[Problem] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)

    def walk(self, node: yaml.Node, path: Path) -> None:
        if id(node) in self.seen:
            return  # an alias: its inside is located where the anchor is
        self.seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            self._mapping(node, path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = (*path, index)
                self.locations[child] = Spot(self.file, item.start_mark.line + 1, _hex(item))
                self.walk(item, child)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> None:
        first: dict[Hashable, int] = {}
        merged: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                merged.append(value_node)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = self.loader.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in first:
                self.problems.append(
                    Problem(
                        self.file,
                        line,
                        path,
                        f"key {key!r} appears twice (first at line {first[key]}); "
                        "YAML would silently keep only the last",
                    )
                )
            first.setdefault(key, line)
            child = (*path, _path_key(key))
            self.locations[child] = Spot(self.file, line, _hex(value_node))
            self.walk(value_node, child)
        _locate_merged(self.loader, merged, path, self.file, self.locations)


def _locate_merged(
    loader: yaml.constructor.SafeConstructor,
    merged: list[yaml.Node],
    path: Path,
    file: str,
    locations: dict[Path, Spot],
) -> None:
    """Keys brought in by ``<<: *anchor`` are located at the anchor, unless set here too."""
    sources: list[yaml.Node] = []
    for node in merged:
        sources.extend(node.value if isinstance(node, yaml.SequenceNode) else [node])
    for source in sources:
        if not isinstance(source, yaml.MappingNode):
            continue
        for key_node, _ in source.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != MERGE_TAG:
                key = _path_key(loader.construct_object(key_node))
                locations.setdefault((*path, key), Spot(file, key_node.start_mark.line + 1))


def _hex(node: yaml.Node) -> str | None:
    """The text of an integer written in hex (``0x100``), to quote it back the same way."""
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:int":
        text = str(node.value)
        if text.lower().lstrip("+-").startswith("0x"):
            return text
    return None
