"""The study hot paths at the domain level: their statement budget, and the rules the Core
statements must keep (one review per prompt, daily limits, decks off, undo), on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot import deck_choice, learners, study
from bot.catalog import Catalog, load_catalog
from bot.decks.loader import load_decks
from bot.decks.sync import sync_decks
from bot.scheduling import Rating
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import CardState, Learner, ReviewLog
from tests.factories import FIXED_NOW, register_learner

ADA, BOB = 1, 2


@dataclass
class Store:
    db: Database
    catalog: Catalog
    statements: list[str] = field(default_factory=list)

    def counted(self, fn: Any, **kwargs: Any) -> tuple[Any, list[str]]:
        """Run one use case in its own session, as the bot does; return what it executed."""
        self.statements.clear()
        result = self.db.call(fn, **kwargs)
        return result, list(self.statements)

    def ask(self, telegram_id: int, now: datetime) -> study.Question:
        question = self.db.call(study.next_card, telegram_id=telegram_id,
                                catalog=self.catalog, now=now)
        assert isinstance(question, study.Question)
        return question

    def answer_and_rate(self, telegram_id: int, now: datetime,
                        rating: Rating = Rating.GOOD) -> study.Recorded:
        question = self.ask(telegram_id, now)
        self.db.call(study.submit_answer, telegram_id=telegram_id, text="an answer",
                     catalog=self.catalog, now=now)
        result = self.db.call(study.rate, telegram_id=telegram_id,
                              prompt_id=question.prompt_id, rating=rating,
                              catalog=self.catalog, now=now, fuzzing=False)
        assert isinstance(result, study.Recorded)
        return result


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    cards = tmp_path / "cards"
    cards.mkdir()
    for deck in ("a", "b"):
        text = f"title: Deck {deck}\n" + "".join(
            f"\n## {deck}{n}\nQ: {deck} question {n}?\nA: {deck} answer {n}\n" for n in range(3))
        (cards / f"{deck}.txt").write_text(text, encoding="utf-8")
    upgrade(database_url)
    db = Database(database_url)
    db.call(sync_decks, load_decks(cards), now=FIXED_NOW)
    store = Store(db, db.call(load_catalog))
    for telegram_id in (ADA, BOB):
        db.call(register_learner, telegram_id=telegram_id)

    @sa.event.listens_for(db.engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        store.statements.append(statement)

    try:
        yield store
    finally:
        db.close()


def writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().split()[0].upper() in {"INSERT", "UPDATE"}]


def test_known_learner_costs_one_read(store: Store) -> None:
    """A known, reachable learner is registered with one SELECT and no write."""
    learner_id, statements = store.counted(
        learners.register, sender=learners.Sender(ADA, ADA, "L"), now=FIXED_NOW)
    assert isinstance(learner_id, int)
    assert len(statements) == 1 and not writes(statements)


def test_message_marks_learner_reachable_in_their_new_chat(store: Store) -> None:
    """A blocked learner who writes again is active again, in the chat they wrote from."""
    store.db.call(lambda s: s.execute(sa.update(Learner).where(col(Learner.telegram_id) == ADA)
                                      .values(active=False)))
    store.db.call(register_learner, telegram_id=ADA, chat_id=77)
    with Session(store.db.engine) as session:
        learner = session.exec(select(Learner).where(Learner.telegram_id == ADA)).one()
    assert learner.active and learner.chat_id == 77


def test_study_loop_stays_within_its_statement_budget(store: Store) -> None:
    """Asking, answering and rating take a handful of statements each, not ORM flushes."""
    question, asked = store.counted(study.next_card, telegram_id=ADA, catalog=store.catalog,
                                    now=FIXED_NOW)
    assert isinstance(question, study.Question) and question.is_new
    _, answered = store.counted(study.submit_answer, telegram_id=ADA, text="a answer 0",
                                catalog=store.catalog, now=FIXED_NOW)
    result, rated = store.counted(study.rate, telegram_id=ADA, prompt_id=question.prompt_id,
                                  rating=Rating.GOOD, catalog=store.catalog, now=FIXED_NOW,
                                  fuzzing=False)
    assert isinstance(result, study.Recorded) and isinstance(result.next, study.Question)
    # Each count includes the learner's lock (bot/store/study.py), taken first; an answer
    # takes it on SQLite only (store.study.take_turn_to_answer).
    assert len(asked) <= 7
    assert len(answered) <= 3
    assert len(rated) <= 11


def test_double_press_and_foreign_button_record_one_review(store: Store) -> None:
    """The conditional UPDATE still guards: a second press and another learner's press of
    the same button record nothing."""
    question = store.ask(ADA, FIXED_NOW)
    store.db.call(study.submit_answer, telegram_id=ADA, text="x", catalog=store.catalog,
                  now=FIXED_NOW)
    press = dict(prompt_id=question.prompt_id, rating=Rating.GOOD, catalog=store.catalog,
                 now=FIXED_NOW, fuzzing=False)
    assert isinstance(store.db.call(study.rate, telegram_id=BOB, **press), study.StaleButton)
    assert isinstance(store.db.call(study.rate, telegram_id=ADA, **press), study.Recorded)
    assert isinstance(store.db.call(study.rate, telegram_id=ADA, **press), study.AlreadyRated)
    with Session(store.db.engine) as session:
        assert len(session.exec(select(ReviewLog)).all()) == 1


def test_unanswered_card_cannot_be_rated(store: Store) -> None:
    """A rating button on a card not yet answered is stale and leaves the card open."""
    question = store.ask(ADA, FIXED_NOW)
    result = store.db.call(study.rate, telegram_id=ADA, prompt_id=question.prompt_id,
                           rating=Rating.GOOD, catalog=store.catalog, now=FIXED_NOW,
                           fuzzing=False)
    assert isinstance(result, study.StaleButton)
    assert store.ask(ADA, FIXED_NOW).repeated


def test_new_card_limit_decks_off_and_next_due(store: Store) -> None:
    """Only decks left on are studied, at most `new_per_day` new cards a day; then the
    learner is told when the next card is due, as an aware UTC datetime."""
    store.db.call(lambda s: s.execute(sa.update(Learner).where(col(Learner.telegram_id) == ADA)
                                      .values(new_per_day=2)))
    deck_b = next(d for d, title in store.catalog.deck_titles.items() if title == "Deck b")
    store.db.call(deck_choice.toggle_deck, telegram_id=ADA, deck_id=deck_b, catalog=store.catalog)
    shown = [store.answer_and_rate(ADA, FIXED_NOW, Rating.EASY) for _ in range(2)]
    assert isinstance(shown[-1].next, study.NothingDue)
    with Session(store.db.engine) as session:
        states = session.exec(select(CardState)).all()
    assert len(states) == 2
    assert all(store.catalog.cards[s.card_id].deck_id != deck_b for s in states)
    assert shown[-1].next.next_due == min(s.due for s in states)
    assert shown[-1].next.next_due is not None
    assert shown[-1].next.next_due.utcoffset() == timedelta(0)


def test_skipped_card_goes_last_and_buried_waits_for_tomorrow(store: Store) -> None:
    """Skipping puts the card behind the others today; burying keeps it out until tomorrow."""
    first = store.ask(ADA, FIXED_NOW)
    after_skip = store.db.call(study.skip, telegram_id=ADA, catalog=store.catalog,
                               now=FIXED_NOW)
    assert isinstance(after_skip, study.Question) and after_skip.card.id != first.card.id
    aside = store.db.call(study.set_card_aside, telegram_id=ADA,
                          prompt_id=after_skip.prompt_id, action="bury", catalog=store.catalog,
                          now=FIXED_NOW)
    assert isinstance(aside, study.CardSetAside) and isinstance(aside.next, study.Question)
    assert aside.next.card.id not in {first.card.id, after_skip.card.id}
    tomorrow = FIXED_NOW + timedelta(days=1)
    store.db.call(study.close_prompt, telegram_id=ADA, outcome="stopped", now=tomorrow)
    assert store.ask(ADA, tomorrow).card.id == first.card.id


def test_undo_restores_the_state_before_the_last_review(store: Store) -> None:
    """Undo puts back exactly the state the rating replaced, then removes a new card's."""
    store.answer_and_rate(ADA, FIXED_NOW, Rating.EASY)

    def state() -> tuple[Any, ...]:
        with Session(store.db.engine) as session:
            row = session.exec(select(CardState)).one()
            return (row.state, row.step, row.stability, row.difficulty, row.due,
                    row.last_review, row.reps, row.lapses, row.suspended)

    before = state()
    later = FIXED_NOW + timedelta(days=30)
    store.db.call(study.close_prompt, telegram_id=ADA, outcome="stopped", now=later)
    again = store.answer_and_rate(ADA, later, Rating.AGAIN)
    assert again.rating == Rating.AGAIN and state() != before
    assert store.db.call(study.undo, telegram_id=ADA, catalog=store.catalog) is not None
    assert state() == before
    assert store.db.call(study.undo, telegram_id=ADA, catalog=store.catalog) is not None
    with Session(store.db.engine) as session:
        assert session.exec(select(CardState)).all() == []
