"""A learner's review history, simulated through the domain layer with a fixed clock.

The learner forgets much faster than fsrs's default parameters assume, so a fit has something
real to find: the bot schedules with `bot.scheduling.review` (defaults, no fuzz) exactly as in
production, while each answer is drawn from a "true" FSRS memory with other parameters.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import fsrs
from fsrs.scheduler import DEFAULT_PARAMETERS
from sqlmodel import Session

from bot.scheduling import Memory, Rating, SchedulerConfig, State, new_memory, review
from bot.store.models import CardState, ReviewLog, StudyPrompt
from bot.study import dump_memory

# Initial stabilities under half the defaults, and memories that grow slower with each
# success (w8 0.8 instead of 1.87): by the defaults' reckoning, a forgetful learner.
FORGETFUL = (0.1, 0.5, 1.0, 3.0, *DEFAULT_PARAMETERS[4:8], 0.8, *DEFAULT_PARAMETERS[9:])
DEFAULTS = SchedulerConfig(fuzzing=False)


def simulate(cards: list[int], *, start: datetime, days: int, new_per_day: int = 4,
             seed: int = 7) -> tuple[list[tuple[int, Rating, datetime]], dict[int, Memory]]:
    """Reviews (card, rating, when) and each card's final memory, as the bot would store them."""
    rng = random.Random(seed)
    truth = fsrs.Scheduler(parameters=FORGETFUL, enable_fuzzing=False)
    memories: dict[int, Memory] = {}
    true_cards: dict[int, fsrs.Card] = {}
    log: list[tuple[int, Rating, datetime]] = []
    waiting = list(cards)
    for day in range(days):
        now = start + timedelta(days=day)
        for _ in range(new_per_day):
            if waiting:
                card = waiting.pop(0)
                memories[card] = new_memory(now)
                true_cards[card] = fsrs.Card(card_id=card, due=now)
        end = now + timedelta(hours=1)
        last_day = day == days - 1
        # The last session goes on until every card has graduated, so a test starts with
        # review cards only.
        while now < end or (last_day and any(m.state != State.REVIEW
                                              for m in memories.values())):
            due = [c for c, m in memories.items() if m.due <= now]
            if not due:
                now += timedelta(minutes=1)
                continue
            for card in due:
                true = true_cards[card]
                if true.last_review is None:
                    rating = rng.choice([Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.GOOD])
                elif rng.random() < truth.get_card_retrievability(true, now):
                    rating = rng.choice([Rating.GOOD] * 5 + [Rating.HARD, Rating.EASY])
                else:
                    rating = Rating.AGAIN
                memories[card] = review(memories[card], rating, now, DEFAULTS)
                true_cards[card], _ = truth.review_card(true, fsrs.Rating(int(rating)), now)
                log.append((card, rating, now))
                now += timedelta(seconds=15)
    return log, memories


def insert_history(session: Session, *, learner_id: int, cards: list[int], start: datetime,
                   days: int, new_per_day: int = 4, seed: int = 7) -> int:
    """Store a simulated history as prompts, review log rows and card states; returns its size."""
    log, memories = simulate(cards, start=start, days=days, new_per_day=new_per_day, seed=seed)
    before: dict[int, Memory | None] = {}
    for card, rating, when in log:
        prompt = StudyPrompt(learner_id=learner_id, card_id=card,
                             asked_at=when - timedelta(seconds=9), answered_at=when,
                             closed_at=when, outcome="rated", suggested_rating=int(rating))
        session.add(prompt)
        session.flush()
        assert prompt.id is not None
        previous = before.get(card)
        session.add(ReviewLog(learner_id=learner_id, card_id=card, prompt_id=prompt.id,
                              rating=int(rating), reviewed_at=when, duration_ms=9000,
                              state_before=dump_memory(previous)))
        before[card] = review(previous or new_memory(when), rating, when, DEFAULTS)
    for card, memory in memories.items():
        session.add(CardState(learner_id=learner_id, card_id=card, state=int(memory.state),
                              step=memory.step, stability=memory.stability,
                              difficulty=memory.difficulty, due=memory.due,
                              last_review=memory.last_review, reps=memory.reps,
                              lapses=memory.lapses, introduced_at=start))
    session.commit()
    return len(log)
