"""One name per concept in the public API: every error exported from ``diagkit`` and rooted in
DiagkitError, the old names the same objects as the canonical ones, the tree documented where it
is defined, constants and logger names defined once."""

from __future__ import annotations

import ast
import errno
import importlib
import inspect
import pickle
import pkgutil
from pathlib import Path

import pytest

import diagkit
import diagkit.client
import diagkit.errors
from diagkit.codes import Nrc
from diagkit.errormap import error_for
from diagkit.errors import (
    DiagkitError,
    InvalidResponseError,
    NegativeResponseError,
    ResponseTimeoutError,
    SecurityAccessError,
    SecurityRefusedError,
    TransportError,
    TransportTimeoutError,
)
from diagkit.flash import (
    FlashError,
    FlashNrcError,
    FlashResponseError,
    FlashSecurityError,
    FlashTimeoutError,
    FlashTransportError,
)

PACKAGE = Path(diagkit.__file__).parent

# Raised inside pydantic validators and turned into InvalidProfileError before a user sees it;
# pydantic only collects ValueErrors, so it cannot be a DiagkitError.
INTERNAL = {"diagkit.profile.problems.SubfieldError"}


def _all_modules() -> list[str]:
    names = ["diagkit"]
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="diagkit."):
        if not info.name.endswith("__main__"):  # running it is the command line
            names.append(info.name)
    return names


def _exception_classes() -> dict[str, type[BaseException]]:
    found = {}
    for name in _all_modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == name
                and not attr.startswith("_")
            ):
                found[f"{name}.{value.__qualname__}"] = value
    return found


def test_every_public_error_is_a_diagkit_error_exported_from_diagkit() -> None:
    classes = {k: v for k, v in _exception_classes().items() if k not in INTERNAL}
    assert "diagkit.flash.errors.FlashNrcError" in classes  # the scan sees every package
    for where, cls in classes.items():
        if issubclass(cls, Warning):
            assert issubclass(cls, diagkit.DiagkitWarning), where
            continue
        assert issubclass(cls, DiagkitError), f"{where} is not a DiagkitError"
        assert getattr(diagkit, cls.__name__, None) is cls, f"{where} is not exported"
        assert cls.__name__ in diagkit.__all__


def test_the_old_names_are_the_canonical_objects() -> None:
    assert diagkit.NrcError is diagkit.NegativeResponseError is NegativeResponseError
    assert diagkit.TimerExpiredError is diagkit.ResponseTimeoutError is ResponseTimeoutError
    assert diagkit.client.NrcError is NegativeResponseError
    assert diagkit.client.TimerExpiredError is ResponseTimeoutError
    assert diagkit.open is diagkit.open_client
    assert diagkit.SecurityRefusedError is diagkit.client.SecurityRefusedError


def test_the_error_tree_at_the_top_of_errors_names_every_class() -> None:
    doc = diagkit.errors.__doc__ or ""
    tree = doc.split("::", 1)[1].split("\n\n", 2)[1]
    defined = [
        name
        for name, value in vars(diagkit.errors).items()
        if inspect.isclass(value)
        and issubclass(value, DiagkitError)
        and value.__module__ == "diagkit.errors"
        and value.__name__ == name  # not the aliases
    ]
    for name in defined:
        assert f"+-- {name}" in tree or tree.strip().startswith(name), name
    assert "NrcError" in doc and "TimerExpiredError" in doc and "deprecated" in doc


def test_a_negative_response_has_the_fields_udsoncan_users_look_for() -> None:
    pdu = bytes([0x7F, 0x22, 0x31])
    error = NegativeResponseError(0x22, 0x31, "engine vcan0 7E0->7E8", pdu)
    assert (error.service, error.nrc, error.address, error.response) == (
        0x22,
        0x31,
        "engine vcan0 7E0->7E8",
        pdu,
    )
    assert error.nrc is Nrc.requestOutOfRange
    assert error.nrc_name == "requestOutOfRange"
    assert str(error) == (
        "ReadDataByIdentifier (0x22) [engine vcan0 7E0->7E8]: "
        "negative response 0x31 requestOutOfRange"
    )
    unknown = NegativeResponseError(0x31, 0xF3, "ecu")  # manufacturer-specific: kept as an int
    assert unknown.nrc == 0xF3 and unknown.nrc_name == (
        "vehicleManufacturerSpecificConditionsNotCorrect"
    )


def test_a_response_timeout_names_timer_timeout_and_ecu() -> None:
    error = ResponseTimeoutError(0x31, "P2*", 5.0, "engine", pendings=3)
    assert (error.timer, error.timeout, error.service, error.pendings) == ("P2*", 5.0, 0x31, 3)
    assert isinstance(error, TimeoutError)
    assert str(error) == (
        "RoutineControl (0x31) [engine]: no response, P2* of 5.000 s expired after "
        "3 response-pending (0x78)"
    )


def test_security_refusal_is_both_an_nrc_and_a_security_error() -> None:
    error = SecurityRefusedError(0x27, 0x35, "engine", bytes([0x7F, 0x27, 0x35]))
    assert isinstance(error, NegativeResponseError) and isinstance(error, SecurityAccessError)
    assert error.nrc_name == "invalidKey"


@pytest.mark.parametrize(
    "make",
    [
        lambda: NegativeResponseError(0x22, 0x31, "engine", b"\x7f\x22\x31"),
        lambda: ResponseTimeoutError(0x22, "P2", 0.05, "engine"),
        lambda: error_for(errno.ECOMM, "send on vcan0: no flow control [ECOMM]"),
        lambda: error_for(errno.EINVAL, "send: the kernel refused the PDU size [EINVAL]"),
    ],
)
def test_errors_survive_pickling_with_their_fields_and_errno(
    make: type[DiagkitError],
) -> None:
    error = make()
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error)
    assert vars(copy) == vars(error)
    assert getattr(copy, "errno", None) == getattr(error, "errno", None)


def test_a_transport_error_pickles_with_its_errno() -> None:
    copy = pickle.loads(pickle.dumps(error_for(errno.ECOMM, "no flow control")))
    assert isinstance(copy, TransportTimeoutError) and copy.errno == errno.ECOMM


# -- flash errors are the client's errors of their cause ---------------------------------------


def test_flash_errors_are_the_client_errors_of_the_same_meaning() -> None:
    assert issubclass(FlashNrcError, NegativeResponseError)
    assert issubclass(FlashNrcError, diagkit.NrcError)  # what README told users to catch
    assert issubclass(FlashTimeoutError, ResponseTimeoutError)
    assert issubclass(FlashTransportError, TransportError)
    assert issubclass(FlashSecurityError, SecurityAccessError)
    assert issubclass(FlashResponseError, InvalidResponseError)
    assert all(issubclass(cls, FlashError) for cls in (FlashNrcError, FlashTimeoutError))


def test_a_flash_nrc_has_the_service_and_response_of_its_cause() -> None:
    cause = NegativeResponseError(0x36, 0x72, "engine", bytes([0x7F, 0x36, 0x72]))
    with pytest.raises(NegativeResponseError) as caught:
        try:
            raise cause
        except NegativeResponseError as exc:
            error = FlashNrcError("flash app: TransferData (0x36) block 1: ...")
            error.nrc, error.address = 0x72, 0x1000
            raise error from exc
    flash_error = caught.value
    assert (flash_error.service, flash_error.response) == (0x36, b"\x7f\x36\x72")
    assert flash_error.nrc_name == "generalProgrammingFailure"
    assert isinstance(flash_error, FlashNrcError) and flash_error.address == 0x1000


# -- constants and logger names, defined once ------------------------------------------------


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_tester_present_and_suppress_bit_constants_are_defined_only_in_codes() -> None:
    for path in _sources():
        if path.name == "codes.py" and path.parent == PACKAGE:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(
                node.value, ast.Constant
            ):
                assert node.value.value not in (0x3E, 0x80) or isinstance(node.value.value, bool), (
                    f"{path.relative_to(PACKAGE)}:{node.lineno} redefines a codes.py constant"
                )


# Being reworked in another change; their loggers keep the shared "diagkit.client" name there.
def test_loggers_are_named_after_their_module() -> None:
    for path in _sources():
        where = str(path.relative_to(PACKAGE))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "getLogger"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                pytest.fail(f"{where}:{node.lineno}: logging.getLogger({node.args[0].value!r})")
