"""Run a sequence on one ECU or on every ECU of a bench at once: :func:`run_sequence`.

Each ECU gets a thread of its own, at most ``jobs`` at a time, with its own client (and so its
own tester present); the threads share nothing but the stop flag and the observer, so a slow
ECU never holds up another. Every step is resolved for every ECU's profile before the first
request (a name, value or unit that does not fit is an :class:`InvalidSequenceError`). A stop
(:class:`threading.Event`, set by the command line on SIGINT/SIGTERM) is seen at the next
step boundary, or inside a wait or a flash (which then ends its download as flashing does on
any failure); the steps not run are marked ``unfinished`` and the reports are still written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from diagkit.errors import ConfigurationError, DiagkitError
from diagkit.profile.problems import Problem
from diagkit.sequence.loader import InvalidSequenceError, LoadedSequence, load_sequence
from diagkit.sequence.model import Scalar
from diagkit.sequence.result import EcuResult, SequenceResult, StepResult
from diagkit.sequence.steps import Context, Prepared, _StopRequested, prepare

if TYPE_CHECKING:
    from diagkit.profile import EcuProfile


class Observer(Protocol):
    """Told what each ECU's thread does, from that thread (a display must lock itself)."""

    def ecu_started(self, ecu: str, steps: int) -> None: ...

    def step_started(self, ecu: str, index: int, step: StepResult) -> None: ...

    def progress(self, ecu: str, done: int, total: int) -> None: ...

    def step_finished(self, ecu: str, index: int, step: StepResult) -> None: ...

    def ecu_finished(self, ecu: str, result: EcuResult) -> None: ...


def now() -> str:
    """The current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclasses.dataclass(frozen=True)
class Selection:
    """The ECUs a run is for, by name, with the file they came from and its SHA-256."""

    profiles: Mapping[str, EcuProfile]
    source: str
    sha256: str
    known: tuple[str, ...] = ()
    """Every ECU of the bench, chosen or not (what ``only:`` may name); default: the chosen."""


def select(target: Any, ecus: Iterable[str] | None = None) -> Selection:
    """The ECUs of ``target`` (see :func:`run_sequence`) to run on, ``ecus`` only if given."""
    if isinstance(target, Selection):
        if not ecus:
            return target
        picked = select(dict(target.profiles), ecus)
        return dataclasses.replace(target, profiles=picked.profiles)
    from diagkit.profile import Bench, EcuProfile  # noqa: PLC0415
    from diagkit.profile.loader import load_file  # noqa: PLC0415

    source, digest = "<profiles>", ""
    chosen: dict[str, EcuProfile]
    if isinstance(target, EcuProfile):
        chosen = {target.name: target}
    elif isinstance(target, Bench):
        chosen = dict(target.ecus)
    elif isinstance(target, Mapping):
        chosen = dict(target)
    else:
        path = Path(os.fspath(target))
        source = str(path)
        loaded = load_file(path)
        chosen = dict(loaded.ecus) if isinstance(loaded, Bench) else {loaded.name: loaded}
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    known = tuple(chosen)
    wanted = list(ecus) if ecus else []
    if wanted:
        unknown = [name for name in wanted if name not in chosen]
        if unknown:
            raise ConfigurationError(
                f"no ECU {', '.join(unknown)} in {source} (its ECUs: {', '.join(chosen)})"
            )
        chosen = {name: chosen[name] for name in wanted}
    if not digest:
        digest = hashlib.sha256(
            "\n".join(p.model_dump_json() for p in chosen.values()).encode()
        ).hexdigest()
    return Selection(chosen, source, digest, known)


def bind_variables(
    loaded: LoadedSequence, given: Mapping[str, Scalar] | None
) -> dict[str, Scalar | None]:
    """The sequence's variables with ``given`` over them; a required one left null is refused."""
    declared = loaded.sequence.variables
    given = dict(given or {})
    unknown = [name for name in given if name not in declared]
    if unknown:
        known = ", ".join(declared) or "none"
        raise ConfigurationError(
            f"--set {', '.join(unknown)}: not a variable of {loaded.source} (its: {known})"
        )
    values: dict[str, Scalar | None] = {**declared, **given}
    missing: list[tuple[tuple[str | int, ...], str]] = [
        (("variables", n), f"needs a value: --set {n}=...") for n, v in values.items() if v is None
    ]
    if missing:
        raise InvalidSequenceError(loaded.problems(missing))
    return values


def plan(
    loaded: LoadedSequence,
    profiles: Mapping[str, EcuProfile],
    variables: Mapping[str, Scalar | None],
    known: Iterable[str] = (),
) -> dict[str, list[Prepared | None]]:
    """Every step resolved for every ECU (None where ``only:`` leaves the ECU out).

    Raises :class:`InvalidSequenceError` listing every step that does not fit an ECU.
    """
    findings: list[Problem] = []
    plans: dict[str, list[Prepared | None]] = {}
    names = list(known) or list(profiles)
    for index, step in enumerate(loaded.sequence.steps):
        for name in step.only or ():
            if name not in names:
                findings += loaded.problems(
                    [(("steps", index, "only"), f"no ECU {name!r} here ({', '.join(names)})")]
                )
    for ecu, profile in profiles.items():
        steps: list[Prepared | None] = []
        for index, step in enumerate(loaded.sequence.steps):
            if step.only is not None and ecu not in step.only:
                steps.append(None)
                continue
            try:
                steps.append(prepare(step, profile, variables, loaded.directory))
            except DiagkitError as exc:
                path = ("steps", index, step.action)
                findings += loaded.problems([(path, f"on ECU {ecu}: {exc}")])
                steps.append(None)
        plans[ecu] = steps
    if findings:
        raise InvalidSequenceError(findings)
    return plans


@dataclasses.dataclass
class _Run:
    """What every ECU thread shares: the stop flag, the job slots, the observer."""

    stop: threading.Event
    slots: threading.BoundedSemaphore
    observer: Observer | None
    stop_on_failure: bool
    simulated: bool
    failed_on: list[str] = dataclasses.field(default_factory=list)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def failed(self, ecu: str) -> None:
        with self.lock:
            self.failed_on.append(ecu)

    def halted_by(self) -> str | None:
        """The ECU whose failure stops every ECU (--stop-on-failure), if any."""
        with self.lock:
            return self.failed_on[0] if self.stop_on_failure and self.failed_on else None


def _run_ecu(
    run: _Run, ecu: str, profile: EcuProfile, steps: list[Prepared | None], result: EcuResult
) -> None:
    """One ECU's thread: open its own client, run the steps in order, record each one."""
    from diagkit.cli.exitcodes import exit_code  # noqa: PLC0415
    from diagkit.cli.output import describe_error  # noqa: PLC0415
    from diagkit.station import open_target  # noqa: PLC0415

    observer = run.observer
    with run.slots:
        began = time.monotonic()
        result.started = now()
        if observer is not None:
            observer.ecu_started(ecu, len(steps))
        try:
            if run.stop.is_set():
                _mark_rest(result.steps, 0, "unfinished", "not run: the run was stopped")
                return
            with open_target(profile, simulated=run.simulated) as target:
                result.ecu = {**target.describe(), "name": ecu}
                for index, prepared in enumerate(steps):
                    record = result.steps[index]
                    if run.stop.is_set():
                        _mark_rest(
                            result.steps, index, "unfinished", "not run: the run was stopped"
                        )
                        break
                    halted = run.halted_by()
                    if halted is not None:
                        _mark_rest(result.steps, index, "skipped", f"not run: ECU {halted} failed")
                        break
                    if prepared is None:
                        record.verdict = "skipped"
                        record.message = (
                            f"not for this ECU (only: {', '.join(record.details['only'])})"
                        )
                        continue
                    if observer is not None:
                        observer.step_started(ecu, index, record)
                    _run_step(run, ecu, target, prepared, record)
                    if observer is not None:
                        observer.step_finished(ecu, index, record)
                    if record.verdict == "unfinished":
                        _mark_rest(
                            result.steps, index + 1, "unfinished", "not run: the run was stopped"
                        )
                        break
                    if record.verdict == "failed":
                        run.failed(ecu)
                        if not prepared.step.continue_on_failure:
                            _mark_rest(
                                result.steps,
                                index + 1,
                                "skipped",
                                f"not run: step {record.name!r} failed",
                            )
                            break
        except Exception as exc:  # the ECU could not be opened, or a bug: report it, go on
            result.error = describe_error(exc, exit_code(exc))
            run.failed(ecu)
            for record in result.steps:
                if record.verdict == "unfinished" and record.started is None:
                    record.verdict = "failed" if record.applies else "skipped"
                    record.message = f"not run: ECU {ecu} failed: {exc}"
                    record.error = result.error if record.applies else None
        finally:
            result.duration = time.monotonic() - began
            if observer is not None:
                observer.ecu_finished(ecu, result)


def _mark_rest(records: list[StepResult], start: int, verdict: Any, message: str) -> None:
    for record in records[start:]:
        if record.started is None and record.verdict == "unfinished":
            record.verdict = verdict
            record.message = message


def _run_step(run: _Run, ecu: str, target: Any, prepared: Prepared, record: StepResult) -> None:
    """Run one step with its retries and timeout; fill ``record`` with what happened."""
    from diagkit.cli.exitcodes import exit_code  # noqa: PLC0415
    from diagkit.cli.output import describe_error  # noqa: PLC0415

    step = prepared.step
    record.started = now()
    record.expected = dict(prepared.expected)
    began = time.monotonic()
    observer = run.observer
    context = Context(
        target,
        run.stop,
        progress=(lambda done, total: observer.progress(ecu, done, total))
        if observer is not None
        else None,
    )
    exchange = target.client.exchange
    try:
        for attempt in range(step.retries + 1):
            if attempt and (run.stop.wait(step.retry_delay) or run.stop.is_set()):
                record.verdict = "unfinished"
                record.message += "; stopped before the next try"
                return
            record.attempts = attempt + 1
            record.error = None
            before = exchange.timing
            if step.timeout is not None:
                exchange.timing = dataclasses.replace(before, request_timeout=step.timeout)
            try:
                measured = prepared.run(context)
            except _StopRequested as exc:
                record.verdict = "unfinished"
                record.message = str(exc)
                return
            except DiagkitError as exc:
                record.verdict = "failed"
                record.message = str(exc)
                record.error = describe_error(exc, exit_code(exc))
                continue
            finally:
                if step.timeout is not None and exchange.timing.request_timeout == step.timeout:
                    exchange.timing = dataclasses.replace(
                        exchange.timing, request_timeout=before.request_timeout
                    )
            record.measured = measured.value
            record.raw = measured.raw.hex(" ").upper() if measured.raw is not None else None
            record.unit = measured.unit
            record.details.update(measured.details)
            if measured.negative is not None:
                record.error = describe_error(measured.negative, exit_code(measured.negative))
            reason = prepared.judge(measured)
            if reason is None:
                record.verdict = "passed"
                record.message = ""
                return
            record.verdict = "failed"
            record.message = reason
    finally:
        record.duration = time.monotonic() - began


def run_sequence(
    sequence: str | os.PathLike[str] | LoadedSequence,
    target: Any,
    *,
    ecus: Iterable[str] | None = None,
    variables: Mapping[str, Scalar] | None = None,
    simulated: bool = False,
    jobs: int | None = None,
    stop_on_failure: bool = False,
    stop: threading.Event | None = None,
    observer: Observer | None = None,
    junit: str | os.PathLike[str] | None = None,
    json: str | os.PathLike[str] | None = None,
) -> SequenceResult:
    """Run ``sequence`` (a file or a loaded one) on ``target``'s ECUs and return the result.

    ``target`` is a profile or bench file, a profile, a bench, ``{name: profile}`` or a
    :class:`Selection`; ``ecus``
    picks some of a bench's. ``variables`` give ``${name}`` values (``--set``). ``simulated``
    answers with each profile's simulated ECU in this process. ``jobs`` bounds the ECUs run at
    once (default: all). ``stop_on_failure`` stops every ECU at its next step once one failed.
    Setting ``stop`` stops the run at the next step boundary. ``junit``/``json`` write the
    reports (also after a stop). A sequence or profile that does not fit raises
    :class:`~diagkit.errors.ProfileError` before anything is sent.
    """
    from diagkit import __version__  # noqa: PLC0415

    loaded = sequence if isinstance(sequence, LoadedSequence) else load_sequence(Path(sequence))
    selection = select(target, ecus)
    profiles = selection.profiles
    values = bind_variables(loaded, variables)
    plans = plan(loaded, profiles, values, selection.known)
    if jobs is not None and jobs < 1:
        raise ConfigurationError(f"jobs must be at least 1, got {jobs}")
    stop = stop if stop is not None else threading.Event()
    result = SequenceResult(
        sequence=loaded.sequence.name,
        sequence_source=loaded.source,
        sequence_sha256=loaded.sha256,
        profile_source=selection.source,
        profile_sha256=selection.sha256,
        variables=dict(values),
        tool_version=__version__,
        started=now(),
        simulated=simulated,
    )
    run = _Run(
        stop=stop,
        slots=threading.BoundedSemaphore(jobs or len(profiles)),
        observer=observer,
        stop_on_failure=stop_on_failure,
        simulated=simulated,
    )
    threads: list[threading.Thread] = []
    began = time.monotonic()
    for ecu, profile in profiles.items():
        steps = [
            StepResult(
                name=s.name,
                action=s.action,
                details={"only": list(s.only)} if s.only else {},
                applies=s.only is None or ecu in s.only,
            )
            for s in loaded.sequence.steps
        ]
        ecu_result = EcuResult(
            name=ecu,
            ecu={"name": ecu, "interface": profile.interface, "backend": profile.backend},
            steps=steps,
            profile_sha256=hashlib.sha256(profile.model_dump_json().encode()).hexdigest(),
        )
        result.ecus.append(ecu_result)
        thread = threading.Thread(
            target=_run_ecu,
            args=(run, ecu, profile, plans[ecu], ecu_result),
            name=f"diagkit-sequence-{ecu}",
            daemon=True,
        )
        threads.append(thread)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.1)
    except KeyboardInterrupt:  # called without a signal handler: stop as SIGINT would
        if stop.is_set():
            raise  # a second interrupt: give up waiting for the step boundary
        stop.set()
        for thread in threads:
            thread.join()
    result.duration = time.monotonic() - began
    result.interrupted = stop.is_set()
    from diagkit.sequence.reports import write_json, write_junit  # noqa: PLC0415

    if junit is not None:
        write_junit(result, junit)
    if json is not None:
        write_json(result, json)
    return result
