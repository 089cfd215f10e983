"""diagkit's client end to end against the simulated ECU, over every backend (``backend``).

Both sides come from one profile: ``connect(profile)`` serves it as a simulated ECU on the
backend under test and returns ``(client, ecu)``, the client opened with ``open_client`` from
the same profile. Values the ECU holds are checked on its side (``ecu.state``) against what the
client sent, images against zlib's CRC-32. Timings are generous: the kernel parameters run in
the kernel VM (see ``tests/conftest.py``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator

import pytest
from udsoncan import MemoryLocation

from diagkit.client import EcuClient, NrcError, SecurityRefusedError, TimerExpiredError
from diagkit.client.factory import open_client
from diagkit.codes import Nrc
from diagkit.profile import EcuProfile
from diagkit.sim import SimEcu, SimServer, spec_from_profile
from diagkit.sim.bench import run_bench
from diagkit.transport.memory import MemoryTransport
from tests.backends import Backend
from tests.unit.sim._suite_profile import (
    APPLICATION,
    APPLICATION_SIZE,
    ENVIRON,
    VIN,
    suite_profile,
)

Connect = Callable[[EcuProfile], tuple[EcuClient, SimEcu]]


@pytest.fixture
def connect(backend: Backend) -> Iterator[Connect]:
    """Serve a profile on the backend under test; everything is closed afterwards."""
    servers: list[SimServer] = []
    clients: list[EcuClient] = []

    def in_memory(profile: EcuProfile) -> tuple[EcuClient, SimEcu]:
        tester, ecu_end = MemoryTransport.pair()
        ecu = SimEcu(spec_from_profile(profile, environ=ENVIRON))
        servers.append(SimServer(poll_interval=0.02).add(ecu, ecu_end, owned=True).start())
        clients.append(open_client(profile, transport=tester, environ=ENVIRON))
        return clients[-1], ecu

    def over_the_bus(profile: EcuProfile) -> tuple[EcuClient, SimEcu]:
        profile = backend.profile(profile)
        poll = 0.05 if backend.spec.kind == "kernel" else 0.02  # fewer wake-ups in the slow VM
        servers.append(run_bench(profile, environ=ENVIRON, poll_interval=poll))
        clients.append(open_client(profile, environ=ENVIRON))
        return clients[-1], servers[-1].ecus[0]

    yield in_memory if backend.spec.kind == "memory" else over_the_bus
    for client in clients:
        client.close()
    for server in servers:
        server.stop()


def test_read_dids_by_name_with_their_codecs(connect: Connect) -> None:
    client, _ = connect(suite_profile())
    with client:
        assert client.read_did("injection_mode") == "batch"
        client.change_session(0x03)
        values = client.read_dids(["vin", "ecu_serial_number", "engine_speed"])
    assert values == {0xF190: VIN, 0xF18C: "SN4711", 0xF40C: 812.5}


def test_session_change_adopts_the_announced_timing(connect: Connect) -> None:
    client, ecu = connect(suite_profile())
    with client:
        client.change_session(0x03)
        margin = client.timing.margin
        assert (client.timing.p2, client.timing.p2_star) == (1.0 + margin, 5.0 + margin)
        client.tester_present()
    assert ecu.state.session == 0x03


def test_unlock_then_write_lands_in_the_ecu(connect: Connect) -> None:
    client, ecu = connect(suite_profile())
    with client:
        client.change_session(0x03)
        with pytest.raises(NrcError) as locked:
            client.write_did("vin", "VF1RENAULT0000001")
        assert locked.value.nrc is Nrc.securityAccessDenied
        client.unlock(0x01)
        client.write_did("vin", "VF1RENAULT0000001")
        assert client.read_did("vin") == "VF1RENAULT0000001"
    assert ecu.state.dids[0xF190] == b"VF1RENAULT0000001"


def test_a_wrong_key_is_refused_as_invalid_key(connect: Connect) -> None:
    client, ecu = connect(suite_profile())
    with client:
        client.change_session(0x03)
        with pytest.raises(SecurityRefusedError) as refused:
            client.unlock(0x01, params={"mask": 0x11111111})
    assert refused.value.nrc is Nrc.invalidKey
    assert ecu.state.security_level == 0


def test_dtcs_by_the_profile_status_mask_then_cleared(connect: Connect) -> None:
    client, _ = connect(suite_profile())
    with client:
        found = {(dtc.id, dtc.status.get_byte_as_int()) for dtc in client.read_dtcs()}
        assert found == {(0x012300, 0x09), (0xC07300, 0x28)}
        client.clear_dtcs()
        assert client.read_dtcs() == []  # cleared: 0x50, nothing in the mask 0x2F


def test_erase_download_and_checksum_of_the_application(connect: Connect) -> None:
    image = bytes((i * 13) & 0xFF for i in range(0x1000))
    client, ecu = connect(suite_profile())
    with client:
        client.change_session(0x02)
        client.unlock(0x11)  # aes128_cmac, key from ENGINE_SA_KEY
        assert client.start_routine(0xFF00) == b"\x00"  # erase_memory
        block = client.request_download(MemoryLocation(APPLICATION, len(image), 32, 32))
        assert block == 0x402  # simulation.max_block_length, SID and counter included
        step = block - 2
        for counter, start in enumerate(range(0, len(image), step), start=1):
            client.transfer_data(counter & 0xFF, image[start : start + step])
        client.request_transfer_exit()
        erased = b"\xff" * (APPLICATION_SIZE - len(image))
        crc = zlib.crc32(image + erased).to_bytes(4, "big")
        assert client.start_routine(0x0202, crc) == b"\x00"  # check_memory: image matches
        assert client.start_routine(0x0202, bytes(4)) == b"\x01"
    assert ecu.state.read_memory(ecu.spec, APPLICATION, len(image)) == image


def test_pendings_carry_a_routine_beyond_p2(connect: Connect) -> None:
    client, _ = connect(suite_profile())
    with client:  # four 0x78, 0.4 s apart: the answer comes 1.6 s after the request (P2: 1 s)
        assert client.start_routine(0x0203) == b"\x00"


def test_injected_nrc_and_silence_reach_the_client_as_diagkit_errors(connect: Connect) -> None:
    client, _ = connect(suite_profile())
    with client:
        with pytest.raises(NrcError) as refused:
            client.read_did("coolant_temperature")
        assert refused.value.nrc is Nrc.conditionsNotCorrect
        assert "negative response 0x22 conditionsNotCorrect" in str(refused.value)
        with pytest.raises(TimerExpiredError) as silent:
            client.read_did("software_version")
        assert (silent.value.timer, silent.value.timeout) == ("P2", 1.0)
        assert client.read_did("ecu_serial_number") == "SN4711"  # still talking afterwards

