"""The optional ``simulation:`` section: initial state and injected faults of the simulated ECU."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from diagkit.profile.catalogue import Reference
from diagkit.profile.values import Byte, Count, DtcNumber, Seconds, hex_text, parse_int

SimValue = str | int | float | bool


def parse_service(value: object) -> str | int:
    """A service by name (``read_data_by_identifier``) or by its request SID (``0x22``)."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        return value
    try:
        number = parse_int(value)
    except ValueError:
        raise ValueError(f"{value!r} is neither a service name nor a service id") from None
    if not 0 <= number <= 0xFF:
        raise ValueError(f"{hex_text(number)} is not a service id (0x00-0xFF)")
    return number


Service = Annotated[
    str | int,
    BeforeValidator(parse_service),
    WithJsonSchema(
        {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0, "maximum": 0xFF}]}
    ),
]


class SimulatedDtc(BaseModel):
    """A DTC the simulated ECU reports, with its ISO 14229 status byte."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: DtcNumber
    status: Byte = Field(
        default=0x09, description="DTC status byte (default: testFailed|confirmedDTC)"
    )


class Fault(BaseModel):
    """A misbehaviour injected into the simulated ECU's answers to one service (and DID)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: Service = Field(description="service name or request SID the fault applies to")
    did: Reference | None = Field(default=None, description="only for this DID (name or id)")
    delay: Seconds | None = Field(default=None, description="answer only after this time")
    nrc: Byte | None = Field(default=None, description="answer with this negative response code")
    pending: Count = Field(default=0, ge=0, le=1000, description="send this many 0x78 first")
    no_answer: bool = Field(default=False, description="do not answer at all")
    truncate: bool = Field(default=False, description="cut the answer short")
    wrong_sid: bool = Field(default=False, description="answer with another service's id")
    late: bool = Field(default=False, description="answer after the client's P2 expired")


class SimulationSection(BaseModel):
    """State and faults for the simulated ECU; ignored when talking to a real one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dids: dict[Reference, SimValue] = Field(
        default_factory=dict, description="initial DID values by DID name or id"
    )
    dtcs: tuple[SimulatedDtc, ...] = ()
    faults: tuple[Fault, ...] = ()
