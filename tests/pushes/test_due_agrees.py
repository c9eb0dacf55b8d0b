"""The push asks what /study would ask: its batched pick (bot.pushes) agrees with the study
loop's own pick (bot.study.next_card) over varied learner states, and its due count never
says "nothing due" to a learner the count calls due, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from bot import study
from bot.pushes import claims, due
from bot.scheduling import State
from bot.store.models import (
    Card,
    CardState,
    ClassMember,
    Deck,
    Learner,
    LearnerDeck,
    ReviewLog,
    StudyPrompt,
)
from bot.store.personal_cards import bump_decks_version
from bot.store.pushes import Candidate
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock
from tgemu import BotApiEmulator

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
LEARNERS = 40
ZONES = ("UTC", "Europe/Berlin", "Asia/Kathmandu", "America/Sao_Paulo", "Pacific/Auckland")


@pytest.fixture
async def bot(emulator: BotApiEmulator, database_url: str, clock: FakeClock
              ) -> AsyncIterator[RunningBot]:
    clock.now = NOW
    running = await start_bot(emulator, make_settings(emulator, database_url), clock)
    try:
        yield running
    finally:
        await running.stop()


def _personal_deck(session: Session, owner: int, n: int) -> int:
    deck = Deck(slug=f"own-{owner}", title=f"Own {owner}", path=f"own-{owner}.csv",
                owner_learner_id=owner)
    session.add(deck)
    session.flush()
    assert deck.id is not None
    for i in range(n):
        session.add(Card(deck_id=deck.id, key=f"k{i}", position=i, question=f"Q{owner}.{i}",
                         answer=f"A{i}"))
    return deck.id


def _vary(session: Session, rng: random.Random, learner: Learner, cards: list[int],
          decks: list[int], shared_personal: int) -> None:
    """Give one learner a random mix of what the pick looks at."""
    assert learner.id is not None
    lid = learner.id
    learner.new_per_day = rng.choice((0, 1, 3, 20))
    learner.max_reviews_per_day = rng.choice((0, 2, 200))
    learner.day_boundary_hour = rng.choice((0, 4))
    if rng.random() < 0.3:
        own = _personal_deck(session, lid, rng.randint(0, 4))
        own_cards = session.exec(select(Card.id).where(Card.deck_id == own)).all()
        cards = cards + [c for c in own_cards if c is not None]
        bump_decks_version(session, learner_id=lid)
    if rng.random() < 0.2:
        session.add(ClassMember(deck_id=shared_personal, learner_id=lid, joined_at=NOW))
        bump_decks_version(session, learner_id=lid)
    for deck_id in decks:
        if rng.random() < 0.15:
            session.add(LearnerDeck(learner_id=lid, deck_id=deck_id, enabled=False))
    for card_id in rng.sample(cards, k=min(len(cards), rng.randint(0, 12))):
        state = rng.choice((State.LEARNING, State.REVIEW, State.RELEARNING))
        session.add(CardState(
            learner_id=lid, card_id=card_id, state=int(state),
            due=NOW + timedelta(minutes=rng.choice((-3000, -600, -30, -1, 5, 15, 25, 600))),
            suspended=rng.random() < 0.1,
            introduced_at=NOW - timedelta(hours=rng.choice((1, 3, 30, 300)))))
    session.flush()
    for card_id in rng.sample(cards, k=min(len(cards), rng.randint(0, 4))):
        outcome = rng.choice(("skipped", "buried", "rated", None))
        asked = NOW - timedelta(minutes=rng.choice((5, 90, 2000)))
        prompt = StudyPrompt(learner_id=lid, card_id=card_id, asked_at=asked,
                             closed_at=None if outcome is None else asked, outcome=outcome)
        session.add(prompt)
        session.flush()
        if outcome == "rated":
            session.add(ReviewLog(learner_id=lid, card_id=card_id, prompt_id=prompt.id,
                                  rating=3, reviewed_at=asked, state_before="null"))
        if outcome is None and rng.random() < 0.5:
            learner.current_prompt_id = prompt.id
    session.add(learner)


def _edge(session: Session, learner: Learner, cards: list[int], case: int) -> None:
    """Cases the random mix may miss, one per learner, each on the rules' edge."""
    lid = learner.id
    assert lid is not None
    c1, c2, c3 = cards[:3]

    def state(card: int, minutes: int, kind: State = State.REVIEW, hours_ago: int = 300
              ) -> None:
        session.add(CardState(learner_id=lid, card_id=card, state=int(kind),
                              due=NOW + timedelta(minutes=minutes),
                              introduced_at=NOW - timedelta(hours=hours_ago)))

    def prompt(card: int, outcome: str) -> None:
        session.add(StudyPrompt(learner_id=lid, card_id=card, asked_at=NOW - timedelta(
            minutes=5), closed_at=NOW - timedelta(minutes=5), outcome=outcome))

    if case == 0:  # the first due review was skipped today: the second comes first
        state(c1, -60)
        state(c2, -30)
        prompt(c1, "skipped")
    elif case == 1:  # the first new card was skipped today: the next new one comes first
        prompt(c1, "skipped")
    elif case == 2:  # review limit spent: the due review still comes, after new cards
        learner.max_reviews_per_day, learner.new_per_day = 1, 0
        state(c1, -60)
        state(c3, -60, hours_ago=1)
        session.flush()
        p = StudyPrompt(learner_id=lid, card_id=c3, asked_at=NOW - timedelta(minutes=9),
                        closed_at=NOW - timedelta(minutes=9), outcome="rated")
        session.add(p)
        session.flush()
        session.add(ReviewLog(learner_id=lid, card_id=c3, prompt_id=p.id, rating=3,
                              reviewed_at=NOW - timedelta(minutes=9), state_before="null"))
    elif case == 3:  # new limit spent, a learning step due in ten minutes
        learner.new_per_day = 1
        state(c1, 10, State.LEARNING, hours_ago=1)
    elif case == 4:  # the only due card is buried today
        learner.new_per_day = 0
        state(c1, -60)
        prompt(c1, "buried")
    elif case == 5:  # skipped today and nothing else: the skipped card comes back
        learner.new_per_day = 0
        state(c2, -60)
        prompt(c2, "skipped")
    session.add(learner)


def _seed(bot: RunningBot) -> list[int]:
    rng = random.Random(20260302)
    with Session(bot.db.engine) as session:
        shared = [c for c in session.exec(select(Card.id)).all() if c is not None]
        decks = [d for d in session.exec(select(Deck.id)).all() if d is not None]
        teacher = Learner(telegram_id=99, chat_id=99, first_name="T", created_at=NOW)
        session.add(teacher)
        session.flush()
        assert teacher.id is not None
        class_deck = _personal_deck(session, teacher.id, 3)
        bump_decks_version(session, learner_id=teacher.id)
        ids = []
        for n in range(LEARNERS):
            learner = Learner(telegram_id=1000 + n, chat_id=1000 + n, first_name="L",
                              timezone=ZONES[n % len(ZONES)], created_at=NOW - timedelta(days=9))
            session.add(learner)
            session.flush()
            if n < 6:
                _edge(session, learner, shared, n)
            elif n % 10 == 9:  # every deck switched off
                for deck_id in decks:
                    session.add(LearnerDeck(learner_id=learner.id, deck_id=deck_id,
                                            enabled=False))
            elif n > 6:  # learner 6 stays fresh: no state at all
                _vary(session, rng, learner, shared, decks, class_deck)
            ids.append(1000 + n)
        session.commit()
    return ids


def _study_pick(bot: RunningBot, telegram_id: int) -> tuple[int, bool] | None:
    """What /study would ask now (rolled back: nothing is stored)."""
    with Session(bot.db.engine) as session:
        asked = study.next_card(session, telegram_id=telegram_id, catalog=bot.app.bot_data.catalog,
                                now=NOW)
        session.rollback()
    return None if isinstance(asked, study.NothingDue) else (asked.card.id, asked.repeated)


async def test_the_push_picks_the_card_study_would_ask(bot: RunningBot) -> None:
    """Over 40 varied learners (reviews due, limits spent, learning steps ahead, skipped,
    buried, suspended, decks off, personal and joined decks, an open card), the push's
    batched pick names the same card as the study loop, and its count says due whenever
    the pick would have nothing to ask only if nothing was buried."""
    telegram_ids = _seed(bot)
    with Session(bot.db.engine) as session:
        rows = session.exec(select(Learner).where(col(Learner.telegram_id).in_(telegram_ids))
                            ).all()
        by_id = {r.id: r.telegram_id for r in rows}
        _, _, found = claims.next_questions(session, learner_ids=[i for i in by_id if i],
                                            catalog=bot.app.bot_data.catalog, now=NOW)
        counts = due.count_due_many(session, now=NOW, learners=[Candidate(
            r.id or 0, r.chat_id, r.timezone, r.push_time, NOW.date(), r.created_at,
            r.new_per_day, r.max_reviews_per_day, r.day_boundary_hour) for r in rows])
        buried = {p.learner_id for p in session.exec(
            select(StudyPrompt).where(StudyPrompt.outcome == "buried"))}
        session.rollback()
    kinds = set()
    for learner_id, pick in found.items():
        telegram_id = by_id[learner_id]
        mine: tuple[int, bool] | None
        if pick is None:
            mine = None
        elif isinstance(pick, study.Question):
            mine = (pick.card.id, True)
        else:
            mine = (pick.card.id, False)
        assert mine == _study_pick(bot, telegram_id), telegram_id
        kinds.add("none" if mine is None else "open" if mine[1] else "pick")
        if counts[learner_id] > 0 and learner_id not in buried:
            assert mine is not None, telegram_id
    assert kinds == {"none", "open", "pick"}  # the states did vary
