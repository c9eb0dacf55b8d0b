"""The layers point one way (../shared/STYLE.md): handlers → use cases → store; the pure domain
imports no I/O; only workers import torch. Read from the source with `ast`, lazy imports
included, so a new arrow the wrong way fails here before a reviewer has to spot it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
TGEMU = BOT.parent / "tgemu"

HANDLERS_USING_STORE = {"telegram.context", "telegram.errors"}  # the session type; errors
PURE_DOMAIN = ("grading", "scheduling", "pushes.rules", "timezones", "wording", "decks.parser",
               "decks.plain", "decks.model", "decks.errors", "demos.types",
               "decks.anki_html", "decks.anki_notes", "decks.anki_text")
COMPOSITION_ROOTS = {"app", "cli", "webserver", "__main__"}
SQL_PACKAGES = ("sqlalchemy", "sqlmodel", "alembic", "psycopg")
HEAVY = ("torch", "matplotlib", "kornia", "numpy")


def modules(root: Path = BOT) -> Iterator[tuple[str, set[str]]]:
    """(dotted name under root, every module it imports anywhere in its body)."""
    for path in sorted(root.rglob("*.py")):
        name = ".".join(path.relative_to(root).with_suffix("").parts)
        name = name.removesuffix(".__init__")
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
                imported.update(f"{node.module}.{alias.name}" for alias in node.names)
        yield name, imported


def under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_sql_lives_in_the_store() -> None:
    """Only bot/store imports SQLAlchemy, SQLModel, Alembic or psycopg."""
    found = {name for name, imported in modules()
             if not under(name, "store") and any(under(i, *SQL_PACKAGES) for i in imported)}
    assert found == set(), "SQL outside bot/store"


def test_store_points_nowhere_up() -> None:
    """The store imports no use case, handler or worker: it is the bottom layer."""
    for name, imported in modules():
        if under(name, "store"):
            upward = {i for i in imported if under(i, "bot") and not under(
                i, "bot.store", "bot.config", "bot.logs")}
            assert upward == set(), (name, upward)


def test_handlers_reach_the_store_only_through_use_cases() -> None:
    found = {name for name, imported in modules()
             if under(name, "telegram") and any(under(i, "bot.store") for i in imported)}
    assert found - HANDLERS_USING_STORE == set()
    assert HANDLERS_USING_STORE - found == set(), "debt paid: remove these from the list"


def test_use_cases_do_not_import_handlers() -> None:
    for name, imported in modules():
        if "." not in name and name not in COMPOSITION_ROOTS:
            assert not any(under(i, "bot.telegram") for i in imported), name


def test_pure_domain_does_no_io() -> None:
    """Grading, scheduling, reminders and deck parsing import no database, Telegram or web."""
    banned = (*SQL_PACKAGES, "telegram", "aiohttp", "httpx", "redis", "bot.store",
              "bot.telegram")
    for name, imported in modules():
        if under(name, *PURE_DOMAIN):
            assert not any(under(i, *banned) for i in imported), name


def test_only_workers_import_torch() -> None:
    for name, imported in modules():
        if not under(name, "worker"):
            assert not any(under(i, *HEAVY) for i in imported), name


def test_the_emulator_is_a_library_apart() -> None:
    """tgemu imports nothing from the bot, and of the bot only the playground imports it."""
    for name, imported in modules(TGEMU):
        assert not any(under(i, "bot") for i in imported), name
    users = {name for name, imported in modules() if any(under(i, "tgemu") for i in imported)}
    assert {u for u in users if not under(u, "devtools.playground")} == set(), users


def test_handlers_never_import_jobs() -> None:
    """Background jobs are started by app.py and reached by handlers only through BotState."""
    for name, imported in modules():
        if under(name, "telegram"):
            assert not any(under(i, "bot.jobs") for i in imported), name
