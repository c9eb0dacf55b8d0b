"""Queries for one learner's personal decks and their cards, read when that learner needs
them (bot.catalog keeps a bounded cache), and the version that tells a cached copy is stale."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.store.models import Card, Deck, Learner

# id, deck id, key, question, answer, keys, alternatives, demo: what the grader needs.
CardRow = tuple[int, int, str, str, str, str, str, str | None]


def decks_version(session: Session, *, learner_id: int) -> int:
    found = session.exec(select(Learner.decks_version).where(Learner.id == learner_id)).first()
    return found or 0


def bump_decks_version(session: Session, *, learner_id: int) -> None:
    """Called in the transaction that imports or deletes one of the learner's decks, or that
    changes the classes they joined. The members of the learner's shared decks are bumped too:
    their view holds those decks, so it must be read afresh."""
    from bot.store.models import ClassMember

    members = (sa.select(col(ClassMember.learner_id))
               .join(Deck, col(Deck.id) == col(ClassMember.deck_id))
               .where(col(Deck.owner_learner_id) == learner_id))
    session.execute(sa.update(Learner).where(sa.or_(
        col(Learner.id) == learner_id, col(Learner.id).in_(members.scalar_subquery())))
        .values(decks_version=col(Learner.decks_version) + 1))


def owned_decks(session: Session, *, learner_id: int) -> Sequence[tuple[int, str]]:
    """(deck id, title) of the learner's live personal decks."""
    rows = session.execute(
        sa.select(col(Deck.id), col(Deck.title)).where(
            col(Deck.owner_learner_id) == learner_id, col(Deck.retired) == sa.false())
        .order_by(col(Deck.id))).all()
    return [(int(deck_id), str(title)) for deck_id, title in rows]


def live_cards(session: Session, *where: Any) -> Iterator[CardRow]:
    """Plain columns, not ORM objects: several times faster for many cards. Streamed in
    batches, so reading 40,000 cards never holds all their rows at once as well."""
    result = session.execute(
        sa.select(col(Card.id), col(Card.deck_id), col(Card.key), col(Card.question),
                  col(Card.answer), col(Card.keys_text), col(Card.alts_text), col(Card.demo))
        .where(col(Card.retired) == sa.false(), *where)
        .order_by(col(Card.deck_id), col(Card.position)),
        execution_options={"yield_per": 1000})
    for row in result:
        yield tuple(row)


def cards_of_decks(session: Session, *, deck_ids: Sequence[int]) -> Iterator[CardRow]:
    if deck_ids:
        yield from live_cards(session, col(Card.deck_id).in_(list(deck_ids)))


def joined_decks_with_owners(session: Session, *, learner_id: int
                             ) -> Sequence[tuple[int, int, int]]:
    """(deck id, owner's learner id, owner's decks_version) of the decks of others this
    learner joined by a share link: the owner's cached cards serve every member."""
    from bot.store.models import ClassMember

    owner = sa.inspect(Learner).local_table.alias("owner")
    rows = session.execute(
        sa.select(col(Deck.id), owner.c.id, owner.c.decks_version)
        .join(ClassMember, col(ClassMember.deck_id) == col(Deck.id))
        .join(owner, owner.c.id == col(Deck.owner_learner_id))
        .where(col(ClassMember.learner_id) == learner_id, col(Deck.retired) == sa.false())
        .order_by(col(Deck.id))).all()
    return [(int(d), int(o), int(v or 0)) for d, o, v in rows]
