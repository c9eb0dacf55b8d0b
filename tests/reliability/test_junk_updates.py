"""Promise 3: random junk from users goes through the real handlers without a crash, a leak,
an unanswered button or a change to anyone's reviews."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, func, select

from bot.store.models import ReviewLog, StudyPrompt
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock, postgres_database
from tgemu import BotApiEmulator

VICTIM = 4242
STRANGERS = (9001, 9002)
GROUP_ID = -1_000_000_000_777
CHANNEL_ID = -1_000_000_000_778
LEAKS = re.compile(r"Traceback|Error:|\b[A-Z][A-Za-z]*(Error|Exception)\b|File \"")
KNOWN = ("start", "help", "study", "skip", "stop", "undo", "settings", "export", "decks",
         "stats", "lrfind", "augment", "demo")

# Text as people (and scripts) send it: any printable or control character, RTL marks,
# zero-width joiners, emoji, but no lone surrogates (JSON cannot carry them). NUL is
# included: SQLite stores it; PostgreSQL does not (see test_nul_in_answer_on_postgres).
junk_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]), min_size=0, max_size=80
) | st.sampled_from(["\u202e\u2066gnp.exe\u2069", "a\u200d\u200b\ufeffb", "👩‍👩‍👧‍👦" * 50,
                     "\x00\x01\x1b[2J", "<b>unclosed", "&amp;&lt;<script>", " \n\t "])
long_text = st.builds(lambda s: (s * 4096)[:4096], st.text(min_size=1, max_size=3))
args = st.lists(junk_text | st.sampled_from(["tz", "new", "-1", "99999999999999999999",
                                             "São Paulo", "America/Argentina/Buenos_Aires",
                                             "cnn", "softmax", "0.5", "nan", "inf"]),
                max_size=4).map(" ".join)
command = st.builds(lambda name, rest: f"/{name} {rest}".strip(),
                    st.sampled_from(KNOWN) | st.from_regex(r"[a-z_]{1,32}", fullmatch=True),
                    args)
big_id = st.integers(min_value=0, max_value=10**18 - 1)
# Empty data has its own test, test_empty_callback_data_is_answered.
callback = (
    st.text(min_size=1, max_size=64).filter(lambda s: len(s.encode()) <= 64)
    | st.builds("r:{}:{}".format, big_id, st.integers(1, 4))
    | st.builds("d:{}".format, big_id)
    | st.builds("dk:{}".format, big_id)
    | st.builds("ca:{}:{}".format, big_id, st.sampled_from(["bury", "suspend", "x"]))
    | st.builds("sv:{}:{}".format, st.sampled_from(["tz", "time", "new", "ret", "pause", "zz"]),
                st.integers(0, 9999))
    | st.builds("so:{}".format, st.text(max_size=10))
    | st.builds("rt:{}:{}".format, st.sampled_from(["lrfind", "augment", "softmax", "nope"]),
                junk_text)
    | st.sampled_from(["s", "c", "r:", "r:1:5", "r:-1:1", "r:01:1", "r:1:1\n", "dk:1\n"])
)


@dataclass(frozen=True)
class Junk:
    kind: str
    user: int
    payload: Any = None
    extra: Any = None


junk = st.one_of(
    st.builds(Junk, st.just("text"), st.sampled_from(STRANGERS), junk_text | long_text),
    st.builds(Junk, st.just("text"), st.sampled_from(STRANGERS), command),
    st.builds(Junk, st.just("button"), st.sampled_from(STRANGERS), callback),
    st.builds(Junk, st.just("victim_button"), st.sampled_from(STRANGERS), st.integers(1, 4)),
    st.builds(Junk, st.just("photo"), st.sampled_from(STRANGERS), st.binary(max_size=300),
              st.none() | st.just("/augment") | junk_text),
    st.builds(Junk, st.just("document"), st.sampled_from(STRANGERS), st.binary(max_size=300),
              st.sampled_from(["image/png", "application/pdf", "text/csv", "image/jpeg"])),
    st.builds(Junk, st.just("edit"), st.sampled_from(STRANGERS), junk_text | command),
    st.builds(Junk, st.just("group"), st.sampled_from(STRANGERS), junk_text | command),
    st.builds(Junk, st.just("channel"), st.sampled_from(STRANGERS), junk_text | command),
)


async def settle(emu: BotApiEmulator) -> None:
    """Until the bot fetched every queued update and its handlers had a moment to run."""
    await emu.wait_until(lambda: emu.pending_updates == 0, timeout=5)
    await asyncio.sleep(0.02)


class JunkRun:
    """One bot shared by all examples, with a victim who has a graded card open."""

    def __init__(self, bot: RunningBot) -> None:
        self.bot = bot
        self.emu = bot.emu
        self.victim_prompt = 0
        self.victim_message = 0

    async def prepare(self) -> None:
        emu = self.emu
        emu.user(VICTIM, first_name="Ada")
        for stranger in STRANGERS:
            emu.user(stranger, first_name="Mallory")
        emu.group(GROUP_ID, "Study group")
        emu.channel(CHANNEL_ID, "News")
        await emu.send_text(VICTIM, "/study")
        await emu.wait_for_bot_message(VICTIM)
        await emu.send_text(VICTIM, "no idea")
        (graded,) = await emu.wait_for_bot_message(VICTIM)
        data = next(d for row in graded.buttons for _, d in row if d and d.startswith("r:"))
        self.victim_prompt = int(data.split(":")[1])
        self.victim_message = graded.message_id

    async def send(self, item: Junk) -> None:
        """Deliver one piece of junk and check the bot's visible reaction to it."""
        emu, user = self.emu, item.user
        before = len(emu.bot_messages(user))
        if item.kind in ("button", "victim_button"):
            data = (item.payload if item.kind == "button"
                    else f"r:{self.victim_prompt}:{item.payload}")
            update = await emu.press(user, 1, data, check=False)
            cq_id = update["callback_query"]["id"]
            await emu.wait_until(
                lambda: any(a.callback_query_id == cq_id for a in emu.callback_answers),
                what=f"an answer to button {data!r}")
            return
        if item.kind == "group":
            await emu.send_text(user, item.payload, chat=GROUP_ID)
            await settle(emu)
            return
        if item.kind == "channel":
            emu.inject_update({"channel_post": {
                "message_id": 1, "date": 1_700_000_000, "text": item.payload or ".",
                "chat": emu.channel(CHANNEL_ID)}})
            await settle(emu)
            return
        if item.kind == "edit":
            sent = await emu.send_text(user, "first version")
            await emu.wait_for_bot_message(user)
            before = len(emu.bot_messages(user))
            await emu.edit_text(user, sent["message"]["message_id"], item.payload or ".")
            await settle(emu)  # an edit may be answered or deliberately ignored
            return
        if item.kind == "text":
            await emu.send_text(user, item.payload)
        elif item.kind == "photo":
            await emu.send_photo(user, item.payload or b"\x00", item.extra)
        elif item.kind == "document":
            await emu.send_document(user, item.payload or b"\x00", "junk.bin", item.extra)
        await emu.wait_until(lambda: len(emu.bot_messages(user)) > before, timeout=5,
                             what=f"a reply to {item!r}")
        await settle(emu)

    def check_chats(self) -> None:
        for chat in (*STRANGERS, VICTIM, GROUP_ID):
            for message in self.emu.bot_messages(chat):
                assert not LEAKS.search(message.body), message.body
        assert self.emu.bot_messages(CHANNEL_ID) == []

    def check_database(self) -> None:
        with Session(self.bot.db.engine) as session:
            rows = session.exec(select(ReviewLog, StudyPrompt).join(
                StudyPrompt, col(StudyPrompt.id) == ReviewLog.prompt_id)).all()
            total = session.exec(select(func.count()).select_from(ReviewLog)).one()
        assert total == len(rows), "a review_log row without its prompt"
        assert all(p.outcome == "rated" and p.closed_at is not None
                   and p.learner_id == r.learner_id for r, p in rows)
        assert len({r.prompt_id for r, _ in rows}) == len(rows)
        # Nobody but the victim may rate the victim's card, and the victim never pressed.
        assert not any(r.prompt_id == self.victim_prompt for r, _ in rows)


@pytest.fixture
def junk_run(sqlite_bot: RunningBot) -> JunkRun:
    return JunkRun(sqlite_bot)


def update_failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "tutorbot.errors" and r.levelno >= logging.ERROR]


@pytest.mark.timeout(240)
@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(item=junk)
async def test_junk_is_answered_and_harmless(
    junk_run: JunkRun, caplog: pytest.LogCaptureFixture, item: Junk
) -> None:
    """Each junk update gets a friendly reply (or is ignored in groups), never an error."""
    if not junk_run.victim_message:
        await junk_run.prepare()
    caplog.clear()  # one caplog serves every example
    caplog.set_level(logging.INFO)
    await junk_run.send(item)
    assert update_failures(caplog) == []
    junk_run.check_chats()
    junk_run.check_database()
    (help_reply,) = await _help(junk_run.emu)
    assert "/study" in help_reply.body


async def _help(emu: BotApiEmulator) -> list[Any]:
    await emu.send_text(STRANGERS[0], "/help")
    return await emu.wait_for_bot_message(STRANGERS[0])


async def test_empty_callback_data_is_answered(
    sqlite_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A forged button press with empty data gets the "expired" answer, not an error."""
    emu = sqlite_bot.emu
    emu.user(STRANGERS[0], first_name="Mallory")
    update = await emu.press(STRANGERS[0], 1, "", check=False)
    cq_id = update["callback_query"]["id"]
    await emu.wait_until(lambda: any(a.callback_query_id == cq_id for a in emu.callback_answers)
                         or update_failures(caplog), timeout=3)
    assert update_failures(caplog) == []
    assert any(a.callback_query_id == cq_id and "expired" in (a.text or "")
               for a in emu.callback_answers)


async def test_timezone_folder_name_is_refused_politely(
    sqlite_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """/settings tz with a tzdata folder name gets the usual "unknown time zone" reply."""
    emu = sqlite_bot.emu
    emu.user(VICTIM, first_name="Ada")
    await emu.send_text(VICTIM, "/settings tz America/Argentina")
    (reply,) = await emu.wait_for_bot_message(VICTIM)
    assert update_failures(caplog) == []
    assert "Sorry" not in reply.body


async def test_nul_in_answer_on_postgres(
    emulator: BotApiEmulator, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """An answer containing NUL is graded on PostgreSQL like any other answer."""
    with postgres_database() as url:
        bot = await start_bot(emulator, make_settings(emulator, url), clock)
        try:
            emulator.user(VICTIM, first_name="Ada")
            await emulator.send_text(VICTIM, "/study")
            await emulator.wait_for_bot_message(VICTIM)
            await emulator.send_text(VICTIM, "soft\x00max")
            (reply,) = await emulator.wait_for_bot_message(VICTIM)
        finally:
            await bot.stop()
    assert update_failures(caplog) == []
    assert "Reference answer" in reply.body
