"""Cards as long as an import allows reach the learner whole: question, graded reply, outcome.

Telegram counts 4,096 characters *after* entity parsing, in UTF-16 code units, and refuses a
text whose markup was cut ("can't parse entities"); the emulator does the same and the
conformance check fails any test whose bot breaks the Bot API rules.
"""

from __future__ import annotations

from bot.decks.parser import MAX_FIELD_CHARS
from bot.telegram.text_limits import TEXT_LIMIT
from tests.bot.test_study_loop import LEARNER, press, say
from tests.conftest import RunningBot
from tgemu import BotApiEmulator, ShownMessage
from tgemu._formatting import parse_formatted, utf16_len

PROSE = " Gradient <descent> & friends: 𝛁f(x) < ε, so we stop 🛑.\n"
CODE = " if (a<b && b>c) {x = y<<2} // <&>\n"  # escaping makes its HTML 2-3 times longer


def long_cell(opening: str, filler: str = PROSE) -> str:
    """A cell of exactly the longest size an import takes, in paragraphs, with what HTML must
    escape and characters that count twice in UTF-16."""
    cell = opening
    while len(cell) < MAX_FIELD_CHARS:
        cell += filler
    return cell[:MAX_FIELD_CHARS]


def csv_row(*cells: str) -> str:
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells)


async def import_and_focus(bot: RunningBot, question: str, answer: str) -> None:
    """Import one long card and switch the shared deck off, so /study asks the long card."""
    bot.emu.user(LEARNER, first_name="Ada")
    data = f"question,answer\n{csv_row(question, answer)}\n".encode()
    await bot.emu.send_document(LEARNER, data, "long.csv", "text/csv")
    (imported,) = await bot.emu.wait_for_bot_message(LEARNER, timeout=15)
    assert "Imported your deck" in imported.body, imported.body
    (listing,) = await say(bot, "/decks")
    await press(bot, listing, "Neural Network", count=0)
    await bot.emu.wait_until(
        lambda: "⬜️ Neural" in bot.emu.message(LEARNER, listing.message_id).body)


def refused(emu: BotApiEmulator) -> list[str]:
    return [f"{c.method}: {c.error}" for c in emu.calls if c.status == 400]


def fits(message: ShownMessage) -> bool:
    return utf16_len(message.body) <= TEXT_LIMIT


async def test_a_card_as_long_as_an_import_allows_is_asked_graded_and_rated(
        sqlite_bot: RunningBot) -> None:
    """A 4,000-character question and reference: the learner gets the question, the graded
    reply with its rating buttons, and the rated outcome, each within Telegram's limit."""
    question = long_cell("Q-START Explain gradient descent.")
    answer = long_cell("A-START step against the gradient to reduce the loss.", CODE)
    await import_and_focus(sqlite_bot, question, answer)
    (card,) = await say(sqlite_bot, "/study")
    assert "Q-START Explain gradient descent." in card.body
    assert card.body.endswith("Type your answer. /skip moves on, /stop ends the session.")
    assert "<descent> & friends: 𝛁f(x) < ε" in card.body  # escaped in HTML, shown as typed
    assert fits(card)
    (graded,) = await say(sqlite_bot, "step against the gradient to reduce the loss")
    assert "Reference answer" in graded.body and "A-START step against the" in graded.body
    assert graded.body.endswith("How well did you recall it? My suggestion is marked ✓.")
    assert any("Good" in label for row in graded.buttons for label, _ in row)
    assert fits(graded)
    await press(sqlite_bot, graded, "Good")
    await sqlite_bot.emu.wait_until(
        lambda: "Saved: Good" in sqlite_bot.emu.message(LEARNER, graded.message_id).body)
    outcome = sqlite_bot.emu.message(LEARNER, graded.message_id)
    assert outcome.body.splitlines()[-1].startswith("Saved: Good. You'll see this card again")
    assert "Reference answer" in outcome.body and fits(outcome)
    assert refused(sqlite_bot.emu) == []


async def test_long_question_keeps_its_markup_whole(sqlite_bot: RunningBot) -> None:
    """The question sent is valid HTML whose visible text is within the limit, not HTML cut
    by its source length (the source of an escaped 4,000-character cell is longer)."""
    question = long_cell("Why < and & matter?")
    await import_and_focus(sqlite_bot, question, "because")
    await say(sqlite_bot, "/study")
    # The last such call: the import's reply may name the card too (as graded loosely).
    call = [c for c in sqlite_bot.emu.calls_to("sendMessage")
            if "Why &lt; and &amp; matter?" in str(c.params.get("text"))][-1]
    html = str(call.params["text"])
    assert len(html) > TEXT_LIMIT  # the source is longer than the limit...
    plain, entities = parse_formatted(html, "HTML", None)
    assert utf16_len(plain) <= TEXT_LIMIT  # ...what Telegram counts is not
    assert [e["type"] for e in entities] == ["italic", "bold"]
    assert call.status == 200
