"""Each step in the profile's terms: resolved before anything is sent, then run on one ECU.

:func:`prepare` turns a step into ids, encoded values and numeric limits for one ECU's profile
(a :class:`~diagkit.errors.ConfigurationError` when a name, value or unit does not fit), so
that a whole run is checked before its first request. :meth:`Prepared.run` sends the step's
requests (entering the session and unlocking the level the profile gives the DID or routine
first) and returns what was measured; :meth:`Prepared.judge` compares it with the expectation.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diagkit import station
from diagkit.errors import ConfigurationError, NegativeResponseError
from diagkit.sequence.model import VARIABLE, Scalar, Step

if TYPE_CHECKING:
    from diagkit.profile import EcuProfile
    from diagkit.station import Target

# DTC status bits, ISO 14229-1 D.2
PENDING = 0x04
CONFIRMED = 0x08


class _StopRequested(Exception):  # noqa: N818 (a signal to stop, not an error)
    """The run was asked to stop while this step waited or flashed."""


@dataclass
class Measurement:
    """What a step measured: the decoded value, its bytes, its unit, and what else it did."""

    value: Any = None
    raw: bytes | None = None
    unit: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    negative: NegativeResponseError | None = None
    """A negative answer that the step's expectation may accept (``send`` only)."""


@dataclass
class Context:
    """What a running step may use: the open ECU, the stop flag, a progress callback."""

    target: Target
    stop: threading.Event
    progress: Callable[[int, int], None] | None = None

    def step(self, text: str, measurement: Measurement) -> None:
        """Record a precondition reached on the way."""
        measurement.details.setdefault("preconditions", []).append(text)


Runner = Callable[[Context, Measurement], None]
Judge = Callable[[Measurement], str | None]


@dataclass
class Prepared:
    """A step resolved for one ECU: how to run it, and how to judge what it measured."""

    step: Step
    run_action: Runner
    expected: dict[str, Any] = field(default_factory=dict)
    judges: list[Judge] = field(default_factory=list)

    def run(self, context: Context) -> Measurement:
        """Send the step's requests; errors (NRCs, timeouts) propagate to the runner."""
        measurement = Measurement()
        self.run_action(context, measurement)
        return measurement

    def judge(self, measurement: Measurement) -> str | None:
        """Why ``measurement`` does not meet the expectation, or None when it does."""
        if measurement.negative is not None and not self.judges:
            return None  # raised by the runner instead; only `send` with an expectation lands here
        for judge in self.judges:
            reason = judge(measurement)
            if reason is not None:
                return reason
        return None


def substitute(text: str, variables: Mapping[str, Scalar | None]) -> str:
    """``text`` with every ``${name}`` replaced by the variable's value."""

    def value(match: re.Match[str]) -> str:
        found = variables.get(match.group(1))
        if found is None:
            raise ConfigurationError(f"variable {match.group(1)} has no value")
        return str(found)

    return VARIABLE.sub(value, text)


def prepare(
    step: Step, profile: EcuProfile, variables: Mapping[str, Scalar | None], directory: Path
) -> Prepared:
    """``step`` in ``profile``'s ids and values; ConfigurationError when it does not fit."""

    def text(value: object) -> str:
        return substitute(str(value), variables)

    builders: dict[str, Callable[[], Prepared]] = {
        "session": lambda: _session(step, profile, text(step.session)),
        "unlock": lambda: _unlock(step, profile, text(step.unlock)),
        "read": lambda: _read(step, profile, text),
        "write": lambda: _write(step, profile, text),
        "routine": lambda: _routine(step, profile, text),
        "dtc": lambda: _dtc(step),
        "wait": lambda: _wait(step),
        "flash": lambda: _flash(step, profile, text, directory),
        "send": lambda: _send(step, text),
        "reset": lambda: _reset(step, text(step.reset)),
    }
    return builders[step.action]()


# -- the actions ----------------------------------------------------------------------------------


def _session(step: Step, profile: EcuProfile, written: str) -> Prepared:
    session = station.session_id(profile, written)

    def run(context: Context, measured: Measurement) -> None:
        response = context.target.client.change_session(session)
        context.target.session = session
        context.target.unlocked.clear()
        data = response.service_data
        measured.value = f"0x{session:02X}"
        measured.raw = bytes(response.original_payload) if response.original_payload else None
        if data.p2_server_max is not None:
            measured.details["p2_server_max_s"] = data.p2_server_max
            measured.details["p2_star_server_max_s"] = data.p2_star_server_max

    return Prepared(step, run)


def _unlock(step: Step, profile: EcuProfile, written: str) -> Prepared:
    level = station.security_level(profile, written)

    def run(context: Context, measured: Measurement) -> None:
        context.target.unlocked.discard(level)  # a step that unlocks always sends the exchange
        station.reach(
            context.target,
            session=None,
            level=level,
            step=lambda line: context.step(line, measured),
        )
        measured.value = f"level 0x{level:02X} unlocked"

    return Prepared(step, run)


def _read(step: Step, profile: EcuProfile, text: Callable[[object], str]) -> Prepared:
    assert step.read is not None
    number = station.did_id(profile, str(step.read))
    described = next((d for d in profile.dids if d.id == number), None)
    unit = str(getattr(described.codec, "unit", "") or "") if described else ""

    def run(context: Context, measured: Measurement) -> None:
        if described is None:
            measured.raw = context.target.client.read_did_data(number)
            measured.value = measured.raw.hex(" ").upper()
            return
        station.reach(
            context.target,
            session=described.session,
            level=None,
            step=lambda line: context.step(line, measured),
        )
        value, measured.raw = context.target.client.read_did_record(number)
        measured.value = value.hex(" ").upper() if isinstance(value, bytes) else value
        measured.unit = unit

    prepared = Prepared(step, run)
    expect = step.expect
    if expect is None:
        return prepared
    if expect.equals is not None:
        wanted: Any = expect.equals
        if isinstance(wanted, str):
            wanted = text(wanted)
            if described is not None and described.codec.type in ("bytes", "hex"):
                wanted = station.parse_hex(wanted).hex(" ").upper()
            elif described is not None and described.codec.type == "scaled":
                wanted = station.parse_physical(wanted, unit)
        prepared.expected["equals"] = wanted
        prepared.judges.append(lambda m: _equals(m.value, wanted))
    if expect.regex is not None:
        pattern = re.compile(text(expect.regex))
        prepared.expected["regex"] = pattern.pattern
        prepared.judges.append(lambda m: _regex(m.value, pattern))
    for key in ("min", "max"):
        limit = getattr(expect, key)
        if limit is None:
            continue
        number_limit = (
            station.parse_physical(text(limit), unit) if isinstance(limit, str) else limit
        )
        if isinstance(number_limit, bool) or not math.isfinite(number_limit):
            raise ConfigurationError(f"expect.{key}: {limit!r} is not a finite number")
        prepared.expected[key] = number_limit
        prepared.judges.append(_limit(key, number_limit, unit))
    return prepared


def _equals(value: Any, wanted: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(wanted, bool):
        try:
            if float(wanted) == float(value):
                return None
        except (TypeError, ValueError):
            pass
    elif str(value) == str(wanted):
        return None
    return f"expected {wanted!r}, measured {value!r}"


def _regex(value: Any, pattern: re.Pattern[str]) -> str | None:
    shown = str(value).replace(" ", "") if _is_hex_text(value) else str(value)
    if pattern.search(shown) or pattern.search(str(value)):
        return None
    return f"expected a match of /{pattern.pattern}/, measured {value!r}"


def _is_hex_text(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"([0-9A-F]{2} )*[0-9A-F]{2}", value) is not None


def _limit(key: str, limit: float, unit: str) -> Judge:
    shown = f"{limit:g}{' ' + unit if unit else ''}"

    def judge(measured: Measurement) -> str | None:
        value = measured.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number for {key} {shown}, measured {value!r}"
        if (key == "min" and value < limit) or (key == "max" and value > limit):
            word = "below the minimum" if key == "min" else "above the maximum"
            return f"measured {value:g}{' ' + unit if unit else ''} is {word} {shown}"
        return None

    return judge


def _write(step: Step, profile: EcuProfile, text: Callable[[object], str]) -> Prepared:
    assert step.write is not None
    plan: list[tuple[Any, Any, bytes]] = []
    for reference, written in step.write.items():
        number = station.did_id(profile, str(reference))
        described = next((d for d in profile.dids if d.id == number), None)
        if described is None:
            raise ConfigurationError(
                f"DID {reference} is not in the profile: its codec is needed to encode the value"
            )
        if not described.writable:
            raise ConfigurationError(f"DID {described.name} is not writable in the profile")
        value = station.parse_value(described.codec, text(written))
        plan.append((described, value, described.codec.encode(value)))

    def run(context: Context, measured: Measurement) -> None:
        values: dict[str, Any] = {}
        for described, value, _data in plan:
            station.reach(
                context.target,
                session=described.session,
                level=described.security_level,
                step=lambda line: context.step(line, measured),
            )
            context.target.client.write_did(described.id, value)
            values[described.name] = value.hex(" ").upper() if isinstance(value, bytes) else value
        measured.value = values if len(values) > 1 else next(iter(values.values()))
        measured.raw = b"".join(data for _, _, data in plan)

    return Prepared(step, run)


def _routine(step: Step, profile: EcuProfile, text: Callable[[object], str]) -> Prepared:
    action = step.routine
    assert action is not None
    number = station.routine_id(profile, str(action.id))
    data = station.parse_hex(text(action.data)) if action.data else None
    described = next((r for r in profile.routines if r.id == number), None)

    def run(context: Context, measured: Measurement) -> None:
        if described is not None:
            station.reach(
                context.target,
                session=described.session,
                level=described.security_level,
                step=lambda line: context.step(line, measured),
            )
        record = station.run_routine(context.target.client, action.action, number, data)
        measured.raw = record
        measured.value = record.hex(" ").upper()

    prepared = Prepared(step, run)
    if step.expect is not None and step.expect.result is not None:
        wanted = station.parse_hex(text(step.expect.result))
        prepared.expected["result"] = wanted.hex(" ").upper()

        def judge(measured: Measurement) -> str | None:
            if measured.raw == wanted:
                return None
            return f"expected status record {wanted.hex(' ').upper()}, measured {measured.value}"

        prepared.judges.append(judge)
    return prepared


def _dtc(step: Step) -> Prepared:
    action = step.dtc
    assert action is not None

    def run(context: Context, measured: Measurement) -> None:
        dtcs = context.target.client.read_dtcs(action.mask)
        found = [(dtc.id, dtc.status.get_byte_as_int()) for dtc in dtcs]
        measured.value = [f"{code:06X}:{status:02X}" for code, status in found]
        measured.details["count"] = len(found)
        measured.details["statuses"] = {f"{code:06X}": status for code, status in found}
        if action.clear:
            context.target.client.clear_dtcs()
            measured.details["cleared"] = True

    prepared = Prepared(step, run)
    if action.fail_on is not None:
        prepared.expected["fail_on"] = action.fail_on
        bit = {"confirmed": CONFIRMED, "pending": PENDING, "any": 0}[action.fail_on]

        def judge(measured: Measurement) -> str | None:
            statuses: dict[str, int] = measured.details.get("statuses", {})
            bad = [code for code, status in statuses.items() if bit == 0 or status & bit]
            if bad:
                return f"{len(bad)} {action.fail_on} DTC(s) stored: {', '.join(bad)}"
            return None

        prepared.judges.append(judge)
    return prepared


def _wait(step: Step) -> Prepared:
    seconds = step.wait or 0.0

    def run(context: Context, measured: Measurement) -> None:
        if context.stop.wait(seconds):
            raise _StopRequested(f"stopped during the wait of {seconds:g} s")
        measured.value = seconds
        measured.unit = "s"

    return Prepared(step, run)


def _flash(
    step: Step, profile: EcuProfile, text: Callable[[object], str], directory: Path
) -> Prepared:
    from diagkit.flash import FlashRegion, flash, load_image  # noqa: PLC0415

    action = step.flash
    assert action is not None
    region = FlashRegion.from_profile(profile, text(action.region))
    path = directory / text(action.file)
    if not path.is_file():
        raise ConfigurationError(f"firmware file {path} not found")

    def run(context: Context, measured: Measurement) -> None:
        image = load_image(path, format=action.format)

        def progress(done: int, total: int) -> None:
            if context.stop.is_set():  # flash() ends the open download before this propagates
                raise _StopRequested(
                    f"flash of {region.label} aborted after {done} of {total} B: the region may "
                    "be erased or partly written; flash it again before resetting the ECU"
                )
            if context.progress is not None:
                context.progress(done, total)

        result = flash(
            context.target.client,
            region,
            image.data,
            progress=progress,
            erase=action.erase,
            verify=action.verify,
            address=image.address,
            fill=action.fill,
            max_block_length=profile.isotp.max_pdu_size,
        )
        if region.session is not None:
            context.target.session = region.session
        if region.security_level is not None:
            context.target.unlocked.add(region.security_level)
        measured.value = result.size
        measured.unit = "B"
        measured.details.update(
            region=result.region,
            address=f"0x{result.address:X}",
            blocks=result.blocks,
            retries=result.retries,
            erased=result.erased,
            verified=result.verified,
            seconds=round(result.total_seconds, 3),
            transfer_seconds=round(result.transfer_seconds, 3),
            rate_bytes_per_s=round(result.rate, 1),
        )

    return Prepared(step, run)


def _send(step: Step, text: Callable[[object], str]) -> Prepared:
    request = station.parse_hex(text(step.send))
    expect = step.expect
    pattern = None
    if expect is not None and expect.response is not None:
        pattern = re.compile(text(expect.response), re.IGNORECASE)

    def run(context: Context, measured: Measurement) -> None:
        try:
            answer = context.target.client.request(request)
        except NegativeResponseError as exc:
            if pattern is None:
                raise
            answer = bytes(getattr(exc, "response", b"") or b"")
            measured.negative = exc
        measured.raw = answer
        measured.value = answer.hex(" ").upper()

    prepared = Prepared(step, run)
    if pattern is not None:
        prepared.expected["response"] = pattern.pattern

        def judge(measured: Measurement) -> str | None:
            if pattern.fullmatch(str(measured.value)):
                return None
            return f"expected a response matching /{pattern.pattern}/, measured {measured.value}"

        prepared.judges.append(judge)
    return prepared


def _reset(step: Step, written: str) -> Prepared:
    kind = station.reset_type(written)

    def run(context: Context, measured: Measurement) -> None:
        response = context.target.client.ecu_reset(kind)
        context.target.session = station.DEFAULT_SESSION  # ISO 14229-1: a reset ends both
        context.target.unlocked.clear()
        measured.value = f"0x{kind:02X}"
        power_down = response.service_data.powerdown_time
        if power_down is not None:
            measured.details["power_down_time_s"] = power_down

    return Prepared(step, run)
