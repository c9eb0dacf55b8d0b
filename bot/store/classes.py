"""Queries for classes: a personal deck's join link, its members, and the figures of /class."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, func, select

from bot.store.models import (
    Card,
    CardState,
    ClassMember,
    Deck,
    DeckShare,
    GradingDispute,
    Learner,
    LearnerDeck,
    ReviewLog,
    StudyPrompt,
)
from bot.store.personal_cards import bump_decks_version


def live_deck(session: Session, *, deck_id: int) -> Deck | None:
    deck = session.get(Deck, deck_id)
    return None if deck is None or deck.retired else deck


def live_cards(session: Session, *, deck_id: int) -> int:
    return session.exec(select(func.count()).select_from(Card).where(
        Card.deck_id == deck_id, Card.retired == False)).one()  # noqa: E712


def share_of(session: Session, *, deck_id: int) -> DeckShare | None:
    return session.exec(select(DeckShare).where(DeckShare.deck_id == deck_id)).first()


def open_share(session: Session, *, deck_id: int, new_code: str, now: datetime) -> DeckShare:
    """The deck's live link; a revoked one comes back with `new_code`, never its old code."""
    share = share_of(session, deck_id=deck_id)
    if share is None:
        share = DeckShare(deck_id=deck_id, code=new_code, created_at=now)
        session.add(share)
    elif share.revoked_at is not None:
        share.code, share.created_at, share.revoked_at = new_code, now, None
    session.flush()
    return share


def share_by_code(session: Session, *, code: str) -> tuple[DeckShare, Deck, Learner] | None:
    """The link with its deck and the deck's owner, revoked or not."""
    row = session.exec(
        select(DeckShare, Deck, Learner)
        .join(Deck, col(Deck.id) == col(DeckShare.deck_id))
        .join(Learner, col(Learner.id) == col(Deck.owner_learner_id))
        .where(DeckShare.code == code, Deck.retired == False)  # noqa: E712
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def membership(session: Session, *, deck_id: int, learner_id: int) -> ClassMember | None:
    return session.exec(select(ClassMember).where(
        ClassMember.deck_id == deck_id, ClassMember.learner_id == learner_id)).first()


def add_member(session: Session, *, deck_id: int, learner_id: int, now: datetime) -> bool:
    """Join; False when the learner was already in (two presses of Join store one row)."""
    try:
        with session.begin_nested():
            session.add(ClassMember(deck_id=deck_id, learner_id=learner_id, joined_at=now))
    except sa.exc.IntegrityError:
        return False
    bump_decks_version(session, learner_id=learner_id)  # the member's decks changed
    return True


def joined_deck_ids(session: Session, *, learner_id: int) -> list[int]:
    """The live personal decks of others that this learner joined, oldest join first."""
    return list(session.exec(
        select(ClassMember.deck_id).join(Deck, col(Deck.id) == col(ClassMember.deck_id))
        .where(ClassMember.learner_id == learner_id, Deck.retired == False)  # noqa: E712
        .order_by(col(ClassMember.joined_at), col(ClassMember.id))).all())


def members(session: Session, *, deck_id: int) -> list[tuple[int, str, datetime]]:
    """(learner id, first name, joined at) of each member, in the order they joined."""
    rows = session.exec(
        select(Learner.id, Learner.first_name, ClassMember.joined_at)
        .join(ClassMember, col(ClassMember.learner_id) == col(Learner.id))
        .where(ClassMember.deck_id == deck_id)
        .order_by(col(ClassMember.joined_at), col(ClassMember.id))).all()
    return [(int(lid), name, at) for lid, name, at in rows if lid is not None]


def shared_decks_of(session: Session, *, owner_id: int) -> list[tuple[int, str]]:
    """(deck id, title) of the owner's decks that have a link (live or revoked) or members."""
    linked = sa.select(col(DeckShare.deck_id))
    joined = sa.select(col(ClassMember.deck_id))
    rows = session.exec(
        select(Deck.id, Deck.title).where(
            Deck.owner_learner_id == owner_id, Deck.retired == False,  # noqa: E712
            sa.or_(col(Deck.id).in_(linked), col(Deck.id).in_(joined)))
        .order_by(sa.func.lower(Deck.title), col(Deck.id))).all()
    return [(int(deck_id), title) for deck_id, title in rows if deck_id is not None]


def delete_history(session: Session, *, deck_id: int, learner_id: int) -> None:
    """A member's reviews, prompts, card states, disputes and deck choice on one deck, and the
    membership itself: what leaving (or being removed from) a class takes away."""
    card_ids = sa.select(col(Card.id)).where(col(Card.deck_id) == deck_id).scalar_subquery()
    prompt_ids = sa.select(col(StudyPrompt.id)).where(
        col(StudyPrompt.learner_id) == learner_id,
        col(StudyPrompt.card_id).in_(card_ids)).scalar_subquery()
    session.execute(sa.update(Learner).where(
        col(Learner.id) == learner_id, col(Learner.current_prompt_id).in_(prompt_ids)
    ).values(current_prompt_id=None))
    session.execute(sa.delete(GradingDispute).where(col(GradingDispute.learner_id) == learner_id,
                                                    col(GradingDispute.card_id).in_(card_ids)))
    session.execute(sa.delete(ReviewLog).where(col(ReviewLog.prompt_id).in_(prompt_ids)))
    session.execute(sa.delete(ReviewLog).where(col(ReviewLog.learner_id) == learner_id,
                                               col(ReviewLog.card_id).in_(card_ids)))
    session.execute(sa.delete(StudyPrompt).where(col(StudyPrompt.id).in_(prompt_ids)))
    session.execute(sa.delete(CardState).where(col(CardState.learner_id) == learner_id,
                                               col(CardState.card_id).in_(card_ids)))
    session.execute(sa.delete(LearnerDeck).where(col(LearnerDeck.learner_id) == learner_id,
                                                 col(LearnerDeck.deck_id) == deck_id))
    session.execute(sa.delete(ClassMember).where(col(ClassMember.learner_id) == learner_id,
                                                 col(ClassMember.deck_id) == deck_id))
    bump_decks_version(session, learner_id=learner_id)


def delete_deck_class(session: Session, *, deck_id: int) -> None:
    """The link and memberships of a deck about to be deleted (its cards' history goes with
    the cards, for everyone: see bot.decks.personal.delete_personal_deck)."""
    members = sa.select(col(ClassMember.learner_id)).where(col(ClassMember.deck_id) == deck_id)
    session.execute(sa.update(Learner).where(col(Learner.id).in_(members.scalar_subquery()))
                    .values(decks_version=col(Learner.decks_version) + 1))
    session.execute(sa.delete(ClassMember).where(col(ClassMember.deck_id) == deck_id))
    session.execute(sa.delete(DeckShare).where(col(DeckShare.deck_id) == deck_id))


# --- The figures of /class -----------------------------------------------------------------


def review_times(session: Session, *, deck_id: int, learner_ids: Sequence[int],
                 since: datetime) -> list[tuple[int, datetime]]:
    """(learner, reviewed at) of the members' reviews of the deck since `since`: a short
    window (the picture's days), counted into the owner's local days by the caller."""
    if not learner_ids:
        return []
    rows = session.execute(
        sa.select(col(ReviewLog.learner_id), col(ReviewLog.reviewed_at))
        .join(Card, col(Card.id) == col(ReviewLog.card_id))
        .where(col(Card.deck_id) == deck_id, col(ReviewLog.learner_id).in_(learner_ids),
               col(ReviewLog.reviewed_at) >= since)).all()
    return [(int(lid), at) for lid, at in rows]


def _recall(session: Session, *, by: Mapped[int], deck_id: int,
            learner_ids: Sequence[int], since: datetime, mature_marker: str, failed: int
            ) -> list[tuple[int, int, int]]:
    """(`by`, mature reviews, passed) since `since`: a review is mature when its state before
    holds `mature_marker`, and passed unless rated `failed`. Counted in the database, so the
    state texts never leave it."""
    if not learner_ids:
        return []
    passed = sa.func.sum(sa.case((col(ReviewLog.rating) != failed, 1), else_=0))
    rows = session.execute(
        sa.select(by, sa.func.count(), passed)
        .join(Card, col(Card.id) == col(ReviewLog.card_id))
        .where(col(Card.deck_id) == deck_id, col(ReviewLog.learner_id).in_(learner_ids),
               col(ReviewLog.reviewed_at) >= since,
               col(ReviewLog.state_before).contains(mature_marker, autoescape=True))
        .group_by(by)).all()
    return [(int(key), int(n), int(ok or 0)) for key, n, ok in rows]


def recall_per_learner(session: Session, *, deck_id: int, learner_ids: Sequence[int],
                       since: datetime, mature_marker: str, failed: int
                       ) -> dict[int, tuple[int, int]]:
    """learner -> (mature reviews of the deck since `since`, passed)."""
    return {lid: (n, ok) for lid, n, ok in _recall(
        session, by=col(ReviewLog.learner_id), deck_id=deck_id, learner_ids=learner_ids,
        since=since, mature_marker=mature_marker, failed=failed)}


def recall_per_card(session: Session, *, deck_id: int, learner_ids: Sequence[int],
                    since: datetime, mature_marker: str, failed: int
                    ) -> dict[int, tuple[int, int]]:
    """card -> (the members' mature reviews of it since `since`, passed)."""
    return {cid: (n, ok) for cid, n, ok in _recall(
        session, by=col(ReviewLog.card_id), deck_id=deck_id, learner_ids=learner_ids,
        since=since, mature_marker=mature_marker, failed=failed)}


def review_totals(session: Session, *, deck_id: int, learner_ids: Sequence[int]
                  ) -> dict[int, int]:
    """learner -> all their reviews of the deck."""
    if not learner_ids:
        return {}
    rows = session.exec(
        select(ReviewLog.learner_id, func.count())
        .join(Card, col(Card.id) == col(ReviewLog.card_id))
        .where(Card.deck_id == deck_id, col(ReviewLog.learner_id).in_(learner_ids))
        .group_by(col(ReviewLog.learner_id))).all()
    return {int(lid): int(n) for lid, n in rows}


def lapses_per_card(session: Session, *, deck_id: int, learner_ids: Sequence[int], limit: int
                    ) -> list[tuple[int, str, str, int]]:
    """(card id, key, question, lapses summed over members), most lapses first."""
    if not learner_ids:
        return []
    lapses = func.sum(CardState.lapses)
    rows = session.execute(
        sa.select(col(Card.id), col(Card.key), col(Card.question), lapses)
        .join(CardState, col(CardState.card_id) == col(Card.id))
        .where(col(Card.deck_id) == deck_id, col(Card.retired) == sa.false(),
               col(CardState.learner_id).in_(learner_ids))
        .group_by(col(Card.id), col(Card.key), col(Card.question), col(Card.position))
        .having(lapses > 0)
        .order_by(lapses.desc(), col(Card.position)).limit(limit)).all()
    return [(int(cid), key, question, int(n)) for cid, key, question, n in rows if cid is not None]


def disputes_per_card(session: Session, *, deck_id: int, learner_ids: Sequence[int], limit: int
                      ) -> list[tuple[int, str, str, int, int]]:
    """(card id, key, question, "I was right" count, "I was wrong" count), most disputed first:
    `bot.disputes.most_disputed` for one deck and its members only."""
    if not learner_ids:
        return []
    total = func.count(col(GradingDispute.id))
    right = func.sum(sa.case((col(GradingDispute.claim) == "right", 1), else_=0))
    rows = session.execute(
        sa.select(col(Card.id), col(Card.key), col(Card.question), right, total)
        .join(GradingDispute, col(GradingDispute.card_id) == col(Card.id))
        .where(col(Card.deck_id) == deck_id, col(Card.retired) == sa.false(),
               col(GradingDispute.learner_id).in_(learner_ids))
        .group_by(col(Card.id), col(Card.key), col(Card.question), col(Card.position))
        .order_by(total.desc(), col(Card.position)).limit(limit)).all()
    return [(int(cid), key, question, int(r or 0), int(n) - int(r or 0))
            for cid, key, question, r, n in rows if cid is not None]


def card_questions(session: Session, *, card_ids: Sequence[int]) -> list[tuple[int, str]]:
    if not card_ids:
        return []
    rows = session.exec(select(Card.id, Card.question).where(col(Card.id).in_(card_ids))).all()
    return [(int(cid), question) for cid, question in rows if cid is not None]
