"""What a run leaves for the plant: traces of its CAN frames and a folder per ECU (``--artifacts``).

``--trace FILE`` records every frame of every ECU of the run into one file (the suffix chooses
the format, as for every command). ``--artifacts DIR`` gives each ECU a folder ``DIR/<ECU>/``
holding its JUnit and JSON reports, the trace of its own ids (``trace.pcapng``), the profile
it ran with (resolved, as ``diagkit profile dump`` writes it) and the sequence file, and puts
the whole run's reports in ``DIR`` itself: one folder per part is ``--artifacts out/SERIAL``.
Seeds and keys are masked in every trace.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from diagkit.errors import ConfigurationError

if TYPE_CHECKING:
    from diagkit.profile import EcuProfile
    from diagkit.sequence.loader import LoadedSequence
    from diagkit.sequence.result import SequenceResult

TRACE_NAME = "trace.pcapng"


@contextmanager
def recording(
    profiles: Mapping[str, EcuProfile],
    *,
    trace: Path | None,
    artifacts: Path | None,
    simulated: bool,
) -> Iterator[None]:
    """Record the run's frames into ``trace`` and each ECU's into its artifacts folder.

    ECUs simulated in memory put no frames on a bus: ``--trace`` is refused for them, and their
    artifacts folders hold no trace (see :func:`diagkit.trace.record_profiles` for where the
    frames come from).
    """
    if trace is None and artifacts is None:
        yield
        return
    if simulated and trace is not None:
        raise ConfigurationError(
            "--trace: ECUs simulated in memory (--sim) put no frames on a bus; serve them with "
            "`diagkit simulate` on a vcan interface or a python-can bus and run without --sim"
        )
    from diagkit.trace import record_profiles  # noqa: PLC0415

    with ExitStack() as stack:
        if trace is not None:
            stack.enter_context(record_profiles(list(profiles.values()), trace))
        if artifacts is not None and not simulated:
            for name, profile in profiles.items():
                folder = artifacts / name
                folder.mkdir(parents=True, exist_ok=True)
                stack.enter_context(record_profiles([profile], folder / TRACE_NAME))
        yield


def write_artifacts(
    directory: Path,
    result: SequenceResult,
    loaded: LoadedSequence,
    profiles: Mapping[str, EcuProfile],
) -> None:
    """The run's reports in ``directory``; each ECU's reports, profile, sequence in its folder."""
    from diagkit.profile.dump import dump_profile  # noqa: PLC0415
    from diagkit.sequence.reports import write_json, write_junit  # noqa: PLC0415

    directory.mkdir(parents=True, exist_ok=True)
    write_junit(result, directory / "junit.xml")
    write_json(result, directory / "report.json")
    source = Path(loaded.source)
    for ecu in result.ecus:
        folder = directory / ecu.name
        folder.mkdir(parents=True, exist_ok=True)
        alone = dataclasses.replace(result, ecus=[ecu])
        write_junit(alone, folder / "junit.xml")
        write_json(alone, folder / "report.json")
        profile = profiles.get(ecu.name)
        if profile is not None:
            (folder / "profile.yaml").write_text(dump_profile(profile), encoding="utf-8")
        if source.is_file():
            shutil.copyfile(source, folder / f"sequence{source.suffix}")
