"""ReadDTCInformation, ClearDiagnosticInformation and ControlDTCSetting byte layouts."""

from __future__ import annotations

from collections.abc import Callable

from diagkit.sim import SimEcu

Ask = Callable[..., bytes | None]
h = bytes.fromhex
# DTCs of the test ECU: 12 34 56 status AF (0x2F once masked by availability 0x7F),
# 0A 0B 0C status 24, AB CD EF status 00.


def test_number_of_dtcs_by_status_mask(ask: Ask) -> None:
    # 59 01 availabilityMask DTCFormatIdentifier(0x01 = ISO 14229-1) count(2)
    assert ask("19 01 FF") == h("59 01 7F 01 00 02")
    assert ask("19 01 08") == h("59 01 7F 01 00 01")
    assert ask("19 01 80") == h("59 01 7F 01 00 00")


def test_dtcs_by_status_mask(ask: Ask) -> None:
    assert ask("19 02 FF") == h("59 02 7F 0A 0B 0C 24 12 34 56 2F")
    assert ask("19 02 04") == h("59 02 7F 0A 0B 0C 24 12 34 56 2F")
    assert ask("19 02 01") == h("59 02 7F 12 34 56 2F")
    assert ask("19 02 80") == h("59 02 7F")


def test_supported_dtcs_lists_every_dtc(ask: Ask) -> None:
    assert ask("19 0A") == h("59 0A 7F 0A 0B 0C 24 12 34 56 2F AB CD EF 00")


def test_snapshot_records(ask: Ask) -> None:
    # 59 04 DTC status [recordNumber numberOfIdentifiers (DID data)...]
    assert ask("19 04 12 34 56 01") == h("59 04 12 34 56 2F 01 01 01 01 0C 80")
    assert ask("19 04 12 34 56 FF") == h(
        "59 04 12 34 56 2F 01 01 01 01 0C 80 02 02 01 01 0D 00 F1 8C 00 00 00 01"
    )
    assert ask("19 04 0A 0B 0C FF") == h("59 04 0A 0B 0C 24")
    assert ask("19 04 12 34 56 07") == h("7F 19 31")
    assert ask("19 04 99 99 99 01") == h("7F 19 31")


def test_extended_data_records(ask: Ask) -> None:
    assert ask("19 06 12 34 56 01") == h("59 06 12 34 56 2F 01 05")
    assert ask("19 06 12 34 56 FF") == h("59 06 12 34 56 2F 01 05 90 01 02")
    assert ask("19 06 12 34 56 FE") == h("59 06 12 34 56 2F 90 01 02")  # OBD records only
    assert ask("19 06 12 34 56 02") == h("7F 19 31")


def test_read_dtc_information_nrcs(ask: Ask) -> None:
    assert ask("19") == h("7F 19 13")
    assert ask("19 03") == h("7F 19 12")
    assert ask("19 02") == h("7F 19 13")
    assert ask("19 04 12 34 56") == h("7F 19 13")
    assert ask("19 0A 00") == h("7F 19 13")


def test_clear_all_resets_status_to_0x50_and_drops_records(ask: Ask) -> None:
    assert ask("14 FF FF FF") == h("54")
    assert ask("19 0A") == h("59 0A 7F 0A 0B 0C 50 12 34 56 50 AB CD EF 50")
    assert ask("19 04 12 34 56 FF") == h("59 04 12 34 56 50")


def test_clear_one_dtc_and_nrcs(ask: Ask) -> None:
    assert ask("14 0A 0B 0C") == h("54")
    assert ask("19 0A") == h("59 0A 7F 0A 0B 0C 50 12 34 56 2F AB CD EF 00")
    assert ask("14 99 99 99") == h("7F 14 31")
    assert ask("14 FF FF") == h("7F 14 13")


def test_control_dtc_setting(ask: Ask, ecu: SimEcu) -> None:
    assert ask("85 02") == h("7F 85 7F")  # not in the default session
    ask("10 03")
    assert ask("85 02") == h("C5 02")
    assert not ecu.state.dtc_setting_on
    assert ask("85 01 FF FF FF") == h("C5 01")
    assert ecu.state.dtc_setting_on
    assert ask("85 03") == h("7F 85 12")
    assert ask("85 02 FF FF") == h("7F 85 13")
    assert ask("85 02 00 00 01") == h("7F 85 31")
    assert ask("85 82") is None
    assert not ecu.state.dtc_setting_on
    ask("10 01")
    assert ecu.state.dtc_setting_on  # back in default, DTC setting is on again
