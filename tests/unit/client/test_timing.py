"""P2, P2* and 0x78 as ISO 14229-2 says; timeouts name the timer, its value and the address."""

from __future__ import annotations

import pytest

from diagkit.client import EcuClient, TimerExpiredError, Timing
from diagkit.client.timing import await_final_response
from diagkit.errors import ConfigurationError, InvalidResponseError, ResponseTimeoutError
from diagkit.transport.memory import Delayed, MemoryTransport
from tests.unit.client._scripted_ecu import ScriptedEcu

ERASE = b"\x31\x01\xff\x00"  # RoutineControl startRoutine eraseMemory (0xFF00)
ERASED = b"\x71\x01\xff\x00\x00"
PENDING = b"\x7f\x31\x78"  # ISO 14229-1 A.1: requestCorrectlyReceivedResponsePending


def pending_chain(count: int, spacing: float) -> list[bytes | Delayed]:
    """A pending at once, then every ``spacing`` s (``count`` in all), then the final answer."""
    chain: list[bytes | Delayed] = [Delayed(spacing * i, PENDING) for i in range(count)]
    chain.append(Delayed(spacing * count, ERASED))
    return chain


def test_long_erase_with_20_pendings_outlasting_udsoncans_request_timeout_succeeds() -> None:
    # 20 x 30 ms = 0.6 s in all: far more than P2 (20 ms) or P2* (100 ms) and more than a
    # 0.5 s overall timeout would allow; each pending restarts P2*, so it must succeed.
    ecu = ScriptedEcu({ERASE: pending_chain(20, 0.03)})
    timing = Timing(p2=0.02, p2_star=0.1)
    with EcuClient(MemoryTransport(ecu), timing=timing) as client:
        assert client.start_routine(0xFF00) == b"\x00"


def test_an_explicit_overall_timeout_is_honoured_and_named() -> None:
    ecu = ScriptedEcu({ERASE: pending_chain(20, 0.03)})
    timing = Timing(p2=0.02, p2_star=0.1, request_timeout=0.2)
    with (
        EcuClient(MemoryTransport(ecu), address="engine", timing=timing) as client,
        pytest.raises(TimerExpiredError) as info,
    ):
        client.start_routine(0xFF00)
    assert info.value.timer == "overall"
    assert info.value.timeout == 0.2
    assert 5 <= info.value.pendings <= 8  # pendings at 0, 30 ... 180 ms before 200 ms
    assert "overall request timeout of 0.200 s expired" in str(info.value)
    assert "[engine]" in str(info.value)


def test_silence_after_the_request_is_a_p2_timeout() -> None:
    ecu = ScriptedEcu({ERASE: []})
    with (
        EcuClient(MemoryTransport(ecu), address="abs", timing=Timing(p2=0.03)) as client,
        pytest.raises(ResponseTimeoutError) as info,
    ):
        client.start_routine(0xFF00)
    error = info.value
    assert isinstance(error, TimerExpiredError)
    assert isinstance(error, TimeoutError)
    assert (error.timer, error.timeout, error.pendings, error.service) == ("P2", 0.03, 0, 0x31)
    assert str(error) == "RoutineControl (0x31) [abs]: no response, P2 of 0.030 s expired"


def test_silence_after_a_pending_is_a_p2_star_timeout() -> None:
    ecu = ScriptedEcu({ERASE: [Delayed(0.01, PENDING), Delayed(0.02, PENDING)]})
    with (
        EcuClient(MemoryTransport(ecu), timing=Timing(p2=0.05, p2_star=0.06)) as client,
        pytest.raises(TimerExpiredError) as info,
    ):
        client.start_routine(0xFF00)
    assert (info.value.timer, info.value.timeout, info.value.pendings) == ("P2*", 0.06, 2)
    assert "P2* of 0.060 s expired after 2 response-pending (0x78)" in str(info.value)


def test_the_first_answer_later_than_p2_is_a_timeout_even_if_it_would_fit_p2_star() -> None:
    ecu = ScriptedEcu({ERASE: [Delayed(0.08, ERASED)]})
    with (
        EcuClient(MemoryTransport(ecu), timing=Timing(p2=0.03, p2_star=1.0)) as client,
        pytest.raises(TimerExpiredError) as info,
    ):
        client.start_routine(0xFF00)
    assert info.value.timer == "P2"


def test_a_pending_for_another_service_does_not_extend_the_wait() -> None:
    # 7F 22 78 is a pending for ReadDataByIdentifier, not for this RoutineControl
    ecu = ScriptedEcu({ERASE: [b"\x7f\x22\x78", Delayed(0.1, ERASED)]})
    with (
        EcuClient(MemoryTransport(ecu), timing=Timing(p2=0.03, p2_star=1.0)) as client,
        pytest.raises(InvalidResponseError, match="starting 0x71 or 7F 31, got 7f 22 78"),
    ):
        client.start_routine(0xFF00)


def test_await_final_response_reports_each_pending() -> None:
    answers = [PENDING, PENDING, ERASED]
    seen: list[int] = []
    final = await_final_response(
        lambda timeout: answers.pop(0), 0x31, Timing(p2=0.1), on_pending=seen.append
    )
    assert final == ERASED
    assert seen == [1, 2]


@pytest.mark.parametrize(
    "kwargs",
    [{"p2": 0}, {"p2_star": -1.0}, {"request_timeout": 0.0}, {"margin": -0.01}],
)
def test_timing_refuses_values_that_cannot_be_waited(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        Timing(**kwargs)  # type: ignore[arg-type]
