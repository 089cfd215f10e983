"""A starting profile from a scan: the ECU's addressing and the DIDs it answered, raw codecs.

Each DID found gets ``codec: {type: hex, length: N}`` with the length it answered with, so the
profile reads every DID back as hex until someone describes it better; DIDs the source profile
names keep their names, the others are called ``did_F190``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from diagkit.scan.services import ServiceScan

if TYPE_CHECKING:
    from diagkit.profile import EcuProfile

HEADER = (
    "# A starting profile written by `diagkit scan`: addressing as probed, DIDs as found\n"
    "# (raw hex codecs with the length each DID answered). Describe codecs, sessions and\n"
    "# security as you learn them; `diagkit profile check` validates the file.\n"
)


def starting_profile(
    profile: EcuProfile, scan: ServiceScan, *, name: str | None = None
) -> dict[str, Any]:
    """The profile document: ``profile``'s bus, addressing and ISO-TP, and the DIDs found."""
    source = profile.model_dump(mode="json", exclude_defaults=True)
    document: dict[str, Any] = {"name": name or profile.name}
    document["description"] = f"Found by diagkit scan on {profile.interface}"
    for key in ("interface", "backend", "python_can"):
        if key in source:
            document[key] = source[key]
    document["addressing"] = profile.addressing.model_dump(mode="json", exclude_none=True)
    if "isotp" in source:
        document["isotp"] = source["isotp"]
    names = {did.id: did.name for did in profile.dids}
    dids: list[dict[str, Any]] = []
    for finding in scan.dids:
        if finding.status != "supported" or not finding.data:
            continue
        dids.append(
            {
                "id": f"0x{finding.id:04X}",
                "name": names.get(finding.id, f"did_{finding.id:04X}"),
                "codec": {"type": "hex", "length": len(finding.data)},
            }
        )
    if dids:
        document["dids"] = dids
    return document


def write_starting_profile(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` as YAML with a header saying where it came from."""
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    path.write_text(HEADER + text, encoding="utf-8")
