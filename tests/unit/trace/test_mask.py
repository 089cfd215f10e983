"""Seeds and keys masked in ISO 15765-2 frames written by hand; everything else left alone."""

from __future__ import annotations

from diagkit.trace import SecretMasker, TraceFrame

TESTER, ECU = 0x7E0, 0x7E8


def frame(can_id: int, hex_data: str, *, fd: bool = False) -> TraceFrame:
    return TraceFrame(0.0, can_id, bytes.fromhex(hex_data), is_fd=fd)


def masked(masker: SecretMasker, can_id: int, hex_data: str, *, fd: bool = False) -> str:
    return masker.mask(frame(can_id, hex_data, fd=fd)).data.hex(" ").upper()


def test_single_frame_seed_and_key_masked_after_the_subfunction() -> None:
    masker = SecretMasker()
    assert masked(masker, TESTER, "02 27 01 CC CC CC CC CC") == "02 27 01 CC CC CC CC CC"
    # seed 12 34 56 78: SF length 6, SID 0x67, level 0x01; the padding byte stays
    assert masked(masker, ECU, "06 67 01 12 34 56 78 CC") == "06 67 01 FF FF FF FF CC"
    assert masked(masker, TESTER, "06 27 02 AA BB CC DD 55") == "06 27 02 FF FF FF FF 55"
    assert masked(masker, ECU, "02 67 02 CC CC CC CC CC") == "02 67 02 CC CC CC CC CC"


def test_multi_frame_key_masked_in_first_and_consecutive_frames_not_in_flow_control() -> None:
    masker = SecretMasker()
    # a 14-byte PDU: 27 02 and a 12-byte key 01..0C: FF carries 6 bytes, CF1 7, CF2 1 + padding
    assert masked(masker, TESTER, "10 0E 27 02 01 02 03 04") == "10 0E 27 02 FF FF FF FF"
    assert masked(masker, ECU, "30 00 00 CC CC CC CC CC") == "30 00 00 CC CC CC CC CC"
    assert masked(masker, TESTER, "21 05 06 07 08 09 0A 0B") == "21 FF FF FF FF FF FF FF"
    assert masked(masker, TESTER, "22 0C CC CC CC CC CC CC") == "22 FF CC CC CC CC CC CC"
    # the transfer is over: a following consecutive frame (another PDU's) is not touched
    assert masked(masker, TESTER, "23 0C CC CC CC CC CC CC") == "23 0C CC CC CC CC CC CC"


def test_other_services_and_negative_responses_pass_unchanged() -> None:
    masker = SecretMasker()
    for can_id, data in [
        (TESTER, "03 22 F1 90 CC CC CC CC"),
        (ECU, "10 14 62 F1 90 57 56 57"),
        (ECU, "21 5A 5A 5A 31 4A 5A 58"),
        (ECU, "03 7F 27 35 CC CC CC CC"),  # invalidKey: no secret in it
    ]:
        original = frame(can_id, data)
        assert masker.mask(original) is original


def test_a_multi_frame_read_on_one_id_is_not_masked_by_a_seed_on_another() -> None:
    masker = SecretMasker()
    assert masked(masker, ECU, "10 14 62 F1 90 57 56 57") == "10 14 62 F1 90 57 56 57"
    assert masked(masker, 0x7E9, "04 67 01 AB CD CC CC CC") == "04 67 01 FF FF CC CC CC"
    assert masked(masker, ECU, "21 5A 5A 5A 31 4A 5A 58") == "21 5A 5A 5A 31 4A 5A 58"


def test_can_fd_single_frame_with_escape_length() -> None:
    masker = SecretMasker()
    # CAN FD SF: 00, then the length 0x0A in the next byte (ISO 15765-2:2016 table 10)
    data = "00 0A 67 01 11 22 33 44 55 66 77 88"
    assert masked(masker, ECU, data, fd=True) == "00 0A 67 01 FF FF FF FF FF FF FF FF"


def test_extended_addressing_skips_the_address_byte() -> None:
    masker = SecretMasker({(ECU, False): 1})
    assert masked(masker, ECU, "F1 05 67 01 12 34 56 CC") == "F1 05 67 01 FF FF FF CC"
