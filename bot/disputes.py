"""Grading disputes: a learner says a grade was wrong; the deck's teacher sees where.

The grader is general rules, so some cards of a teacher's deck will be graded loosely or
harshly. A dispute is the cheapest signal of that: it is stored with the answer and the grade
as they were, the learner's own rating is untouched, and nothing feeds it back into grading
(one learner could otherwise change everyone's grades). `tutorbot grading-report` and /class
turn the disputes into a list of cards that need `keys:`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.store import disputes as store
from bot.store.session import Session


class Claim(StrEnum):
    """What the learner says of their own answer."""

    RIGHT = "right"  # "I was right": the grade was too harsh
    WRONG = "wrong"  # "I was wrong": the grade was too kind


@dataclass(frozen=True, slots=True)
class Recorded:
    claim: Claim
    label: str


@dataclass(frozen=True, slots=True)
class AlreadyDisputed:
    pass


@dataclass(frozen=True, slots=True)
class NotDisputable:
    """Not this learner's graded answer (a forged or foreign button)."""


def dispute_grade(session: Session, *, telegram_id: int, prompt_id: int, claim: Claim,
                  now: datetime) -> Recorded | AlreadyDisputed | NotDisputable:
    found = store.answered_prompt(session, telegram_id=telegram_id, prompt_id=prompt_id)
    if found is None:
        return NotDisputable()
    learner_id, prompt = found
    if not store.insert_dispute(session, learner_id=learner_id, prompt=prompt,
                                claim=claim.value, now=now):
        return AlreadyDisputed()
    return Recorded(claim, prompt.label or "")


@dataclass(frozen=True, slots=True)
class DisputedAnswer:
    claim: Claim
    answer: str
    label: str
    score: float
    disputed_at: datetime


@dataclass(frozen=True, slots=True)
class CardDisputes:
    """One card's disputes, for the teacher's report."""

    deck_title: str
    card_key: str
    question: str
    answers: tuple[DisputedAnswer, ...]

    @property
    def right(self) -> int:
        return sum(a.claim is Claim.RIGHT for a in self.answers)

    @property
    def wrong(self) -> int:
        return sum(a.claim is Claim.WRONG for a in self.answers)


def most_disputed(session: Session, *, deck_title: str | None = None, limit: int = 20
                  ) -> list[CardDisputes]:
    """Cards with the most disputes first (ties: the deck's order), each with its answers."""
    grouped: dict[int, list[DisputedAnswer]] = defaultdict(list)
    cards = {}
    for dispute, card, deck in store.disputes_by_card(session, deck_title=deck_title):
        assert card.id is not None
        cards[card.id] = (deck.title, card)
        grouped[card.id].append(DisputedAnswer(Claim(dispute.claim), dispute.answer,
                                               dispute.label, dispute.score,
                                               dispute.disputed_at))
    ranked = sorted(grouped, key=lambda cid: (-len(grouped[cid]), cards[cid][0],
                                              cards[cid][1].position))
    return [CardDisputes(cards[cid][0], cards[cid][1].key, cards[cid][1].question,
                         tuple(grouped[cid])) for cid in ranked[:limit]]


def report_lines(cards: list[CardDisputes], *, deck_title: str | None = None) -> list[str]:
    """The teacher's report: per card its dispute counts, then each disputed answer."""
    where = f" in deck {deck_title!r}" if deck_title else ""
    if not cards:
        return [f"No grading disputes{where} yet."]
    total = sum(len(c.answers) for c in cards)
    lines = [f"{total} disputed grade{'s' if total != 1 else ''} on {len(cards)} "
             f"card{'s' if len(cards) != 1 else ''}{where}, most disputed first.",
             "'right' = the learner says the grade was too harsh; 'wrong' = too kind.",
             "A card disputed often needs a keys: line (tutorbot check-deck --grading FILE)."]
    for card in cards:
        lines.append("")
        lines.append(f"{card.deck_title} / {card.card_key}: {len(card.answers)} "
                     f"(right {card.right}, wrong {card.wrong})")
        lines.append(f"  Q: {_one_line(card.question)}")
        for answer in card.answers:
            lines.append(f"  - says {answer.claim.value}; graded {answer.label} "
                         f"{round(answer.score * 100)}%: {_one_line(answer.answer)!r}")
    return lines


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
