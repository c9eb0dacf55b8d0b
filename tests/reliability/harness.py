"""Crash-test harness: a standalone emulator process, the real `tutorbot run` process, and a
simulated learner that studies through the emulator's HTTP test API.

Shared by `tests/reliability/test_crash_restart.py` (the CI size) and `bench/soak.py` (the
long run). Everything here is synchronous: the bot lives in another process, so the driver
only needs plain HTTP calls and `time.sleep` between them.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.scheduling import Memory, Rating, SchedulerConfig, State, new_memory, review
from bot.store.models import CardState, Learner, ReviewLog, StudyPrompt

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SECRET_TOKEN = "987654321:SECRETTOKENabcdefghijklmnopqrstuvwx"
LEAK_MARKERS = ("Traceback", "Error:", "Exception", "exception")
_RATE_DATA = re.compile(r"^r:(\d+):([1-4])$")
_SAVED_NOTE = re.compile(r"Saved: (Again|Hard|Good|Easy)")
RATING_BY_NAME = {"Again": 1, "Hard": 2, "Good": 3, "Easy": 4}
# Answers of every kind, so grading takes all its paths; Again/Hard keep cards in learning
# (due within the bot's 20-minute learn-ahead), so a learner rarely runs out of cards.
ANSWERS = (
    "no idea",
    "artificially enlarging the training set by transforming existing data",
    "softmax turns scores into probabilities that sum to one",
    "the learning rate controls the step size",
    "¿qué? 🤔 ‮reversed‬ zero\u200bwidth",
)
RATING_WEIGHTS = ((Rating.AGAIN, 4), (Rating.HARD, 4), (Rating.GOOD, 2), (Rating.EASY, 1))


class Emulator:
    """`python -m tgemu` in its own process, driven over `/_emulator`."""

    def __init__(self, log_path: Path) -> None:
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "tgemu", "--port", "0"], cwd=REPO,
            stdout=subprocess.PIPE, stderr=self._log,
        )
        assert self.proc.stdout is not None
        urls: dict[str, str] = {}
        deadline = time.monotonic() + 30
        while len(urls) < 2 and time.monotonic() < deadline:
            line = self.proc.stdout.readline().decode()
            if not line:
                raise RuntimeError("the emulator exited before printing its URLs")
            name, sep, value = line.strip().partition("=")
            if sep and name.startswith("TELEGRAM_"):
                urls[name] = value
        self.api_url = urls["TELEGRAM_API_URL"]
        self.file_url = urls["TELEGRAM_FILE_URL"]
        self.base = self.api_url.removesuffix("/bot") + "/_emulator"
        self.http = httpx.Client(timeout=30)

    def get(self, path: str, **params: str | int) -> Any:
        response = self.http.get(self.base + path, params=params)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.post(self.base + path, json=body or {})
        response.raise_for_status()
        return response.json()

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get(f"/chats/{chat_id}")["messages"]
        return result

    def callback_answers(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get("/callback_answers")["answers"]
        return result

    def calls(self, method: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get("/calls", method=method, limit=100_000)["calls"]
        return result

    def violations(self) -> list[str]:
        """The bot's calls that broke the Bot API specification, described."""
        found: list[dict[str, Any]] = self.get("/violations")["violations"]
        return [str(v["text"]) for v in found]

    def close(self, *, check_conformance: bool = True) -> None:
        """Stop the emulator; fail when the bot broke the specification (unless told not to)."""
        broken: list[str] = []
        if check_conformance and self.proc.poll() is None:
            broken = self.violations()
        self.http.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
        assert not broken, "Bot API calls broke the specification:\n" + "\n".join(broken)


def bot_env(emu: Emulator, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a real deployment, pointed at the emulator and a test database."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "REDIS_"))}
    env.update({
        "TELEGRAM_BOT_TOKEN": SECRET_TOKEN,
        "TELEGRAM_API_URL": emu.api_url,
        "TELEGRAM_FILE_URL": emu.file_url,
        "DATABASE_URL": database_url,
        "FSRS_FUZZING": "false",
        "DEMO_WORKERS": "0",
        "CARDS_DIR": str(REPO / "cards"),
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        # As deploy/systemd/tutorbot-bot.service runs it: docstrings (and asserts) off.
        "PYTHONOPTIMIZE": "2",
        # Simulated learners act at machine speed; the throttle has its own tests.
        "FLOOD_LIMIT": "1000000",
    })
    env.update(extra)
    return env


class BotProcess:
    """`python -m bot run`; every incarnation appends to one log file."""

    def __init__(self, env: dict[str, str], log_path: Path, cwd: Path,
                 emu: Emulator | None = None) -> None:
        self.env, self.log_path, self.cwd, self.emu = env, log_path, cwd, emu
        self._polls_at_start = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self._polls_at_start = len(self.emu.calls("getUpdates")) if self.emu else 0
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen([PYTHON, "-m", "bot", "run"], cwd=self.cwd,
                                         env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.starts += 1

    def wait_ready(self, timeout: float = 30) -> None:
        """Until this incarnation logged "ready" (decks synced, polling next)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # Ready means polling: PTB turns a SIGTERM that lands between post_init and the
            # first getUpdates into "Event loop stopped before Future completed".
            if (self.log_path.read_text(errors="replace").count("tutorbot: ready:")
                    >= self.starts and (self.emu is None or len(self.emu.calls("getUpdates"))
                                        > self._polls_at_start)):
                return
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"the bot exited with {self.proc.returncode}:\n"
                                   f"{self.log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.05)
        raise TimeoutError("the bot did not get ready")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class SimLearner:
    """What one learner did and saw, as a person would remember it."""

    user_id: int
    pressed: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    button_messages: dict[int, int] = field(default_factory=dict)  # message id -> prompt id
    press_ids: dict[str, tuple[int, int]] = field(default_factory=dict)  # cq id -> (prompt, n)
    confirmed: dict[int, int] = field(default_factory=dict)  # prompt id -> confirmed rating
    already: set[int] = field(default_factory=set)  # prompts answered "already rated"
    done_prompts: set[int] = field(default_factory=set)
    out_of_cards: bool = False


@dataclass
class SoakReport:
    kills: int = 0
    reviews: int = 0
    lost: int = 0
    doubled: int = 0
    phantom: int = 0
    wrong_rating: int = 0
    state_mismatches: int = 0
    # REVIEW-state cards stored with step 0 instead of None (see test_first_easy_rating...).
    step_mismatches: int = 0
    junk_updates: int = 0
    tracebacks: int = 0
    stuck: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"kills={self.kills} reviews={self.reviews} lost={self.lost} "
                f"doubled={self.doubled} junk_updates={self.junk_updates} "
                f"tracebacks={self.tracebacks} phantom={self.phantom} "
                f"wrong_rating={self.wrong_rating} state_mismatches={self.state_mismatches} "
                f"step_mismatches={self.step_mismatches} "
                f"stuck={self.stuck}")


class Soak:
    """A seeded learner population studying while the bot is SIGKILLed at random moments."""

    def __init__(self, emu: Emulator, bot: BotProcess, database_url: str, *, seed: int,
                 reviews: int, kills: int, learners: int = 3, junk_per_step: int = 0,
                 reply_timeout: float = 8.0, max_seconds: float | None = None) -> None:
        self.emu, self.bot, self.rng = emu, bot, random.Random(seed)
        self.engine = sa.create_engine(database_url)
        self.learners = [SimLearner(5_000_001 + i) for i in range(learners)]
        self.target_reviews, self.junk_per_step = reviews, junk_per_step
        # Kills are drawn up front from their own generator, so the same seed kills at the
        # same learner actions whatever the timing did to the conversation.
        self.kill_rng = random.Random(seed * 7919 + 1)
        expected_steps = max(kills + 4, int(reviews * 2.1))
        self.kill_steps = set(self.kill_rng.sample(range(3, expected_steps), kills))
        self.steps = 0
        self.reply_timeout = reply_timeout
        # A time budget: the run stops early (and says so) rather than overrun a CI slot.
        self.max_seconds = max_seconds
        self.out_of_time = False
        self.report = SoakReport()
        self.junk_users = [7_000_001 + i for i in range(3)]
        for learner in self.learners:
            emu.post("/users", {"user_id": learner.user_id, "first_name": "Learner"})
        for junk in self.junk_users:
            emu.post("/users", {"user_id": junk, "first_name": "Mallory"})

    # -- the learner ---------------------------------------------------------------------------

    def _bot_messages(self, learner: SimLearner) -> list[dict[str, Any]]:
        return [m for m in self.emu.messages(learner.user_id) if m.get("from_bot")]

    def _open_buttons(self, learner: SimLearner, msgs: list[dict[str, Any]]
                      ) -> tuple[int, int] | None:
        """The newest graded message still showing rating buttons: (message id, prompt id)."""
        for message in reversed(msgs):
            for row in message.get("buttons") or []:
                for _label, data in row:
                    match = _RATE_DATA.match(data or "")
                    if match:
                        prompt = int(match[1])
                        learner.button_messages[message["message_id"]] = prompt
                        if prompt in learner.done_prompts:
                            return None
                        return message["message_id"], prompt
        return None

    def step(self, learner: SimLearner) -> str:
        """One action the learner would take looking at the chat; returns what was done."""
        msgs = self._bot_messages(learner)
        last_id = msgs[-1]["message_id"] if msgs else 0
        buttons = self._open_buttons(learner, msgs[-3:])
        body = ((msgs[-1].get("text") or "") if msgs else "")
        if buttons is not None:
            message_id, prompt = buttons
            previous = learner.pressed.get(prompt)
            rating = (next(iter(previous)) if previous else
                      self.rng.choices([int(r) for r, _ in RATING_WEIGHTS],
                                       [w for _, w in RATING_WEIGHTS])[0])
            learner.pressed[prompt].add(rating)
            update = self.emu.post("/press", {"user_id": learner.user_id,
                                              "message_id": message_id,
                                              "callback_data": f"r:{prompt}:{rating}",
                                              "check": False})
            cq_id = update["callback_query"]["id"]
            learner.press_ids[cq_id] = (prompt, rating)
            killed = self._maybe_kill()
            self._wait(lambda: any(a["callback_query_id"] == cq_id
                                   for a in self.emu.callback_answers()), killed)
            return "press"
        if "Type your answer" in body:
            text = self.rng.choice(ANSWERS)
            self.emu.post("/send_text", {"user_id": learner.user_id, "text": text})
        else:
            if "Nothing is due" in body or "nothing is due" in body:
                learner.out_of_cards = True
                return "done"
            self.emu.post("/send_text", {"user_id": learner.user_id, "text": "/study"})
        killed = self._maybe_kill()
        self._wait(lambda: bool(msgs := self._bot_messages(learner))
                   and msgs[-1]["message_id"] > last_id, killed)
        return "text"

    def _wait(self, done: Any, killed: bool) -> None:
        # After a kill the action may have died with the process: the learner waits a moment
        # and then looks at the chat again, as a person would.
        deadline = time.monotonic() + (1.0 if killed else self.reply_timeout)
        while time.monotonic() < deadline:
            if done():
                return
            time.sleep(0.01)
        if not killed:
            self.report.stuck += 1
            self._problem(f"no reply within {self.reply_timeout}s")

    def _maybe_kill(self) -> bool:
        if self.steps not in self.kill_steps:
            return False
        # Land the kill anywhere from "update still queued" to "reply half sent".
        time.sleep(self.kill_rng.uniform(0.0, 0.08))
        self.bot.kill()
        self.report.kills += 1
        self.check()
        self.bot.start()
        self.bot.wait_ready()
        return True

    # -- junk from strangers -------------------------------------------------------------------

    def junk(self, count: int) -> None:
        """Strangers send noise and forge buttons naming the learners' prompts."""
        known = [p for learner in self.learners for p in learner.button_messages.values()]
        for _ in range(count):
            user = self.rng.choice(self.junk_users)
            kind = self.rng.randrange(4)
            if kind == 0 and known:
                data = f"r:{self.rng.choice(known)}:{self.rng.randint(1, 4)}"
                self.emu.post("/press", {"user_id": user, "message_id": 1,
                                         "callback_data": data, "check": False})
            elif kind == 1:
                data = "".join(chr(self.rng.randint(32, 0x2FFF)) for _ in range(12))
                self.emu.post("/press", {"user_id": user, "message_id": 1,
                                         "callback_data": data, "check": False})
            elif kind == 2:
                self.emu.post("/send_text", {"user_id": user, "text": self.rng.choice(
                    ["/frobnicate", "/undo", "/skip", "/settings tz Mars", "/study",
                     "x" * 4096, "\u202e\u200b🙂\x07\x1b[31m"])})
            else:
                self.emu.post("/send_text", {"user_id": user, "text": "/decks"})
            self.report.junk_updates += 1

    # -- the run -------------------------------------------------------------------------------

    def run(self) -> SoakReport:
        self.bot.start()
        self.bot.wait_ready()
        limit = self.target_reviews * 6 + 50
        last_kill = max(self.kill_steps, default=0)
        deadline = None if self.max_seconds is None else time.monotonic() + self.max_seconds
        while ((self._count_reviews() < self.target_reviews or self.steps <= last_kill)
               and self.steps < limit):
            if deadline is not None and time.monotonic() > deadline:
                self.out_of_time = True
                break
            active = [lr for lr in self.learners if not lr.out_of_cards]
            if not active:
                break
            learner = self.rng.choice(active)
            self.step(learner)
            self._collect(learner)
            if self.junk_per_step:
                self.junk(self.junk_per_step)
            self.steps += 1
        # Let the last replies land, then judge with the bot still running.
        time.sleep(0.5)
        self.check()
        self.bot.stop()
        self.report.reviews = self._count_reviews()
        logs = self.bot.log_path.read_text(errors="replace")
        self.report.tracebacks = logs.count("Traceback")
        return self.report

    def _count_reviews(self) -> int:
        with Session(self.engine) as session:
            return session.exec(select(sa.func.count()).select_from(ReviewLog)).one()

    # -- what the learner saw ------------------------------------------------------------------

    def _collect(self, learner: SimLearner) -> None:
        for answer in self.emu.callback_answers():
            pressed = learner.press_ids.get(answer["callback_query_id"])
            if pressed is None:
                continue
            prompt, rating = pressed
            text = answer.get("text") or ""
            if text == "Saved":
                learner.confirmed.setdefault(prompt, rating)
                learner.done_prompts.add(prompt)
            elif "already rated" in text:
                learner.already.add(prompt)
                learner.done_prompts.add(prompt)
        for message in self._bot_messages(learner):
            shown = learner.button_messages.get(message["message_id"])
            match = _SAVED_NOTE.search(message.get("text") or "")
            if shown is not None and match:
                learner.confirmed.setdefault(shown, RATING_BY_NAME[match[1]])
                learner.done_prompts.add(shown)

    # -- the invariants ------------------------------------------------------------------------

    def check(self) -> None:
        """Every confirmed rating is stored once; nothing else is; states replay from the log."""
        for learner in self.learners:
            self._collect(learner)
        with Session(self.engine) as session:
            rows = list(session.exec(select(ReviewLog).order_by(col(ReviewLog.id))).all())
            learners = {lr.id: lr for lr in session.exec(select(Learner)).all()}
            prompts = {p.id: p for p in session.exec(select(StudyPrompt)).all()}
            states = list(session.exec(select(CardState)).all())
        by_prompt = Counter(r.prompt_id for r in rows)
        rating_of = {r.prompt_id: r.rating for r in rows}
        sims = {lr.user_id: lr for lr in self.learners}
        self.report.doubled = sum(1 for n in by_prompt.values() if n > 1)
        lost = wrong = phantom = 0
        for sim in self.learners:
            for prompt, rating in sim.confirmed.items():
                if by_prompt[prompt] == 0:
                    lost += 1
                    self._problem(f"lost: learner {sim.user_id} prompt {prompt} confirmed")
                elif rating_of[prompt] != rating:
                    wrong += 1
                    self._problem(f"prompt {prompt}: confirmed {rating}, "
                                  f"stored {rating_of[prompt]}")
            for prompt in sim.already:
                if by_prompt[prompt] != 1:
                    lost += 1
                    self._problem(f"prompt {prompt}: 'already rated' but {by_prompt[prompt]} rows")
        for row in rows:
            owner = learners.get(row.learner_id)
            presser = sims.get(owner.telegram_id) if owner else None
            shown_prompt = prompts.get(row.prompt_id)
            if (presser is None or row.rating not in presser.pressed.get(row.prompt_id, ())
                    or shown_prompt is None or shown_prompt.outcome != "rated"
                    or shown_prompt.learner_id != row.learner_id):
                phantom += 1
                self._problem(f"review {row.id} (prompt {row.prompt_id}) nobody asked for")
        self.report.lost, self.report.wrong_rating, self.report.phantom = lost, wrong, phantom
        self.report.state_mismatches, self.report.step_mismatches = self._replay(
            rows, learners, states)

    def _replay(self, rows: list[ReviewLog], learners: dict[int | None, Learner],
                states: list[CardState]) -> tuple[int, int]:
        history: dict[tuple[int, int], list[ReviewLog]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: (r.reviewed_at, r.id or 0)):
            history[(row.learner_id, row.card_id)].append(row)
        stored = {(s.learner_id, s.card_id): s for s in states}
        mismatches = step_mismatches = 0
        for key in stored.keys() | history.keys():
            log = history.get(key, [])
            state = stored.get(key)
            if not log or state is None:
                mismatches += 1
                self._problem(f"card {key}: state without log or log without state")
                continue
            config = SchedulerConfig(desired_retention=learners[key[0]].desired_retention,
                                     fuzzing=False)
            memory = new_memory(log[0].reviewed_at)
            for row in log:
                before = json.loads(row.state_before)
                if (before is None) != (row is log[0]):
                    mismatches += 1
                    self._problem(f"card {key}: state_before of review {row.id} is {before}")
                memory = review(memory, Rating(row.rating), row.reviewed_at, config)
            if not same_memory(memory, state, compare_step=False):
                mismatches += 1
                self._problem(f"card {key}: replayed {memory} but stored {state}")
            elif state.step != memory.step:
                step_mismatches += 1
        return mismatches, step_mismatches

    def _problem(self, text: str) -> None:
        if text not in self.report.problems:
            self.report.problems.append(text)

    def close(self) -> None:
        self.engine.dispose()


def same_memory(memory: Memory, state: CardState, *, compare_step: bool = True) -> bool:
    def close(a: float | None, b: float | None) -> bool:
        return (a is None and b is None) or (
            a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(a)))

    def same_time(a: datetime | None, b: datetime | None) -> bool:
        # SQLite keeps microseconds, PostgreSQL too; compare exactly.
        return a == b

    return (State(state.state) == memory.state
            and (state.step == memory.step or not compare_step)
            and close(state.stability, memory.stability)
            and close(state.difficulty, memory.difficulty)
            and same_time(state.due, memory.due) and same_time(state.last_review,
                                                                memory.last_review)
            and state.reps == memory.reps and state.lapses == memory.lapses)
