"""Table models. Timestamps are UTC-aware; local days are computed in the domain layer."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class TZDateTime(sa.types.TypeDecorator[datetime]):
    """Stores UTC and always hands back aware datetimes, also on SQLite (which drops tzinfo)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(*, nullable: bool = False, index: bool = False) -> sa.Column[datetime]:
    return sa.Column(TZDateTime(), nullable=nullable, index=index)


# Push statuses a row can still leave (see bot.store.pushes); settled rows (sent, skipped,
# failed) are most of the table and no push query looks at them again.
_OPEN_PUSH = "status IN ('claimed', 'sending', 'retry', 'snoozed')"


class Learner(SQLModel, table=True):
    # The push tick looks up learners by zone and push time, among those who get pushes.
    __table_args__ = (
        sa.Index("ix_learner_push_schedule", "timezone", "push_time",
                 postgresql_where=sa.text("active AND NOT reminders_paused"),
                 sqlite_where=sa.text("active = 1 AND reminders_paused = 0")),
    )

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_column=sa.Column(sa.BigInteger, unique=True, nullable=False))
    chat_id: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    first_name: str = Field(default="", max_length=256)
    timezone: str = Field(default="UTC", max_length=64)
    push_time: str = Field(default="18:00", max_length=5)
    new_per_day: int = 10
    max_reviews_per_day: int = 200
    desired_retention: float = 0.9
    day_boundary_hour: int = 4
    reminders_paused: bool = False
    # False once Telegram says the learner blocked the bot; set back on their next message.
    active: bool = True
    # The card the learner is being asked right now, if any.
    current_prompt_id: int | None = None
    # Bumped by every import or deletion of the learner's personal decks, so each instance
    # sees at the learner's next update that its cached copy of their cards is stale.
    decks_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The learner's own FSRS parameters (JSON list) once fitted and accepted; None = defaults.
    fsrs_parameters: str | None = None
    # A fit waiting for the learner's yes or no in /settings.
    fsrs_parameters_proposed: str | None = None
    fsrs_fitted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Deck(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=128, unique=True)
    title: str = Field(max_length=256)
    path: str = Field(max_length=512)
    retired: bool = False
    # Set for a learner's personal deck (a CSV import); only that learner sees it.
    owner_learner_id: int | None = Field(default=None, foreign_key="learner.id")


class Card(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("deck_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    deck_id: int = Field(foreign_key="deck.id", index=True)
    key: str = Field(max_length=128)
    position: int = 0
    question: str
    answer: str
    # Teacher hints, stored as the deck wrote them ("a | b" per concept, one per line).
    keys_text: str = ""
    alts_text: str = ""
    demo: str | None = Field(default=None, max_length=64)
    retired: bool = False
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class CardState(SQLModel, table=True):
    """A learner's memory of one card: the fsrs card plus Anki-style counters."""

    __tablename__ = "card_state"
    __table_args__ = (
        sa.UniqueConstraint("learner_id", "card_id"),
        sa.Index("ix_card_state_learner_due", "learner_id", "due"),
        # Cards a learner met today (the daily new-card limit).
        sa.Index("ix_card_state_learner_introduced", "learner_id", "introduced_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id")
    card_id: int = Field(foreign_key="card.id", index=True)
    state: int = 1
    # None, not 0, by default: SQLAlchemy leaves None out of the INSERT, and a 0 default
    # would then turn a graduated card's step into 0 (caught by the crash-replay test).
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime = Field(sa_column=_ts())
    last_review: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    reps: int = 0
    lapses: int = 0
    suspended: bool = False
    introduced_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class StudyPrompt(SQLModel, table=True):
    """One showing of a card. Rating buttons name the prompt, so a press is applied once."""

    __tablename__ = "study_prompt"
    # Cards a learner skipped or buried today, without reading every prompt they ever saw.
    # It also serves every lookup by learner alone, so learner_id has no index of its own.
    __table_args__ = (sa.Index("ix_study_prompt_learner_asked", "learner_id", "asked_at"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id")
    card_id: int = Field(foreign_key="card.id", index=True)
    asked_at: datetime = Field(sa_column=_ts())
    answered_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    answer: str | None = None
    score: float | None = None
    label: str | None = Field(default=None, max_length=16)
    suggested_rating: int | None = None
    # Set once, atomically, by the first rating press; later presses see it and stop.
    closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    outcome: str | None = Field(default=None, max_length=16)


class ReviewLog(SQLModel, table=True):
    __tablename__ = "review_log"
    __table_args__ = (sa.Index("ix_review_log_learner_time", "learner_id", "reviewed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id")
    card_id: int = Field(foreign_key="card.id")
    prompt_id: int = Field(foreign_key="study_prompt.id", unique=True)
    rating: int
    reviewed_at: datetime = Field(sa_column=_ts())
    duration_ms: int | None = None
    score: float | None = None
    label: str | None = Field(default=None, max_length=16)
    # The card state before this review, as JSON, so /undo restores it exactly.
    state_before: str


class PushClaim(SQLModel, table=True):
    """One daily push per learner per local day: claimed before sending, marked after.

    The unique (learner, local_date) pair is what makes pushes exactly-once across restarts
    and several bot instances; in-memory jobs only decide when to look.
    """

    __tablename__ = "push_claim"
    __table_args__ = (
        sa.UniqueConstraint("learner_id", "local_date"),
        # Sweeps and reclaims look only at rows still in flight: a small partial index.
        sa.Index("ix_push_claim_open", "status", "local_date",
                 postgresql_where=sa.text(_OPEN_PUSH), sqlite_where=sa.text(_OPEN_PUSH)),
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id")
    local_date: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    claimed_at: datetime = Field(sa_column=_ts())
    sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    # claimed -> sent | skipped (nothing due, too late) | failed (gave up after retries)
    # | unknown (may have reached Telegram: a crash or a timeout mid-send)
    status: str = Field(default="claimed", max_length=16)
    due_count: int = 0
    attempts: int = 0
    # The PushHolder.id of the process that claimed (or reclaimed) the row last; None for
    # rows from before holders existed, which only the lease frees.
    holder: str | None = Field(default=None, max_length=32)
    # "quiz" (the first due card's question) or "checkin" (a learner who ignored a week of
    # pushes is asked whether they still want them); see bot.pushes.rules.push_kind.
    kind: str = Field(default="quiz", max_length=16,
                      sa_column_kwargs={"server_default": "quiz"})
    # The study prompt the quiz push opened, stored in the same transaction as the flip to
    # `sending`, so a question is never sent without its prompt nor opened twice.
    prompt_id: int | None = Field(default=None, foreign_key="study_prompt.id")
    # A `snoozed` row goes out again (reclaimed like `retry`) once this instant has passed.
    not_before: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class PushHolder(SQLModel, table=True):
    """A bot process that may hold push claims, with its heartbeat (bot.liveness).

    A claim whose holder has no row with a recent beat, or whose process is known gone, is
    taken over at once instead of after the lease.
    """

    __tablename__ = "push_holder"

    id: str = Field(primary_key=True, max_length=32)
    host: str = Field(max_length=255)
    pid: int
    pid_started: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    started_at: datetime = Field(sa_column=_ts())
    seen_at: datetime = Field(sa_column=_ts())


class LearnerDeck(SQLModel, table=True):
    """Which decks a learner studies; no row means the deck is on (new decks just appear)."""

    __tablename__ = "learner_deck"
    __table_args__ = (sa.UniqueConstraint("learner_id", "deck_id"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    deck_id: int = Field(foreign_key="deck.id")
    enabled: bool = True


class DemoUse(SQLModel, table=True):
    """One demo a learner started; the per-learner quota counts these rows in a window."""

    __tablename__ = "demo_use"
    __table_args__ = (sa.Index("ix_demo_use_learner_time", "learner_id", "requested_at"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id")
    kind: str = Field(max_length=32)
    requested_at: datetime = Field(sa_column=_ts())


class GradingDispute(SQLModel, table=True):
    """A learner's "I was right" / "I was wrong" on one graded answer, with the answer and the
    grade as they were. Evidence for the deck's teacher (`tutorbot grading-report`, /class);
    nothing reads it back into grading, so one learner's dispute never changes another's grade."""

    __tablename__ = "grading_dispute"

    id: int | None = Field(default=None, primary_key=True)
    prompt_id: int = Field(foreign_key="study_prompt.id", unique=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    card_id: int = Field(foreign_key="card.id", index=True)
    claim: str = Field(max_length=8)  # "right" or "wrong": what the learner says of their answer
    answer: str
    label: str = Field(max_length=16)
    score: float
    disputed_at: datetime = Field(sa_column=_ts())


class DeckShare(SQLModel, table=True):
    """The join link of a personal deck: one per deck, its code the deep-link payload.

    Revoking sets `revoked_at` (new joins stop, members stay); sharing again draws a new code,
    so a link that leaked once never works again.
    """

    __tablename__ = "deck_share"

    id: int | None = Field(default=None, primary_key=True)
    deck_id: int = Field(foreign_key="deck.id", unique=True)
    code: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ClassMember(SQLModel, table=True):
    """A learner who joined someone's personal deck by its link: they study the deck itself."""

    __tablename__ = "class_member"
    __table_args__ = (sa.UniqueConstraint("deck_id", "learner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    deck_id: int = Field(foreign_key="deck.id", index=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    joined_at: datetime = Field(sa_column=_ts())


def table_of(model: type[SQLModel]) -> sa.Table:
    """A model's Core table, for the statements the store builds once at import: SQLModel
    types `__table__` loosely, so the check here is what lets them stay typed."""
    table = getattr(model, "__table__", None)
    assert isinstance(table, sa.Table)
    return table
