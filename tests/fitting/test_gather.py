"""Gathering a learner's log for a fit: the minimum, the size cap, whole card histories."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session, func, select

from bot.fitting import FitRefused, gather_reviews
from bot.store.models import ReviewLog
from tests.bot.test_study_loop import LEARNER
from tests.conftest import RunningBot
from tests.fitting.test_personalise import with_history


async def test_gather_caps_by_whole_card_histories(running_bot: RunningBot) -> None:
    """Over the cap, whole histories of the most recently started cards are kept."""
    total = await with_history(running_bot, days=40, cards=15)
    with Session(running_bot.db.engine) as session:
        per_card = dict(session.exec(select(ReviewLog.card_id, func.count())
                                     .group_by(ReviewLog.card_id)).all())
        everything = gather_reviews(session, telegram_id=LEARNER, min_reviews=total)
        capped = gather_reviews(session, telegram_id=LEARNER, min_reviews=1, limit=total // 2)
        with pytest.raises(FitRefused) as refused:
            gather_reviews(session, telegram_id=LEARNER, min_reviews=total + 1)
    assert len(everything) == total
    assert refused.value.reviews == total and refused.value.needed == total + 1
    assert 0 < len(capped) <= total // 2
    kept = Counter(card for card, *_ in capped)
    assert all(kept[card] == per_card[card] for card in kept)  # no history cut short
    first_seen = {card: min(t for c, _, t, _ in everything if c == card) for card in per_card}
    newest = max(per_card, key=lambda card: first_seen[card])
    oldest = min(per_card, key=lambda card: first_seen[card])
    assert newest in kept and oldest not in kept
