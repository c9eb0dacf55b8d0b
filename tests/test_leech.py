"""Leech handling in the study use cases (domain level, real SQLite)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from bot import study
from bot.catalog import load_catalog
from bot.decks.loader import load_decks
from bot.decks.sync import sync_decks
from bot.scheduling import LEECH_LAPSES, Rating, State
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import CardState
from tests.factories import FIXED_NOW, register_learner


def test_eighth_lapse_suspends_card(tmp_path: Path) -> None:
    """Forgetting a graduated card the 8th time flags a leech once and suspends it."""
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "one.txt").write_text("title: One\n## only\nQ: 2+2?\nA: 4\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'l.sqlite3'}"
    upgrade(url)
    db = Database(url)
    db.call(sync_decks, load_decks(cards), now=FIXED_NOW)
    catalog = db.call(load_catalog)
    db.call(register_learner, telegram_id=1)
    now, leeches = FIXED_NOW, []
    for _ in range(60):
        question = db.call(study.next_card, telegram_id=1, catalog=catalog, now=now)
        if not isinstance(question, study.Question):
            break
        states = db.call(lambda s: s.exec(select(CardState)).all())
        graduated = bool(states) and states[0].state == State.REVIEW
        db.call(study.submit_answer, telegram_id=1, text="4", catalog=catalog, now=now)
        result = db.call(study.rate, telegram_id=1, prompt_id=question.prompt_id,
                         rating=Rating.AGAIN if graduated else Rating.EASY, catalog=catalog,
                         now=now, fuzzing=False)
        assert isinstance(result, study.Recorded)
        leeches.append(result.leech)
        now = result.next_due
    final = db.call(lambda s: s.exec(select(CardState)).one())
    assert final.lapses == LEECH_LAPSES
    assert final.suspended
    assert leeches.count(True) == 1
    assert leeches[-1] is True
    db.close()
