"""ISO 15765-2 addressing: ids and extension bytes per mode, against hand-written ids."""

from __future__ import annotations

import pytest

from diagkit.errors import ConfigurationError
from diagkit.transport.address import Address, AddressingMode, TargetAddressType
from diagkit.transport.options import Flags

M = AddressingMode
PHYS = TargetAddressType.Physical
FUNC = TargetAddressType.Functional


def test_normal_11bit_uses_the_given_ids() -> None:
    address = Address(M.Normal_11bits, txid=0x7E0, rxid=0x7E8)
    assert (address.tx_id, address.rx_id) == (0x7E0, 0x7E8)
    assert (address.kernel_tx_id, address.kernel_rx_id) == (0x7E0, 0x7E8)
    assert not address.is_29bit
    assert address.tx_ext_address is None and address.rx_ext_address is None
    assert address.kernel_flags == Flags(0)


def test_normal_29bit_ids_carry_can_eff_flag_for_the_kernel() -> None:
    address = Address(M.Normal_29bits, txid=0x18DA10F1, rxid=0x18DAF110)
    assert address.is_29bit
    assert address.kernel_tx_id == 0x98DA10F1
    assert address.kernel_rx_id == 0x98DAF110


def test_normal_fixed_physical_and_functional_ids() -> None:
    physical = Address(M.NormalFixed_29bits, target_address=0x10, source_address=0xF1)
    assert physical.tx_id == 0x18DA10F1  # 0x18DA_TA_SA
    assert physical.rx_id == 0x18DAF110  # response 0x18DA_SA_TA
    functional = physical.functional()
    assert functional.target_type is FUNC
    assert functional.tx_id == 0x18DB10F1  # 0x18DB_TA_SA
    assert functional.rx_id == 0x18DAF110  # responses are physical
    assert functional.kernel_tx_id == 0x98DB10F1
    assert physical.tx_ext_address is None


def test_normal_fixed_functional_address_built_directly() -> None:
    address = Address(
        M.NormalFixed_29bits, target_address=0x33, source_address=0xF1, target_type=FUNC
    )
    assert address.tx_id == 0x18DB33F1
    assert address.functional() is address


def test_extended_puts_target_first_in_tx_and_expects_source_in_rx() -> None:
    address = Address(
        M.Extended_11bits, txid=0x6F1, rxid=0x612, target_address=0x12, source_address=0xF1
    )
    assert (address.tx_id, address.rx_id) == (0x6F1, 0x612)
    assert address.tx_ext_address == 0x12
    assert address.rx_ext_address == 0xF1
    assert address.kernel_flags == Flags.EXTEND_ADDR | Flags.RX_EXT_ADDR


def test_extended_with_equal_bytes_needs_no_rx_ext_addr_flag() -> None:
    address = Address(
        M.Extended_29bits, txid=0x1234, rxid=0x1235, target_address=0x55, source_address=0x55
    )
    assert address.kernel_flags == Flags.EXTEND_ADDR
    assert address.kernel_tx_id == 0x80001234


def test_mixed_11bit_uses_the_extension_byte_both_ways() -> None:
    address = Address(M.Mixed_11bits, txid=0x7E0, rxid=0x7E8, address_extension=0x99)
    assert (address.tx_ext_address, address.rx_ext_address) == (0x99, 0x99)
    assert address.kernel_flags == Flags.EXTEND_ADDR
    assert address.kernel_tx_id == 0x7E0


def test_mixed_29bit_physical_and_functional_ids() -> None:
    physical = Address(
        M.Mixed_29bits, target_address=0x10, source_address=0xF1, address_extension=0x42
    )
    assert physical.tx_id == 0x18CE10F1  # 0x18CE_TA_SA
    assert physical.rx_id == 0x18CEF110
    assert physical.tx_ext_address == 0x42
    functional = physical.functional()
    assert functional.tx_id == 0x18CD10F1  # 0x18CD_TA_SA
    assert functional.rx_id == 0x18CEF110
    assert functional.address_extension == 0x42


@pytest.mark.parametrize(
    "address",
    [
        Address(M.Normal_11bits, txid=0x7E0, rxid=0x7E8),
        Address(M.Extended_11bits, txid=0x7E0, rxid=0x7E8, target_address=1, source_address=2),
        Address(M.Mixed_11bits, txid=0x7E0, rxid=0x7E8, address_extension=1),
    ],
)
def test_modes_without_a_functional_id_say_how_to_build_one(address: Address) -> None:
    with pytest.raises(ConfigurationError, match=r"defines no functional CAN id.*0x7DF"):
        address.functional()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"addressing_mode": M.Normal_11bits, "rxid": 0x7E8},
            "txid is required for Normal_11bits addressing, got None",
        ),
        (
            {"addressing_mode": M.Normal_11bits, "txid": 0x800, "rxid": 0x7E8},
            r"txid \(11-bit CAN id, Normal_11bits\) must be in 0x000\.\.0x7FF, got 0x800",
        ),
        (
            {"addressing_mode": M.Normal_29bits, "txid": 0x20000000, "rxid": 1},
            r"txid \(29-bit CAN id, Normal_29bits\) must be in 0x000\.\.0x1FFFFFFF, got 0x20000000",
        ),
        ({"addressing_mode": M.Normal_11bits, "txid": -1, "rxid": 1}, r"got -1"),
        ({"addressing_mode": M.Normal_11bits, "txid": True, "rxid": 1}, r"got True \(bool\)"),
        (
            {"addressing_mode": M.Normal_11bits, "txid": 1, "rxid": 2, "target_address": 3},
            "target_address is not used by Normal_11bits addressing and must be None, got 3",
        ),
        (
            {"addressing_mode": M.NormalFixed_29bits, "target_address": 1},
            "source_address is required for NormalFixed_29bits addressing",
        ),
        (
            {
                "addressing_mode": M.NormalFixed_29bits,
                "target_address": 1,
                "source_address": 2,
                "txid": 5,
            },
            "txid is not used by NormalFixed_29bits",
        ),
        (
            {"addressing_mode": M.NormalFixed_29bits, "target_address": 0x100, "source_address": 2},
            r"target_address must be in 0x00\.\.0xFF, got 0x100",
        ),
        (
            {"addressing_mode": M.Extended_11bits, "txid": 1, "rxid": 2, "target_address": 3},
            "source_address is required for Extended_11bits",
        ),
        (
            {"addressing_mode": M.Mixed_11bits, "txid": 1, "rxid": 2},
            "address_extension is required for Mixed_11bits",
        ),
        (
            {
                "addressing_mode": M.Mixed_29bits,
                "target_address": 1,
                "source_address": 2,
                "address_extension": 256,
            },
            r"address_extension must be in 0x00\.\.0xFF, got 0x100",
        ),
        (
            {"addressing_mode": M.Normal_11bits, "txid": 0x7E0, "rxid": 0x7E0},
            r"tx id and rx id must differ .*EADDRNOTAVAIL.*got 0x7E0 for both",
        ),
        (
            {"addressing_mode": "Normal_11bits", "txid": 1, "rxid": 2},
            "addressing_mode must be an AddressingMode",
        ),
        (
            {"txid": 1, "rxid": 2, "target_type": "functional"},
            "target_type must be TargetAddressType",
        ),
    ],
)
def test_invalid_addresses_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Address(**kwargs)  # type: ignore[arg-type]


def test_a_functional_normal_address_may_share_the_response_id() -> None:
    # functional request id and physical response id are distinct in practice, but a
    # transmit-only functional socket registers no rx id, so equal ids are not refused
    address = Address(M.Normal_11bits, txid=0x7DF, rxid=0x7DF, target_type=FUNC)
    assert address.tx_id == 0x7DF


def test_address_is_immutable_and_hashable() -> None:
    address = Address(M.Normal_11bits, txid=0x7E0, rxid=0x7E8)
    with pytest.raises(AttributeError):
        address.txid = 1  # type: ignore[misc]
    assert address == Address(M.Normal_11bits, txid=0x7E0, rxid=0x7E8)
    assert len({address, Address(M.Normal_11bits, txid=0x7E0, rxid=0x7E8)}) == 1


def test_str_names_mode_ids_and_bytes() -> None:
    address = Address(
        M.Extended_11bits, txid=0x6F1, rxid=0x612, target_address=0x12, source_address=0xF1
    )
    assert str(address) == "Extended_11bits tx 0x6F1 rx 0x612 ext 0x12/0xF1"
    fixed = Address(M.NormalFixed_29bits, target_address=0x10, source_address=0xF1)
    assert str(fixed.functional()) == "NormalFixed_29bits tx 0x18DB10F1 rx 0x18DAF110 functional"


def test_mode_names_and_values_match_python_can_isotp() -> None:
    isotp = pytest.importorskip("isotp")
    assert [(m.name, m.value) for m in AddressingMode] == [
        (m.name, m.value) for m in isotp.AddressingMode
    ]
    assert [m.name for m in TargetAddressType] == [m.name for m in isotp.TargetAddressType]
