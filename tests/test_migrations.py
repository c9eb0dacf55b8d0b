"""Alembic migrations on both engines: upgrade from empty, downgrade and upgrade again."""

from __future__ import annotations

import sqlalchemy as sa

from bot.store.migrate import downgrade, upgrade


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_round_trip(database_url: str) -> None:
    """head -> base -> head works, and leaves every table of the models."""
    upgrade(database_url)
    full = _tables(database_url)
    assert {"learner", "card", "card_state", "review_log", "push_claim", "learner_deck"} <= full
    downgrade(database_url, "0001")
    assert "push_claim" not in _tables(database_url)
    downgrade(database_url, "base")
    assert _tables(database_url) <= {"alembic_version"}
    upgrade(database_url)
    assert _tables(database_url) == full
