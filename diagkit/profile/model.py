"""The ECU profile and the bench: the validated, frozen models every other part reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    GetJsonSchemaHandler,
    ValidationError,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from diagkit.codes import ServiceId
from diagkit.errors import UnknownNameError
from diagkit.profile.addressing import AddressingSection
from diagkit.profile.catalogue import DataIdentifier, DtcSection, MemoryRegion, Name, Routine
from diagkit.profile.isotp import IsoTpSection
from diagkit.profile.problems import InvalidProfileError, Path, raise_findings
from diagkit.profile.references import Parts, check_references, unknown_did
from diagkit.profile.report import problems_from_validation
from diagkit.profile.security import ParamValue, SecurityLevel
from diagkit.profile.simulation import Fault as SimulatedFault
from diagkit.profile.simulation import SimulationSection, service_id
from diagkit.profile.uds import UdsSection
from diagkit.profile.values import FROZEN, INTERFACE_PATTERN, hex_text
from diagkit.transport import registry
from diagkit.transport.config import DEFAULT_BACKEND


def _known_backend(name: str) -> str:
    if not registry.is_known(name):
        raise ValueError(registry.unknown(name))
    return name


class _RegisteredBackends:
    """Lists the transport registry's names in the JSON schema, as of its export."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["enum"] = registry.names()
        return schema


# A transport backend's name, checked against diagkit.transport.registry when a profile loads.
Backend = Annotated[str, AfterValidator(_known_backend), _RegisteredBackends()]
Interface = Annotated[str, Field(min_length=1, max_length=64, pattern=INTERFACE_PATTERN)]
IFNAMSIZ = 16  # Linux: interface names are at most 15 characters


class EcuProfile(BaseModel):
    """Everything needed to talk to one ECU, validated once at load and immutable afterwards."""

    model_config = FROZEN

    name: Name = Field(description="short name of the ECU, e.g. engine")
    description: str = ""
    interface: Interface = Field(
        default="can0", description="CAN interface (or python-can channel)"
    )
    backend: Backend = Field(
        default=DEFAULT_BACKEND,
        description="transport backend: kernel ISO-TP sockets, userspace (python-can), memory "
        "(a transport given in code), or one a plugin registers",
    )
    python_can: dict[str, ParamValue] = Field(
        default_factory=dict,
        description="python-can bus arguments for backend: userspace, e.g. {interface: virtual}",
    )
    addressing: AddressingSection
    isotp: IsoTpSection = Field(default_factory=IsoTpSection)
    uds: UdsSection = Field(default_factory=UdsSection)
    dids: tuple[DataIdentifier, ...] = ()
    security: tuple[SecurityLevel, ...] = ()
    routines: tuple[Routine, ...] = ()
    dtc: DtcSection = Field(default_factory=DtcSection)
    memory: tuple[MemoryRegion, ...] = ()
    simulation: SimulationSection | None = None

    @model_validator(mode="after")
    def _check_references(self) -> EcuProfile:
        findings: list[tuple[Path, str]] = []
        if self.backend == DEFAULT_BACKEND and len(self.interface) >= IFNAMSIZ:
            findings.append(
                (
                    ("interface",),
                    f"{self.interface!r} is longer than a Linux interface name "
                    f"({IFNAMSIZ - 1} characters)",
                )
            )
        findings += check_references(self.parts())
        raise_findings(findings)
        return self

    def parts(self) -> Parts:
        """The sections the cross-section checks look at (:mod:`diagkit.profile.references`)."""
        return Parts(
            dids=dict(enumerate(self.dids)),
            security=dict(enumerate(self.security)),
            routines=dict(enumerate(self.routines)),
            memory=dict(enumerate(self.memory)),
            addressing=self.addressing,
            isotp=self.isotp,
            uds=self.uds,
            simulation=self.simulation,
        )

    def fault_target(self, fault: SimulatedFault) -> int | None:
        """The id of the DID (or, for routine_control, the routine) a fault's ``did`` names."""
        if fault.did is None:
            return None
        if _is_routine_control(fault):
            for routine in self.routines:
                if fault.did in (routine.id, routine.name):
                    return routine.id
            return None
        did = self._find_did(fault.did)
        return None if did is None else did.id

    def _find_did(self, ref: str | int) -> DataIdentifier | None:
        for did in self.dids:
            if ref in (did.id, did.name):
                return did
        return None

    def did(self, ref: str | int) -> DataIdentifier:
        """The DID with this name or id; UnknownNameError (a KeyError) naming the known ones."""
        found = self._find_did(ref)
        if found is None:
            known = ", ".join(f"{d.name} ({hex_text(d.id, 4)})" for d in self.dids) or "none"
            raise UnknownNameError(f"{unknown_did(ref)} (known: {known})")
        return found

    def with_overrides(
        self, *, interface: str | None = None, backend: Backend | None = None
    ) -> EcuProfile:
        """A copy using another interface and/or backend (as chosen on a command line)."""
        update: dict[str, Any] = {}
        if interface is not None:
            update["interface"] = interface
        if backend is not None:
            update["backend"] = backend
        if not update:
            return self
        data = self.model_dump(mode="json", exclude_defaults=True)
        data.update(update)
        try:
            return EcuProfile.model_validate(data)
        except ValidationError as exc:
            raise InvalidProfileError(problems_from_validation(exc, "<overrides>", data)) from None


def _is_routine_control(fault: SimulatedFault) -> bool:
    return service_id(fault.service) == ServiceId.RoutineControl


class BenchEntry(BaseModel):
    """One ECU of a bench: its profile file and what the bench changes about it.

    ``addressing`` keys replace the profile's one by one, so one profile serves several
    identical ECUs at different addresses.
    """

    model_config = FROZEN

    profile: Annotated[str, Field(min_length=1)] = Field(
        description="profile file, relative to the bench file"
    )
    interface: Interface | None = None
    backend: Backend | None = None
    addressing: dict[str, Any] | None = Field(
        default=None, description="addressing keys that replace the profile's, key by key"
    )


def _bench_entry(value: object) -> object:
    """``engine: engine.yaml`` is short for ``engine: {profile: engine.yaml}``."""
    if isinstance(value, str):
        return {"profile": value}
    if isinstance(value, Mapping):
        return value
    raise ValueError(
        f"expected a profile file or a mapping with profile: (and interface:, backend:, "
        f"addressing:), got {type(value).__name__} {value!r}"
    )


class BenchFile(BaseModel):
    """A bench file as written: ECUs by name, with defaults shared by their profiles."""

    model_config = FROZEN

    name: Name
    description: str = ""
    defaults: dict[str, Any] = Field(
        default_factory=dict, description="profile keys every ECU gets unless its file sets them"
    )
    ecus: dict[Name, Annotated[BenchEntry, BeforeValidator(_bench_entry)]] = Field(min_length=1)


class Bench(BaseModel):
    """A loaded bench: each ECU's profile, fully resolved."""

    model_config = FROZEN

    name: str
    description: str = ""
    ecus: dict[str, EcuProfile]

    def __getitem__(self, name: str) -> EcuProfile:
        try:
            return self.ecus[name]
        except KeyError:
            raise UnknownNameError(
                f"no ECU {name!r} on bench {self.name} (ECUs: {', '.join(self.ecus)})"
            ) from None
