"""The ``addressing:`` section: ISO 15765-2 addressing mode, physical and functional addresses."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from diagkit.profile.problems import Path, raise_findings
from diagkit.profile.values import FROZEN, Byte, CanId, hex_text

AddressingModeName = Literal[
    "normal_11bit",
    "normal_29bit",
    "normal_fixed_29bit",
    "extended_11bit",
    "extended_29bit",
    "mixed_11bit",
    "mixed_29bit",
]

MAX_11BIT = 0x7FF
MAX_29BIT = 0x1FFFFFFF

# Which fields each mode uses (ISO 15765-2 clause 10.3); the others must stay unset.
_IDS_GIVEN = {"normal_11bit", "normal_29bit", "extended_11bit", "extended_29bit", "mixed_11bit"}
_ADDRESSES_GIVEN = {"normal_fixed_29bit", "mixed_29bit", "extended_11bit", "extended_29bit"}
_EXTENSION_GIVEN = {"mixed_11bit", "mixed_29bit"}


class AddressingSection(BaseModel):
    """How requests reach the ECU and responses come back.

    ``normal_*`` and ``mixed_11bit`` use ``txid``/``rxid``; ``extended_*`` add the target address
    byte sent first in every frame (``target_address``) and the one expected back
    (``source_address``); ``normal_fixed_29bit`` and ``mixed_29bit`` derive the CAN ids from
    ``target_address``/``source_address`` (0x18DA/0x18CE physical, 0x18DB/0x18CD functional);
    ``mixed_*`` add ``address_extension``. Functional requests (transmit only) use
    ``functional_txid`` where the mode has explicit ids, and ``functional_target_address`` where
    the mode carries a target address.
    """

    model_config = FROZEN

    mode: AddressingModeName = Field(
        default="normal_11bit", description="ISO 15765-2 addressing mode"
    )
    txid: CanId | None = Field(default=None, description="CAN id of requests to the ECU")
    rxid: CanId | None = Field(default=None, description="CAN id of the ECU's responses")
    target_address: Byte | None = Field(
        default=None,
        description="N_TA: the ECU's address (fixed/mixed 29-bit) or tx extended address",
    )
    source_address: Byte | None = Field(
        default=None,
        description="N_SA: the tester's address (fixed/mixed 29-bit) or rx extended address",
    )
    address_extension: Byte | None = Field(default=None, description="N_AE of mixed addressing")
    functional_txid: CanId | None = Field(
        default=None, description="CAN id of functional requests (modes with explicit ids)"
    )
    functional_target_address: Byte | None = Field(
        default=None, description="N_TA of functional requests (e.g. 0x33 for OBD in 29-bit fixed)"
    )

    @property
    def is_29bit(self) -> bool:
        """True when the mode uses 29-bit CAN identifiers."""
        return self.mode.endswith("29bit")

    @property
    def has_functional(self) -> bool:
        """True when the profile gives a functional address."""
        return self.functional_txid is not None or self.functional_target_address is not None

    @model_validator(mode="after")
    def _check_mode_fields(self) -> AddressingSection:
        findings: list[tuple[Path, str]] = []
        mode = self.mode
        uses = {
            "txid": mode in _IDS_GIVEN,
            "rxid": mode in _IDS_GIVEN,
            "target_address": mode in _ADDRESSES_GIVEN,
            "source_address": mode in _ADDRESSES_GIVEN,
            "address_extension": mode in _EXTENSION_GIVEN,
            "functional_txid": mode in _IDS_GIVEN,
            "functional_target_address": mode in _ADDRESSES_GIVEN,
        }
        optional = {"functional_txid", "functional_target_address"}
        for name, used in uses.items():
            value = getattr(self, name)
            if used and value is None and name not in optional:
                findings.append(((name,), f"required with mode: {mode}"))
            elif not used and value is not None:
                findings.append(((name,), f"{_unused_hint(name, mode)}"))
        limit = MAX_29BIT if self.is_29bit else MAX_11BIT
        for name in ("txid", "rxid", "functional_txid"):
            value = getattr(self, name)
            if value is not None and uses[name] and value > limit:
                findings.append(((name,), _id_too_large(value, mode)))
        if uses["txid"] and self.txid is not None and self.txid == self.rxid:
            findings.append((("rxid",), f"must differ from txid ({hex_text(self.txid)})"))
        if mode in _IDS_GIVEN and self.functional_txid is not None:
            findings += self._check_functional_id()
        if (
            mode in ("normal_fixed_29bit", "mixed_29bit")
            and self.target_address is not None
            and self.target_address == self.source_address
        ):
            findings.append(
                (("source_address",), "must differ from target_address (the ECU's address)")
            )
        if (
            mode.startswith("extended")
            and self.functional_target_address is not None
            and self.functional_txid is None
        ):
            findings.append(
                (("functional_txid",), "required when functional_target_address is set")
            )
        raise_findings(findings)
        return self

    def _check_functional_id(self) -> list[tuple[Path, str]]:
        """A functional id must not be the response id, nor the request id unless an
        extended target address tells the two apart."""
        if self.functional_txid == self.rxid:
            return [(("functional_txid",), "must differ from rxid (responses come back there)")]
        if self.functional_txid != self.txid:
            return []
        if self.mode.startswith("extended"):
            target = self.functional_target_address
            if target is not None and target != self.target_address:
                return []
            return [
                (
                    ("functional_target_address",),
                    "needed when functional_txid equals txid: a functional target address "
                    "(e.g. 0xDF) that differs from target_address",
                )
            ]
        return [(("functional_txid",), "must differ from txid")]


def _id_too_large(value: int, mode: str) -> str:
    if mode.endswith("11bit"):
        wider = mode.replace("11bit", "29bit")
        return (
            f"{hex_text(value)} does not fit an 11-bit id (max 0x7FF); "
            f"use addressing.mode: {wider} for extended ids"
        )
    return f"{hex_text(value)} does not fit a 29-bit id (max 0x1FFFFFFF)"


def _unused_hint(name: str, mode: str) -> str:
    derived = mode in ("normal_fixed_29bit", "mixed_29bit")
    if name in ("txid", "rxid", "functional_txid") and derived:
        return (
            f"not used with mode: {mode}; the CAN ids derive from target_address and "
            "source_address (use functional_target_address for functional requests)"
        )
    if name in ("target_address", "source_address", "functional_target_address"):
        return (
            f"not used with mode: {mode}; it applies to normal_fixed_29bit, mixed_29bit "
            "and extended_* modes"
        )
    if name == "address_extension":
        return f"not used with mode: {mode}; it applies to mixed_11bit and mixed_29bit"
    return f"not used with mode: {mode}"
