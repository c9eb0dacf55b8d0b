"""PostgreSQL plans for the hot study and push queries use the indexes made for them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select
from sqlmodel import col, func, select

from bot.pushes.rules import Window
from bot.store import pushes as push_store
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.store.models import Card, CardState, Deck, Learner, PushClaim, ReviewLog, StudyPrompt
from tests.factories import FIXED_NOW, postgres_database

LEARNERS = 2000
CARDS = 10
DAYS = 5
ZONES = ("UTC", "Europe/Berlin", "America/Sao_Paulo", "Asia/Kathmandu", "Asia/Tokyo",
         "America/New_York", "Australia/Sydney", "Africa/Lagos", "Asia/Kolkata", "Europe/London",
         "America/Los_Angeles", "Pacific/Auckland", "Asia/Shanghai", "Europe/Moscow",
         "America/Mexico_City", "Asia/Dubai", "Africa/Nairobi", "Asia/Jakarta", "Europe/Paris",
         "America/Chicago")
OPEN = ("claimed", "sending", "retry")


def _fill(conn: Connection) -> None:
    """Enough rows that a sequential scan is clearly worse, shaped like real use."""
    conn.execute(sa.insert(Deck.__table__), [  # type: ignore[attr-defined]
        {"id": 1, "slug": "nn", "title": "NN", "path": "nn.txt", "retired": False}])
    conn.execute(sa.insert(Card.__table__), [  # type: ignore[attr-defined]
        {"id": c, "deck_id": 1, "key": f"k{c}", "position": c, "question": "q", "answer": "a",
         "keys_text": "", "alts_text": "", "retired": False, "updated_at": FIXED_NOW}
        for c in range(1, CARDS + 1)])
    # Spread over zones and push times like a real audience; some paused or blocked.
    conn.execute(sa.insert(Learner.__table__), [  # type: ignore[attr-defined]
        {"id": i, "telegram_id": 1_000_000 + i, "chat_id": 1_000_000 + i, "first_name": "L",
         "timezone": ZONES[i % len(ZONES)], "push_time": f"{i % 24:02d}:{(i * 7) % 60:02d}",
         "new_per_day": 10, "max_reviews_per_day": 200, "desired_retention": 0.9,
         "day_boundary_hour": 4, "reminders_paused": i % 10 == 0, "active": i % 17 != 0,
         "created_at": FIXED_NOW}
        for i in range(1, LEARNERS + 1)])
    pairs = [(i, c) for i in range(1, LEARNERS + 1) for c in range(1, CARDS + 1)]
    conn.execute(sa.insert(CardState.__table__), [  # type: ignore[attr-defined]
        {"learner_id": i, "card_id": c, "state": 2, "step": 0, "reps": 1, "lapses": 0,
         "suspended": False, "due": FIXED_NOW + timedelta(hours=c * 7 + i % 13),
         "introduced_at": FIXED_NOW}
        for i, c in pairs])
    conn.execute(sa.insert(StudyPrompt.__table__), [  # type: ignore[attr-defined]
        {"id": n, "learner_id": i, "card_id": c, "asked_at": FIXED_NOW}
        for n, (i, c) in enumerate(pairs, 1)])
    conn.execute(sa.insert(ReviewLog.__table__), [  # type: ignore[attr-defined]
        {"learner_id": i, "card_id": c, "prompt_id": n, "rating": 3, "state_before": "{}",
         "reviewed_at": FIXED_NOW - timedelta(hours=c * 5)}
        for n, (i, c) in enumerate(pairs, 1)])
    # Settled history, plus a few rows still in flight (the ones sweeps and reclaims want).
    conn.execute(sa.insert(PushClaim.__table__), [  # type: ignore[attr-defined]
        {"learner_id": i, "local_date": date(2026, 3, 1) - timedelta(days=d),
         "claimed_at": FIXED_NOW, "due_count": 3, "attempts": 1,
         "status": OPEN[i % len(OPEN)] if d == 0 and i % 100 == 0 else "sent"}
        for i in range(1, LEARNERS + 1) for d in range(DAYS)])
    conn.execute(sa.text("ANALYZE"))


@pytest.fixture(scope="module")
def pg() -> Iterator[sa.Engine]:
    with postgres_database() as url:
        upgrade(url)
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            _fill(conn)
        try:
            yield engine
        finally:
            engine.dispose()


def _plan(engine: sa.Engine, statement: Select[Any] | sa.Update) -> str:
    compiled = statement.compile(dialect=engine.dialect,
                                 compile_kwargs={"render_postcompile": True})
    with engine.connect() as conn:
        # No `SET enable_seqscan = off`: with these row counts the planner must choose the
        # index on cost alone, as it will in production.
        rows = conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).all()
        return "\n".join(r[0] for r in rows)


def _uses(plan: str, index: str) -> bool:
    return any(f"{kind} {index}" in plan for kind in
               ("Index Scan using", "Index Only Scan using", "Bitmap Index Scan on"))


def _index_names(engine: sa.Engine, table: str) -> set[str]:
    inspector = sa.inspect(engine)
    names = [ix["name"] for ix in inspector.get_indexes(table)]
    names += [uc["name"] for uc in inspector.get_unique_constraints(table)]
    return {n for n in names if n}


QUERIES: dict[str, tuple[str, str, Select[Any]]] = {
    "card_state by learner and due": (
        "card_state", "ix_card_state_learner_due",
        select(CardState).where(CardState.learner_id == 42,
                                CardState.suspended == False,  # noqa: E712
                                CardState.due <= FIXED_NOW + timedelta(hours=20))
        .order_by(col(CardState.due))),
    "review_log by learner and time": (
        "review_log", "ix_review_log_learner_time",
        select(func.count()).select_from(ReviewLog).where(
            ReviewLog.learner_id == 42, ReviewLog.reviewed_at >= FIXED_NOW - timedelta(days=1))),
    "prompts set aside today": (
        "study_prompt", "ix_study_prompt_learner_asked",
        select(StudyPrompt.card_id, StudyPrompt.outcome).where(
            StudyPrompt.learner_id == 42, StudyPrompt.asked_at >= FIXED_NOW - timedelta(days=1),
            col(StudyPrompt.outcome).in_(("skipped", "buried")))),
    "cards introduced today": (
        "card_state", "ix_card_state_learner_introduced",
        select(func.count()).select_from(CardState).where(
            CardState.learner_id == 42,
            CardState.introduced_at >= FIXED_NOW - timedelta(days=1))),
    "learner by telegram_id": (
        "learner", "learner_telegram_id_key",
        select(Learner).where(Learner.telegram_id == 1_000_042)),
    "push_claim by learner and local day": (
        "push_claim", "push_claim_learner_id_local_date_key",
        select(PushClaim).where(PushClaim.learner_id == 42,
                                PushClaim.local_date == date(2026, 2, 28))),
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_hot_query_uses_its_index(pg: sa.Engine, name: str) -> None:
    """The planner picks the purpose-made index for each hot query on a realistic table."""
    table, index, statement = QUERIES[name]
    assert index in _index_names(pg, table)
    plan = _plan(pg, statement)
    assert _uses(plan, index), plan
    assert "Seq Scan" not in plan, plan


PUSH_NOW = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
PUSH_QUERIES: dict[str, tuple[str, str, Select[Any] | sa.Update]] = {
    "learners due in a push window": (
        "learner", "ix_learner_push_schedule",
        push_store.candidates_query([Window(date(2026, 3, 1), "17:30", "18:00",
                                         ("Europe/Berlin", "Asia/Tokyo"))])),
    "reclaim of retry and expired claims": (
        "push_claim", "ix_push_claim_open",
        push_store.reclaim_statement(now=PUSH_NOW, since=date(2026, 2, 27), limit=1000,
                                  holder="h" * 32, wall_now=PUSH_NOW)),
    "sweep of rows left sending": (
        "push_claim", "ix_push_claim_open",
        push_store.sweep_statement(now=PUSH_NOW, wall_now=PUSH_NOW)),
}


@pytest.mark.parametrize("name", list(PUSH_QUERIES))
def test_push_query_uses_its_index(pg: sa.Engine, name: str) -> None:
    """The push tick's own statements, as the code builds them, read the partial indexes
    made for them (learners by zone and push time; claims still in flight)."""
    table, index, statement = PUSH_QUERIES[name]
    assert index in _index_names(pg, table)
    plan = _plan(pg, statement)
    assert _uses(plan, index), plan
    assert f"Seq Scan on {table}" not in plan, plan


def test_app_engine_plans_every_run_with_its_own_values(pg: sa.Engine) -> None:
    """The bot's engine keeps PostgreSQL from switching prepared statements to a generic
    plan, which ignored the push window and read every learner."""
    engine = make_engine(pg.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"
    finally:
        engine.dispose()
