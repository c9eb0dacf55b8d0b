"""A teacher shares a personal deck by link, a class joins and studies it, and the teacher sees
how it goes (/class); revoking, removing, leaving and forged links, through the emulator."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, func, select

from bot.store.models import Card, CardState, ClassMember, Deck, DeckShare, ReviewLog
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock
from tgemu import BotApiEmulator, ShownMessage

TEACHER, EVE, BOB, MALLORY = 4242, 5151, 6161, 7171
NAMES = {TEACHER: "Ada", EVE: "Eve", BOB: "Bob", MALLORY: "Mallory"}
VERBS = b"question,answer\nto eat,comer\nto drink,beber\nto live,vivir\n"
VERBS_EDITED = (b"question,answer\nto eat,comer (yo como)\nto drink,beber\nto live,vivir\n"
                b"to be,ser\n")
LINK = re.compile(r"https://t\.me/tutorbot_test_bot\?start=([A-Za-z0-9_-]+)")


@dataclass
class Person:
    """One Telegram user of the emulator, as a teacher or a learner."""

    bot: RunningBot
    user: int

    @property
    def emu(self) -> BotApiEmulator:
        return self.bot.emu

    async def say(self, text: str, *, count: int = 1) -> list[ShownMessage]:
        self.emu.user(self.user, first_name=NAMES[self.user])
        await self.emu.send_text(self.user, text)
        return await self.emu.wait_for_bot_message(self.user, count=count, timeout=15)

    async def send_file(self, data: bytes, name: str) -> ShownMessage:
        self.emu.user(self.user, first_name=NAMES[self.user])
        await self.emu.send_document(self.user, data, name, "text/csv")
        (reply,) = await self.emu.wait_for_bot_message(self.user, timeout=15)
        return reply

    async def press(self, message: ShownMessage, label_part: str) -> list[ShownMessage]:
        """Press the button and wait for the bot's new message."""
        await self.emu.press(self.user, message.message_id, button(message, label_part))
        return await self.emu.wait_for_bot_message(self.user, timeout=15)

    async def press_to_edit(self, message: ShownMessage, label_part: str, expect: str
                            ) -> ShownMessage:
        """Press the button and wait until the same message reads `expect`."""
        await self.emu.press(self.user, message.message_id, button(message, label_part))
        await self.emu.wait_until(
            lambda: expect in self.emu.message(self.user, message.message_id).body,
            timeout=15, what=expect)
        return self.emu.message(self.user, message.message_id)

    async def forged(self, data: str) -> str:
        """Press a button with made-up data on the last bot message; the toast it got."""
        answers = len(self.emu.callback_answers)
        last = self.emu.bot_messages(self.user)[-1]
        await self.emu.press(self.user, last.message_id, data, check=False)
        await self.emu.wait_until(lambda: len(self.emu.callback_answers) > answers)
        return self.emu.callback_answers[-1].text or ""

    async def study_class_deck_only(self) -> None:
        """Switch the server's shared deck off, so /study asks the class's cards."""
        (listing,) = await self.say("/decks")
        await self.press_to_edit(listing, "Neural Network", "⬜️ Neural")


def button(message: ShownMessage, label_part: str) -> str:
    data = next((d for row in message.buttons for label, d in row if label_part in label), None)
    assert data is not None, (label_part, message.buttons)
    return data


def code_of(message: ShownMessage) -> str:
    found = LINK.search(message.body)
    assert found is not None, message.body
    return found[1]


async def share(teacher: Person, file_name: str = "Spanish verbs.csv") -> str:
    """Import the deck and press 🔗 next to it in /decks: the link's code."""
    await teacher.send_file(VERBS, file_name)
    (listing,) = await teacher.say("/decks")
    (shared,) = await teacher.press(listing, "🔗")
    assert "Share “Spanish verbs”" in shared.body and "3 cards" in shared.body
    return code_of(shared)


async def join(learner: Person, code: str) -> ShownMessage:
    (preview,) = await learner.say(f"/start {code}")
    assert "Spanish verbs" in preview.body and "3 cards" in preview.body
    assert "shared by Ada" in preview.body
    return await learner.press_to_edit(preview, "Join", "You joined")


async def study_one(learner: Person, answer: str, rating: str) -> ShownMessage:
    (card,) = await learner.say("/study")
    (graded,) = await learner.say(answer)
    await learner.press(graded, rating)
    return card


def count(bot: RunningBot, model: type, *where: object) -> int:
    with Session(bot.db.engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def class_card_ids(bot: RunningBot) -> list[int]:
    with Session(bot.db.engine) as session:
        return [cid for cid in session.exec(select(Card.id).join(Deck).where(
            col(Deck.owner_learner_id).is_not(None))).all() if cid is not None]


def history(bot: RunningBot, learner_telegram_id: int) -> tuple[int, int]:
    """(card states, reviews) the learner has on the class deck."""
    from bot.store.models import Learner
    with Session(bot.db.engine) as session:
        lid = session.exec(select(Learner.id).where(
            Learner.telegram_id == learner_telegram_id)).one()
    ids = class_card_ids(bot)
    return (count(bot, CardState, CardState.learner_id == lid, col(CardState.card_id).in_(ids)),
            count(bot, ReviewLog, ReviewLog.learner_id == lid, col(ReviewLog.card_id).in_(ids)))


async def test_a_class_joins_by_link_studies_and_keeps_history_through_a_reimport(
        running_bot: RunningBot) -> None:
    """Two learners join by the deep link and study the teacher's deck itself; the teacher's
    re-import of the same file changes their cards and keeps their history; /class shows
    both, with the card they forget and the grade they dispute."""
    bot = running_bot
    teacher, eve, bob = (Person(bot, u) for u in (TEACHER, EVE, BOB))
    code = await share(teacher)
    assert 1 <= len(code) <= 64
    for learner in (eve, bob):
        joined = await join(learner, code)
        assert joined.buttons == []
        await learner.study_class_deck_only()
        (listing,) = await learner.say("/decks")
        assert "👥 Spanish verbs: 0/3 cards started" in listing.body
    card = await study_one(eve, "comer", "Easy")  # learnt at once: a review card from now on
    assert "to eat" in card.body
    card = await study_one(bob, "no idea", "Again")
    assert "to eat" in card.body
    for learner in (eve, bob):
        await learner.say("/stop")
    assert history(bot, EVE) == (1, 1) and history(bot, BOB) == (1, 1)

    bot.clock.advance(days=30)
    reply = await teacher.send_file(VERBS_EDITED, "Spanish verbs.csv")
    assert "Updated your deck “Spanish verbs”: 4 cards (1 new, 1 changed, 0 removed)" in (
        reply.body)
    assert history(bot, EVE) == (1, 1) and history(bot, BOB) == (1, 1)
    assert count(bot, Deck, col(Deck.owner_learner_id).is_not(None)) == 1
    (listing,) = await eve.say("/decks")
    assert "👥 Spanish verbs: 1/4 cards started" in listing.body
    # Both come back to "to eat" with their history, and are graded by the teacher's new answer.
    (due,) = await eve.say("/study")
    assert "Review" in due.body and "to eat" in due.body
    (graded,) = await eve.say("no idea")
    assert "yo como" in graded.body
    toasts = len(bot.emu.callback_answers)
    await bot.emu.press(EVE, graded.message_id, button(graded, "I was right"))
    await bot.emu.wait_until(lambda: len(bot.emu.callback_answers) > toasts)
    await eve.press(graded, "Again")  # a lapse: the card had been learnt
    (due,) = await bob.say("/study")
    assert "to eat" in due.body
    (graded,) = await bob.say("comer")
    assert "yo como" in graded.body
    await bob.press(graded, "Good")
    assert history(bot, EVE) == (1, 2) and history(bot, BOB) == (1, 2)

    (report,) = await teacher.say("/class")
    assert "Class: Spanish verbs" in report.body and "4 cards, link open" in report.body
    assert "Learners: 2 · active today 2 · this week 2" in report.body
    assert "Reviews: 4 (2 this week)" in report.body
    assert "Eve: 2 · 1 · 0% of 1 · today ✓" in report.body
    assert "Bob: 2 · 1 · – · today ✓" in report.body
    assert "Hardest cards (most lapses)\n1 · to eat" in report.body
    assert "Lowest retention by card (mature reviews, 30 days)\n0% of 1 · to eat" in report.body
    assert "Most disputed grades\n1 (right 1, wrong 0) · to eat" in report.body


async def test_revoked_and_unknown_links_get_a_friendly_answer(sqlite_bot: RunningBot) -> None:
    """A revoked link lets nobody new in (also from a preview opened before), members stay;
    unknown, mistyped and forged codes and buttons are answered, never obeyed."""
    teacher, eve, bob, mallory = (Person(sqlite_bot, u) for u in (TEACHER, EVE, BOB, MALLORY))
    code = await share(teacher)
    await join(eve, code)
    (preview,) = await bob.say(f"/start {code}")
    (listing,) = await teacher.say("/decks")
    (shared,) = await teacher.press(listing, "🔗")
    assert code_of(shared) == code  # the same live link each time it is shown
    revoked = await teacher.press_to_edit(shared, "Revoke", "no longer works")
    assert "1 learner already in" in revoked.body
    await bob.press_to_edit(preview, "Join", "its owner has revoked it")
    (late,) = await mallory.say(f"/start {code}")
    assert "its owner has revoked it" in late.body and late.buttons == []
    assert count(sqlite_bot, ClassMember) == 1
    await eve.study_class_deck_only()
    (card,) = await eve.say("/study")
    assert "to eat" in card.body  # members keep studying

    for typed in ("nonsense", "../../etc/passwd", "x" * 65, code[:-1]):
        (reply,) = await mallory.say(f"/start {typed}")
        assert "doesn't open any deck" in reply.body, typed
    await mallory.forged(f"jc:{code[:-1]}")  # a Join button for a code never drawn
    last = mallory.emu.bot_messages(MALLORY)[-1]
    await mallory.emu.wait_until(lambda: "doesn't open any deck" in mallory.emu.message(
        MALLORY, last.message_id).body)
    (_, deck_id), = [(s.code, s.deck_id) for s in _shares(sqlite_bot)]
    assert "expired" in await mallory.forged(f"sh:{deck_id}")
    assert "expired" in await mallory.forged(f"rv:{deck_id}")
    assert "expired" in await mallory.forged(f"cv:{deck_id}")
    assert "expired" in await mallory.forged(f"cm:{deck_id}")
    assert "expired" in await mallory.forged(f"lc:{deck_id}:0")
    assert count(sqlite_bot, ClassMember) == 1

    # Sharing again draws a new code; the old one stays dead.
    (listing,) = await teacher.say("/decks")
    (fresh,) = await teacher.press(listing, "🔗")
    assert code_of(fresh) != code
    (old,) = await mallory.say(f"/start {code}")
    assert "doesn't open any deck" in old.body
    await join(mallory, code_of(fresh))
    assert count(sqlite_bot, ClassMember) == 2


def _shares(bot: RunningBot) -> list[DeckShare]:
    with Session(bot.db.engine) as session:
        return list(session.exec(select(DeckShare)))


async def test_teacher_removes_a_learner_and_a_learner_leaves(sqlite_bot: RunningBot) -> None:
    """Removing and leaving both take the learner's history on the deck away, and /class no
    longer shows them; what they studied elsewhere stays."""
    teacher, eve, bob = (Person(sqlite_bot, u) for u in (TEACHER, EVE, BOB))
    code = await share(teacher)
    for learner in (eve, bob):
        await join(learner, code)
    await study_one(eve, "something", "Good")  # a card of the server's deck: not the class's
    await eve.say("/stop")
    for learner in (eve, bob):
        await learner.study_class_deck_only()
        await study_one(learner, "comer", "Good")
    assert history(sqlite_bot, EVE) == (1, 1) and history(sqlite_bot, BOB) == (1, 1)

    (report,) = await teacher.say("/class")
    (whom,) = await teacher.press(report, "Remove a learner")
    assert "Remove whom" in whom.body
    asking = await teacher.press_to_edit(whom, "Eve", "Remove Eve from “Spanish verbs”?")
    done = await teacher.press_to_edit(asking, "Yes, remove", "Removed Eve")
    assert done.buttons == []
    assert history(sqlite_bot, EVE) == (0, 0)
    assert count(sqlite_bot, ReviewLog) == 2  # Eve's review of the server's deck, Bob's
    (listing,) = await eve.say("/decks")
    assert "Spanish verbs" not in listing.body
    (card,) = await eve.say("/study")
    assert "to eat" not in card.body and "to drink" not in card.body

    (listing,) = await bob.say("/decks")
    asking = await bob.press_to_edit(listing, "🚪", "Leave the class “Spanish verbs”?")
    assert "1 review" in asking.body
    left = await bob.press_to_edit(asking, "Yes, leave", "Left the class")
    assert "👥" not in left.body and "🚪" not in str(left.buttons)
    assert history(sqlite_bot, BOB) == (0, 0)
    (report,) = await teacher.say("/class")
    assert "Learners: 0" in report.body and "Eve" not in report.body and "Bob" not in report.body
    assert "Nobody has joined yet" in report.body
    # A learner who was never in gets nothing from a forged leave.
    assert "expired" in await bob.forged(f"lx:{_shares(sqlite_bot)[0].deck_id}:0")


async def test_owner_opening_own_link_and_class_without_a_deck(sqlite_bot: RunningBot) -> None:
    """/class without a shared deck says how to get one; the owner's own link says it is
    theirs and offers no Join."""
    teacher = Person(sqlite_bot, TEACHER)
    (none,) = await teacher.say("/class")
    assert "You have no class yet" in none.body and "🔗" in none.body
    code = await share(teacher)
    (own,) = await teacher.say(f"/start {code}")
    assert "This is your own deck" in own.body and own.buttons == []
    (helped,) = await teacher.say("/help")
    assert "/class" in helped.body and "🔗" in helped.body


def due_counts(bot: RunningBot) -> dict[int, int]:
    """What the daily push would count for each learner now (bot.pushes.due.count_due_many)."""
    from bot.pushes.due import count_due_many
    from bot.store.models import Learner
    from bot.store.pushes import Candidate
    with Session(bot.db.engine) as session:
        learners = session.exec(select(Learner)).all()
        found = count_due_many(session, now=bot.clock.now, learners=[Candidate(
            p.id or 0, p.chat_id, p.timezone, p.push_time, bot.clock.now.date(), p.created_at,
            p.new_per_day, p.max_reviews_per_day, p.day_boundary_hour) for p in learners])
        return {p.telegram_id: found[p.id or 0] for p in learners}


async def test_daily_push_counts_a_joined_deck_until_the_learner_leaves(
        sqlite_bot: RunningBot) -> None:
    """A learner studying only a class's deck is still pushed for its cards; after leaving,
    they are not (the push counts what /study would ask)."""
    teacher, eve = Person(sqlite_bot, TEACHER), Person(sqlite_bot, EVE)
    code = await share(teacher)
    await eve.study_class_deck_only()
    assert due_counts(sqlite_bot)[EVE] == 0
    await join(eve, code)
    assert due_counts(sqlite_bot)[EVE] == 3  # the class deck's three new cards
    (listing,) = await eve.say("/decks")
    asking = await eve.press_to_edit(listing, "🚪", "Leave the class")
    await eve.press_to_edit(asking, "Yes, leave", "Left the class")
    assert due_counts(sqlite_bot)[EVE] == 0


async def test_class_picture_is_drawn_by_a_demo_worker(
        emulator: BotApiEmulator, sqlite_url: str, clock: FakeClock, tmp_path: Path) -> None:
    """/class sends its text at once, then the picture a demo worker drew, captioned."""
    bot = await start_bot(emulator, make_settings(emulator, sqlite_url, demo_workers=1,
                                                  demo_device="cpu"), clock)
    try:
        teacher, eve = Person(bot, TEACHER), Person(bot, EVE)
        await join(eve, await share(teacher))
        await eve.study_class_deck_only()
        await study_one(eve, "comer", "Good")
        (report,) = await teacher.say("/class")
        assert "Eve: 1 · 1" in report.body
        await emulator.wait_until(
            lambda: any(m.has_photo for m in emulator.bot_messages(TEACHER)), timeout=90,
            what="the class picture")
        (picture,) = [m for m in emulator.bot_messages(TEACHER) if m.has_photo]
        assert picture.photo is not None and picture.photo.startswith(b"\x89PNG")
        assert "reviews of this deck on each of the last 14 days" in (picture.caption or "")
        # Kept with the test's files, to be looked at (pytest keeps the last runs' tmp_path).
        (tmp_path / "class.png").write_bytes(picture.photo)
    finally:
        await bot.stop()


async def test_deleting_a_shared_deck_ends_its_class(running_bot: RunningBot) -> None:
    """🗑 on a shared deck deletes it for its members too, mid-card: their history on it, the
    membership and the link go, and /study goes on with what they still have."""
    teacher, eve = Person(running_bot, TEACHER), Person(running_bot, EVE)
    code = await share(teacher)
    await join(eve, code)
    await eve.study_class_deck_only()
    await study_one(eve, "comer", "Good")  # the next class card is now open for Eve
    (listing,) = await teacher.say("/decks")
    asking = await teacher.press_to_edit(listing, "🗑", "Delete your deck")
    await teacher.press_to_edit(asking, "Yes, delete", "Deleted “Spanish verbs”")
    assert count(running_bot, ClassMember) == 0 and count(running_bot, DeckShare) == 0
    assert count(running_bot, ReviewLog) == 0 and count(running_bot, CardState) == 0
    (reply,) = await eve.say(f"/start {code}")
    assert "doesn't open any deck" in reply.body
    (card,) = await eve.say("/study")
    # Eve had switched the shared deck off to study the class deck: nothing else is on.
    assert "All your decks are switched off" in card.body


def test_class_buttons_decode_to_what_they_encode() -> None:
    """Each class button's payload fits Telegram's 64 bytes and decodes to itself; malformed
    ones decode to nothing (answered as an expired button)."""
    import secrets

    from bot.classes import CODE_BYTES
    from bot.telegram.callback_data import (
        ConfirmLeaveClass,
        ConfirmRemoveMember,
        JoinClass,
        LeaveClass,
        ListMembers,
        RemoveMember,
        RevokeLink,
        ShareDeck,
        ShowClass,
        decode,
    )
    big = 10**17
    for payload in (ShareDeck(big), RevokeLink(big), JoinClass(secrets.token_urlsafe(CODE_BYTES)),
                    LeaveClass(big, 12), ConfirmLeaveClass(big, 3), ShowClass(big),
                    ListMembers(big), RemoveMember(big, big), ConfirmRemoveMember(big, big)):
        data = payload.encode()
        assert len(data.encode()) <= 64 and decode(data) == payload, data
    for junk in ("jc:a b", "jc:" + "a" * 61, "sh:x", "cr:1", "cx:1:", "cv:-1", "jc:a/b"):
        assert decode(junk) is None, junk


async def test_class_asks_which_deck_when_several_are_shared(sqlite_bot: RunningBot) -> None:
    """With two shared decks, /class offers one button per deck; each opens that class."""
    teacher = Person(sqlite_bot, TEACHER)
    await share(teacher)
    await teacher.send_file(b"q,a\nrojo,red\n", "Colours.csv")
    (listing,) = await teacher.say("/decks")
    await teacher.press(listing, "🔗")  # the first 🔗 is Colours' (decks are listed by title)
    (choice,) = await teacher.say("/class")
    assert "Which class?" in choice.body
    assert [label for row in choice.buttons for label, _ in row] == ["Colours", "Spanish verbs"]
    (report,) = await teacher.press(choice, "Spanish verbs")
    assert "Class: Spanish verbs" in report.body and "Nobody has joined yet" in report.body


async def test_a_deck_from_anki_is_shared_like_a_csv(sqlite_bot: RunningBot, tmp_path: Path
                                                      ) -> None:
    """An .apkg that genanki wrote becomes a deck the teacher shares; a learner joins by the
    link and is asked its cards."""
    from tests.decks.anki_files import write_package
    teacher, eve = Person(sqlite_bot, TEACHER), Person(sqlite_bot, EVE)
    package = write_package(tmp_path, basic=[("Capital of Peru?", "Lima"),
                                             ("Capital of Chile?", "Santiago")], name="capitals")
    teacher.emu.user(TEACHER, first_name="Ada")
    await teacher.emu.send_document(TEACHER, package, "Capitals.apkg",
                                    "application/octet-stream")
    (imported,) = await teacher.emu.wait_for_bot_message(TEACHER, timeout=15)
    assert "Imported your deck “Capitals”: 2 cards" in imported.body
    (listing,) = await teacher.say("/decks")
    (shared,) = await teacher.press(listing, "🔗")
    (preview,) = await eve.say(f"/start {code_of(shared)}")
    assert "Capitals" in preview.body and "2 cards · shared by Ada" in preview.body
    await eve.press_to_edit(preview, "Join", "You joined")
    await eve.study_class_deck_only()
    (card,) = await eve.say("/study")
    assert "Capital of" in card.body
