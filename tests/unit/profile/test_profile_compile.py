"""Compiling a profile into the transport's options and udsoncan's client configuration."""

from __future__ import annotations

import sys

import pytest
from udsoncan.typing import ClientConfig

from diagkit.profile import (
    dump_profile,
    load_profile,
    parse_profile,
    transport_config,
    udsoncan_config,
)
from diagkit.transport.address import AddressingMode, TargetAddressType
from diagkit.transport.options import FRAME_TXTIME_ZERO, Flags, LinkLayerProtocol
from tests.unit.profile._profile_helpers import MINIMAL, PROFILES

little_endian_only = pytest.mark.skipif(
    sys.byteorder != "little", reason="expected struct bytes are written for a little-endian host"
)


def test_engine_compiles_to_11bit_ids_padding_and_wait_tx_done() -> None:
    config = transport_config(load_profile(PROFILES / "engine.yaml"))
    assert config.interface == "can0"
    assert config.backend == "kernel"
    assert config.address.addressing_mode is AddressingMode.Normal_11bits
    assert (config.address.tx_id, config.address.rx_id) == (0x7E0, 0x7E8)
    assert config.functional_address is not None
    assert config.functional_address.target_type is TargetAddressType.Functional
    assert config.functional_address.tx_id == 0x7DF
    general = config.options.general
    assert general.optflag == Flags.TX_PADDING | Flags.WAIT_TX_DONE
    assert general.txpad == 0xCC
    assert config.max_pdu_size == 8300


@little_endian_only
def test_engine_options_pack_to_the_uapi_struct_bytes() -> None:
    options = transport_config(load_profile(PROFILES / "engine.yaml")).options
    # struct can_isotp_options: u32 flags (TX_PADDING 0x0004 | WAIT_TX_DONE 0x0400),
    # u32 frame_txtime (0 = kernel default), u8 ext_address, txpad 0xCC, rxpad, rx_ext_address.
    assert options.general.pack() == bytes.fromhex("040400000000000000cc0000")
    # struct can_isotp_fc_options: bs 0, stmin 0x00, wftmax 0.
    assert options.flow_control.pack() == bytes.fromhex("000000")
    # struct can_isotp_ll_options: mtu 16 (CAN_MTU), tx_dl 8, tx_flags 0.
    assert options.link_layer.pack() == bytes.fromhex("100800")


def test_normal_fixed_ecu_gets_iso_15765_2_derived_29bit_ids() -> None:
    config = transport_config(load_profile(PROFILES / "inverter_29bit.yaml"))
    # ISO 15765-2 normal fixed addressing: priority 6, PF 0xDA (physical) / 0xDB (functional).
    assert config.address.tx_id == 0x18DA0BF1
    assert config.address.rx_id == 0x18DAF10B
    assert config.functional_address is not None
    assert config.functional_address.tx_id == 0x18DB33F1
    fc = config.options.flow_control
    assert (fc.bs, fc.stmin, fc.wftmax) == (8, 0xF5, 2)  # STmin 0xF5 = 500 us
    general = config.options.general
    assert general.optflag == (
        Flags.TX_PADDING
        | Flags.RX_PADDING
        | Flags.CHK_PAD_LEN
        | Flags.CHK_PAD_DATA
        | Flags.WAIT_TX_DONE
    )
    assert (general.txpad, general.rxpad) == (0xAA, 0xAA)


def test_extended_addressing_puts_target_and_source_address_bytes_first() -> None:
    config = transport_config(load_profile(PROFILES / "gateway.yaml"))
    address = config.address
    assert address.addressing_mode is AddressingMode.Extended_11bits
    assert (address.tx_id, address.rx_id) == (0x6F1, 0x640)
    assert (address.tx_ext_address, address.rx_ext_address) == (0x40, 0xF1)
    functional = config.functional_address
    assert functional is not None
    assert (functional.tx_id, functional.tx_ext_address) == (0x6F1, 0xDF)


def test_can_fd_profile_sets_fd_mtu_tx_dl_and_bit_rate_switch() -> None:
    config = transport_config(load_profile(PROFILES / "camera_canfd.yaml"))
    link = config.options.link_layer
    assert (link.mtu, link.tx_dl, link.tx_flags) == (LinkLayerProtocol.CAN_FD, 64, 0x01)
    assert config.max_pdu_size == 16384
    assert config.send_timeout == 5.0


@pytest.mark.parametrize(
    ("isotp", "flags", "txtime", "tx_ns", "rx_ns"),
    [
        ("{}", Flags.WAIT_TX_DONE, 0, None, None),
        ("{wait_tx_done: false}", Flags(0), 0, None, None),
        ("{frame_txtime: 0}", Flags.WAIT_TX_DONE, FRAME_TXTIME_ZERO, None, None),
        ("{frame_txtime: 100us}", Flags.WAIT_TX_DONE, 100_000, None, None),
        ("{tx_stmin: 1ms}", Flags.WAIT_TX_DONE | Flags.FORCE_TXSTMIN, 0, 1_000_000, None),
        ("{rx_stmin: 250us}", Flags.WAIT_TX_DONE | Flags.FORCE_RXSTMIN, 0, None, 250_000),
        ("{half_duplex: true}", Flags.WAIT_TX_DONE | Flags.HALF_DUPLEX, 0, None, None),
        (
            "{rx_padding: 0x55, rx_padding_check: length}",
            Flags.WAIT_TX_DONE | Flags.RX_PADDING | Flags.CHK_PAD_LEN,
            0,
            None,
            None,
        ),
    ],
)
def test_isotp_settings_map_to_kernel_flags_and_nanoseconds(
    isotp: str, flags: Flags, txtime: int, tx_ns: int | None, rx_ns: int | None
) -> None:
    options = transport_config(parse_profile(MINIMAL + f"isotp: {isotp}\n")).options
    assert options.general.optflag == flags
    assert options.general.frame_txtime_ns == txtime
    assert (options.tx_stmin_ns, options.rx_stmin_ns) == (tx_ns, rx_ns)


def test_a_length_only_padding_check_leaves_rxpad_unset() -> None:
    text = MINIMAL + "isotp: {rx_padding: 0x55, rx_padding_check: length}\n"
    assert transport_config(parse_profile(text)).options.general.rxpad == 0


@pytest.mark.parametrize(
    ("mode", "tx", "rx"),
    [
        ("{mode: normal_29bit, txid: 0x18DA10F1, rxid: 0x18DAF110}", 0x18DA10F1, 0x18DAF110),
        (
            "{mode: mixed_11bit, txid: 0x700, rxid: 0x708, address_extension: 0x21}",
            0x700,
            0x708,
        ),
        # ISO 15765-2 mixed 29-bit: priority 6, PF 0xCE physical.
        (
            "{mode: mixed_29bit, target_address: 0x40, source_address: 0xF1, "
            "address_extension: 0x21}",
            0x18CE40F1,
            0x18CEF140,
        ),
        (
            "{mode: extended_29bit, txid: 0x18DA40F1, rxid: 0x18DAF140, target_address: 0x12, "
            "source_address: 0xF1}",
            0x18DA40F1,
            0x18DAF140,
        ),
    ],
)
def test_every_addressing_mode_compiles(mode: str, tx: int, rx: int) -> None:
    address = transport_config(parse_profile(f"name: e\naddressing: {mode}\n")).address
    assert (address.tx_id, address.rx_id) == (tx, rx)
    assert address.is_29bit == (tx > 0x7FF)


def test_backend_interface_and_python_can_arguments_are_carried() -> None:
    profile = load_profile(PROFILES / "engine_userspace.yaml")
    config = transport_config(profile)
    assert (config.backend, config.interface) == ("userspace", "bench")
    assert config.python_can == (("interface", "virtual"), ("receive_own_messages", "false"))


def test_overrides_replace_interface_and_backend_and_are_validated() -> None:
    profile = load_profile(PROFILES / "engine.yaml", interface="vcan0", backend="memory")
    assert (profile.interface, profile.backend) == ("vcan0", "memory")
    assert profile.with_overrides() is profile
    with pytest.raises(ValueError, match="longer than a Linux interface name"):
        profile.with_overrides(interface="x" * 16, backend="kernel")


def test_udsoncan_options_are_the_profile_values_and_leave_timing_to_the_client() -> None:
    profile = load_profile(PROFILES / "engine.yaml")
    config = udsoncan_config(profile)
    assert config["standard_version"] == 2013
    assert (config["server_address_format"], config["server_memorysize_format"]) == (32, 32)
    assert config["extended_data_size"] == 4
    assert config["dtc_snapshot_did_size"] == 2
    assert sorted(config["data_identifiers"]) == sorted(did.id for did in profile.dids)
    assert config["logger_name"] == "engine"
    # P2, P2* and the overall timer are the client's Timing, turned into udsoncan keys once
    timing_keys = {"p2_timeout", "p2_star_timeout", "request_timeout", "use_server_timing"}
    assert timing_keys.isdisjoint(config)
    assert set(config) <= set(ClientConfig.__annotations__)  # all options udsoncan knows


def test_per_dtc_extended_data_sizes() -> None:
    profile = parse_profile(MINIMAL + "dtc: {extended_data_sizes: {0x0A1B2C: 2}}\n")
    assert udsoncan_config(profile)["extended_data_size"] == {0x0A1B2C: 2}


SECURED = MINIMAL + (
    "security:\n"
    "  - {level: 0x01, algorithm: xor_mask, params: {mask: 0x5A5A}}\n"
    "  - {level: 0x11, algorithm: aes128_cmac, key_env: ENGINE_SA_KEY}\n"
)


def test_security_is_not_in_udsoncan_options() -> None:
    # keys are computed by the client from its SecuritySettings (one way to configure them)
    options = udsoncan_config(parse_profile(SECURED))
    assert not {"security_algo", "security_algo_params"} & set(options)


def test_dumps_name_the_key_variable_never_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGINE_SA_KEY", "SUPERSECRET")
    profile = parse_profile(SECURED)
    for text in (dump_profile(profile), dump_profile(profile, "json"), repr(profile)):
        assert "ENGINE_SA_KEY" in text
        assert "SUPERSECRET" not in text
