"""CSV/TSV documents become personal decks, through the emulator as a learner sends them."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from bot.decks.personal import MAX_PERSONAL_DECKS, save_personal_deck
from bot.decks.table_import import MAX_IMPORT_BYTES, parse_table
from bot.store.models import Card, CardState, Deck, ReviewLog
from tests.bot.test_study_loop import LEARNER, press, say
from tests.conftest import RunningBot
from tgemu import ShownMessage

OTHER = 5151
VERBS = (
    "question,answer\n"
    "to eat,comer\n"
    "to drink,beber\n"
    ",vivir\n"
    "to speak,\n"
    "To Eat,comer again\n"
    '"to write, by hand",escribir\n'
)


async def send_file(bot: RunningBot, data: bytes, name: str, *, user: int = LEARNER,
                    mime: str = "text/csv") -> ShownMessage:
    bot.emu.user(user, first_name="Ada" if user == LEARNER else "Eve")
    await bot.emu.send_document(user, data, name, mime)
    (reply,) = await bot.emu.wait_for_bot_message(user, timeout=15)
    return reply


def personal_decks(bot: RunningBot) -> list[Deck]:
    with Session(bot.db.engine) as session:
        return list(session.exec(select(Deck).where(col(Deck.owner_learner_id).is_not(None))))


async def test_import_reports_bad_rows_and_keeps_good_ones(running_bot: RunningBot) -> None:
    """Good rows become a personal deck; bad rows are listed by line with the reason."""
    reply = await send_file(running_bot, VERBS.encode(), "Spanish verbs.csv")
    assert "Imported your deck “Spanish verbs”: 3 cards" in reply.body
    assert "Skipped 3 rows" in reply.body
    assert "line 4: the question is empty" in reply.body
    assert "line 5: the answer is empty" in reply.body
    assert "line 6: the same question as line 2" in reply.body
    (deck,) = personal_decks(running_bot)
    assert deck.title == "Spanish verbs"
    with Session(running_bot.db.engine) as session:
        questions = session.exec(select(Card.question).where(Card.deck_id == deck.id)).all()
    assert sorted(questions) == ["to drink", "to eat", "to write, by hand"]


async def test_personal_deck_is_listed_studied_and_graded(running_bot: RunningBot) -> None:
    """The owner sees the deck in /decks and studies it; grading uses the imported answer."""
    await send_file(running_bot, b"question,answer\nWhat colour is the sky?,blue\n", "sky.csv")
    (listing,) = await say(running_bot, "/decks")
    assert "👤 sky: 0/1 cards started" in listing.body
    # Switch the shared deck off so the personal card comes first.
    await press(running_bot, listing, "Neural Network", count=0)
    await running_bot.emu.wait_until(
        lambda: "⬜️ Neural" in running_bot.emu.message(LEARNER, listing.message_id).body)
    (card,) = await say(running_bot, "/study")
    assert "What colour is the sky?" in card.body and "sky" in card.body
    (graded,) = await say(running_bot, "it is blue")
    assert "Correct" in graded.body and "blue" in graded.body
    await press(running_bot, graded, "Good")
    with Session(running_bot.db.engine) as session:
        assert session.exec(select(func.count()).select_from(ReviewLog)).one() == 1


async def test_nobody_else_sees_a_personal_deck(sqlite_bot: RunningBot) -> None:
    """Another learner's /decks, /start, /study and forged buttons never reach the deck."""
    await send_file(sqlite_bot, b"q,a\nSecret question?,secret answer\n", "private.csv")
    (deck,) = personal_decks(sqlite_bot)
    emu = sqlite_bot.emu
    emu.user(OTHER, first_name="Eve")
    await emu.send_text(OTHER, "/decks")
    (listing,) = await emu.wait_for_bot_message(OTHER)
    assert "private" not in listing.body and "Neural Network Basics 2" in listing.body
    await emu.send_text(OTHER, "/start")
    (welcome,) = await emu.wait_for_bot_message(OTHER)
    assert "private" not in welcome.body and "15 cards" in welcome.body
    for forged in (f"dk:{deck.id}:0", f"dd:{deck.id}:0", f"dx:{deck.id}:0"):
        answers = len(emu.callback_answers)
        await emu.press(OTHER, listing.message_id, forged, check=False)
        await emu.wait_until(lambda: len(emu.callback_answers) > answers)  # noqa: B023
        assert "expired" in (emu.callback_answers[-1].text or "")
    assert personal_decks(sqlite_bot)
    # With the shared deck off, Eve has nothing to study: the secret card is not hers.
    shared = next(d for row in listing.buttons for label, d in row if "Neural" in label)
    assert shared is not None
    await emu.press(OTHER, listing.message_id, shared)
    await emu.wait_until(lambda: "⬜️" in emu.message(OTHER, listing.message_id).body)
    await emu.send_text(OTHER, "/study")
    (card,) = await emu.wait_for_bot_message(OTHER)
    assert "All your decks are switched off" in card.body and "Secret" not in card.body

async def test_reimport_updates_and_keeps_history(sqlite_bot: RunningBot) -> None:
    """Sending the same file name again updates the deck; unchanged cards keep their reviews."""
    await send_file(sqlite_bot, b"q,a\nWhat colour is the sky?,blue\nGrass?,green\n", "c.csv")
    (listing,) = await say(sqlite_bot, "/decks")
    await press(sqlite_bot, listing, "Neural Network", count=0)
    await sqlite_bot.emu.wait_until(
        lambda: "⬜️ Neural" in sqlite_bot.emu.message(LEARNER, listing.message_id).body)
    (card,) = await say(sqlite_bot, "/study")
    assert "sky" in card.body
    (graded,) = await say(sqlite_bot, "blue")
    await press(sqlite_bot, graded, "Good")
    with Session(sqlite_bot.db.engine) as session:
        sky_id = session.exec(select(Card.id).where(Card.question == "What colour is the sky?")
                              ).one()
    reply = await send_file(
        sqlite_bot, b"q,a\nwhat colour is the  sky?,blue (by day)\nSnow?,white\n", "c.csv")
    assert "Updated your deck “c”: 2 cards (1 new, 1 changed, 1 removed)" in reply.body
    assert len(personal_decks(sqlite_bot)) == 1
    with Session(sqlite_bot.db.engine) as session:
        sky = session.get(Card, sky_id)
        assert sky is not None and sky.answer == "blue (by day)" and not sky.retired
        assert session.exec(select(CardState).where(CardState.card_id == sky_id)).one().reps == 1
        grass = session.exec(select(Card).where(Card.question == "Grass?")).one()
        assert grass.retired
    (listing,) = await say(sqlite_bot, "/decks")
    assert "👤 c: 1/2 cards started" in listing.body


async def test_refused_files_get_a_clear_reply_and_change_nothing(sqlite_bot: RunningBot
                                                                   ) -> None:
    """Wrong encoding, no good rows, too large, too many rows: a reason, and no deck."""
    reply = await send_file(sqlite_bot, "q,a\nCafé?,coffee\n".encode("cp1252"), "x.csv")
    assert "line 2 is not UTF-8" in reply.body and "CSV UTF-8" in reply.body
    reply = await send_file(sqlite_bot, b"q,a\nQ1,\nQ2,\n", "x.csv")
    assert "none of its rows could be imported" in reply.body
    assert "line 2: the answer is empty" in reply.body
    reply = await send_file(sqlite_bot, b"a,b\n" * (MAX_IMPORT_BYTES // 4 + 1), "big.csv")
    assert "too large" in reply.body
    many = "".join(f"Q{i},A{i}\n" for i in range(2001)).encode()
    reply = await send_file(sqlite_bot, many, "many.csv")
    assert "more than 2,000 rows" in reply.body
    reply = await send_file(sqlite_bot, b"just text\n", "notes.tsv", mime="text/plain")
    assert "only one column" in reply.body
    assert personal_decks(sqlite_bot) == []


async def test_many_bad_rows_are_summarised(sqlite_bot: RunningBot) -> None:
    """Only the first ten bad rows are listed, then how many more."""
    rows = "q,a\nGood?,yes\n" + "".join(f"Q{i},\n" for i in range(25))
    reply = await send_file(sqlite_bot, rows.encode(), "mixed.csv")
    assert "Skipped 25 rows" in reply.body
    assert "line 12: the answer is empty" in reply.body
    assert "line 13:" not in reply.body and "…and 15 more." in reply.body


async def test_large_file_shows_progress_then_result(sqlite_bot: RunningBot) -> None:
    """A big file gets a "reading" message first, which becomes the result."""
    rows = "".join(f"Question number {i} about things?,Answer {i} " + "x" * 60 + "\n"
                   for i in range(1500))
    status = await send_file(sqlite_bot, rows.encode(), "big deck.csv")
    assert "Reading" in status.body
    await sqlite_bot.emu.wait_until(
        lambda: "1500 cards" in sqlite_bot.emu.message(LEARNER, status.message_id).body,
        timeout=30)


async def test_delete_personal_deck_after_confirmation(sqlite_bot: RunningBot) -> None:
    """🗑 asks first; confirming deletes the deck, its cards and their history."""
    await send_file(sqlite_bot, b"q,a\nWhat colour is the sky?,blue\n", "sky.csv")
    (listing,) = await say(sqlite_bot, "/decks")
    await press(sqlite_bot, listing, "🗑", count=0)
    emu = sqlite_bot.emu
    await emu.wait_until(lambda: "Delete your deck “sky”" in emu.message(
        LEARNER, listing.message_id).body)
    asking = emu.message(LEARNER, listing.message_id)
    await press(sqlite_bot, asking, "Cancel", count=0)
    await emu.wait_until(lambda: "👤 sky" in emu.message(LEARNER, listing.message_id).body)
    assert personal_decks(sqlite_bot)
    await press(sqlite_bot, emu.message(LEARNER, listing.message_id), "🗑", count=0)
    await emu.wait_until(lambda: "Yes, delete" in str(emu.message(
        LEARNER, listing.message_id).buttons))
    confirm = emu.message(LEARNER, listing.message_id)
    data = next(d for row in confirm.buttons for label, d in row if "Yes" in label)
    assert data is not None
    await emu.press(LEARNER, listing.message_id, data)
    await emu.wait_until(lambda: "Deleted “sky”" in emu.message(LEARNER, listing.message_id).body)
    assert "👤" not in emu.message(LEARNER, listing.message_id).body
    assert personal_decks(sqlite_bot) == []
    with Session(sqlite_bot.db.engine) as session:
        assert session.exec(select(Card).where(Card.question == "What colour is the sky?")
                            ).first() is None
    answers = len(emu.callback_answers)
    await emu.press(LEARNER, listing.message_id, data, check=False)  # a second press
    await emu.wait_until(lambda: len(emu.callback_answers) > answers)
    assert "expired" in (emu.callback_answers[-1].text or "")


async def test_personal_deck_limit(sqlite_bot: RunningBot) -> None:
    """Past the per-learner limit a new file name is refused; an existing one still updates."""
    await say(sqlite_bot, "/start")
    for i in range(MAX_PERSONAL_DECKS):
        table = parse_table(f"q,a\nQ{i}?,A{i}\n".encode(), file_name="x.csv", max_rows=10)
        sqlite_bot.db.call(save_personal_deck, telegram_id=LEARNER, title=f"deck{i}",
                           cards=table.cards, now=sqlite_bot.clock())
    reply = await send_file(sqlite_bot, b"q,a\nQ?,A\n", "one-too-many.csv")
    assert f"already have {MAX_PERSONAL_DECKS} decks" in reply.body
    reply = await send_file(sqlite_bot, b"q,a\nQ0?,A0 changed\n", "deck0.csv")
    assert "Updated your deck" in reply.body
    assert len(personal_decks(sqlite_bot)) == MAX_PERSONAL_DECKS


async def test_spreadsheet_gets_told_to_save_as_csv(sqlite_bot: RunningBot) -> None:
    """An .xlsx is not guessed at: the learner is told how to save a CSV."""
    reply = await send_file(sqlite_bot, b"PK\x03\x04junk", "Vocab.xlsx",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml"
                                 ".sheet")
    assert "Save it as CSV" in reply.body and "CSV UTF-8" in reply.body
    assert personal_decks(sqlite_bot) == []


async def test_import_names_loosely_graded_cards_and_the_keys_column(
        sqlite_bot: RunningBot) -> None:
    """Cards whose answer is one term are named as graded loosely, with how `keys` helps."""
    table = (
        "question,answer,keys\n"
        "Where are mini-batches defined?,DataLoader,\n"
        "What is osmosis?,The diffusion of water across a selectively permeable membrane "
        "from lower to higher solute concentration.,\n"
        "Capital of France?,Paris,paris\n"
    )
    reply = await send_file(sqlite_bot, table.encode(), "notes.csv")
    assert "Imported your deck “notes”: 3 cards" in reply.body
    assert "1 card will be graded loosely" in reply.body
    assert "“Where are mini-batches defined?”" in reply.body
    assert "osmosis" not in reply.body and "France" not in reply.body
    assert "add a keys column" in reply.body
    assert "limits | caps ; exploding gradients" in reply.body
