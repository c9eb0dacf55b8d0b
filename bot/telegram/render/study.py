"""The study loop's texts: questions, graded answers, ratings, skips, undo, disputes."""

from __future__ import annotations

from datetime import datetime
from html import escape

from bot.disputes import Claim
from bot.grading import MAX_ANSWER_CHARS, Grade, Label
from bot.study import Graded, NothingDue, Question
from bot.telegram import keyboards
from bot.telegram.render.common import Reply, _short
from bot.telegram.text_limits import TEXT_LIMIT, shorten, visible_units
from bot.timezones import label, zone
from bot.wording import duration, plural


def question(q: Question) -> Reply:
    tag = "🆕 New card" if q.is_new else ("Still open" if q.repeated else "Review")
    deck = f" · {escape(q.deck_title)}" if q.deck_title else ""
    head = f"<i>{tag}{deck}</i>\n\n"
    foot = "\n\nType your answer. /skip moves on, /stop ends the session."
    # A long question (a CSV cell holds up to 4,000 characters) gives way before the hint.
    room = TEXT_LIMIT - visible_units(head + foot)
    return Reply(f"{head}<b>{escape(shorten(q.card.question, room))}</b>{foot}")


def nothing_due(result: NothingDue) -> Reply:
    tz = result.tz
    if result.all_decks_off:
        return Reply("All your decks are switched off, so there is nothing to study. "
                     "Open /decks and tap a deck to switch it on.")
    limit = ""
    if result.new_waiting:
        count = plural(result.new_waiting, "new card")
        verb = "waits" if result.new_waiting == 1 else "wait"
        limit = (f"\n\n{count} {verb}, but you've had today's {result.new_per_day} new "
                 f"{'card' if result.new_per_day == 1 else 'cards'}. To get more today, raise "
                 f"the daily limit, e.g. <code>/settings new {result.new_per_day + 10}</code>.")
    if result.next_due is None:
        if limit:
            return Reply("Nothing is due right now." + limit)
        return Reply("🎉 Nothing is due right now, and there are no new cards left for today.")
    when = result.next_due.astimezone(zone(tz)).strftime("%a %d %b, %H:%M")
    return Reply(
        "🎉 You're done for now: nothing is due.\n"
        f"Next card due: <b>{escape(when)}</b> ({escape(label(tz))})." + limit
    )


_HEADLINE = {
    Label.CORRECT: "✅ <b>Correct</b>",
    Label.PARTIAL: "🟡 <b>Partly right</b>",
    Label.WRONG: "❌ <b>Not quite</b>",
}


def _terms(terms: tuple[str, ...], limit: int = 8) -> str:
    shown = ", ".join(escape(_short(t, 60)) for t in terms[:limit])
    return shown + (f" (+{len(terms) - limit} more)" if len(terms) > limit else "")


_PLAIN_EXPLANATIONS = ("You got", "Missing", "All key points")


# A reference longer than this is shown folded, so the rating question stays in view.
_FOLD_CHARS = 800


def graded(result: Graded, *, offer_demo: bool) -> Reply:
    g: Grade = result.grade
    parts = [f"{_HEADLINE[g.label]} · {round(g.score * 100)}%"]
    if g.matched:
        parts.append(f"✔︎ You got: {_terms(g.matched)}")
    if g.missed:
        parts.append(f"✘ Missing: {_terms(g.missed)}")
    # The matched and missed lines above already say what a plain explanation would; show
    # the grader's sentence when it adds a reason (a negation, another card's answer...).
    if g.explanation and not g.explanation.startswith(_PLAIN_EXPLANATIONS):
        parts.append(f"<i>{escape(_short(g.explanation, 400))}</i>")
    if result.truncated:
        parts.append(f"(Your answer was long; I graded the first {MAX_ANSWER_CHARS:,} characters.)")
    ask = "How well did you recall it? My suggestion is marked ✓."
    # The reference gets what the rest leaves: a long one is shortened, never the question
    # that the buttons answer. Past a screenful it starts folded (an expandable quote).
    room = TEXT_LIMIT - visible_units("\n".join([*parts, "\nReference answer", "", ask]))
    reference = shorten(result.card.answer, room)
    quote = "<blockquote expandable>" if len(reference) > _FOLD_CHARS else "<blockquote>"
    parts.append(f"\n<b>Reference answer</b>\n{quote}{escape(reference)}</blockquote>")
    parts.append(ask)
    demo = result.card.demo if offer_demo else None
    return Reply("\n".join(parts),
                 keyboards.ratings(result.prompt_id, g.rating, demo, dispute_claims(g.label)))


# Which disputes a grade invites: the learner contests the side the grade came down on.
_DISPUTES: dict[Label, tuple[Claim, ...]] = {
    Label.CORRECT: (Claim.WRONG,), Label.PARTIAL: (Claim.RIGHT,), Label.WRONG: (Claim.RIGHT,)}


def dispute_claims(label: Label) -> tuple[Claim, ...]:
    return _DISPUTES[label]


def dispute_noted(claim: Claim) -> str:
    said = "right" if claim is Claim.RIGHT else "wrong"
    return (f"Noted: you say your answer was {said}. Your rating is still yours to choose; "
            "this tells the deck's teacher which cards to look at.")


def dispute_already_noted() -> str:
    return "You already flagged this grade. Thanks!"


def rated_note(rating_name: str, due: datetime, now: datetime) -> str:
    return (f"Saved: <b>{escape(rating_name)}</b>. You'll see this card again in about "
            f"{duration(due - now)}.")


def leech() -> str:
    return ("🩹 You've forgotten this card 8 times, so I've suspended it (a <i>leech</i>). "
            "Try rewriting it in your own words before bringing it back.")


def already_rated() -> str:
    return "You already rated this card."


def no_open_card() -> Reply:
    return Reply("There's no open question right now. Send /study to get the next card.")


def skipped() -> str:
    return "Skipped. I'll ask it again later."


def stopped(had_card: bool) -> Reply:
    if had_card:
        return Reply("Session ended. Your progress is saved. Send /study whenever you're ready.")
    return Reply("No session is running. Send /study to start one.")


def undone(question_text: str, rating_name: str, *, card_open: bool) -> Reply:
    # Say what /study will do: the open card comes first, the undone one waits its turn.
    then = ("It's back in your queue as it was before; answer the open card first (or /skip "
            "it)." if card_open else "It's back in your queue as it was before: send /study "
            "to go on.")
    return Reply(
        f"↩️ Undone: your <b>{escape(rating_name)}</b> rating of "
        f"“{escape(_short(question_text, 200))}”. {then}"
    )


def already_set_aside(action: str) -> str:
    return "Already buried until tomorrow." if action == "bury" else "Already suspended."


def nothing_to_undo() -> Reply:
    return Reply("There's no review to undo.")


def empty_answer() -> Reply:
    return Reply("That message is empty. Type your answer, or /skip the card.")


def card_set_aside(action: str) -> str:
    if action == "suspend":
        return "⏸ Suspended: this card won't come up again."
    return "🙈 Buried until tomorrow."
