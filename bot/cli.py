"""The `tutorbot` command. Settings are built here, once, and passed down."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from bot.config import ENV_FILE_VARIABLE, EnvFileError, Settings, load_settings
from bot.decks.errors import DeckError
from bot.decks.model import CardSpec
from bot.wording import plural


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(getattr(args, "env_file", None))
    except EnvFileError as exc:
        raise SystemExit(f"tutorbot: {exc}") from None
    except ValidationError as exc:
        # Pydantic's message would include the rejected input, which may be a secret.
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise SystemExit(f"tutorbot: bad configuration: {problems}") from None


# sysexits' EX_CONFIG: the deploy unit's RestartPreventExitStatus stops restarting on it, since
# a rejected token stays rejected until someone changes the configuration.
EXIT_CONFIG = 78


def _cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.telegram_bot_token is None:
        print("TELEGRAM_BOT_TOKEN is not set: opening the local playground.\n", file=sys.stderr)
        return _cmd_play(args, settings)
    from telegram.error import InvalidToken, NetworkError

    from bot import secret_guard
    from bot.logs import setup_logging
    from bot.runner import run_bot

    secrets = [settings.telegram_bot_token.get_secret_value()]
    if settings.webhook_secret:
        secrets.append(settings.webhook_secret.get_secret_value())
    # First, before anything can print: see bot/secret_guard.py for every road it closes.
    secret_guard.install(secrets)
    setup_logging(settings.log_level, secrets)
    try:
        run_bot(settings)
    except DeckError as exc:
        raise SystemExit(f"tutorbot: deck error: {exc}") from None
    except InvalidToken:
        # PTB's message quotes the token; this one says what to do instead.
        print("tutorbot: Telegram rejected the bot token; check TELEGRAM_BOT_TOKEN "
              "(a token from @BotFather, for the server at TELEGRAM_API_URL)", file=sys.stderr)
        return EXIT_CONFIG
    except NetworkError as exc:
        print(f"tutorbot: cannot reach Telegram at TELEGRAM_API_URL: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_play(args: argparse.Namespace, settings: Settings | None = None) -> int:
    from bot.devtools.playground import play
    from bot.logs import setup_logging

    settings = settings or _settings(args)
    setup_logging("WARNING")
    try:
        asyncio.run(play(settings, picture_dir=Path(getattr(args, "pictures", None)
                                                     or "playground-pictures")))
    except DeckError as exc:
        raise SystemExit(f"tutorbot: deck error: {exc}") from None
    except KeyboardInterrupt:
        pass
    return 0


def _cmd_check_deck(args: argparse.Namespace) -> int:
    from bot.decks.loader import parse_any
    from bot.decks.plain import format_deck

    failed = 0
    for name in args.files:
        try:
            deck = parse_any(Path(name))
        except DeckError as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        if args.convert:
            sys.stdout.write(format_deck(deck))
        elif args.grading:
            _print_grading(name, deck.cards)
        else:
            print(f"{name}: ok, {plural(len(deck.cards), 'card')} in deck {deck.title!r}")
    return 1 if failed else 0


def _print_grading(name: str, cards: Sequence[CardSpec]) -> None:
    from bot.grading.deckcheck import check_deck, format_check

    checks = check_deck(cards)
    print(f"{name}: how the grader reads {plural(len(checks), 'card')} "
          "(word weights: 1.00 names an idea, 0.25 is filler)")
    for check in checks:
        print()
        print(format_check(check))
    loose = sum(c.loose for c in checks)
    print(f"\n{plural(loose, 'card')} graded loosely"
          + (": add the suggested keys: lines (or your own) to grade them strictly." if loose
             else "."))


def _cmd_grade(args: argparse.Namespace) -> int:
    from bot.decks.loader import load_decks, parse_any
    from bot.grading.jsonl import grade_lines

    try:
        if args.deck:
            cards = list(parse_any(Path(args.deck)).cards)
        else:
            cards_dir = Path(args.cards_dir) if args.cards_dir else _settings(args).cards_dir
            cards = [c for d in (load_decks(cards_dir) if cards_dir.is_dir() else [])
                     for c in d.cards]
    except DeckError as exc:
        print(f"tutorbot grade: {exc}", file=sys.stderr)
        return 2
    for line in grade_lines(sys.stdin, cards):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from bot.store.migrate import downgrade, upgrade

    settings = _settings(args)
    if args.downgrade:
        downgrade(settings.effective_database_url, args.downgrade)
        print(f"database downgraded to {args.downgrade}")
    else:
        upgrade(settings.effective_database_url)
        print("database is at the latest schema")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from bot.export import count_reviews, export_reviews
    from bot.store.db import Database
    from bot.store.migrate import upgrade

    settings = _settings(args)
    upgrade(settings.effective_database_url)
    db = Database(settings.effective_database_url)
    try:
        text = db.call(export_reviews, telegram_id=args.user)
    finally:
        db.close()
    if text is None:
        print(f"tutorbot export: no learner with Telegram id {args.user}", file=sys.stderr)
        return 1
    if args.out:
        # newline="" keeps the file byte-for-byte what stdout would carry, on every platform.
        Path(args.out).write_text(text, encoding="utf-8", newline="")
        print(f"wrote {plural(count_reviews(text), 'review')} to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _cmd_grading_report(args: argparse.Namespace) -> int:
    from bot.disputes import most_disputed, report_lines
    from bot.store.db import Database
    from bot.store.migrate import upgrade

    settings = _settings(args)
    upgrade(settings.effective_database_url)
    db = Database(settings.effective_database_url)
    try:
        cards = db.call(most_disputed, deck_title=args.deck, limit=args.limit)
    finally:
        db.close()
    for line in report_lines(cards, deck_title=args.deck):
        print(line)
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from bot.app import prepare_store
    from bot.restore import HistoryExists, RestoreError, parse_backup, restore_reviews
    from bot.store.db import Database
    from bot.telegram.context import utc_now

    source = "<stdin>" if args.file == "-" else args.file
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(
            encoding="utf-8-sig")
        backup = parse_backup(text, source=source)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"tutorbot restore: cannot read {source}: {exc}", file=sys.stderr)
        return 1
    except RestoreError as exc:
        print(f"tutorbot restore: {exc}", file=sys.stderr)
        return 1
    settings = _settings(args)
    db = Database(settings.effective_database_url)
    try:
        # Migrate and sync the decks first, as the bot does when it starts: a fresh database
        # has no cards for the reviews to point at until then.
        prepare_store(settings, db, utc_now)
        done = db.call(restore_reviews, telegram_id=args.user, backup=backup, now=utc_now(),
                       replace=args.replace, skip_unknown=args.skip_unknown)
    except DeckError as exc:
        print(f"tutorbot restore: deck error: {exc}", file=sys.stderr)
        return 1
    except (RestoreError, HistoryExists) as exc:
        print(f"tutorbot restore: {exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    notes = [f"replaced {done.replaced_reviews} earlier reviews"] if args.replace else []
    if done.skipped_unknown:
        notes.append(f"left out {plural(done.skipped_unknown, 'review')} of unknown cards")
    if done.learner_created:
        notes.append("created the learner")
    print(f"restored {plural(done.reviews, 'review')} of {plural(done.cards, 'card')} for "
          f"learner {args.user} "
          f"from {source}" + (f" ({'; '.join(notes)})" if notes else ""))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from bot.demos.cli import run_demo_cli

    settings = _settings(args)
    return run_demo_cli(args.name, list(args.args), Path(args.out), device=settings.demo_device)


def _cmd_worker(args: argparse.Namespace) -> int:
    from bot.logs import setup_logging
    from bot.worker.queue_worker import main as worker_main

    settings = _settings(args)
    setup_logging(settings.log_level)
    return worker_main(settings, queue_name=settings.demo_queue)


_ENV_FILE_HELP = (f"read settings from this file (default: ${ENV_FILE_VARIABLE}, else ./.env); "
                  "variables set in the environment take precedence")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tutorbot", description=__doc__)
    parser.add_argument("--env-file", metavar="PATH", help=_ENV_FILE_HELP)
    # Also accepted after the subcommand (`tutorbot migrate --env-file ...`); SUPPRESS keeps
    # a subcommand without it from resetting one given before.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--env-file", metavar="PATH", default=argparse.SUPPRESS,
                        help=_ENV_FILE_HELP)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, *, help: str, description: str | None = None
                ) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help, description=description)

    run = command("run", help="run the bot (the playground when no token is set)")
    run.set_defaults(func=_cmd_run)
    play = command("play", help="study in the terminal through the local emulator")
    play.add_argument("--pictures", help="folder for pictures the bot sends")
    play.set_defaults(func=_cmd_play)
    grade = command("grade", help="grade JSONL answers from stdin")
    grade.add_argument("--deck", help="deck file to look questions up in")
    grade.add_argument("--cards-dir", help="folder of decks (default: CARDS_DIR)")
    grade.set_defaults(func=_cmd_grade)
    check = command("check-deck", help="validate deck files")
    check.add_argument("files", nargs="+")
    check.add_argument("--convert", action="store_true",
                       help="print the deck in the native format (imports plain notes)")
    check.add_argument("--grading", action="store_true",
                       help="print the concepts the grader derives per card, with weights, "
                       "and flag cards it cannot grade well")
    check.set_defaults(func=_cmd_check_deck)
    demo = command("demo", help="run a demo headless and save its picture")
    demo.add_argument("name")
    demo.add_argument("args", nargs="*")
    demo.add_argument("--out", default="demo.png")
    demo.set_defaults(func=_cmd_demo)
    worker = command("worker", help="run a demo worker on the Redis queue")
    worker.set_defaults(func=_cmd_worker)
    migrate = command("migrate", help="upgrade the database schema")
    migrate.add_argument("--downgrade", metavar="REVISION")
    migrate.set_defaults(func=_cmd_migrate)
    export = command("export", help="export a learner's review history as CSV")
    export.add_argument("--user", type=int, required=True, help="the learner's Telegram id")
    export.add_argument("--out", help="file to write (default: stdout)")
    export.set_defaults(func=_cmd_export)
    report = command(
        "grading-report", help="cards whose grades learners disputed, most first",
        description="List the cards with the most grading disputes (a learner pressed "
        "'I was right' or 'I was wrong' under a graded answer) with the disputed answers, "
        "so a teacher knows which cards need keys:.")
    report.add_argument("--deck", metavar="TITLE", help="only this deck (its title)")
    report.add_argument("--limit", type=int, default=20, help="cards to list (default: 20)")
    report.set_defaults(func=_cmd_grading_report)
    restore = command(
        "restore", help="restore a learner's review history from an export",
        description="Restore a learner's reviews from a `tutorbot export` CSV and rebuild "
        "their card states by replaying them. Refuses a learner who already has history "
        "unless --replace. Nothing is written if any line is bad.")
    restore.add_argument("file", help="the CSV written by `tutorbot export` (- for stdin)")
    restore.add_argument("--user", type=int, required=True, help="the learner's Telegram id")
    restore.add_argument("--replace", action="store_true",
                         help="delete the learner's current reviews and card states first")
    restore.add_argument("--skip-unknown", action="store_true",
                         help="leave out reviews of cards no deck has any more")
    restore.set_defaults(func=_cmd_restore)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
