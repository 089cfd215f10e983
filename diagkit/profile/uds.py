"""The ``uds:`` section: ISO 14229 client timing, standard version, formats and tester present."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from diagkit.profile.problems import Path, raise_findings
from diagkit.profile.values import FROZEN, HEX_PATTERN, Seconds, format_seconds, hex_text, parse_int

# ISO 14229-2: the server drops a non-default session after S3server = 5 s without a request.
S3_SERVER = 5.0
# ISO 14229-1 DiagnosticSessionControl response: P2 in 1 ms units, P2* in 10 ms units, 2 bytes.
MAX_P2 = 65.535
MAX_P2_STAR = 655.35

SESSIONS = {"default": 1, "programming": 2, "extended": 3, "safety_system": 4}


def parse_session(value: object) -> int:
    """A diagnostic session by ISO name (``extended``) or by its sub-function number."""
    if isinstance(value, str) and value.strip().lower() in SESSIONS:
        return SESSIONS[value.strip().lower()]
    try:
        number = parse_int(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a session; use one of {', '.join(SESSIONS)} or a number 0x01-0x7E"
        ) from None
    if not 1 <= number <= 0x7E:
        raise ValueError(f"session {number:#04x} is outside 0x01-0x7E")
    return number


def session_name(session: int) -> str:
    """How a profile writes a session: its ISO name (``extended``), else ``0x40``."""
    for name, number in SESSIONS.items():
        if number == session:
            return name
    return hex_text(session, 2)


Session = Annotated[
    int,
    BeforeValidator(parse_session),
    PlainSerializer(session_name, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"enum": list(SESSIONS)},
                {"type": "integer", "minimum": 1, "maximum": 0x7E},
                {"type": "string", "pattern": HEX_PATTERN},
            ]
        }
    ),
]
"""A session needed for something, by name (default, programming, extended) or number."""

AddressFormat = Literal[8, 16, 24, 32, 40]


class TesterPresentSection(BaseModel):
    """Keep a non-default session alive with TesterPresent (0x3E) while the client is idle."""

    model_config = FROZEN

    enabled: bool = Field(
        default=False, description="send TesterPresent while in a non-default session"
    )
    interval: Seconds = Field(
        default=2.0, gt=0, description="time between two TesterPresent requests"
    )
    suppress_positive_response: bool = Field(default=True, description="send 0x3E 0x80 (no answer)")
    addressing: Literal["physical", "functional"] = Field(
        default="physical", description="send it to this ECU only, or functionally to all"
    )

    @model_validator(mode="after")
    def _check_interval(self) -> TesterPresentSection:
        if self.interval >= S3_SERVER:
            raise_findings(
                [
                    (
                        ("interval",),
                        f"{format_seconds(self.interval)} is not below S3server (5s): the ECU "
                        "would drop back to the default session between two requests",
                    )
                ]
            )
        return self


class UdsSection(BaseModel):
    """ISO 14229 client settings.

    ``p2``/``p2_star`` are the client's wait for a first answer and after a 0x78
    responsePending; ``request_timeout`` bounds a whole request including every pending answer
    (``null``: no overall limit). With ``use_server_timing`` the values the ECU announces in
    its DiagnosticSessionControl response replace ``p2``/``p2_star``.
    """

    model_config = FROZEN

    p2: Seconds = Field(default=0.05, gt=0, le=MAX_P2, description="P2 client timeout")
    p2_star: Seconds = Field(
        default=5.0, gt=0, le=MAX_P2_STAR, description="P2* timeout after NRC 0x78"
    )
    request_timeout: Seconds | None = Field(
        default=None,
        gt=0,
        description="overall limit for one request, pending answers included (null: none)",
    )
    use_server_timing: bool = Field(default=True, description="adopt P2/P2* announced by the ECU")
    standard_version: Literal[2006, 2013, 2020] = Field(
        default=2020, description="ISO 14229-1 edition"
    )
    server_address_format: AddressFormat | None = Field(
        default=None, description="bits of memory addresses (addressAndLengthFormatIdentifier)"
    )
    server_memorysize_format: AddressFormat | None = Field(
        default=None, description="bits of memory sizes (addressAndLengthFormatIdentifier)"
    )
    tolerate_zero_padding: bool = Field(
        default=True, description="ignore trailing zero bytes in answers"
    )
    tester_present: TesterPresentSection = Field(default_factory=TesterPresentSection)

    @model_validator(mode="after")
    def _check_timing(self) -> UdsSection:
        findings: list[tuple[Path, str]] = []
        if self.p2_star < self.p2:
            findings.append(
                (
                    ("p2_star",),
                    f"{format_seconds(self.p2_star)} is shorter than p2 "
                    f"({format_seconds(self.p2)}); P2* is the longer wait after NRC 0x78",
                )
            )
        if self.request_timeout is not None and self.request_timeout < self.p2:
            findings.append(
                (
                    ("request_timeout",),
                    f"{format_seconds(self.request_timeout)} is shorter than p2 "
                    f"({format_seconds(self.p2)}); no answer could ever arrive in time: "
                    "raise it, or set it to null for no overall limit",
                )
            )
        raise_findings(findings)
        return self
