"""NRC and service names as ISO 14229-1:2020 annex A.1 and table 23 give them."""

from __future__ import annotations

import pytest

from diagkit.codes import Nrc, ServiceId, nrc_name, service_name


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (0x10, "generalReject"),
        (0x11, "serviceNotSupported"),
        (0x13, "incorrectMessageLengthOrInvalidFormat"),
        (0x22, "conditionsNotCorrect"),
        (0x24, "requestSequenceError"),
        (0x31, "requestOutOfRange"),
        (0x33, "securityAccessDenied"),
        (0x35, "invalidKey"),
        (0x36, "exceededNumberOfAttempts"),
        (0x37, "requiredTimeDelayNotExpired"),
        (0x45, "reservedByExtendedDataLinkSecurityDocument"),
        (0x70, "uploadDownloadNotAccepted"),
        (0x73, "wrongBlockSequenceCounter"),
        (0x78, "requestCorrectlyReceivedResponsePending"),
        (0x7E, "subFunctionNotSupportedInActiveSession"),
        (0x7F, "serviceNotSupportedInActiveSession"),
        (0x93, "voltageTooLow"),
        (0xA0, "reservedForSpecificConditionsNotCorrect"),
        (0xF3, "vehicleManufacturerSpecificConditionsNotCorrect"),
        (0x00, "positiveResponse"),
        (0xFF, "ISOSAEReserved"),
    ],
)
def test_every_nrc_byte_has_its_iso_name(code: int, name: str) -> None:
    assert nrc_name(code) == name


def test_nrc_out_of_byte_range_is_refused() -> None:
    with pytest.raises(ValueError, match="one byte"):
        nrc_name(0x100)


def test_enum_members_are_the_wire_values() -> None:
    assert int(Nrc.requestCorrectlyReceivedResponsePending) == 0x78
    assert int(ServiceId.TransferData) == 0x36
    assert int(ServiceId.TesterPresent) == 0x3E


def test_service_names() -> None:
    assert service_name(0x22) == "ReadDataByIdentifier"
    assert service_name(0xBA) == "service 0xBA"
