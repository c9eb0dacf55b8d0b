"""Deck reload without a restart, and the one place the in-memory catalog is swapped.

Every DECK_RELOAD_S seconds (and on SIGHUP) CARDS_DIR is compared with what was loaded, by
file names, mtimes and sizes. On a change every file is parsed first; a bad file is logged as
`path:line: reason` and the old decks stay, with nothing written. Good files are synced under
the same PostgreSQL advisory lock as start-up, so several instances take turns. Instances also
compare a cheap database fingerprint, so a deck synced by another instance reaches this one's
catalog at the next tick. Personal decks are not part of it: bot.catalog reads them per
learner, current at that learner's next update.

Catalog swaps go through one lock per application: a load that started later always lands
later, so a slow load can never overwrite a newer catalog with an older one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import cast

from bot.catalog import Catalog, Fingerprint, PersonalDecks, fingerprint, load_catalog
from bot.decks.errors import DeckError
from bot.decks.loader import load_decks
from bot.decks.model import DeckSpec
from bot.decks.sync import SyncReport, sync_decks
from bot.store.db import Database
from bot.store.deck_sync_lock import sync_lock
from bot.store.session import Session
from bot.telegram.context import BotContext, TutorApp

log = logging.getLogger("tutorbot.decks")

JOB_NAME = "deck-reload"
Snapshot = dict[str, tuple[int, int]]


@dataclass
class Reloader:
    snapshot: Snapshot | None = None
    fingerprint: Fingerprint | None = None
    catalog_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    sighup: bool = False


def _reloader(app: TutorApp) -> Reloader:
    state = app.bot_data
    if state.reloader is None:
        state.reloader = Reloader()
    found: Reloader = state.reloader
    return found


def snapshot(cards_dir: Path) -> Snapshot:
    """What the deck files look like now: name -> (mtime in ns, size)."""
    if not cards_dir.is_dir():
        return {}
    result: Snapshot = {}
    for path in sorted(cards_dir.glob("*.txt")):
        with contextlib.suppress(OSError):  # removed between the listing and the stat
            stat = path.stat()
            result[path.name] = (stat.st_mtime_ns, stat.st_size)
    return result


async def start(app: TutorApp) -> None:
    """Remember what start-up loaded and schedule the periodic check (DECK_RELOAD_S)."""
    state = app.bot_data
    reloader = _reloader(app)
    # No file snapshot yet: start-up parsed the files a moment ago, but one saved in between
    # would be missed, so the first check always syncs (a no-op when nothing changed).
    reloader.snapshot = None
    reloader.fingerprint = await state.database.run(fingerprint)
    interval = state.config.deck_reload_s
    if interval > 0 and app.job_queue is not None:
        app.job_queue.run_repeating(_tick, interval=interval, first=interval, name=JOB_NAME)
    reloader.sighup = _listen_for_sighup(app)


async def stop(app: TutorApp) -> None:
    reloader, app.bot_data.reloader = app.bot_data.reloader, None
    if app.job_queue is not None:
        with contextlib.suppress(Exception):  # the scheduler may already be shut down
            for job in app.job_queue.get_jobs_by_name(JOB_NAME):
                job.schedule_removal()
    if reloader is not None and reloader.sighup:
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)


def listens_for_sighup(app: TutorApp) -> bool:
    reloader = app.bot_data.reloader
    return reloader is not None and reloader.sighup


def _listen_for_sighup(app: TutorApp) -> bool:
    """`kill -HUP <pid>` reloads at once (POSIX, main thread only; optional)."""
    sighup = getattr(signal, "SIGHUP", None)
    if sighup is None:
        return False
    try:
        asyncio.get_running_loop().add_signal_handler(
            sighup, lambda: app.create_task(reload_decks(app), name="deck-reload-sighup"))
    except (NotImplementedError, RuntimeError, ValueError):
        return False
    return True


def app_of(context: BotContext) -> TutorApp:
    # PTB types `context.application` with an unbound context type parameter.
    return cast(TutorApp, context.application)


async def _tick(context: BotContext) -> None:
    try:
        await reload_decks(app_of(context))
    except Exception:
        # A database hiccup must not end the job; the next tick tries again.
        log.exception("deck reload failed; trying again in %s s",
                      context.bot_data.config.deck_reload_s)


@dataclass(frozen=True, slots=True)
class ReloadResult:
    files_changed: bool
    synced: SyncReport | None = None
    error: DeckError | None = None
    catalog_reloaded: bool = False


async def reload_decks(app: TutorApp) -> ReloadResult:
    """Sync changed deck files, then refresh the catalog if anything changed anywhere."""
    state = app.bot_data
    reloader = _reloader(app)
    async with reloader.reload_lock:
        cards_dir = state.config.cards_dir
        current = await asyncio.to_thread(snapshot, cards_dir)
        changed = current != reloader.snapshot
        synced: SyncReport | None = None
        if changed:
            try:
                decks = await asyncio.to_thread(load_decks, cards_dir)
            except DeckError as exc:
                # Remembered as seen, so a bad file is logged once per edit, not every tick.
                reloader.snapshot = current
                log.error("deck reload skipped, the old decks stay: %s", exc)
                return ReloadResult(files_changed=True, error=exc)
            synced = await asyncio.to_thread(_sync, state.database, decks, state.clock())
            # Only now: a sync that failed (database away) is tried again at the next tick.
            reloader.snapshot = current
            log.info("deck files changed: %d cards added, %d updated, %d retired",
                     synced.added, synced.updated, synced.retired)
        reloaded = await refresh_catalog(app, only_if_changed=not changed)
        return ReloadResult(files_changed=changed, synced=synced, catalog_reloaded=reloaded)


def _sync(db: Database, decks: list[DeckSpec], now: datetime) -> SyncReport:
    with sync_lock(db):
        return db.call(sync_decks, decks, now=now)


async def refresh_catalog(app: TutorApp, *, only_if_changed: bool = False) -> bool:
    """Load the catalog again and swap it in; returns whether it was swapped."""
    state = app.bot_data
    reloader = _reloader(app)
    async with reloader.catalog_lock:
        if only_if_changed:
            current = await state.database.run(fingerprint)
            if current == reloader.fingerprint:
                return False
        # Fingerprint first: a change landing in between only causes one more reload later.
        current, catalog = await state.database.run(_load, state.catalog.own)
        reloader.fingerprint = current
        state.catalog = catalog
        log.info("catalog reloaded: %d cards in %d shared decks",
                 len(catalog.cards), len(catalog.deck_titles))
        return True


def _load(session: Session, personal: PersonalDecks) -> tuple[Fingerprint, Catalog]:
    # The cache of personal cards carries over: it is checked against each learner's
    # decks_version at their next update, whatever happened to the shared decks.
    return fingerprint(session), load_catalog(session, personal=personal)
