"""Programmatic Alembic, so `tutorbot migrate` and startup share one upgrade path.

Alembic (with Mako and Pygments behind it) costs the bot process about 11 MiB that it would
keep for its whole life, to learn at start-up that the schema is already current. So start-up
first compares the database's `alembic_version` with the head revision read from the
migration files' own text, and imports Alembic only when they differ.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config

_HERE = Path(__file__).parent
_VERSIONS = _HERE / "migrations" / "versions"
_REVISION = re.compile(r'^revision(?::\s*str)?\s*=\s*["\']([^"\']+)["\']', re.M)
_DOWN = re.compile(r'^down_revision(?::[^=]*)?=\s*(?:["\']([^"\']+)["\']|None)', re.M)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE / "migrations"))
    # Percent signs in URLs (encoded passwords) would be read as interpolation otherwise.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


@cache
def head_revision() -> str:
    """The newest revision: the one no migration file names as its down_revision."""
    revisions, parents = set(), set()
    for path in _VERSIONS.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        if match := _REVISION.search(text):
            revisions.add(match[1])
        if (match := _DOWN.search(text)) and match[1]:
            parents.add(match[1])
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have one head, found {sorted(heads)}")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    """The database's revision; None for an empty database."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade_if_behind(url: str, engine: Engine) -> bool:
    """Upgrade to head unless the database is there already; True if Alembic ran."""
    if current_revision(engine) == head_revision():
        return False
    upgrade(url)
    return True
