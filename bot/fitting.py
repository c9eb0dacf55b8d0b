"""Personal FSRS parameters: gathering a learner's log for a fit, and the yes/no on its result.

The fit itself needs torch, so it runs in a demo worker (bot.worker.fsrs_fit); this module
only reads and writes the learner's rows. A fit's result waits in
`Learner.fsrs_parameters_proposed` until the learner answers. Its buttons carry a short tag
of the proposal they were shown with, so a button from an older fit cannot accept a newer
one the learner has not seen, and a second press finds nothing left to accept.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import fsrs

from bot.demos.args import MAX_FIT_REVIEWS, FitReview
from bot.store import fitting as store
from bot.store import learners
from bot.store.models import Learner
from bot.store.session import Session

# The optimizer reads no more than the first 64 reviews of a card; sending more is waste.
REVIEWS_PER_CARD = 64
PARAMETER_COUNT = 21


class FitRefused(Exception):
    """Fewer reviews than the fit needs; the handler tells the learner how many are missing."""

    def __init__(self, reviews: int, needed: int) -> None:
        super().__init__(f"{reviews} of {needed} reviews")
        self.reviews = reviews
        self.needed = needed


def _learner(session: Session, telegram_id: int) -> Learner | None:
    return learners.by_telegram_id(session, telegram_id=telegram_id)


def gather_reviews(session: Session, *, telegram_id: int, min_reviews: int,
                   limit: int = MAX_FIT_REVIEWS) -> list[FitReview]:
    """The learner's log as the fit job carries it, or FitRefused if it is too short.

    Over `limit`, whole card histories are kept, most recently started cards first: cutting
    a history short would make the fit read a card's middle as its first sight of it.
    """
    learner = _learner(session, telegram_id)
    if learner is None or learner.id is None:
        raise FitRefused(0, min_reviews)
    total = store.review_count(session, learner_id=learner.id)
    if total < min_reviews:
        raise FitRefused(total, min_reviews)
    rows = store.review_rows(session, learner_id=learner.id)
    by_card: dict[int, list[FitReview]] = defaultdict(list)
    for card_id, rating, reviewed_at, duration in rows:
        history = by_card[card_id]
        if len(history) < REVIEWS_PER_CARD:
            history.append((card_id, rating, int(reviewed_at.timestamp()), duration))
    kept: list[FitReview] = []
    for history in sorted(by_card.values(), key=lambda h: h[0][2], reverse=True):
        if len(kept) + len(history) > limit:
            continue  # a shorter, older history may still fit
        kept.extend(history)
    return kept


def proposal_tag(proposed: str) -> str:
    """Three digits naming one proposal, small enough for a button's payload."""
    return f"{int(hashlib.sha256(proposed.encode()).hexdigest(), 16) % 1000:03d}"


def _valid(parameters: tuple[float, ...]) -> str:
    """The parameters as stored; raises ValueError for anything fsrs would not accept."""
    if len(parameters) != PARAMETER_COUNT:
        raise ValueError(f"expected {PARAMETER_COUNT} parameters, got {len(parameters)}")
    fsrs.Scheduler(parameters=parameters)  # checks every weight against fsrs's bounds
    return json.dumps([float(w) for w in parameters])


@dataclass(frozen=True, slots=True)
class Proposal:
    """A stored fit: the tag its buttons carry, and whether own parameters are in use now."""

    tag: str
    personal: bool


def propose(session: Session, *, telegram_id: int, parameters: tuple[float, ...],
            now: datetime) -> Proposal | None:
    """Keep a fit's parameters for the learner's decision (replacing an older proposal)."""
    learner = _learner(session, telegram_id)
    if learner is None:
        return None
    learner.fsrs_parameters_proposed = _valid(parameters)
    learner.fsrs_fitted_at = now
    return Proposal(proposal_tag(learner.fsrs_parameters_proposed),
                    learner.fsrs_parameters is not None)


def uses_personal(session: Session, *, telegram_id: int) -> bool:
    learner = _learner(session, telegram_id)
    return learner is not None and learner.fsrs_parameters is not None


def _pending(session: Session, telegram_id: int, tag: str) -> tuple[Learner, str] | None:
    learner = _learner(session, telegram_id)
    if learner is None or learner.fsrs_parameters_proposed is None:
        return None
    if proposal_tag(learner.fsrs_parameters_proposed) != tag:
        return None
    return learner, learner.fsrs_parameters_proposed


class Decision(StrEnum):
    DONE = "done"
    ALREADY = "already"  # a second press of a button whose proposal was already used
    STALE = "stale"  # the proposal is gone or a newer fit replaced it


def accept(session: Session, *, telegram_id: int, tag: str) -> Decision:
    """Use the proposal the button was shown with.

    One conditional UPDATE, so two presses (or two bot instances) apply it once.
    """
    found = _pending(session, telegram_id, tag)
    if found is None:
        learner = _learner(session, telegram_id)
        current = None if learner is None else learner.fsrs_parameters
        in_use = current is not None and proposal_tag(current) == tag
        return Decision.ALREADY if in_use else Decision.STALE
    learner, proposed = found
    settled = store.settle_proposal(session, learner=learner, proposed=proposed, use=True)
    return Decision.DONE if settled else Decision.ALREADY


def discard(session: Session, *, telegram_id: int, tag: str) -> bool:
    """Drop the proposal the button was shown with; the current parameters stay."""
    found = _pending(session, telegram_id, tag)
    if found is None:
        return False
    learner, proposed = found
    return store.settle_proposal(session, learner=learner, proposed=proposed, use=False)


def reset(session: Session, *, telegram_id: int) -> bool:
    """Go back to fsrs's default parameters; False if they were already in use."""
    learner = _learner(session, telegram_id)
    if learner is None or learner.fsrs_parameters is None:
        return False
    learner.fsrs_parameters = None
    learner.fsrs_parameters_proposed = None
    return True
