"""Every field's validation, with the message a profile writer reads."""

from __future__ import annotations

import pytest

from diagkit.profile import parse_profile
from diagkit.profile.problems import path_text
from tests.unit.profile._profile_helpers import MINIMAL, problems_of

ADDRESSING_11 = "addressing: {mode: normal_11bit, txid: 0x7E0, rxid: 0x7E8}\n"


def one_problem(text: str) -> tuple[str, str]:
    problems = problems_of(text)
    assert len(problems) == 1, [str(p) for p in problems]
    return path_text(problems[0].path), problems[0].message


CASES: list[tuple[str, str, str, str]] = [
    # (case, profile text, expected path, message fragment)
    ("name missing", ADDRESSING_11, "name", "required, but missing"),
    ("name with space", "name: my ecu\n" + ADDRESSING_11, "name", "not a valid name"),
    ("addressing missing", "name: e\n", "addressing", "required, but missing"),
    (
        "interface too long",
        MINIMAL + "interface: averyveryverylongname\n",
        "interface",
        "longer than a Linux interface name (15 characters)",
    ),
    (
        "interface with space",
        MINIMAL + "interface: 'can 0'\n",
        "interface",
        "'can 0' is not an interface name (no spaces)",
    ),
    ("backend unknown", MINIMAL + "backend: kernal\n", "backend", "did you mean 'kernel'"),
    (
        "mode unknown",
        "name: e\naddressing: {mode: normal11, txid: 1, rxid: 2}\n",
        "addressing.mode",
        "did you mean 'normal_11bit'",
    ),
    (
        "txid too wide for 11 bit",
        "name: e\naddressing: {txid: 0x800, rxid: 0x7E8}\n",
        "addressing.txid",
        "0x800 does not fit an 11-bit id (max 0x7FF); use addressing.mode: normal_29bit",
    ),
    (
        "rxid beyond 29 bit",
        "name: e\naddressing: {mode: normal_29bit, txid: 0x18DA10F1, rxid: 0x3FFFFFFF}\n",
        "addressing.rxid",
        "0x3FFFFFFF is above the maximum 0x1FFFFFFF",
    ),
    (
        "rxid equals txid",
        "name: e\naddressing: {txid: 0x7E0, rxid: 0x7E0}\n",
        "addressing.rxid",
        "must differ from txid (0x7E0)",
    ),
    (
        "rxid missing",
        "name: e\naddressing: {txid: 0x7E0}\n",
        "addressing.rxid",
        "required with mode: normal_11bit",
    ),
    (
        "fixed mode given ids",
        "name: e\naddressing: {mode: normal_fixed_29bit, target_address: 1, "
        "source_address: 0xF1, txid: 0x18DA01F1}\n",
        "addressing.txid",
        "the CAN ids derive from target_address and source_address",
    ),
    (
        "target address is a byte",
        "name: e\naddressing: {mode: normal_fixed_29bit, "
        "target_address: 0x100, source_address: 0xF1}\n",
        "addressing.target_address",
        "0x100 is above the maximum 0xFF",
    ),
    (
        "fixed TA equals SA",
        "name: e\naddressing: {mode: normal_fixed_29bit, target_address: 0xF1, "
        "source_address: 0xF1}\n",
        "addressing.source_address",
        "must differ from target_address",
    ),
    (
        "extension outside mixed",
        MINIMAL.replace("rxid: 0x7E8", "rxid: 0x7E8\n  address_extension: 1"),
        "addressing.address_extension",
        "applies to mixed_11bit and mixed_29bit",
    ),
    (
        "mixed without extension",
        "name: e\naddressing: {mode: mixed_11bit, txid: 1, rxid: 2}\n",
        "addressing.address_extension",
        "required with mode: mixed_11bit",
    ),
    (
        "functional equals rxid",
        MINIMAL + "  functional_txid: 0x7E8\n",
        "addressing.functional_txid",
        "must differ from rxid",
    ),
    (
        "extended functional on same id",
        "name: e\naddressing: {mode: extended_11bit, txid: 0x6F1, "
        "rxid: 0x640, target_address: 0x40, source_address: 0xF1, functional_txid: 0x6F1}\n",
        "addressing.functional_target_address",
        "a functional target address (e.g. 0xDF)",
    ),
    (
        "txid not a number",
        "name: e\naddressing: {txid: 7E0, rxid: 0x7E8}\n",
        "addressing.txid",
        "write hexadecimal as 0x7E0",
    ),
    (
        "tx padding beyond a byte",
        MINIMAL + "isotp: {tx_padding: 256}\n",
        "isotp.tx_padding",
        "256 is above the maximum 255",
    ),
    (
        "rx check without byte",
        MINIMAL + "isotp: {rx_padding_check: data}\n",
        "isotp.rx_padding",
        "required by rx_padding_check: data",
    ),
    (
        "rx byte without check",
        MINIMAL + "isotp: {rx_padding: 0xCC}\n",
        "isotp.rx_padding_check",
        "rx_padding has no effect without a check",
    ),
    (
        "rx check unknown",
        MINIMAL + "isotp: {rx_padding: 0xCC, rx_padding_check: lenght}\n",
        "isotp.rx_padding_check",
        "did you mean 'length'",
    ),
    (
        "stmin rounded",
        MINIMAL + "isotp: {flow_control: {stmin: 950us}}\n",
        "isotp.flow_control.stmin",
        "nearest legal values: 900us, 1ms",
    ),
    (
        "stmin too long",
        MINIMAL + "isotp: {flow_control: {stmin: 200ms}}\n",
        "isotp.flow_control.stmin",
        "above the largest STmin",
    ),
    (
        "block size",
        MINIMAL + "isotp: {flow_control: {block_size: 300}}\n",
        "isotp.flow_control.block_size",
        "300 is above the maximum 255",
    ),
    (
        "wft max negative",
        MINIMAL + "isotp: {flow_control: {wft_max: -1}}\n",
        "isotp.flow_control.wft_max",
        "-1 is below the minimum 0",
    ),
    (
        "tx_dl without fd",
        MINIMAL + "isotp: {tx_dl: 64}\n",
        "isotp.tx_dl",
        "64 needs CAN FD; set isotp.can_fd: true",
    ),
    (
        "tx_dl not an FD length",
        MINIMAL + "isotp: {can_fd: true, tx_dl: 40}\n",
        "isotp.tx_dl",
        "40 is not a CAN FD data length; use one of 8, 12, 16, 20, 24, 32, 48, 64",
    ),
    (
        "brs without fd",
        MINIMAL + "isotp: {bitrate_switch: true}\n",
        "isotp.bitrate_switch",
        "needs CAN FD",
    ),
    (
        "tx stmin beyond u32 ns",
        MINIMAL + "isotp: {tx_stmin: 5s}\n",
        "isotp.tx_stmin",
        "above the kernel's limit",
    ),
    ("rx stmin zero", MINIMAL + "isotp: {rx_stmin: 0}\n", "isotp.rx_stmin", "0 drops no frame"),
    (
        "frame txtime finer than ns",
        MINIMAL + "isotp: {frame_txtime: 0.5ns}\n",
        "isotp.frame_txtime",
        "finer than 1ns",
    ),
    (
        "max pdu zero",
        MINIMAL + "isotp: {max_pdu_size: 0}\n",
        "isotp.max_pdu_size",
        "0 is below the minimum 1",
    ),
    (
        "wait_tx_done not a bool",
        MINIMAL + "isotp: {wait_tx_done: maybe}\n",
        "isotp.wait_tx_done",
        "valid boolean",
    ),
    (
        "send timeout zero",
        MINIMAL + "isotp: {send_timeout: 0}\n",
        "isotp.send_timeout",
        "must be above 0",
    ),
    ("p2 zero", MINIMAL + "uds: {p2: 0}\n", "uds.p2", "must be above 0"),
    (
        "p2 beyond 2 bytes of ms",
        MINIMAL + "uds: {p2: 70s, p2_star: 80s}\n",
        "uds.p2",
        "above the maximum 65.535",
    ),
    (
        "p2 star below p2",
        MINIMAL + "uds: {p2: 2s, p2_star: 1s}\n",
        "uds.p2_star",
        "1s is shorter than p2 (2s)",
    ),
    (
        "request timeout below p2",
        MINIMAL + "uds: {p2: 1s, request_timeout: 500ms}\n",
        "uds.request_timeout",
        "no answer could ever arrive in time",
    ),
    (
        "standard version",
        MINIMAL + "uds: {standard_version: 2018}\n",
        "uds.standard_version",
        "2018 is not one of 2006, 2013, 2020",
    ),
    (
        "address format",
        MINIMAL + "uds: {server_address_format: 12}\n",
        "uds.server_address_format",
        "12 is not one of 8, 16, 24, 32, 40",
    ),
    (
        "tester present at S3",
        MINIMAL + "uds: {tester_present: {enabled: true, interval: 5s}}\n",
        "uds.tester_present.interval",
        "not below S3server (5s)",
    ),
    (
        "tester present functional without address",
        MINIMAL + "uds: {tester_present: {enabled: true, addressing: functional}}\n",
        "uds.tester_present.addressing",
        "functional needs a functional address",
    ),
    (
        "did id beyond 16 bit",
        MINIMAL + "dids: [{id: 0x1F190, name: vin, codec: {type: ascii, length: 17}}]\n",
        "dids[0].id",
        "0x1F190 is above the maximum 0xFFFF",
    ),
    (
        "did codec unknown",
        MINIMAL + "dids: [{id: 1, name: x, codec: {type: uint8}}]\n",
        "dids[0].codec.type",
        "type 'uint8' is not one of ascii, utf8, utf-8, uint, int, scaled, enum, "
        "bytes, hex, bcd; did you mean 'uint'?",
    ),
    (
        "did codec without type",
        MINIMAL + "dids: [{id: 1, name: x, codec: {size: 2}}]\n",
        "dids[0].codec",
        "needs a 'type' key",
    ),
    (
        "did codec misspelled key",
        MINIMAL + "dids: [{id: 1, name: x, codec: {type: uint, sise: 2}}]\n",
        "dids[0].codec.sise",
        "unknown key 'sise'; did you mean 'size'?",
    ),
    (
        "uint wider than 8 bytes",
        MINIMAL + "dids: [{id: 1, name: x, codec: {type: uint, size: 9}}]\n",
        "dids[0].codec.size",
        "9 is above the maximum 8",
    ),
    (
        "scaled factor zero",
        MINIMAL + "dids: [{id: 1, name: x, codec: {type: scaled, factor: 0}}]\n",
        "dids[0].codec.factor",
        "must not be 0",
    ),
    (
        "enum value too wide",
        MINIMAL + "dids: [{id: 1, name: x, codec: {type: enum, size: 1, values: {256: big}}}]\n",
        "dids[0].codec.values[256]",
        "does not fit enum uint8",
    ),
    (
        "enum name repeated",
        MINIMAL + "dids: [{id: 1, name: x, codec: {type: enum, values: {0: idle, 1: idle}}}]\n",
        "dids[0].codec.values[1]",
        "name 'idle' is already used",
    ),
    (
        "enum name read as boolean",
        MINIMAL + "dids: [{id: 1, name: x, codec: {type: enum, values: {0: off}}}]\n",
        "dids[0].codec.values[0]",
        "expected a string, got true or false False (YAML reads yes/no/on/off as booleans",
    ),
    (
        "ascii length zero",
        MINIMAL + "dids: [{id: 1, name: x, codec: {type: ascii, length: 0}}]\n",
        "dids[0].codec.length",
        "0 is below the minimum 1",
    ),
    (
        "did repeated",
        MINIMAL + "dids: [{id: 1, name: a, codec: {type: uint}}, {id: 1, name: b, "
        "codec: {type: uint}}]\n",
        "dids[1].id",
        "id 0x1 is already defined at index 0",
    ),
    (
        "did session unknown",
        MINIMAL + "dids: [{id: 1, name: a, codec: {type: uint}, session: extented}]\n",
        "dids[0].session",
        "is not a session",
    ),
    (
        "did security level unknown",
        MINIMAL + "dids: [{id: 1, name: a, codec: {type: uint}, security_level: 3}]\n",
        "dids[0].security_level",
        "0x03 is not a level in security:",
    ),
    (
        "security level even",
        MINIMAL + "security: [{level: 2, algorithm: xor_mask, params: {mask: 0xA5}}]\n",
        "security[0].level",
        "0x02 is not a requestSeed sub-function",
    ),
    (
        "security without algorithm",
        MINIMAL + "security: [{level: 1}]\n",
        "security[0].algorithm",
        "required, but missing",
    ),
    (
        "security key twice",
        MINIMAL
        + "security: [{level: 1, algorithm: aes128_cmac, key_env: K, params: {key: '"
        + "00" * 16
        + "'}}]\n",
        "security[0].key_env",
        "keep key material in one place",
    ),
    (
        "key env not a variable name",
        MINIMAL
        + "security: [{level: 1, algorithm: add_constant, params: {constant: 1}, "
        + "key_env: 'MY KEY'}]\n",
        "security[0].key_env",
        "'MY KEY' is not an environment variable name",
    ),
    (
        "routine repeated name",
        MINIMAL + "routines: [{id: 1, name: r}, {id: 2, name: r}]\n",
        "routines[1].name",
        "name 'r' is already defined at index 0",
    ),
    (
        "dtc both size styles",
        MINIMAL + "dtc: {extended_data_size: 2, extended_data_sizes: {0x123456: 4}}\n",
        "dtc.extended_data_sizes",
        "not both",
    ),
    (
        "dtc snapshot did size",
        MINIMAL + "dtc: {snapshot_did_size: 0}\n",
        "dtc.snapshot_did_size",
        "0 is below the minimum 1",
    ),
    (
        "memory overlap",
        MINIMAL + "memory: [{name: a, address: 0x1000, size: 0x100}, "
        "{name: b, address: 0x10F0, size: 0x10}]\n",
        "memory[1].address",
        "region 'b' overlaps 'a' (0x1000..0x10FF)",
    ),
    (
        "memory beyond address format",
        MINIMAL + "uds: {server_address_format: 16}\n"
        "memory: [{name: a, address: 0xFF00, size: 0x200}]\n",
        "memory[0].size",
        "beyond uds.server_address_format: 16",
    ),
    (
        "memory erase routine unknown",
        MINIMAL + "memory: [{name: a, address: 0, size: 1, erase_routine: erase}]\n",
        "memory[0].erase_routine",
        "routine 'erase' is not in routines:",
    ),
    (
        "memory size zero",
        MINIMAL + "memory: [{name: a, address: 0, size: 0}]\n",
        "memory[0].size",
        "0 must be above 0",
    ),
    (
        "simulation unknown did",
        MINIMAL + "simulation: {dids: {vin: X}}\n",
        "simulation.dids.vin",
        "DID 'vin' is not defined in dids:",
    ),
    (
        "simulation value does not encode",
        MINIMAL + "dids: [{id: 0xF190, name: vin, codec: "
        "{type: ascii, length: 17}}]\nsimulation: {dids: {vin: SHORT}}\n",
        "simulation.dids.vin",
        "vin: 'SHORT' is 5 byte(s); 17-byte ascii needs 17",
    ),
    (
        "simulation fault service",
        MINIMAL + "simulation: {faults: [{service: 0x1FF}]}\n",
        "simulation.faults[0].service",
        "0x1FF is not a service id",
    ),
    (
        "simulation fault service name misspelled",
        MINIMAL + "simulation: {faults: [{service: read_data_by_identifer}]}\n",
        "simulation.faults[0].service",
        "unknown service 'read_data_by_identifer'; did you mean 'read_data_by_identifier'?",
    ),
    (
        "simulation fault service name unknown",
        MINIMAL + "simulation: {faults: [{service: flash_everything}]}\n",
        "simulation.faults[0].service",
        "known services: diagnostic_session_control, ecu_reset,",
    ),
    (
        "simulation fault times zero",
        MINIMAL + "simulation: {faults: [{service: 0x22, times: 0}]}\n",
        "simulation.faults[0].times",
        "0 is below the minimum 1",
    ),
    (
        "simulation fault pending_interval negative",
        MINIMAL + "simulation: {faults: [{service: 0x22, pending: 2, pending_interval: -1}]}\n",
        "simulation.faults[0].pending_interval",
        "a time cannot be negative",
    ),
    (
        "simulation reset_after_blocks on another service",
        MINIMAL + "simulation: {faults: [{service: 0x22, reset_after_blocks: 2}]}\n",
        "simulation.faults[0].reset_after_blocks",
        "only applies to service: transfer_data (0x36)",
    ),
    (
        "simulation reset_after_blocks negative",
        MINIMAL + "simulation: {faults: [{service: transfer_data, reset_after_blocks: -1}]}\n",
        "simulation.faults[0].reset_after_blocks",
        "-1 is below the minimum 0",
    ),
    (
        "simulation fault routine unknown",
        MINIMAL + "simulation: {faults: [{service: routine_control, did: erase}]}\n",
        "simulation.faults[0].did",
        "routine 'erase' is not defined in routines:",
    ),
    (
        "simulation max_block_length too small",
        MINIMAL + "simulation: {max_block_length: 2}\n",
        "simulation.max_block_length",
        "2 is below the minimum 3",
    ),
    (
        "simulation max_block_length beyond the PDU size",
        MINIMAL + "isotp: {max_pdu_size: 4095}\nsimulation: {max_block_length: 0x1002}\n",
        "simulation.max_block_length",
        "4098 is more than isotp.max_pdu_size (4095)",
    ),
    (
        "simulation fault unknown key",
        MINIMAL + "simulation: {faults: [{service: 0x22, dealy: 1s}]}\n",
        "simulation.faults[0].dealy",
        "did you mean 'delay'?",
    ),
    (
        "top level misspelled",
        MINIMAL + "isotpp: {}\n",
        "isotpp",
        "unknown key 'isotpp'; did you mean 'isotp'?",
    ),
    ("section not a mapping", MINIMAL + "uds: [1, 2]\n", "uds", "expected a mapping of keys"),
    ("list expected", MINIMAL + "dids: {id: 1}\n", "dids", "expected a list, got a mapping"),
    (
        "python_can value not scalar",
        MINIMAL + "python_can: {interface: [a]}\n",
        "python_can.interface",
        "expected",
    ),
]


@pytest.mark.parametrize(
    ("text", "path", "fragment"),
    [pytest.param(text, path, fragment, id=case) for case, text, path, fragment in CASES],
)
def test_each_field_is_checked_with_a_message_in_profile_terms(
    text: str, path: str, fragment: str
) -> None:
    found_path, message = one_problem(text)
    assert found_path == path
    assert fragment in message


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    text = (
        "name: engine\n"
        "addressing: {txid: 0x800, rxid: 0x7E8}\n"
        "isotp: {flow_control: {stmin: 950us}, tx_padding: 0x1CC}\n"
        "uds: {p2: fast}\n"
        "misspelled: 1\n"
    )
    paths = sorted(path_text(p.path) for p in problems_of(text))
    assert paths == [
        "addressing.txid",
        "isotp.flow_control.stmin",
        "isotp.tx_padding",
        "misspelled",
        "uds.p2",
    ]


def test_defaults_are_what_a_demanding_user_expects() -> None:
    profile = parse_profile(MINIMAL)
    assert profile.backend == "kernel"
    assert profile.isotp.wait_tx_done is True
    assert profile.isotp.tx_padding is None
    assert profile.uds.p2 == 0.05
    assert profile.uds.p2_star == 5.0
    assert profile.isotp.max_pdu_size == 8300


def test_hex_text_and_integers_give_the_same_profile() -> None:
    as_hex = parse_profile(MINIMAL)
    as_int = parse_profile(MINIMAL.replace("0x7E0", "2016").replace("0x7E8", "'0x7e8'"))
    assert as_hex == as_int


def test_profiles_are_frozen() -> None:
    profile = parse_profile(MINIMAL)
    with pytest.raises(ValueError, match="frozen"):
        profile.name = "other"
