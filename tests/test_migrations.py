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


def test_migrations_build_exactly_what_the_models_declare(database_url: str) -> None:
    """Alembic finds nothing to add or drop between the migrated schema and the models, so
    an index declared on a model (or only in a migration) cannot go missing on one side."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import bot.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

    upgrade(database_url)
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
    finally:
        engine.dispose()
