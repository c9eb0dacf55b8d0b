"""What a push offers: how many cards a learner could study now, and which card comes first.

Both follow the study loop's own rules (bot.study `_pick_card`): reviews due now within
today's review limit, then new cards within `new_per_day`, then learning steps due within
`LEARN_AHEAD` and cards skipped earlier today; only decks the learner has on (/decks), and a
personal deck only for its owner and the learners who joined it (bot.classes). They are
computed here for a whole batch of learners from a few batched reads (bot.store.pushes),
where the study loop reads one learner at a time; tests/pushes/test_due_agrees.py checks
that the two agree over varied learner states on both engines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from bot.catalog import Catalog, CatalogCard
from bot.scheduling import State, day_start, local_day
from bot.store import pushes as store
from bot.store.session import Session
from bot.study import LEARN_AHEAD


def day_starts(learners: Sequence[store.Candidate], now: datetime
               ) -> dict[datetime, list[int]]:
    """Each learner's study-day start, grouped: learners of one zone share theirs."""
    starts: dict[datetime, list[int]] = defaultdict(list)
    for c in learners:
        day = local_day(now, c.timezone, c.day_boundary_hour)
        starts[day_start(day, c.timezone, c.day_boundary_hour)].append(c.learner_id)
    return starts


def count_due_many(
    session: Session, *, learners: Sequence[store.Candidate], now: datetime,
) -> dict[int, int]:
    """Cards each learner could study now: due reviews (within today's review limit) plus
    new cards still allowed today (within `new_per_day`, and that exist)."""
    if not learners:
        return {}
    rows = store.due_rows(session, starts=day_starts(learners, now), now=now)
    decks, off, joined = rows.decks, rows.decks_off, rows.joined

    def visible(deck_id: int, learner_id: int) -> bool:
        deck = decks.get(deck_id)
        return (deck is not None and deck[0] in (None, learner_id)) or (
            deck_id in decks and deck_id in joined[learner_id])

    shared_cards = sum(n for owner, n in decks.values() if owner is None)
    own_cards: dict[int, int] = defaultdict(int)
    for owner, n in decks.values():
        if owner is not None:
            own_cards[owner] += n
    due_reviews: dict[int, int] = defaultdict(int)
    introduced_today: dict[int, int] = defaultdict(int)
    seen_live: dict[int, int] = defaultdict(int)
    for learner_id, deck_id, due, introduced, seen in rows.states:
        # The daily new-card limit counts cards introduced in any deck, as study does.
        introduced_today[learner_id] += introduced
        if deck_id in off[learner_id] or not visible(deck_id, learner_id):
            continue
        due_reviews[learner_id] += due
        seen_live[learner_id] += seen
    counts: dict[int, int] = {}
    for c in learners:
        lid = c.learner_id
        available = shared_cards + own_cards[lid] + sum(
            decks[d][1] for d in joined[lid] if d in decks) - sum(
            decks[d][1] for d in off[lid] if visible(d, lid))
        review_room = max(0, c.max_reviews_per_day - rows.reviewed_today.get(lid, 0))
        new_room = max(0, min(c.new_per_day - introduced_today[lid], available - seen_live[lid]))
        counts[lid] = min(due_reviews[lid], review_room) + new_room
    return counts


def first_card(learner: store.Studier, day: store.StudyDay, catalog: Catalog, now: datetime
               ) -> tuple[CatalogCard, bool] | None:
    """The card the study loop would ask `learner` next (and whether it is new), or None
    when nothing may be shown: bot.study's pick with nothing just skipped. `catalog` is the
    learner's view (Catalog.for_learner), which holds the decks they joined."""
    decks = catalog.decks_for(learner.learner_id)
    if decks and all(deck_id in day.decks_off for deck_id, _, _ in decks):
        return None
    mine = catalog.cards_for(learner.learner_id, skip_decks=day.decks_off)
    allowed = {card.id for card in mine if card.id not in day.buried_today}
    review_room = day.reviews_today < learner.max_reviews_per_day
    waiting: list[int] = []
    for card_id, state, due in day.due:
        due_now = due <= now
        if card_id not in allowed or not (due_now or state != State.REVIEW):
            continue
        if review_room and due_now and card_id not in day.skipped_today:
            return catalog.cards[card_id], False
        waiting.append(card_id)
    if day.introduced_today < learner.new_per_day:
        unseen = [c for c in mine if c.id not in day.seen and c.id in allowed]
        if unseen:
            # Cards skipped today go to the back (a stable sort keeps deck order otherwise).
            unseen.sort(key=lambda c: c.id in day.skipped_today)
            return unseen[0], True
    ahead = [card_id for card_id in waiting if card_id not in day.skipped_today] or waiting
    if ahead:
        return catalog.cards[ahead[0]], False
    return None


def look_ahead(now: datetime) -> datetime:
    """How far ahead a learning step may be asked early (the study loop's LEARN_AHEAD)."""
    return now + LEARN_AHEAD


def study_day_start(learner: store.Studier, now: datetime) -> datetime:
    return day_start(local_day(now, learner.timezone, learner.day_boundary_hour),
                     learner.timezone, learner.day_boundary_hour)
