"""The typed callback codec: every payload round-trips, anything else decodes to None, and
buttons already sitting in chats (older formats) keep working."""

from __future__ import annotations

import pytest

from bot.demos.types import DemoKind
from bot.disputes import Claim
from bot.scheduling import Rating
from bot.telegram.callback_data import (
    MAX_BYTES,
    CancelDemo,
    CardAction,
    CardAside,
    ChooseSetting,
    ConfirmDeleteDeck,
    ConfirmLeaveClass,
    ConfirmRemoveMember,
    DecideFit,
    DeckPage,
    DeleteDeck,
    DisputeGrade,
    FitAction,
    JoinClass,
    LeaveClass,
    ListMembers,
    OpenSetting,
    Payload,
    PushAction,
    PushButton,
    RateCard,
    RemoveMember,
    RetryDemo,
    RevokeLink,
    SettingName,
    ShareDeck,
    ShowClass,
    ShowDemo,
    StudyNow,
    ToggleDeck,
    decode,
)

EXAMPLES: list[Payload] = [
    RateCard(12, Rating.GOOD), StudyNow(), ShowDemo(3), CancelDemo(),
    OpenSetting(SettingName.TIME_ZONE),
    ChooseSetting(SettingName.TIME, "0700"), DecideFit(FitAction.USE, "123"),
    DecideFit(FitAction.RESET), ToggleDeck(5, 2), DeleteDeck(5, 1), ConfirmDeleteDeck(5, 1),
    CardAction(7, CardAside.SUSPEND), RetryDemo(DemoKind.SOFTMAX, ("0.5", "1", "3")),
    RetryDemo(DemoKind.LRFIND), DeckPage(3), DisputeGrade(9, Claim.WRONG),
    ShareDeck(4), RevokeLink(4), JoinClass("AbC_d-12" * 2), LeaveClass(4, 1),
    ConfirmLeaveClass(4, 1), ShowClass(4), ListMembers(4), RemoveMember(4, 77),
    ConfirmRemoveMember(4, 77), PushButton(31, PushAction.EVENING), PushButton(0, PushAction.PAUSE),
]


@pytest.mark.parametrize("payload", EXAMPLES, ids=lambda p: type(p).__name__)
def test_every_payload_round_trips_within_64_bytes(payload: Payload) -> None:
    data = payload.encode()
    assert data.startswith(payload.prefix) and len(data.encode()) <= MAX_BYTES
    assert decode(data) == payload


def test_every_payload_class_has_an_example_and_its_own_prefix() -> None:
    """A new payload class without a round-trip example here fails this test."""
    classes = set(Payload._by_prefix.values())
    assert {type(p) for p in EXAMPLES} == classes
    assert len({c.prefix for c in classes}) == len(classes)


@pytest.mark.parametrize("forged", [
    "", "zz:1", "r:1", "r:1:5", "r:x:1", "r:1:3:9", "d:1:2", "s:x", "so:nope", "ca:1:eat",
    "dp:-1", "dp:abc", "dp:99999", "dk:3:55555", "gd:1:maybe", "fd:burn:123",
    "sv:bogus:1", "rt:nosuchdemo:", "jc:a:b", "jc:" + "x" * 40, "cr:1",
    "pq:1:nap", "pq:x:skip", "pq:1",
    "r:" + "9" * 40 + ":1", "x" * 65,
])
def test_forged_or_malformed_data_decodes_to_none(forged: str) -> None:
    assert decode(forged) is None


def test_buttons_from_older_formats_still_decode() -> None:
    """/decks buttons from before pagination, and schedule-fit buttons from before DecideFit."""
    assert decode("dk:7") == ToggleDeck(7, 0)
    assert decode("sv:fit:1123") == DecideFit(FitAction.USE, "123")
    assert decode("sv:fit:0456") == DecideFit(FitAction.KEEP, "456")
    assert decode("sv:fit:2") == DecideFit(FitAction.RESET, "")


def test_a_payload_over_64_bytes_is_refused_at_encode() -> None:
    long = RetryDemo(DemoKind.LRFIND, tuple(["1e-6"] * 20))
    assert not long.fits()
    with pytest.raises(ValueError, match="64 bytes"):
        long.encode()
