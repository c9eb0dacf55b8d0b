"""Restore a learner's review history from the CSV that `tutorbot export` wrote.

The export holds the review log only, so the card states are rebuilt the way the bot built
them: by replaying each card's reviews, oldest first, through the scheduler (fuzzing off, so
the result is reproducible). Exporting a restored learner gives the same bytes back.

The file is parsed in full before anything is written, and the restore is one transaction,
so a bad line or an unknown card leaves the database exactly as it was.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.export import COLUMNS, LOCAL_COLUMNS, RATING_NAMES
from bot.scheduling import Memory, Rating, is_leech, new_memory, review
from bot.store import learners
from bot.store import restore as store
from bot.store.models import CardState, Learner, ReviewLog, StudyPrompt
from bot.store.session import Session
from bot.study import (  # the /undo snapshot format, shared on purpose
    dump_memory,
    scheduler_config,
    store_memory,
)
from bot.timezones import is_known
from bot.wording import plural

RATINGS = {name: Rating(value) for value, name in RATING_NAMES.items()}


class RestoreError(Exception):
    """A problem with the backup, named by file and line so it can be fixed by hand."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message


class HistoryExists(Exception):
    """The learner already has reviews; restoring on top would mix two histories."""


@dataclass(frozen=True, slots=True)
class BackupRow:
    line: int
    reviewed_at: datetime
    deck: str
    card_key: str
    rating: Rating
    label: str | None
    score: float | None
    duration_ms: int | None
    time_zone: str | None = None  # the learner's zone when exported (newer exports)


@dataclass(frozen=True, slots=True)
class Backup:
    source: str
    rows: tuple[BackupRow, ...]

    @property
    def time_zone(self) -> str | None:
        """The zone of the learner who was exported, as the latest review names it."""
        return next((r.time_zone for r in reversed(self.rows) if r.time_zone), None)


@dataclass(frozen=True, slots=True)
class Restored:
    reviews: int
    cards: int
    learner_created: bool
    replaced_reviews: int
    skipped_unknown: int


def parse_backup(text: str, *, source: str) -> Backup:
    """Check every row of an export and return it typed; the first problem raises."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[BackupRow] = []
    line = 1
    try:
        header = next(reader, None)
        if header is None:
            raise RestoreError(source, 1, "the file is empty; expected an export from "
                               "`tutorbot export`")
        # Exports from before the local-time columns have only COLUMNS; both restore the same.
        if tuple(header) not in (COLUMNS, COLUMNS + LOCAL_COLUMNS):
            raise RestoreError(source, 1, "unexpected header; expected "
                               f"{','.join(COLUMNS + LOCAL_COLUMNS)}")
        columns = tuple(header)
        line = reader.line_num + 1
        for record in reader:
            if record:  # a blank line (an editor's trailing newline) is not a review
                rows.append(_parse_row(record, columns, source, line))
                if len(rows) > 1 and rows[-1].reviewed_at < rows[-2].reviewed_at:
                    raise RestoreError(source, line, "reviews must be in time order, "
                                       "oldest first")
            line = reader.line_num + 1  # a quoted question may span several lines
    except csv.Error as exc:  # a field over the csv module's size limit, say
        raise RestoreError(source, line, f"not readable as CSV: {exc}") from None
    return Backup(source, tuple(rows))


def _parse_row(record: list[str], columns: tuple[str, ...], source: str,
               line: int) -> BackupRow:
    if len(record) != len(columns):
        raise RestoreError(source, line, f"expected {len(columns)} fields, found {len(record)}")
    if any("\x00" in field for field in record):  # PostgreSQL text cannot hold NUL
        raise RestoreError(source, line, "contains a NUL character")
    fields = dict(zip(columns, record, strict=True))
    # reviewed_at_local is only for reading: reviewed_at (UTC) is what is restored.
    time_zone = fields.get("time_zone") or None
    if time_zone is not None and not is_known(time_zone):
        raise RestoreError(source, line, f"time_zone {time_zone!r} is not a time zone")
    try:
        reviewed_at = datetime.fromisoformat(fields["reviewed_at"])
    except ValueError:
        raise RestoreError(source, line, f"reviewed_at {fields['reviewed_at']!r} is not an "
                           "ISO 8601 timestamp") from None
    if reviewed_at.tzinfo is None:
        raise RestoreError(source, line, "reviewed_at has no time zone (expected e.g. +00:00)")
    rating = RATINGS.get(fields["rating"].strip().lower())
    if rating is None:
        raise RestoreError(source, line, f"rating {fields['rating']!r} is not one of "
                           f"{', '.join(RATINGS)}")
    if not fields["deck"] or not fields["card_id"]:
        raise RestoreError(source, line, "deck and card_id must not be empty")
    return BackupRow(
        line=line, reviewed_at=reviewed_at, deck=fields["deck"], card_key=fields["card_id"],
        rating=rating, label=fields["label"] or None,
        score=_number(fields["score"], float, "score", source, line),
        duration_ms=_number(fields["duration_ms"], int, "duration_ms", source, line),
        time_zone=time_zone,
    )


def _number(text: str, kind: type[int] | type[float], name: str, source: str,
            line: int) -> Any:
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        raise RestoreError(source, line, f"{name} {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise RestoreError(source, line, f"{name} {text!r} is out of range")
    return value


def restore_reviews(
    session: Session, *, telegram_id: int, backup: Backup, now: datetime,
    replace: bool = False, skip_unknown: bool = False,
) -> Restored:
    """Write the backup as the learner's whole review history and rebuild their card states.

    A learner who already has reviews or card states is refused (HistoryExists) unless
    `replace`, which first deletes their reviews, card states and study prompts; settings
    and deck choices are kept. Cards the database does not have are refused with their line
    unless `skip_unknown`, which leaves their reviews out.
    """
    cards = store.card_ids(session, deck_slugs={row.deck for row in backup.rows})
    known: list[BackupRow] = []
    for row in backup.rows:
        if (row.deck, row.card_key) in cards:
            known.append(row)
        elif not skip_unknown:
            raise RestoreError(backup.source, row.line,
                               f"unknown card {row.card_key!r} in deck {row.deck!r}; sync the "
                               "decks it came from, or pass --skip-unknown to leave it out")
    learner = learners.by_telegram_id(session, telegram_id=telegram_id, for_update=True)
    created = learner is None
    if learner is None:
        # A private chat's id is the user's id, so the learner is reachable at once. Their
        # zone comes with them, so their days (and a new export) read as before.
        learner = Learner(telegram_id=telegram_id, chat_id=telegram_id, created_at=now,
                          timezone=backup.time_zone or "UTC")
        session.add(learner)
        session.flush()
    assert learner.id is not None
    replaced = _clear_history(session, learner, replace=replace)
    prompts = [_prompt(learner.id, cards[(r.deck, r.card_key)], r) for r in known]
    session.add_all(prompts)
    session.flush()
    config = scheduler_config(learner, fuzzing=False)
    memories: dict[int, Memory] = {}
    states: dict[int, CardState] = {}
    for row, prompt in zip(known, prompts, strict=True):
        card_id = prompt.card_id
        before = memories.get(card_id)
        memory = review(before or new_memory(row.reviewed_at), row.rating, row.reviewed_at,
                        config)
        memories[card_id] = memory
        state = states.get(card_id)
        if state is None:
            state = states[card_id] = CardState(learner_id=learner.id, card_id=card_id,
                                                due=row.reviewed_at,
                                                introduced_at=row.reviewed_at)
        store_memory(state, memory)
        # The same leech rule as a live review: the lapse that makes a leech suspends it.
        if is_leech(memory) and row.rating == Rating.AGAIN and not state.suspended:
            state.suspended = True
        assert prompt.id is not None
        session.add(ReviewLog(
            learner_id=learner.id, card_id=card_id, prompt_id=prompt.id, rating=int(row.rating),
            reviewed_at=row.reviewed_at, duration_ms=row.duration_ms, score=row.score,
            label=row.label, state_before=dump_memory(before),
        ))
    session.add_all(states.values())
    session.flush()
    return Restored(reviews=len(known), cards=len(states), learner_created=created,
                    replaced_reviews=replaced, skipped_unknown=len(backup.rows) - len(known))


def _clear_history(session: Session, learner: Learner, *, replace: bool) -> int:
    """Delete the learner's history for --replace; refuse if there is one and no --replace."""
    assert learner.id is not None
    reviews, states = store.history_size(session, learner_id=learner.id)
    if not reviews and not states:
        return 0
    if not replace:
        raise HistoryExists(f"learner {learner.telegram_id} already has "
                            f"{plural(reviews, 'review')} and {plural(states, 'card state')}; "
                            "pass --replace to overwrite them")
    store.delete_history(session, learner=learner)
    return reviews


def _prompt(learner_id: int, card_id: int, row: BackupRow) -> StudyPrompt:
    """The showing a review belongs to: asked, answered `duration_ms` later, rated."""
    asked = row.reviewed_at - timedelta(milliseconds=row.duration_ms or 0)
    return StudyPrompt(
        learner_id=learner_id, card_id=card_id, asked_at=asked, answered_at=row.reviewed_at,
        score=row.score, label=row.label, closed_at=row.reviewed_at, outcome="rated",
    )
