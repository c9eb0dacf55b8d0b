"""Classes: the owner of a personal deck shares it by a link, learners join and study the deck
itself, and the owner sees how the class is doing (/class).

Members study the owner's deck, not a copy: the owner's re-import of the same file name
updates the very cards the members have states for, so their history stays. The link's code
is the deep-link payload (`t.me/<bot>?start=<code>`) and the only way in: it is drawn with
`secrets`, so nobody joins a deck by guessing. Leaving (or being removed) deletes the member's
history on that deck, as deleting one's own deck does: nothing of them stays in the owner's view.
"""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.scheduling import Rating, State, day_start, local_day
from bot.store import classes as store
from bot.store import learners
from bot.store.models import Deck, Learner
from bot.store.session import Session

# token_urlsafe(16): 22 characters, 128 random bits, within the deep link's 64 of A-Za-z0-9_-.
CODE_BYTES = 16
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_CLASSES_JOINED = 20
RETENTION_DAYS = 30
CHART_DAYS = 14
TOP_CARDS = 10
_MATURE = f'"state": {int(State.REVIEW)}'


def is_code(text: str) -> bool:
    """Whether `text` could be a link code at all (Telegram's deep-link payload alphabet)."""
    return bool(_CODE.match(text))


@dataclass(frozen=True, slots=True)
class ShareLink:
    deck_id: int
    title: str
    cards: int
    code: str
    members: int


@dataclass(frozen=True, slots=True)
class LinkRevoked:
    title: str
    members: int


def share_deck(session: Session, *, telegram_id: int, deck_id: int, now: datetime
               ) -> ShareLink | None:
    """The deck's join link, drawn now if it has none (or had one revoked); None for a deck
    that is not the learner's own."""
    owner, deck = _own_deck(session, telegram_id, deck_id)
    if owner is None or deck is None:
        return None
    share = store.open_share(session, deck_id=deck_id, new_code=secrets.token_urlsafe(CODE_BYTES),
                             now=now)
    return ShareLink(deck_id, deck.title, store.live_cards(session, deck_id=deck_id), share.code,
                     len(store.members(session, deck_id=deck_id)))


def revoke_link(session: Session, *, telegram_id: int, deck_id: int, now: datetime
                ) -> LinkRevoked | None:
    """Stop new joins by the deck's link; members stay. None for someone else's deck."""
    owner, deck = _own_deck(session, telegram_id, deck_id)
    if owner is None or deck is None:
        return None
    share = store.share_of(session, deck_id=deck_id)
    if share is not None and share.revoked_at is None:
        share.revoked_at = now
        session.flush()
    return LinkRevoked(deck.title, len(store.members(session, deck_id=deck_id)))


class Closed(StrEnum):
    """Why a link does not let anyone in."""

    UNKNOWN = "unknown"  # never drawn, mistyped, or its deck was deleted
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class LinkClosed:
    why: Closed


class Standing(StrEnum):
    """Where the learner opening a link stands with its deck."""

    OUTSIDE = "outside"
    MEMBER = "member"
    OWNER = "owner"
    FULL = "full"  # in MAX_CLASSES_JOINED classes already


@dataclass(frozen=True, slots=True)
class Invitation:
    code: str
    deck_id: int
    title: str
    cards: int
    owner_name: str
    standing: Standing


def invitation(session: Session, *, telegram_id: int, code: str) -> Invitation | LinkClosed:
    """What opening the link shows: the deck's title, size and owner, and whether the learner
    may join."""
    found = store.share_by_code(session, code=code) if is_code(code) else None
    if found is None:
        return LinkClosed(Closed.UNKNOWN)
    share, deck, owner = found
    if share.revoked_at is not None:
        return LinkClosed(Closed.REVOKED)
    assert deck.id is not None
    me = learners.by_telegram_id(session, telegram_id=telegram_id)
    standing = Standing.OUTSIDE
    if me is not None and me.id is not None:
        if me.id == owner.id:
            standing = Standing.OWNER
        elif store.membership(session, deck_id=deck.id, learner_id=me.id) is not None:
            standing = Standing.MEMBER
        elif len(store.joined_deck_ids(session, learner_id=me.id)) >= MAX_CLASSES_JOINED:
            standing = Standing.FULL
    return Invitation(code, deck.id, deck.title, store.live_cards(session, deck_id=deck.id),
                      owner.first_name, standing)


def join_class(session: Session, *, telegram_id: int, code: str, now: datetime
               ) -> Invitation | LinkClosed:
    """Join the link's deck; the answer's standing says MEMBER once in (also when already
    in), or why not (OWNER, FULL). The link is checked again: it may have been revoked
    between the preview and the press."""
    found = invitation(session, telegram_id=telegram_id, code=code)
    if isinstance(found, LinkClosed) or found.standing is not Standing.OUTSIDE:
        return found
    me = learners.by_telegram_id(session, telegram_id=telegram_id)
    assert me is not None and me.id is not None
    store.add_member(session, deck_id=found.deck_id, learner_id=me.id, now=now)
    return Invitation(found.code, found.deck_id, found.title, found.cards, found.owner_name,
                      Standing.MEMBER)


@dataclass(frozen=True, slots=True)
class Left:
    deck_id: int
    title: str
    reviews: int


def leaving(session: Session, *, telegram_id: int, deck_id: int) -> Left | None:
    """What leaving would take away (for the confirmation); None if not a member."""
    me = learners.by_telegram_id(session, telegram_id=telegram_id)
    deck = store.live_deck(session, deck_id=deck_id)
    if me is None or me.id is None or deck is None or store.membership(
            session, deck_id=deck_id, learner_id=me.id) is None:
        return None
    reviews = store.review_totals(session, deck_id=deck_id, learner_ids=[me.id]).get(me.id, 0)
    return Left(deck_id, deck.title, reviews)


def leave_class(session: Session, *, telegram_id: int, deck_id: int) -> Left | None:
    """Leave the class: the learner's history on the deck goes with them."""
    found = leaving(session, telegram_id=telegram_id, deck_id=deck_id)
    me = learners.by_telegram_id(session, telegram_id=telegram_id)
    if found is None or me is None or me.id is None:
        return None
    store.delete_history(session, deck_id=deck_id, learner_id=me.id)
    return found


@dataclass(frozen=True, slots=True)
class Removed:
    title: str
    name: str


def remove_member(session: Session, *, telegram_id: int, deck_id: int, learner_id: int
                  ) -> Removed | None:
    """The owner removes a member, whose history on the deck goes as if they had left.

    None for someone else's deck or a learner who is not in the class.
    """
    owner, deck = _own_deck(session, telegram_id, deck_id)
    if owner is None or deck is None:
        return None
    name = next((n for lid, n, _ in store.members(session, deck_id=deck_id) if lid == learner_id),
                None)
    if name is None:
        return None
    store.delete_history(session, deck_id=deck_id, learner_id=learner_id)
    return Removed(deck.title, name)


@dataclass(frozen=True, slots=True)
class Member:
    learner_id: int
    name: str


def class_members(session: Session, *, telegram_id: int, deck_id: int
                  ) -> tuple[str, list[Member]] | None:
    """The deck's title and members, for the owner only."""
    owner, deck = _own_deck(session, telegram_id, deck_id)
    if owner is None or deck is None:
        return None
    return deck.title, [Member(lid, name) for lid, name, _ in store.members(session,
                                                                            deck_id=deck_id)]


def class_decks(session: Session, *, telegram_id: int) -> list[tuple[int, str]]:
    """The learner's own decks that have (or had) a link or members: what /class offers."""
    me = learners.by_telegram_id(session, telegram_id=telegram_id)
    if me is None or me.id is None:
        return []
    return store.shared_decks_of(session, owner_id=me.id)


def joined_decks(session: Session, *, learner_id: int) -> tuple[int, ...]:
    """The personal decks of others this learner joined (see `Catalog.personal_decks_seen_by`)."""
    return tuple(store.joined_deck_ids(session, learner_id=learner_id))


# --- /class --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LearnerProgress:
    name: str
    reviews: int
    reviews_week: int
    active_today: bool
    # Reviews of cards that had graduated (Anki's true retention), last RETENTION_DAYS days.
    retention_reviews: int
    retention_passed: int
    per_day: tuple[int, ...]  # reviews on each of the last CHART_DAYS days, today last

    @property
    def retention(self) -> float | None:
        return self.retention_passed / self.retention_reviews if self.retention_reviews else None


@dataclass(frozen=True, slots=True)
class CardFigure:
    key: str
    question: str
    count: int  # lapses, or disputes
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ClassReport:
    deck_id: int
    title: str
    cards: int
    link_open: bool
    today: date
    learners: tuple[LearnerProgress, ...]
    weakest: tuple[tuple[str, float, int], ...]  # (question, retention, mature reviews)
    hardest: tuple[CardFigure, ...]
    disputed: tuple[CardFigure, ...]

    @property
    def active_today(self) -> int:
        return sum(p.active_today for p in self.learners)

    @property
    def active_week(self) -> int:
        return sum(p.reviews_week > 0 for p in self.learners)

    @property
    def reviews(self) -> int:
        return sum(p.reviews for p in self.learners)

    @property
    def reviews_week(self) -> int:
        return sum(p.reviews_week for p in self.learners)

    @property
    def retention(self) -> tuple[float | None, int]:
        """The class's true retention: all members' mature reviews pooled."""
        n = sum(p.retention_reviews for p in self.learners)
        passed = sum(p.retention_passed for p in self.learners)
        return (passed / n if n else None), n


def class_report(session: Session, *, telegram_id: int, deck_id: int, now: datetime
                 ) -> ClassReport | None:
    """The owner's view of one shared deck; None for anyone else (or a deck gone).

    Days are the owner's days (their time zone and day boundary): "today" is theirs.
    """
    owner, deck = _own_deck(session, telegram_id, deck_id)
    if owner is None or deck is None:
        return None
    tz, boundary = owner.timezone, owner.day_boundary_hour
    today = local_day(now, tz, boundary)
    chart_days = [today - timedelta(days=CHART_DAYS - 1 - i) for i in range(CHART_DAYS)]
    people = store.members(session, deck_id=deck_id)
    ids = [lid for lid, _, _ in people]
    days: dict[int, Counter[date]] = defaultdict(Counter)
    for learner_id, at in store.review_times(
            session, deck_id=deck_id, learner_ids=ids,
            since=day_start(chart_days[0], tz, boundary)):
        days[learner_id][local_day(at, tz, boundary)] += 1
    totals = store.review_totals(session, deck_id=deck_id, learner_ids=ids)
    month_ago = now - timedelta(days=RETENTION_DAYS)
    per_learner = store.recall_per_learner(session, deck_id=deck_id, learner_ids=ids,
                                           since=month_ago, mature_marker=_MATURE,
                                           failed=int(Rating.AGAIN))
    per_card = store.recall_per_card(session, deck_id=deck_id, learner_ids=ids, since=month_ago,
                                     mature_marker=_MATURE, failed=int(Rating.AGAIN))
    learners = []
    for learner_id, name, _ in people:
        per_day = days[learner_id]
        total = totals.get(learner_id, 0)
        mature, passed = per_learner.get(learner_id, (0, 0))
        learners.append(LearnerProgress(
            name=name, reviews=total,
            reviews_week=sum(n for d, n in per_day.items() if d > today - timedelta(days=7)),
            active_today=per_day[today] > 0,
            retention_reviews=mature, retention_passed=passed,
            per_day=tuple(per_day[d] for d in chart_days)))
    hardest = [CardFigure(key, question, lapses) for _, key, question, lapses in
               store.lapses_per_card(session, deck_id=deck_id, learner_ids=ids, limit=TOP_CARDS)]
    disputed = [CardFigure(key, question, right + wrong, f"right {right}, wrong {wrong}")
                for _, key, question, right, wrong in store.disputes_per_card(
                    session, deck_id=deck_id, learner_ids=ids, limit=TOP_CARDS)]
    questions = dict(store.card_questions(session, card_ids=list(per_card)))
    weakest = sorted(((questions.get(cid, "?"), ok / n, n) for cid, (n, ok) in per_card.items()),
                     key=lambda w: (w[1], -w[2], w[0]))
    share = store.share_of(session, deck_id=deck_id)
    return ClassReport(deck_id, deck.title, store.live_cards(session, deck_id=deck_id),
                       share is not None and share.revoked_at is None, today, tuple(learners),
                       tuple(weakest[:TOP_CARDS]), tuple(hardest), tuple(disputed))


def chart_payload(report: ClassReport) -> str:
    """What the worker needs to draw the /class picture, as compact JSON."""
    return json.dumps({
        "title": report.title,
        "today": report.today.isoformat(),
        "learners": [{"name": p.name, "per_day": list(p.per_day), "retention": p.retention,
                      "mature": p.retention_reviews} for p in report.learners],
        "hardest": [[c.question, c.count] for c in report.hardest],
    }, separators=(",", ":"))


def _own_deck(session: Session, telegram_id: int, deck_id: int
              ) -> tuple[Learner, Deck] | tuple[None, None]:
    me = learners.by_telegram_id(session, telegram_id=telegram_id)
    deck = store.live_deck(session, deck_id=deck_id)
    if me is None or deck is None or deck.owner_learner_id is None or (
            deck.owner_learner_id != me.id):
        return None, None
    return me, deck
