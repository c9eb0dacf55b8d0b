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


def test_head_read_from_the_files_is_alembics_head() -> None:
    """Start-up's cheap head (the migration files' text) agrees with Alembic's own."""
    from alembic.script import ScriptDirectory

    from bot.store.migrate import alembic_config, head_revision

    assert head_revision() == ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_start_up_on_a_current_schema_never_imports_alembic(tmp_path: object) -> None:
    """A bot starting on a migrated database skips Alembic (and its memory) entirely; on an
    empty or older one it upgrades."""
    import subprocess
    import sys
    from pathlib import Path

    url = f"sqlite:///{Path(str(tmp_path)) / 'start.sqlite3'}"
    probe = ("import sys; from bot.store.db import Database; "
             "from bot.store.migrate import upgrade_if_behind, current_revision, head_revision; "
             f"db = Database({url!r}); ran = upgrade_if_behind(db.url, db.engine); "
             "print(ran, 'alembic' in sys.modules, current_revision(db.engine) == head_revision())")

    def start() -> list[str]:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert start() == ["True", "True", "True"]  # empty: migrated
    assert start() == ["False", "False", "True"]  # current: Alembic never imported
    downgrade(url, "0006")
    assert start() == ["True", "True", "True"]  # behind: upgraded
