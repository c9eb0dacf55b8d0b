"""The bot's memory with many imported personal decks: RSS before and after.

    .venv/bin/python bench/personal_decks.py [--learners 50] [--decks 20] [--rows N]

A real bot process (this file with --serve: SQLite, long polling against the Bot API
emulator, which runs in this driver process) is measured twice, by its VmRSS:
1. baseline: the learners have studied a card each, and nobody has a personal deck;
2. after every learner imported `--decks` maximal decks (`--rows`, default IMPORT_MAX_ROWS
   rows each), then studied again (so the bot read their own cards) and the deck reload
   ran (DECK_RELOAD_S=1): what the bot holds now that these decks exist.
The imports go through the bot's own use cases (`parse_table`, `save_personal_deck`) in
this driver process, straight into the database: driving 1,000 documents of 2,000 rows
through the emulator would take many minutes and measure the same thing.

Last line: `rss_no_personal_mib=B rss_after_mib=A diff_mib=D ratio=R goal_mib=50 ok=OK`
(R = A / B).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import REPO as ROOT
from harness import serve_polling_until_sigterm
from pydantic import SecretStr

from bot.config import Settings

TOKEN = "123456789:AAE" + "x" * 32
GOAL_MIB = 50
FIRST_LEARNER = 700_000


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def settings(emu_url: str, file_url: str, database_url: str) -> Settings:
    return Settings(
        telegram_bot_token=SecretStr(TOKEN), telegram_api_url=emu_url,
        telegram_file_url=file_url, database_url=database_url, cards_dir=ROOT / "cards",
        demo_workers=0, log_level="WARNING", telegram_rate_limit=False,
        flood_limit=1_000_000, deck_reload_s=1.0,
    )


async def serve(emu_url: str, file_url: str, database_url: str) -> None:
    """The bot under test, in its own process."""
    from bot.app import build_application

    await serve_polling_until_sigterm(build_application(settings(emu_url, file_url,
                                                                 database_url)))


def csv_rows(learner: int, deck: int, rows: int) -> bytes:
    """A maximal deck: `rows` question/answer pairs, a sentence each."""
    lines = ["question,answer"]
    lines += [f"What does term {learner}-{deck}-{i} of the course mean?,"
              f"It names idea number {i} of deck {deck}: a short definition of that idea."
              for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def import_decks(database_url: str, learners: int, decks: int, rows: int) -> float:
    """Every learner gets `decks` maximal decks; returns seconds.

    The first learner imports theirs through the bot's own use cases (`parse_table`,
    `save_personal_deck`), as a document would; the others get copies of those rows made in
    SQL, with their own slugs, questions and `decks_version`, because the ORM import costs
    about a millisecond a card (half an hour for 2,000,000) and the bot ends up with the same
    rows either way."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from bot.decks.personal import SavedDeck, personal_slug, save_personal_deck
    from bot.decks.table_import import parse_table
    from bot.store.db import Database
    from bot.store.models import Card, Deck, Learner

    started = time.perf_counter()
    db = Database(database_url)
    when = datetime.now(UTC)
    try:
        sources = []
        for deck in range(decks):
            table = parse_table(csv_rows(0, deck, rows), file_name=f"deck{deck}.csv",
                                max_rows=rows)
            saved = db.call(save_personal_deck, telegram_id=FIRST_LEARNER, title=f"deck {deck}",
                            cards=table.cards, now=when)
            assert isinstance(saved, SavedDeck), saved
            sources.append(saved.deck_id)
        card = Card.__table__
        copied = [c.name for c in card.columns if c.name not in ("id", "deck_id", "question")]
        with db.engine.begin() as conn:
            ids = dict(conn.execute(sa.select(Learner.__table__.c.telegram_id,
                                              Learner.__table__.c.id)).all())
            for learner in range(1, learners):
                owner = ids[FIRST_LEARNER + learner]
                for deck, source in enumerate(sources):
                    title = f"deck {deck}"
                    new = conn.execute(sa.insert(Deck.__table__).values(
                        slug=personal_slug(owner, title), title=title, path=f"import:{title}",
                        retired=False, owner_learner_id=owner)).inserted_primary_key[0]
                    conn.execute(card.insert().from_select(
                        ["deck_id", "question", *copied],
                        sa.select(sa.literal(new), card.c.question + f" ({learner})",
                                  *(card.c[name] for name in copied))
                        .where(card.c.deck_id == source)))
                conn.execute(sa.update(Learner.__table__).where(Learner.__table__.c.id == owner)
                             .values(decks_version=Learner.__table__.c.decks_version + 1))
    finally:
        db.close()
    return time.perf_counter() - started


async def study_once(emu: object, learners: int) -> None:
    """Each learner asks for a card, answers it and rates it: the bot reads their decks."""
    from tgemu import BotApiEmulator

    assert isinstance(emu, BotApiEmulator)

    async def one(user: int) -> None:
        emu.user(user, first_name="Ada")
        emu.mark(user)
        await emu.send_text(user, "/study")
        await emu.wait_for_bot_message(user, timeout=120)
        await emu.send_text(user, "no idea")
        (graded,) = await emu.wait_for_bot_message(user, timeout=120)
        good = next((d for row in graded.buttons for label, d in row if "Good" in label), None)
        if good is not None:
            await emu.press(user, graded.message_id, good)
            await emu.wait_for_bot_message(user, timeout=120)

    for user in range(learners):  # one after another: each first update reads their cards
        await one(FIRST_LEARNER + user)


async def drive(args: argparse.Namespace) -> None:
    from tgemu import BotApiEmulator

    rows = args.rows or Settings.model_fields["import_max_rows"].default
    emu = BotApiEmulator()
    await emu.start()
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        bot = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--serve", emu.base_url, emu.file_url, database_url,
            stdout=subprocess.PIPE)
        try:
            assert bot.stdout is not None
            while (line := await bot.stdout.readline()) and not line.startswith(b"READY"):
                pass
            await study_once(emu, args.learners)
            await asyncio.sleep(3)  # a few deck-reload ticks
            before = rss_mib(bot.pid)
            print(f"bot RSS, no personal decks: {before:.1f} MiB", flush=True)
            seconds = await asyncio.to_thread(import_decks, database_url, args.learners,
                                              args.decks, rows)
            print(f"imported {args.learners} x {args.decks} decks of {rows} rows "
                  f"({args.learners * args.decks * rows:,} cards) in {seconds:.0f} s",
                  flush=True)
            await asyncio.sleep(3)  # the deck reload sees the new decks
            await study_once(emu, args.learners)
            await asyncio.sleep(3)
            after = rss_mib(bot.pid)
            print(f"bot RSS, after the imports and a card each: {after:.1f} MiB", flush=True)
        finally:
            bot.send_signal(signal.SIGTERM)
            await bot.wait()
            await emu.stop()
    diff = after - before
    print(f"rss_no_personal_mib={before:.1f} rss_after_mib={after:.1f} diff_mib={diff:.1f} "
          f"ratio={after / before:.2f} goal_mib={GOAL_MIB} ok={diff <= GOAL_MIB}")


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        asyncio.run(serve(*sys.argv[2:]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--decks", type=int, default=20)
    parser.add_argument("--rows", type=int, default=0, help="default: IMPORT_MAX_ROWS")
    asyncio.run(drive(parser.parse_args()))


if __name__ == "__main__":
    main()
