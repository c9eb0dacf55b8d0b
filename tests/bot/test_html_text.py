"""Every message is HTML (parse mode set once, in the application's defaults), so text that a
user supplied reaches them intact however many `<`, `>` and `&` it holds, through the emulator,
which refuses bad HTML as Telegram does."""

from __future__ import annotations

from bot.demos.types import DemoKind
from bot.telegram import render
from tests.bot.test_classes import Person, share, study_one
from tests.bot.test_deck_import import personal_decks, send_file
from tests.bot.test_study_loop import LEARNER, press, say
from tests.conftest import RunningBot
from tgemu import ShownMessage
from tgemu._formatting import parse_formatted

MARKUP = "<b>Tom & Jerry</b>"
DECK = f"q,a\n{MARKUP} & co?,a<b&c\n".encode()


async def test_markup_in_a_deck_reaches_the_learner_intact(running_bot: RunningBot) -> None:
    """An imported deck's file name, question and answer keep their `<b>&` as written."""
    reply = await send_file(running_bot, DECK, f"{MARKUP}.csv")
    assert f"Imported your deck “{MARKUP}”: 1 card" in reply.body
    (deck,) = personal_decks(running_bot)
    assert deck.title == MARKUP
    (listing,) = await say(running_bot, "/decks")
    assert f"👤 {MARKUP}: 0/1 cards started" in listing.body
    await press(running_bot, listing, "Neural Network", count=0)
    await running_bot.emu.wait_until(
        lambda: "⬜️ Neural" in running_bot.emu.message(LEARNER, listing.message_id).body)
    (card,) = await say(running_bot, "/study")
    assert f"{MARKUP} & co?" in card.body
    (graded,) = await say(running_bot, "a<b&c")
    assert "Correct" in graded.body and "a<b&c" in graded.body


async def test_markup_in_a_refused_file_is_reported_intact(sqlite_bot: RunningBot) -> None:
    """An import error names the file and the bad rows with their `<b>&` as written."""
    reply = await send_file(sqlite_bot, f"q,a\n{MARKUP},\n".encode(), f"{MARKUP}.csv")
    assert "none of its rows could be imported" in reply.body
    assert "line 2: the answer is empty" in reply.body
    reply = await send_file(sqlite_bot, b"PK\x03\x04junk", "<i>Vocab & co.xlsx",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml"
                                 ".sheet")
    assert "Save it as CSV" in reply.body
    assert personal_decks(sqlite_bot) == []


class Named(Person):
    """A class member whose Telegram first name is `name`."""

    def __init__(self, bot: RunningBot, user: int, name: str) -> None:
        super().__init__(bot, user)
        self.name = name

    async def say(self, text: str, *, count: int = 1) -> list[ShownMessage]:
        self.emu.user(self.user, first_name=self.name)
        await self.emu.send_text(self.user, text)
        return await self.emu.wait_for_bot_message(self.user, count=count, timeout=15)


async def test_a_learner_name_with_markup_shows_intact_in_class(sqlite_bot: RunningBot) -> None:
    """A learner called `<b>Eve & co` is listed under that name in the teacher's /class."""
    teacher = Person(sqlite_bot, 4242)
    code = await share(teacher)
    eve = Named(sqlite_bot, 5151, "<b>Eve & co")
    (preview,) = await eve.say(f"/start {code}")
    await eve.press_to_edit(preview, "Join", "You joined")
    await eve.study_class_deck_only()
    await study_one(eve, "comer", "Good")
    (report,) = await teacher.say("/class")
    assert "Class: Spanish verbs" in report.body
    assert "<b>Eve & co: 1 · 1 ·" in report.body


async def test_export_caption_is_sent_as_html(running_bot: RunningBot) -> None:
    """/export's document caption goes through the default parse mode and reads as written."""
    await say(running_bot, "/study")
    (graded,) = await say(running_bot, "no idea")
    await press(running_bot, graded, "Again")
    (doc,) = await say(running_bot, "/export")
    assert doc.document is not None
    assert doc.caption == "Your review history: 1 review (CSV)."


def test_demo_progress_from_a_worker_is_escaped() -> None:
    """A worker's progress step is text, not markup: Telegram's parser gives it back as sent."""
    reply = render.demo_status(DemoKind.FSRS_FIT, 0.5, "loss < 0.3 & <b>falling")
    plain, entities = parse_formatted(reply.text, "HTML", None)
    assert "loss < 0.3 & <b>falling… 50%" in plain and entities == []
