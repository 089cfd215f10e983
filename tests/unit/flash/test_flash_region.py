"""FlashRegion from a profile: routine ids, session, security level and formats; then a flash."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from diagkit.client.factory import open_client
from diagkit.errors import ConfigurationError
from diagkit.flash import FlashRegion, flash
from diagkit.profile import EcuProfile, load_profile
from diagkit.sim import SimEcu, SimServer, spec_from_profile
from diagkit.transport.memory import MemoryTransport

ENGINE = Path(__file__).resolve().parents[3] / "profiles" / "engine.yaml"


def test_engine_application_region() -> None:
    region = FlashRegion.from_profile(load_profile(ENGINE), "application")
    assert region == FlashRegion(
        address=0x08004000,
        size=0x3C000,
        name="application",
        erase_routine=0xFF00,  # erase_memory
        check_routine=0x0202,  # check_memory
        session=0x02,
        security_level=0x11,
        address_bits=32,
        size_bits=32,
    )


def test_a_region_without_routines_still_enters_the_programming_session() -> None:
    region = FlashRegion.from_profile(load_profile(ENGINE), "bootloader")
    assert (region.erase_routine, region.check_routine) == (None, None)
    assert (region.session, region.security_level) == (0x02, None)


def test_an_unknown_region_lists_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match=r"no memory region 'app' \(regions: boot"):
        FlashRegion.from_profile(load_profile(ENGINE), "app")


PROFILE = EcuProfile.model_validate(
    {
        "name": "body",
        "backend": "memory",
        "addressing": {"mode": "normal_11bit", "txid": 0x7E0, "rxid": 0x7E8},
        "uds": {"server_address_format": 24, "server_memorysize_format": 16},
        "security": [{"level": 0x05, "algorithm": "xor_mask", "params": {"mask": 0xA5}}],
        "routines": [
            {"id": 0xFF00, "name": "erase", "session": "programming", "security_level": 0x05},
            {"id": 0xFF01, "name": "check"},
        ],
        "memory": [
            {
                "name": "calibration",
                "address": 0x20000,
                "size": 0x800,
                "erase_routine": "erase",
                "checksum_routine": "check",
            }
        ],
    }
)


@pytest.fixture
def served_profile() -> Iterator[tuple[MemoryTransport, SimEcu]]:
    tester, ecu_end = MemoryTransport.pair()
    ecu = SimEcu(spec_from_profile(PROFILE))
    with SimServer(poll_interval=0.01).add(ecu, ecu_end, owned=True):
        yield tester, ecu


def test_flash_a_profile_region_through_open_client(
    served_profile: tuple[MemoryTransport, SimEcu],
) -> None:
    tester, ecu = served_profile
    image = bytes(range(256)) * 8
    region = FlashRegion.from_profile(PROFILE, "calibration")
    with open_client(PROFILE, transport=tester) as client:
        result = flash(client, region, image)
    assert result.erased and result.verified
    assert ecu.state.read_memory(ecu.spec, 0x20000, 0x800) == image
    # 24-bit addresses and 16-bit sizes: ALFID 0x23
    assert bytes.fromhex("31 01 FF 00 23 02 00 00 08 00") in tester.sent
    assert bytes.fromhex("34 00 23 02 00 00 08 00") in tester.sent
    assert bytes.fromhex("31 01 FF 01") + zlib.crc32(image).to_bytes(4, "big") in tester.sent
