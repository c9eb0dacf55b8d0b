"""The daily push use case: claim the day's pushes, settle them, open the quiz prompts.

The database, not the scheduler, guarantees one push per learner per local day. Every push
is a `push_claim` row, unique on (learner_id, local_date), that moves through:

    claimed --(just before the send)--> sending --> sent
       |                                   |------> failed   (surely not delivered: Telegram
       |                                   |                 refused it, or we gave up)
       |                                   |------> unknown  (may have been delivered: a
       |                                   |                 timeout mid-send, or a crash)
       |                                   |------> retry    (429 outlived the rate limiter)
       |--> skipped  (nothing due, missed beyond the catch-up window, or before signup)
    sent --(💤 Later)--> snoozed --(its `not_before` has passed: reclaimed)--> claimed ...

* Quiz: a push carries the first due card's question. The flip to ``sending`` opens that
  card's study prompt (the study loop's pick: bot.pushes.due) in the same transaction and
  records it on the row, so a crash cannot send a question whose prompt was never stored,
  and a row flipped once cannot open a second prompt. A learner whose open card was asked
  or answered within `bot.pushes.rules.SESSION_IDLE` is not claimed yet: the push waits
  until the session is idle.
  After a week of ignored pushes the day's push is a check-in, then one a week
  (bot.pushes.rules.push_kind); the days between are settled `skipped` silently.

* Claim: a batched ``INSERT .. ON CONFLICT DO NOTHING RETURNING``. Whoever inserts the row
  owns the push; another instance (or a tick after a restart) inserts nothing and moves on.
  Rows are inserted in learner order so two PostgreSQL instances never deadlock.
* Fencing: `attempts` is bumped on every (re)claim, and the flip to ``sending`` is a
  conditional UPDATE on (id, attempts, status='claimed'). Only the current owner can send.
* Holders: each row names the process that claimed it (`holder`, a `push_holder` row with a
  heartbeat every `HOLDER_BEAT`). A holder is gone when its beat is older than
  `HOLDER_STALE`, or at once when it ran on this host and its process no longer runs
  (bot.liveness). Its rows are then taken over without waiting for the lease, which remains
  only for rows without a holder.
* Crash semantics, at-most-once: a row is flipped to ``sending`` (and committed) before
  Telegram is called. A crash leaves either
    - ``claimed``: Telegram was certainly not called. Once its holder is gone (or after
      `LEASE`) any instance may reclaim it and send: nothing is lost.
    - ``sending``: the message may or may not have gone out. It is never sent again; once
      its holder is gone it is swept to ``unknown``, not ``failed``: most such rows were
      delivered and their outcome was still buffered when the process died. A lost
      reminder is cheaper than a duplicate.
  The same reasoning applies to an ambiguous network failure (a read timeout after the
  request left): no retry, and the row is ``unknown``.
* ``retry`` (Telegram kept answering 429 after the rate limiter's own retries): the send
  certainly did not happen, so the next tick reclaims it while the catch-up window lasts.

Every function takes the session first and keyword-only arguments, and never commits; the
SQL is bot.store.pushes, the decisions bot.pushes.rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from bot import study
from bot.catalog import Catalog, CatalogCard
from bot.liveness import Holder, ProcessIdentity, runs_here
from bot.pushes import due
from bot.pushes.rules import (
    IGNORED_FOR,
    SESSION_IDLE,
    Decision,
    PushKind,
    decide,
    generations,
    held_for_session,
    push_kind,
    zone_windows,
)
from bot.store import pushes as store
from bot.store.pushes import HOLDER_BEAT, HOLDER_STALE, LEASE, Candidate, PushStatus
from bot.store.session import Session

__all__ = ["HOLDER_BEAT", "HOLDER_STALE", "LEASE", "Candidate", "PushStatus"]

MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Batch:
    """What one claiming step did: candidates seen, claims won to send, rows skipped."""

    found: int
    claims: list[Claim]
    skipped: int


@dataclass(frozen=True, slots=True)
class Claim:
    """A push this process owns and should send (due_count > 0)."""

    claim_id: int
    attempts: int
    learner_id: int
    chat_id: int
    local_date: date
    due_count: int
    telegram_id: int = 0
    kind: PushKind = PushKind.QUIZ


@dataclass(frozen=True, slots=True)
class Sending:
    """A claim flipped to `sending`, with the question its push carries (None: a check-in,
    or a reminder-only push)."""

    claim: Claim
    question: study.Question | None


def eligible_zones(session: Session, *, telegram_id: int | None = None) -> list[str]:
    """Distinct time zones of learners who get pushes (computed once per zone per tick)."""
    return store.eligible_zones(session, telegram_id=telegram_id)


def find_candidates(
    session: Session, *, zones: Sequence[str], now: datetime, catchup: timedelta,
    since: datetime | None = None, telegram_id: int | None = None, limit: int | None = None,
) -> list[Candidate]:
    """Eligible learners with no claim yet whose push moment may have come: each zone's wall
    clock is read once (bot.pushes.rules.zone_windows), then one query per window generation.
    `since` narrows the scan to push times from then on (None: everything pushed today)."""
    windows = zone_windows(zones, now, catchup, since=since)
    return store.find_candidates(session, generations=generations(windows),
                                 telegram_id=telegram_id, limit=limit)


def claim(
    session: Session, *, decided: Sequence[tuple[Candidate, Decision]], now: datetime,
    holder: str | None = None,
) -> tuple[list[Claim], int]:
    """Insert the day's row for each decided candidate; return the claims this call won
    that have cards due, and how many rows were recorded as skipped.

    Rows for learners with nothing due, or decided too late / before signup, go in as
    `skipped` so the day is settled and never looked at again.
    """
    todo = sorted(((c, d) for c, d in decided if d is not Decision.NOT_YET),
                  key=lambda cd: (cd[0].learner_id, cd[0].local_date))
    if not todo:
        return [], 0
    won = store.insert_claims(session, rows=[
        {"learner_id": c.learner_id, "local_date": c.local_date, "claimed_at": now,
         "status": PushStatus.CLAIMED if d is Decision.SEND else PushStatus.SKIPPED,
         "attempts": 1 if d is Decision.SEND else 0, "due_count": 0, "holder": holder}
        for c, d in todo
    ])
    by_key = {(c.learner_id, c.local_date): c for c, _ in todo}
    mine = [(claim_id, 1, by_key[(learner_id, day)]) for claim_id, learner_id, day, status
            in won if status == PushStatus.CLAIMED]
    skipped = len(won) - len(mine)
    claims, nothing_due = _settle(session, owned=mine, now=now)
    return claims, skipped + nothing_due


def claim_due(
    session: Session, *, candidates: Sequence[Candidate], now: datetime, catchup: timedelta,
    holder: str | None = None,
) -> Batch:
    """Decide and claim a batch found by `find_candidates` (in a separate, read-only session:
    this one must start by writing)."""
    decided = [(c, _decide_or_hold(c, now=now, catchup=catchup)) for c in candidates]
    claims, skipped = claim(session, decided=decided, now=now, holder=holder)
    return Batch(len(candidates), claims, skipped)


def _decide_or_hold(c: Candidate, *, now: datetime, catchup: timedelta) -> Decision:
    """`decide`, except that a learner in the middle of a session is not claimed yet: a
    later tick finds them again once the session is idle (or the catch-up window is over)."""
    verdict = decide(day=c.local_date, push_time=c.push_time, tz=c.timezone,
                     created_at=c.created_at, now=now, catchup=catchup)
    if verdict is Decision.SEND and held_for_session(c.last_step, now):
        return Decision.NOT_YET
    return verdict


def reclaim_due(
    session: Session, *, now: datetime, catchup: timedelta, limit: int, holder: str,
    wall_now: datetime,
) -> Batch:
    """Reclaim retryable rows of today and yesterday and settle them in one transaction."""
    rows = store.reclaim(session, now=now, since=(now - timedelta(days=2)).date(), limit=limit,
                         holder=holder, wall_now=wall_now)
    claims, skipped = settle_reclaimed(session, rows=rows, now=now, catchup=catchup)
    return Batch(len(rows), claims, skipped)


def settle_reclaimed(
    session: Session, *, rows: Sequence[tuple[int, int, int, date, datetime | None]],
    now: datetime, catchup: timedelta,
) -> tuple[list[Claim], int]:
    """Recount and send reclaimed rows still worth sending; settle the rest (paused or
    inactive since, past the catch-up window, or out of attempts).

    A snoozed push is sent when its time comes, whatever the catch-up window says, unless
    the learner is studying right then: it then waits for the session to be idle.
    """
    learners = store.learners_by_id(session, ids=[r[2] for r in rows])
    owned: list[tuple[int, int, Candidate]] = []
    skip: list[int] = []
    give_up: list[int] = []
    held: list[int] = []
    snoozed: set[int] = set()
    for claim_id, attempts, learner_id, day, not_before in rows:
        cand = learners.get(learner_id)
        if attempts > MAX_ATTEMPTS:
            give_up.append(claim_id)
            continue
        if not_before is not None and cand is not None:
            if held_for_session(cand.last_step, now):
                held.append(claim_id)
            else:
                snoozed.add(claim_id)
                owned.append((claim_id, attempts, replace(cand, local_date=day)))
            continue
        verdict = None if cand is None else decide(
            day=day, push_time=cand.push_time, tz=cand.timezone, created_at=cand.created_at,
            now=now, catchup=catchup)
        if cand is None or verdict is not Decision.SEND:
            skip.append(claim_id)
            continue
        owned.append((claim_id, attempts, replace(cand, local_date=day)))
    store.set_status(session, claim_ids=held, status=PushStatus.SNOOZED,
                     not_before=now + SESSION_IDLE)
    store.set_status(session, claim_ids=skip, status=PushStatus.SKIPPED)
    store.set_status(session, claim_ids=give_up, status=PushStatus.FAILED)
    claims, nothing_due = _settle(session, owned=owned, now=now, always_quiz=snoozed)
    return claims, len(skip) + len(held) + nothing_due


def _settle(
    session: Session, *, owned: Sequence[tuple[int, int, Candidate]], now: datetime,
    always_quiz: set[int] | frozenset[int] = frozenset(),
) -> tuple[list[Claim], int]:
    if not owned:
        return [], 0
    counts = due.count_due_many(session, learners=[c for _, _, c in owned], now=now)
    due_now = [(i, a, c) for i, a, c in owned if counts.get(c.learner_id, 0) > 0]
    kinds = _push_kinds(session, owned=due_now, always_quiz=always_quiz)
    claims: list[Claim] = []
    empty: list[int] = []
    by_kind: dict[str, list[int]] = defaultdict(list)
    by_count: dict[int, list[int]] = defaultdict(list)
    for claim_id, attempts, cand in owned:
        count = counts.get(cand.learner_id, 0)
        kind = kinds.get(claim_id, PushKind.QUIZ)
        if count <= 0 or kind is PushKind.QUIET:
            empty.append(claim_id)
            if kind is PushKind.QUIET:
                by_kind[kind].append(claim_id)
            continue
        if kind is not PushKind.QUIZ:
            by_kind[kind].append(claim_id)
        by_count[count].append(claim_id)
        claims.append(Claim(claim_id, attempts, cand.learner_id, cand.chat_id,
                            cand.local_date, count, cand.telegram_id, kind))
    store.set_kinds(session, kinds=by_kind)
    store.set_status(session, claim_ids=empty, status=PushStatus.SKIPPED, due_count=0)
    store.set_due_counts(session, counts=by_count)
    return claims, len(empty)


def _push_kinds(
    session: Session, *, owned: Sequence[tuple[int, int, Candidate]],
    always_quiz: set[int] | frozenset[int],
) -> dict[int, PushKind]:
    """Each claim's kind, from the pushes delivered since the learner's last review.

    Two small indexed reads per batch. Only two weeks of pushes are read: with weekly
    check-ins, a learner who has ignored pushes for longer always has one in that range.
    """
    wanted = [c for i, _, c in owned if i not in always_quiz]
    if not wanted:
        return {}
    ids = [c.learner_id for c in wanted]
    reviewed = store.last_reviews(session, learner_ids=ids)
    earliest = min(c.local_date for c in wanted) - 2 * IGNORED_FOR
    pushed = store.delivered_pushes(session, learner_ids=ids, since=earliest)
    kinds: dict[int, PushKind] = {}
    for claim_id, _, cand in owned:
        if claim_id in always_quiz or not pushed.get(cand.learner_id):
            continue
        studied = reviewed.get(cand.learner_id, cand.created_at)
        ignored = [(day, kind) for day, at, kind in pushed[cand.learner_id]
                   if at > studied and day < cand.local_date]
        kinds[claim_id] = push_kind(
            today=cand.local_date, ignored_days=[day for day, _ in ignored],
            checkin_days=[day for day, kind in ignored if kind == PushKind.CHECKIN])
    return kinds


def start_sending(session: Session, *, claims: Sequence[Claim]) -> set[int]:
    """Flip owned claims to `sending`; returns the ids this process may now send.

    Committed before any send: from here on a crash means "maybe sent", never resent.
    """
    return store.flip_to_sending(session, claims=[(c.claim_id, c.attempts) for c in claims])


def start_quiz_sending(session: Session, *, claims: Sequence[Claim], catalog: Catalog,
                       now: datetime) -> list[Sending]:
    """Flip owned claims to `sending` and open each quiz push's study prompt, in one
    transaction: what is returned may be sent, and every question in it has its prompt.

    The prompt is the study loop's own: the learner's open card if one is still open (asked
    again), else the card the study loop would pick next (bot.pushes.due.first_card), so
    the typed answer is graded like any other. The learners are locked as the study loop
    locks them, and the whole group is read and written in a few batched statements.
    A claim whose learner has nothing to study after all (the count and the pick disagree
    at a deck's edge) is settled `skipped` and not sent.
    """
    if not claims:
        return []
    quiz = [c for c in claims if c.kind is PushKind.QUIZ]
    mine = start_sending(session, claims=claims)
    asked = open_questions(session, claims={c.learner_id: c.claim_id for c in quiz
                                            if c.claim_id in mine},
                           catalog=catalog, now=now)
    ready: list[Sending] = []
    prompts: dict[int, int] = {}
    nothing: list[int] = []
    for c in claims:
        if c.claim_id not in mine:
            continue
        if c.kind is not PushKind.QUIZ:
            ready.append(Sending(c, None))
            continue
        question = asked.get(c.learner_id)
        if question is None:
            nothing.append(c.claim_id)
            continue
        if question.repeated:  # a prompt opened here is recorded on its claim already
            prompts[c.claim_id] = question.prompt_id
        ready.append(Sending(c, question))
    store.set_prompts(session, prompts=prompts)
    store.set_status(session, claim_ids=nothing, status=PushStatus.SKIPPED)
    return ready


def open_group(session: Session, *, claims: Sequence[Claim], quiz: bool, catalog: Catalog,
               now: datetime, before_commit: Callable[[], None]) -> list[Sending]:
    """Flip a send group's claims to `sending`, opening the quiz pushes' prompts with them
    (`quiz`; else reminder-only pushes), then call `before_commit` (it returns once the
    group may be sent: it holds its send slots) with the transaction still open.

    Written while earlier groups send, committed only when sendable: a crash before the
    commit leaves the claims `claimed` and no prompt, and the commit keeps the "maybe sent"
    rows within the send slots. `before_commit` raises to roll the group back.
    """
    if quiz:
        ready = start_quiz_sending(session, claims=claims, catalog=catalog, now=now)
    else:
        mine = start_sending(session, claims=claims)
        ready = [Sending(c, None) for c in claims if c.claim_id in mine]
    before_commit()
    return ready


def next_questions(
    session: Session, *, learner_ids: Sequence[int], catalog: Catalog, now: datetime,
    lock: bool = False,
) -> tuple[dict[int, store.Studier], dict[int, Catalog], dict[int, study.Question | _Pick | None]]:
    """What the study loop would ask each learner now, read in a few batched statements and
    writing nothing: their open card again (a Question), the card it would pick next (a
    `_Pick`, no prompt yet), or None when nothing may be shown. With `lock`, the learners'
    study loops are held until the session ends (bot.store.pushes.studiers)."""
    learners = store.studiers(session, learner_ids=learner_ids, lock=lock)
    views = {i: catalog.for_learner(session, i, s.decks_version) for i, s in learners.items()}
    found: dict[int, study.Question | _Pick | None] = {}
    for i, learner in learners.items():
        view = views[i]
        if learner.open_card_id is not None and learner.open_card_id in view.cards:
            assert learner.current_prompt_id is not None
            card = view.cards[learner.open_card_id]
            found[i] = study.Question(learner.current_prompt_id, card, view.title(card.deck_id),
                                      is_new=False, repeated=True)
    days = store.study_days(
        session, starts={i: due.study_day_start(s, now) for i, s in learners.items()
                         if i not in found}, ahead=due.look_ahead(now))
    for i, day in days.items():
        picked = due.first_card(learners[i], day, views[i], now)
        found[i] = None if picked is None else _Pick(*picked)
    return learners, views, found


@dataclass(frozen=True, slots=True)
class _Pick:
    card: CatalogCard
    is_new: bool


def open_questions(session: Session, *, claims: Mapping[int, int], catalog: Catalog,
                   now: datetime) -> dict[int, study.Question]:
    """Ask each learner the study loop's next question, as /study would (bot.study
    `next_card`), for a whole group at once: the open card again, or a new prompt for the
    card picked. Learners with nothing to study are left out (and left with no current
    prompt, as the study loop leaves them). The learners are locked first, as the study
    loop locks them. `claims` maps each learner to the push claim asking them: a prompt
    opened here is recorded on it."""
    learners, views, found = next_questions(session, learner_ids=sorted(claims),
                                            catalog=catalog, now=now, lock=True)
    opened = store.open_prompts(session, now=now, claims=claims, cards={
        i: pick.card.id for i, pick in found.items() if isinstance(pick, _Pick)})
    store.set_current_prompts(session, prompts={
        i: None for i, pick in found.items()
        if pick is None and learners[i].current_prompt_id is not None})
    asked: dict[int, study.Question] = {}
    for i, pick in found.items():
        if isinstance(pick, study.Question):
            asked[i] = pick
        elif pick is not None:
            asked[i] = study.Question(opened[i], pick.card, views[i].title(pick.card.deck_id),
                                      pick.is_new)
    return asked


record_outcomes = store.record_outcomes


def sweep_stale_sending(session: Session, *, now: datetime, wall_now: datetime,
                        me: ProcessIdentity) -> int:
    """Rows left `sending` by a dead process: maybe sent, so settle them as `unknown`.

    Holders known gone are forgotten first, in the same transaction, so their rows count as
    abandoned here and in the reclaims that follow.
    """
    forget_gone_holders(session, me=me, wall_now=wall_now)
    return store.sweep_stale_sending(session, now=now, wall_now=wall_now)


# -- holders -----------------------------------------------------------------------------


def beat(session: Session, *, holder: Holder, wall_now: datetime) -> None:
    """Say this holder is alive (and register it on its first beat)."""
    store.beat(session, holder_id=holder.id, host=holder.process.host, pid=holder.process.pid,
               pid_started=holder.process.started, wall_now=wall_now)


def drop_holder(session: Session, *, holder_id: str) -> None:
    """A holder stopping cleanly: whatever it still holds is free at once."""
    store.delete_holders(session, holder_ids=[holder_id])


def forget_gone_holders(session: Session, *, me: ProcessIdentity, wall_now: datetime) -> int:
    """Delete the rows of holders known gone: silent for `LEASE`, or on this host with their
    process no longer running. Their claims then count as abandoned."""
    gone = [
        holder_id for holder_id, host, pid, started, seen in store.holders(session)
        if seen < wall_now - LEASE or (
            (host, pid) != (me.host, me.pid)
            and runs_here(ProcessIdentity(host=host, pid=pid, started=started)) is False)
    ]
    store.delete_holders(session, holder_ids=gone)
    return len(gone)
