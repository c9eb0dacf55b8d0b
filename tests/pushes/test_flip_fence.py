"""The flip to `sending` is fenced on (id, attempts) and status, whether a group's claims share
one `attempts` (one parameter) or not (a pair per claim), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from bot.store import pushes as push_store
from bot.store.models import PushClaim
from tests.conftest import RunningBot
from tests.pushes.test_pushes import add_learner, bot

__all__ = ["bot"]  # the fixture, shared with test_pushes

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def add_claims(bot: RunningBot, rows: list[tuple[int, str]]) -> list[int]:
    """One claim per (attempts, status), each for its own learner; their ids."""
    ids = []
    learners = [add_learner(bot, 100 + n) for n in range(len(rows))]
    with Session(bot.db.engine) as session:
        for learner_id, (attempts, status) in zip(learners, rows, strict=True):
            claim = PushClaim(learner_id=learner_id, local_date=NOW.date(), status=status,
                              claimed_at=NOW, attempts=attempts, due_count=1)
            session.add(claim)
            session.flush()
            assert claim.id is not None
            ids.append(claim.id)
        session.commit()
    return ids


def flip(bot: RunningBot, claims: list[tuple[int, int]]) -> set[int]:
    with Session(bot.db.engine) as session:
        flipped = push_store.flip_to_sending(session, claims=claims)
        session.commit()
    return flipped


def test_flip_with_one_attempts_value_is_fenced(bot: RunningBot) -> None:
    """Only `claimed` rows whose attempts still match are flipped, and only once."""
    a, b, c = add_claims(bot, [(1, "claimed"), (2, "claimed"), (1, "sent")])
    assert flip(bot, [(a, 1), (b, 1), (c, 1)]) == {a}
    assert flip(bot, [(a, 1)]) == set()


def test_flip_with_mixed_attempts_is_fenced(bot: RunningBot) -> None:
    """With differing attempts each claim is checked against its own."""
    a, b, c = add_claims(bot, [(1, "claimed"), (2, "claimed"), (3, "claimed")])
    assert flip(bot, [(a, 1), (b, 2), (c, 2)]) == {a, b}
