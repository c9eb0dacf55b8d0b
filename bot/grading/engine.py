"""Grade one answer: analyse, match against the card's concepts, apply traps, label."""

from __future__ import annotations

from collections.abc import Sequence

from bot.grading.analysis import Analysis, analyse
from bot.grading.concepts import CardModel, build
from bot.grading.explain import explain, matched_words, missed_concepts
from bot.grading.matching import Match, match
from bot.grading.model import GradableCard, Grade, Label
from bot.grading.rating import suggest
from bot.grading.traps import is_blank, is_echo, is_stuffing

# Score cut-offs, chosen on the dev set as global constants (never per card).
CORRECT_AT = 0.62
PARTIAL_AT = 0.2
# Another card "clearly" fits better when its score beats ours by this much.
OTHER_CARD_MARGIN = 0.3
OTHER_CARD_OWN_MAX = 0.45
# In a long answer one incidental reversed relation is weak evidence.
LONG_WORDS = 40
MAX_CHARS = 4000  # longer answers are truncated: nobody types an essay into Telegram


def model_for(card: GradableCard) -> CardModel:
    return build(card.question, card.answer, tuple(card.keys), tuple(card.alts))


def score_only(card: GradableCard, answer: str) -> float:
    model = model_for(card)
    return match(model, analyse(answer[:MAX_CHARS], model.lex)).score


def _label(score: float) -> Label:
    return Label.CORRECT if score >= CORRECT_AT else Label.PARTIAL if score >= PARTIAL_AT else Label.WRONG


def _other_card(card: GradableCard, answer: str, own: float,
                deck: Sequence[GradableCard]) -> GradableCard | None:
    best: tuple[float, GradableCard | None] = (0.0, None)
    for other in deck:
        if other.question == card.question and other.answer == card.answer:
            continue
        s = score_only(other, answer)
        if s > best[0]:
            best = (s, other)
    if best[1] is not None and best[0] >= CORRECT_AT and best[0] >= own + OTHER_CARD_MARGIN and (
        own < OTHER_CARD_OWN_MAX
    ):
        return best[1]
    return None


def grade(card: GradableCard, answer: str, *, deck: Sequence[GradableCard] = (),
          elapsed_s: float | None = None) -> Grade:
    model = model_for(card)
    text = answer[:MAX_CHARS]
    ans: Analysis = analyse(text, model.lex)
    m: Match = match(model, ans)
    score, label = m.score, _label(m.score)
    reason: str | None = None
    if is_blank(text, ans):
        score, label, reason = 0.0, Label.WRONG, "No answer given."
    elif is_echo(model, ans):
        score, label, reason = min(score, 0.1), Label.WRONG, "That repeats the question."
    elif is_stuffing(model, ans) and label is not Label.WRONG:
        score, label = min(score, PARTIAL_AT - 0.01), Label.WRONG
        reason = "A list of keywords is not an answer; say how they relate."
    elif m.contradiction >= 1.0 or m.conflicts >= (2 if ans.n_words >= LONG_WORDS else 1):
        core_ok = model.core_mode and m.results[0].credit >= 1.0 and not m.core_contradicted
        if core_ok and label is Label.CORRECT:
            score, label = min(score, CORRECT_AT - 0.01), Label.PARTIAL
            reason = "Right core idea, but part of it is stated the wrong way round."
        else:
            score, label = min(score, PARTIAL_AT - 0.01), Label.WRONG
            reason = "That contradicts the reference (negated or reversed)."
    if label is not Label.WRONG and deck:
        other = _other_card(card, text, m.score, deck)
        if other is not None:
            score, label = min(score, PARTIAL_AT - 0.01), Label.WRONG
            reason = f"That answers another card: “{other.question[:60]}”."
    complete = all(r.credit >= 1.0 for r in m.results)
    rating = suggest(label, complete=complete, answer=text, elapsed_s=elapsed_s)
    matched = matched_words(m) if label is not Label.WRONG or reason is None else ()
    return Grade(round(max(0.0, min(1.0, score)), 3), label, rating, matched,
                 missed_concepts(m), explain(m, reason))
