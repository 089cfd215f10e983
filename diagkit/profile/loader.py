"""Reading profiles and benches from files: YAML or JSON, ``extends:`` chains, bench defaults.

``extends: base.yaml`` (relative to the extending file) merges the file over its base: mappings
merge key by key, every other value (lists included) replaces the base's. A bench's
``defaults:`` sit under every ECU's profile the same way. Every problem found in the files is
collected and raised at once as :class:`~diagkit.profile.problems.InvalidProfileError`; a file
named by ``extends:`` or a bench entry that cannot be read (missing, a directory, a NUL byte or
an over-long name, a symbolic link loop, no permission) is a problem at that key's line.
"""

from __future__ import annotations

import copy
import errno
import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

from pydantic import ValidationError

from diagkit.profile.compile import physical_address
from diagkit.profile.model import Backend, Bench, BenchEntry, BenchFile, EcuProfile
from diagkit.profile.problems import InvalidProfileError, Path, Problem, Spot
from diagkit.profile.references import check_references, parts_of
from diagkit.profile.report import problems_at, problems_from_validation
from diagkit.profile.yamlsource import MAX_DEPTH, Document, parse_json, parse_yaml

logger = logging.getLogger(__name__)

Locations = dict[Path, Spot]
EXTENDS = "extends"
MAX_FILE_SIZE = 1024 * 1024  # bytes of a file, characters of a text: 400 times engine.yaml


class _UnreadableError(Exception):
    """Why a file cannot be read, in the words of a profile problem."""

    def __init__(self, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing

    @classmethod
    def of(cls, exc: OSError | ValueError | RuntimeError) -> _UnreadableError:
        """The reason behind what ``os.open``, ``os.read`` or ``Path.resolve`` raised."""
        if isinstance(exc, UnicodeEncodeError):
            return cls(f"{exc.object[exc.start]!r} cannot be part of a file name")
        if isinstance(exc, ValueError):  # the only other one: "embedded null byte"
            return cls("the path contains a NUL byte")
        if isinstance(exc, RuntimeError):  # Path.resolve() before Python 3.13
            return cls("symbolic links in the path form a loop")
        reasons = {
            errno.ENOENT: "not found",
            errno.ENAMETOOLONG: "the path is longer than the file system allows",
            errno.EISDIR: "it is a directory, not a profile file",
            errno.ELOOP: "symbolic links in the path form a loop",
            errno.ENOTDIR: "a part of the path is not a directory",
            errno.EACCES: "permission denied",
            errno.EPERM: "permission denied",
        }
        reason = reasons.get(exc.errno or 0, exc.strerror or str(exc))
        return cls(reason, missing=exc.errno == errno.ENOENT)


@dataclass(frozen=True)
class _Reference:
    """Where a file was named: the file, line and key that wrote the path, and the path."""

    file: str
    line: int | None
    key: Path
    written: str
    noun: str = ""  # "profile " for a bench entry

    def problem(self, exc: _UnreadableError, looked_for: FilePath | None = None) -> Problem:
        """The problem of a named file that cannot be read, reported where it is named."""
        named = f"{self.noun}{_quoted(self.written)}"
        if exc.missing:
            message = f"{named} not found (looked for {looked_for})"
        else:
            message = f"cannot read {named}: {exc.reason}"
        return Problem(self.file, self.line, self.key, message)


def _quoted(written: str) -> str:
    """A path as written, quoted with escapes; an over-long one shortened to its start."""
    if len(written) > 80:
        return f"{written[:40]!r}... ({len(written)} characters)"
    return repr(written)


def _printable(name: str) -> str:
    """A file name fit for a message line: control characters escaped, no quotes added."""
    return name if name.isprintable() else repr(name)[1:-1]


def _read_bytes(path: FilePath, *, regular_only: bool) -> bytes:
    """The file's bytes, at most one more than :data:`MAX_FILE_SIZE`, or :class:`_UnreadableError`.

    ``regular_only`` refuses devices and pipes (which could block or never end) without waiting
    on them; a path given by the user may be one, e.g. ``/dev/stdin``.
    """
    flags = os.O_RDONLY | os.O_CLOEXEC | (os.O_NONBLOCK if regular_only else 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError) as exc:
        raise _UnreadableError.of(exc) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise _UnreadableError("it is a directory, not a profile file")
        if regular_only and not stat.S_ISREG(mode):
            raise _UnreadableError("not a regular file (a device, pipe or socket)")
        chunks: list[bytes] = []
        left = MAX_FILE_SIZE + 1
        while left > 0 and (chunk := os.read(fd, left)):
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise _UnreadableError.of(exc) from None
    finally:
        os.close(fd)


def _resolved(path: FilePath, reference: _Reference) -> FilePath:
    """``path`` made absolute with symbolic links followed, or the problem at ``reference``."""
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        raise InvalidProfileError([reference.problem(_UnreadableError.of(exc))]) from None


def read_document(path: FilePath, shown: str, reference: _Reference | None = None) -> Document:
    """Parse one file, JSON when it ends in ``.json``, YAML otherwise.

    When the file cannot be read, the problem is reported at ``reference`` (where another file
    names it), else on the file itself; what is wrong inside it is reported in the file.
    """
    try:
        raw = _read_bytes(path, regular_only=reference is not None)
    except _UnreadableError as exc:
        if reference is not None:
            raise InvalidProfileError([reference.problem(exc, path)]) from None
        message = "file not found" if exc.missing else f"cannot read: {exc.reason}"
        raise InvalidProfileError([Problem(shown, None, (), message)]) from None
    if len(raw) > MAX_FILE_SIZE:
        raise InvalidProfileError([Problem(shown, None, (), _too_large("file", "bytes"))])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InvalidProfileError(
            [Problem(shown, line, (), f"not UTF-8 text (byte {exc.start})")]
        ) from None
    return parse_text(text, shown, json_format=path.suffix.lower() == ".json")


def _too_large(what: str, unit: str) -> str:
    return f"{what} larger than {MAX_FILE_SIZE // 1024} KiB ({MAX_FILE_SIZE} {unit}); no profile is"


def parse_text(text: str, shown: str, *, json_format: bool = False) -> Document:
    """Parse text as JSON or YAML, refusing more than :data:`MAX_FILE_SIZE` characters."""
    if len(text) > MAX_FILE_SIZE:
        raise InvalidProfileError([Problem(shown, None, (), _too_large("text", "characters"))])
    return parse_json(text, shown) if json_format else parse_yaml(text, shown)


def resolve(
    document: Document, shown: str, directory: FilePath, chain: tuple[FilePath, ...] = ()
) -> tuple[dict[str, Any], Locations]:
    """Apply ``extends:`` (recursively): the document merged over its bases, with locations."""
    data = document.data
    if not isinstance(data, Mapping):
        what = "empty" if data is None else f"a {type(data).__name__}"
        raise InvalidProfileError(
            [Problem(shown, None, (), f"a profile must be a mapping of keys, this is {what}")]
        )
    data = {str(k) if not isinstance(k, str) else k: v for k, v in data.items()}
    locations: Locations = dict(document.locations)
    if EXTENDS not in data:
        return data, locations
    target = data.pop(EXTENDS)
    spot = locations.pop((EXTENDS,), Spot(shown, 0))
    line = spot[1] or None
    if not isinstance(target, str) or not target.strip():
        raise InvalidProfileError(
            [Problem(shown, line, (EXTENDS,), "must be the path of a profile file")]
        )
    reference = _Reference(shown, line, (EXTENDS,), target)
    base_path = _resolved(directory / target, reference)
    shown_base = _shown(base_path, directory, shown, target)
    if base_path in chain:
        cycle = " -> ".join(p.name for p in (*chain, base_path))
        raise InvalidProfileError([Problem(shown, line, (EXTENDS,), f"cycle: {cycle}")])
    logger.debug("%s extends %s", shown, base_path)
    base_doc = read_document(base_path, shown_base, reference)
    base, base_locations = resolve(base_doc, shown_base, base_path.parent, (*chain, base_path))
    return merge(base, base_locations, data, locations)


def _shown(path: FilePath, directory: FilePath, shown: str, written: str) -> str:
    """How a referenced file is named in messages: relative like the referencing file."""
    parent = FilePath(shown).parent
    candidate = parent / written
    try:
        if candidate.resolve() == path:
            name = str(FilePath(*candidate.parts)) if parent != FilePath(".") else written
            return _printable(name)
    except (OSError, ValueError, RuntimeError):  # pragma: no cover - resolved once already
        pass
    return _printable(str(path))


def merge(
    base: Mapping[str, Any],
    base_locations: Locations,
    top: Mapping[str, Any],
    top_locations: Locations,
) -> tuple[dict[str, Any], Locations]:
    """``top`` over ``base``: mappings merge, other values replace; locations follow the values."""
    merged = _merge_values(base, top)
    replaced = {path for path in top_locations if not isinstance(_at(top, path), Mapping)}
    locations = {
        path: spot
        for path, spot in base_locations.items()
        if not any(path[:n] in replaced for n in range(1, len(path) + 1))
    }
    locations.update(top_locations)
    return merged, locations


def _merge_values(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    result = {key: copy.deepcopy(value) for key, value in base.items()}
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = _merge_values(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _at(data: Any, path: Path) -> Any:
    node = data
    for part in path:
        if isinstance(node, Mapping):
            if part not in node:
                return None
            node = node[part]
        elif isinstance(node, list | tuple) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


def validate_profile(data: Mapping[str, Any], shown: str, locations: Locations) -> EcuProfile:
    """Validate merged data as an :class:`EcuProfile`, reporting every problem at once."""
    try:
        return EcuProfile.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc, shown, data, locations, EcuProfile)
        if not any(error["loc"] == () for error in exc.errors()):
            # fields failed, so the cross-section checks did not run: run them on what parsed
            seen = set(problems)
            found = problems_at(check_references(parts_of(data)), shown, locations)
            problems += [problem for problem in found if problem not in seen]
        raise InvalidProfileError(problems) from None
    except RecursionError:
        raise InvalidProfileError([Problem(shown, None, (), "nested too deeply")]) from None


def load_profile(
    path: str | FilePath, *, interface: str | None = None, backend: Backend | None = None
) -> EcuProfile:
    """Load, resolve and validate one profile file; ``interface``/``backend`` override it."""
    file = FilePath(path)
    shown = _printable(str(path))
    profile = _profile_from(read_document(file, shown), file, shown)
    return profile.with_overrides(interface=interface, backend=backend)


def load_file(path: str | FilePath) -> EcuProfile | Bench:
    """A profile, or a bench when the file is a mapping with ``ecus:``; the file is read once."""
    file = FilePath(path)
    shown = _printable(str(path))
    document = read_document(file, shown)
    if isinstance(document.data, Mapping) and "ecus" in document.data:
        return _bench_from(document, file, shown)
    return _profile_from(document, file, shown)


def _profile_from(document: Document, file: FilePath, shown: str) -> EcuProfile:
    data, locations = resolve(document, shown, file.resolve().parent, (file.resolve(),))
    profile = validate_profile(data, shown, locations)
    logger.debug("loaded profile %s from %s", profile.name, shown)
    return profile


def parse_profile(
    document: str | Mapping[str, Any],
    *,
    source: str = "<profile>",
    base_dir: str | FilePath | None = None,
    json_format: bool = False,
) -> EcuProfile:
    """Validate a profile given as YAML/JSON text or as an already parsed mapping.

    ``source`` names it in messages; ``extends:`` is resolved relative to ``base_dir``
    (default: the current directory).
    """
    directory = FilePath(base_dir) if base_dir is not None else FilePath.cwd()
    reference = _Reference(source, None, (), str(directory), "base_dir ")
    directory = _resolved(directory, reference)
    if isinstance(document, str):
        parsed = parse_text(document, source, json_format=json_format)
    elif isinstance(document, Mapping):
        _check_depth(document, source)
        parsed = Document(dict(document))
    else:
        kind = type(document).__name__
        raise InvalidProfileError(
            [Problem(source, None, (), f"expected text or a mapping, got {kind}")]
        )
    data, locations = resolve(parsed, source, directory)
    return validate_profile(data, source, locations)


def _check_depth(data: Mapping[str, Any], source: str) -> None:
    """Refuse a mapping nested deeper than a file may be (or holding itself), without recursing."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            message = f"lists and mappings nested deeper than {MAX_DEPTH} levels"
            raise InvalidProfileError([Problem(source, None, (), message)])
        if isinstance(node, Mapping):
            stack.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, list | tuple):
            stack.extend((item, depth + 1) for item in node)


def is_bench_file(path: str | FilePath) -> bool:
    """True when ``path`` reads as a bench (a mapping with ``ecus:``), read with the same limits.

    False for a profile and for a file that cannot be read or parsed: loading it as a profile
    then reports why, with file and line.
    """
    try:
        document = read_document(FilePath(path), _printable(str(path)))
    except InvalidProfileError:
        return False
    return isinstance(document.data, Mapping) and "ecus" in document.data


def load_bench(path: str | FilePath) -> Bench:
    """Load a bench file and every ECU profile it names, reporting all problems at once."""
    file = FilePath(path)
    shown = _printable(str(path))
    return _bench_from(read_document(file, shown), file, shown)


def _bench_from(document: Document, file: FilePath, shown: str) -> Bench:
    if not isinstance(document.data, Mapping):
        raise InvalidProfileError([Problem(shown, None, (), "a bench must be a mapping of keys")])
    try:
        bench = BenchFile.model_validate(document.data)
    except ValidationError as exc:
        raise InvalidProfileError(
            problems_from_validation(exc, shown, document.data, document.locations, BenchFile)
        ) from None
    defaults_locations = {
        path[1:]: spot for path, spot in document.locations.items() if path[:1] == ("defaults",)
    }
    if EXTENDS in bench.defaults:
        spot = document.locations.get(("defaults", EXTENDS))
        raise InvalidProfileError(
            [
                Problem(
                    shown,
                    _line(spot),
                    ("defaults", EXTENDS),
                    "not allowed in defaults; use extends: in the profiles",
                )
            ]
        )
    directory = file.resolve().parent
    problems: list[Problem] = []
    ecus: dict[str, EcuProfile] = {}
    for name, entry in bench.ecus.items():
        spec = entry if isinstance(entry, BenchEntry) else BenchEntry(profile=entry)
        # the key that wrote the path: `engine: engine.yaml` or `engine: {profile: ...}`
        written: Path = ("ecus", name, "profile")
        named_at: Path = written if written in document.locations else ("ecus", name)
        spot = document.locations.get(named_at, document.locations.get(("ecus", name)))
        reference = _Reference(shown, _line(spot), named_at, spec.profile, "profile ")
        try:
            profile_path = _resolved(directory / spec.profile, reference)
            profile_shown = _shown(profile_path, directory, shown, spec.profile)
            own, own_locations = resolve(
                read_document(profile_path, profile_shown, reference),
                profile_shown,
                profile_path.parent,
                (profile_path,),
            )
            data, locations = merge(bench.defaults, defaults_locations, own, own_locations)
            for key in ("interface", "backend"):
                value = getattr(spec, key)
                if value is not None:
                    data[key] = value
                    spot = document.locations.get(("ecus", name, key))
                    if spot is not None:
                        locations[(key,)] = spot
            if spec.addressing is not None:
                data, locations = _override_addressing(
                    data, locations, spec.addressing, document.locations, name
                )
            ecus[name] = validate_profile(data, profile_shown, locations)
        except InvalidProfileError as exc:
            problems.extend(_as_written_in_bench(p, shown, name, spec) for p in exc.problems)
    problems += _check_bench(bench, ecus, shown, document.locations)  # the ECUs that loaded
    if problems:
        raise InvalidProfileError(problems)
    return Bench(name=bench.name, description=bench.description, ecus=ecus)


def _as_written_in_bench(problem: Problem, shown: str, name: str, spec: BenchEntry) -> Problem:
    """A problem with a value the bench file gives names its key there (``ecus.NAME...`` or
    ``defaults...``), not the key of the profile it ends up in."""
    if problem.file != shown or not problem.path or problem.path[0] == "ecus":
        return problem
    overridden = problem.path[0] in ("interface", "backend", "addressing") and (
        getattr(spec, str(problem.path[0])) is not None
    )
    prefix: Path = ("ecus", name) if overridden else ("defaults",)
    return Problem(problem.file, problem.line, (*prefix, *problem.path), problem.message)


def _override_addressing(
    data: dict[str, Any],
    locations: Locations,
    addressing: Mapping[str, Any],
    bench_locations: Locations,
    name: str,
) -> tuple[dict[str, Any], Locations]:
    """A bench entry's ``addressing:`` merged over the profile's; its problems point there."""
    prefix = ("ecus", name)
    own = {
        path[len(prefix) :]: spot
        for path, spot in bench_locations.items()
        if path[: len(prefix) + 1] == (*prefix, "addressing")
    }
    return merge(data, locations, {"addressing": dict(addressing)}, own)


def _check_bench(
    bench: BenchFile, ecus: Mapping[str, EcuProfile], shown: str, locations: Locations
) -> list[Problem]:
    """Two ECUs on one interface must not answer on the same CAN id: responses would mix."""
    problems: list[Problem] = []
    seen: dict[tuple[str, int, int | None], str] = {}
    del bench
    for name, profile in ecus.items():
        if profile.backend == "memory":
            continue
        address = physical_address(profile.addressing)
        key = (profile.interface, address.rx_id, address.rx_ext_address)
        if key in seen:
            spot = locations.get(("ecus", name))
            problems.append(
                Problem(
                    shown,
                    _line(spot),
                    ("ecus", name),
                    f"answers on CAN id 0x{key[1]:X} on {key[0]} like ECU {seen[key]!r}; "
                    "their responses could not be told apart",
                )
            )
        else:
            seen[key] = name
    return problems


def _line(spot: Spot | None) -> int | None:
    return None if spot is None else spot[1]
