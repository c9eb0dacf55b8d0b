"""Queries for grading disputes: record one per graded answer, and gather them per card."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.store.db import upsert_insert
from bot.store.models import Card, Deck, GradingDispute, Learner, StudyPrompt, table_of


def answered_prompt(session: Session, *, telegram_id: int, prompt_id: int
                    ) -> tuple[int, StudyPrompt] | None:
    """The learner's id and their prompt, if it is theirs and has a graded answer."""
    row = session.exec(
        select(Learner.id, StudyPrompt)
        .join(StudyPrompt, col(StudyPrompt.learner_id) == col(Learner.id))
        .where(Learner.telegram_id == telegram_id, StudyPrompt.id == prompt_id,
               col(StudyPrompt.answered_at).is_not(None), col(StudyPrompt.label).is_not(None))
    ).first()
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


def insert_dispute(session: Session, *, learner_id: int, prompt: StudyPrompt, claim: str,
                   now: datetime) -> bool:
    """Store the dispute; False if this answer was already disputed (one per answer).

    The unique prompt_id decides, so two presses delivered together store one row.
    """
    assert prompt.id is not None
    values = {"prompt_id": prompt.id, "learner_id": learner_id, "card_id": prompt.card_id,
              "claim": claim, "answer": prompt.answer or "", "label": prompt.label or "",
              "score": float(prompt.score or 0.0), "disputed_at": now}
    table = table_of(GradingDispute)
    statement = upsert_insert(session, table).values(**values).on_conflict_do_nothing(
        index_elements=["prompt_id"]).returning(table.c.id)
    return session.execute(statement).first() is not None


def disputes_by_card(session: Session, *, deck_title: str | None = None
                     ) -> Sequence[tuple[GradingDispute, Card, Deck]]:
    """Every dispute with its card and deck, most recent first; optionally of one deck."""
    query = (select(GradingDispute, Card, Deck)
             .join(Card, col(Card.id) == col(GradingDispute.card_id))
             .join(Deck, col(Deck.id) == col(Card.deck_id)))
    if deck_title is not None:
        query = query.where(sa.func.lower(Deck.title) == deck_title.lower())
    return session.exec(query.order_by(col(GradingDispute.disputed_at).desc())).all()


def delete_for_cards(session: Session, card_ids: sa.ScalarSelect[int]) -> None:
    """Remove the disputes of cards about to be deleted (a learner deleting their deck)."""
    session.execute(sa.delete(GradingDispute).where(col(GradingDispute.card_id).in_(card_ids)))
