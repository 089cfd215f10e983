"""ISO 14229-1 service identifiers and negative response codes, with their ISO names.

Plain ``IntEnum`` members with explicit values; :func:`nrc_name` also names the reserved and
manufacturer-specific ranges, so every byte an ECU may send has a readable name.
"""

from __future__ import annotations

import enum

NEGATIVE_RESPONSE_SID = 0x7F
POSITIVE_RESPONSE_OFFSET = 0x40
SUPPRESS_POSITIVE_RESPONSE = 0x80
"""The suppressPosRspMsgIndicationBit (bit 7 of a sub-function byte, ISO 14229-1 8.2.2)."""


class ServiceId(enum.IntEnum):
    """Request service identifiers of ISO 14229-1:2020 (table 23)."""

    DiagnosticSessionControl = 0x10
    ECUReset = 0x11
    ClearDiagnosticInformation = 0x14
    ReadDTCInformation = 0x19
    ReadDataByIdentifier = 0x22
    ReadMemoryByAddress = 0x23
    ReadScalingDataByIdentifier = 0x24
    SecurityAccess = 0x27
    CommunicationControl = 0x28
    Authentication = 0x29
    ReadDataByPeriodicIdentifier = 0x2A
    DynamicallyDefineDataIdentifier = 0x2C
    WriteDataByIdentifier = 0x2E
    InputOutputControlByIdentifier = 0x2F
    RoutineControl = 0x31
    RequestDownload = 0x34
    RequestUpload = 0x35
    TransferData = 0x36
    RequestTransferExit = 0x37
    RequestFileTransfer = 0x38
    WriteMemoryByAddress = 0x3D
    TesterPresent = 0x3E
    AccessTimingParameter = 0x83
    SecuredDataTransmission = 0x84
    ControlDTCSetting = 0x85
    ResponseOnEvent = 0x86
    LinkControl = 0x87


class Nrc(enum.IntEnum):
    """Negative response codes of ISO 14229-1:2020 (annex A.1), named as the standard names them."""

    generalReject = 0x10
    serviceNotSupported = 0x11
    subFunctionNotSupported = 0x12
    incorrectMessageLengthOrInvalidFormat = 0x13
    responseTooLong = 0x14
    busyRepeatRequest = 0x21
    conditionsNotCorrect = 0x22
    requestSequenceError = 0x24
    noResponseFromSubnetComponent = 0x25
    failurePreventsExecutionOfRequestedAction = 0x26
    requestOutOfRange = 0x31
    securityAccessDenied = 0x33
    authenticationRequired = 0x34
    invalidKey = 0x35
    exceededNumberOfAttempts = 0x36
    requiredTimeDelayNotExpired = 0x37
    certificateVerificationFailedInvalidTimePeriod = 0x50
    certificateVerificationFailedInvalidSignature = 0x51
    certificateVerificationFailedInvalidChainOfTrust = 0x52
    certificateVerificationFailedInvalidType = 0x53
    certificateVerificationFailedInvalidFormat = 0x54
    certificateVerificationFailedInvalidContent = 0x55
    certificateVerificationFailedInvalidScope = 0x56
    certificateVerificationFailedInvalidCertificate = 0x57
    ownershipVerificationFailed = 0x58
    challengeCalculationFailed = 0x59
    settingAccessRightsFailed = 0x5A
    sessionKeyCreationDerivationFailed = 0x5B
    configurationDataUsageFailed = 0x5C
    deAuthenticationFailed = 0x5D
    uploadDownloadNotAccepted = 0x70
    transferDataSuspended = 0x71
    generalProgrammingFailure = 0x72
    wrongBlockSequenceCounter = 0x73
    requestCorrectlyReceivedResponsePending = 0x78
    subFunctionNotSupportedInActiveSession = 0x7E
    serviceNotSupportedInActiveSession = 0x7F
    rpmTooHigh = 0x81
    rpmTooLow = 0x82
    engineIsRunning = 0x83
    engineIsNotRunning = 0x84
    engineRunTimeTooLow = 0x85
    temperatureTooHigh = 0x86
    temperatureTooLow = 0x87
    vehicleSpeedTooHigh = 0x88
    vehicleSpeedTooLow = 0x89
    throttlePedalTooHigh = 0x8A
    throttlePedalTooLow = 0x8B
    transmissionRangeNotInNeutral = 0x8C
    transmissionRangeNotInGear = 0x8D
    brakeSwitchesNotClosed = 0x8F
    shifterLeverNotInPark = 0x90
    torqueConverterClutchLocked = 0x91
    voltageTooHigh = 0x92
    voltageTooLow = 0x93
    resourceTemporarilyNotAvailable = 0x94


def nrc_name(code: int) -> str:
    """The ISO 14229-1 name of any NRC byte, including reserved and manufacturer ranges."""
    if not 0 <= code <= 0xFF:
        raise ValueError(f"an NRC is one byte (0x00-0xFF), got {code!r}")
    try:
        return Nrc(code).name
    except ValueError:
        pass
    if code == 0x00:  # table A.1 names it, and says no negative response may carry it
        return "positiveResponse"
    if 0x38 <= code <= 0x4F:
        return "reservedByExtendedDataLinkSecurityDocument"
    if 0xF0 <= code <= 0xFE:
        return "vehicleManufacturerSpecificConditionsNotCorrect"
    if 0x95 <= code <= 0xEF:
        return "reservedForSpecificConditionsNotCorrect"
    return "ISOSAEReserved"


def service_name(sid: int) -> str:
    """The ISO 14229-1 name of a request service id, or a hex description when unknown."""
    try:
        return ServiceId(sid).name
    except ValueError:
        return f"service 0x{sid:02X}"
