"""Checks across sections: every mistake at once, and preconditions an ECU can actually meet.

ISO 14229-1: SecurityAccess and RequestDownload are not available in the default session, and
a session change locks the ECU again, so a level is only useful in the session it unlocks in.
"""

from __future__ import annotations

import pytest

from diagkit.profile import parse_profile
from diagkit.profile.problems import path_text
from tests.unit.profile._profile_helpers import MINIMAL, problems_of

EXTENDED_LEVEL = "  - {level: 0x01, algorithm: xor_mask, params: {mask: 0xA5}, session: extended}\n"
PROGRAMMING_LEVEL = (
    "  - {level: 0x11, algorithm: add_constant, params: {constant: 1}, session: programming}\n"
)
ANY_LEVEL = "  - {level: 0x03, algorithm: xor_mask, params: {mask: 0x5A}}\n"
SECURITY = "security:\n" + EXTENDED_LEVEL + PROGRAMMING_LEVEL + ANY_LEVEL


def found(text: str) -> list[tuple[int | None, str, str]]:
    """(line, field, message) of each problem, in file order."""
    return [(p.line, path_text(p.path), p.message) for p in problems_of(text)]


def test_four_mistakes_are_four_problems_at_once() -> None:
    text = (
        "name: engine\n"
        "addressing: {txid: 0x7E0, rxid: 0x7E8}\n"
        "isotp: {tx_paddding: 0xCC}\n"  # a misspelled key
        "uds: {p2: 50}\n"  # a time without unit
        "security:\n" + EXTENDED_LEVEL + "routines:\n"
        "  - {id: 0xFF00, name: erase_memory, security_level: 0x11}\n"  # no such level
        "memory:\n"
        "  - {name: app, address: 0x1000, size: 0x100, erase_routine: erase_flash}\n"
    )
    problems = found(text)
    assert [(line, field) for line, field, _ in problems] == [
        (3, "isotp.tx_paddding"),
        (4, "uds.p2"),
        (8, "routines[0].security_level"),
        (10, "memory[0].erase_routine"),
    ]
    assert "0x11 is not a level in security:" in problems[2][2]
    assert "routine 'erase_flash' is not in routines:" in problems[3][2]


def test_a_broken_item_does_not_hide_the_references_of_the_others() -> None:
    text = MINIMAL + (
        "dids:\n"
        "  - {id: 0xF190, name: vin, codec: {type: ascii}}\n"  # length missing
        "  - {id: 0xF18C, name: serial, codec: {type: hex, length: 4}, security_level: 0x05}\n"
    )
    assert [(line, field) for line, field, _ in found(text)] == [
        (7, "dids[0].codec.length"),
        (8, "dids[1].security_level"),
    ]


def test_a_reference_to_an_item_that_did_not_parse_is_not_called_unknown() -> None:
    text = MINIMAL + (
        "security:\n"
        "  - {level: 0x01, algorithm: xor_mask, params: {mask: zz}}\n"  # the level is broken
        "routines:\n"
        "  - {id: 0x10000, name: erase}\n"  # so is the routine: its id is too large
        "  - {id: 0x0202, name: check, security_level: 0x01}\n"
        "memory:\n"
        "  - {name: app, address: 0x1000, size: 0x100, erase_routine: erase}\n"
    )
    assert [field for _, field, _ in found(text)] == [
        "security[0].params.mask",
        "routines[0].id",
    ]


def test_a_routine_needing_a_level_of_another_session_is_refused() -> None:
    text = (
        MINIMAL
        + SECURITY
        + ("routines:\n  - {id: 0xFF00, name: erase, session: programming, security_level: 0x01}\n")
    )
    [(line, field, message)] = found(text)
    assert (line, field) == (11, "routines[0].security_level")
    assert "level 0x01 is unlocked only in the extended session (security[0].session)" in message
    assert "needs the programming session" in message
    assert "NRC 0x7E" in message
    assert "use a level unlocked in programming" in message


def test_a_did_needing_a_level_of_another_session_is_refused() -> None:
    text = (
        MINIMAL
        + SECURITY
        + (
            "dids:\n  - {id: 0x0110, name: idle, codec: {type: uint, size: 2}, writable: true,\n"
            "     session: extended, security_level: 0x11}\n"
        )
    )
    [(_, field, message)] = found(text)
    assert field == "dids[0].security_level"
    assert "level 0x11 is unlocked only in the programming session" in message


def test_security_access_is_not_available_in_the_default_session() -> None:
    text = MINIMAL + (
        "security:\n  - {level: 0x01, algorithm: xor_mask, params: {mask: 0xA5}, "
        "session: default}\n"
        "routines:\n  - {id: 0x0203, name: prepare, session: default, security_level: 0x01}\n"
    )
    assert [(field, "default session" in message) for _, field, message in found(text)] == [
        ("security[0].session", True),
    ]
    needing = (
        MINIMAL
        + SECURITY
        + ("routines:\n  - {id: 0x0203, name: prepare, session: default, security_level: 0x03}\n")
    )
    [(_, field, message)] = found(needing)
    assert field == "routines[0].security_level"
    assert "cannot be unlocked in the default session" in message


def test_levels_and_sessions_that_agree_are_accepted() -> None:
    profile = parse_profile(
        MINIMAL + SECURITY + "routines:\n"
        "  - {id: 0xFF00, name: erase, session: programming, security_level: 0x11}\n"
        "  - {id: 0xFF01, name: reset_adaptation, session: extended, security_level: 0x01}\n"
        "  - {id: 0xFF02, name: any_session, security_level: 0x01}\n"  # usable in extended
        "  - {id: 0xFF03, name: flexible, session: programming, security_level: 0x03}\n"
        "memory:\n"
        "  - {name: app, address: 0x1000, size: 0x100, erase_routine: erase}\n"
    )
    assert len(profile.routines) == 4


@pytest.mark.parametrize(
    ("routines", "field", "fragment"),
    [
        (
            # the flash enters programming (no session given), level 0x01 is extended only
            "  - {id: 0xFF00, name: erase, security_level: 0x01}\n",
            "memory[0].erase_routine",
            "the flash of region 'app' runs in the programming session",
        ),
        (
            "  - {id: 0xFF00, name: erase, session: programming, security_level: 0x11}\n"
            "  - {id: 0x0202, name: check, session: extended}\n",
            "memory[0].checksum_routine",
            "routine 'check' needs the extended session",
        ),
        (
            "  - {id: 0xFF00, name: erase, session: programming, security_level: 0x11}\n"
            "  - {id: 0x0202, name: check, session: programming, security_level: 0x03}\n",
            "memory[0].checksum_routine",
            "needs level 0x03, but the flash unlocks level 0x11",
        ),
        (
            "  - {id: 0xFF00, name: erase, session: default}\n",
            "memory[0].erase_routine",
            "RequestDownload (0x34) is not available",
        ),
    ],
)
def test_a_memory_region_must_be_flashable_in_one_session(
    routines: str, field: str, fragment: str
) -> None:
    text = (
        MINIMAL
        + SECURITY
        + "routines:\n"
        + routines
        + (
            "memory:\n"
            "  - {name: app, address: 0x1000, size: 0x100, erase_routine: erase"
            + (", checksum_routine: check" if "check" in routines else "")
            + "}\n"
        )
    )
    [(_, where, message)] = found(text)
    assert where == field
    assert fragment in message
