"""Grade one answer: analyse, match against the card's concepts, apply traps, label.

`assess` does the work and `grade` turns its result into a label with two global score
cut-offs. They are split so that an evaluation can re-choose the cut-offs (for example
leave-one-card-out) without re-running the analysis.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.grading.aliases import says_alias
from bot.grading.analysis import Analysis, Lexicon, Unit, analyse
from bot.grading.concepts import CardModel, build, deck_common, deck_lexicon
from bot.grading.crossing import crossed
from bot.grading.dates import DateVerdict, dated
from bot.grading.difference import turned_difference
from bot.grading.equality import unequal
from bot.grading.exclusive import added_to_closed_list
from bot.grading.explain import contradiction_reason, explain, matched_words, missed_concepts
from bot.grading.formulas import moved_across, turned_arrow
from bot.grading.lexicon import GENERIC, NO, YES
from bot.grading.matching import Match, match
from bot.grading.model import GradableCard, Grade, Label
from bot.grading.named import named_facts, swapped_names
from bot.grading.no_difference import denies_difference
from bot.grading.normalise import Tok, clean, tokenise
from bot.grading.queries import missing_in_query
from bot.grading.rating import suggest
from bot.grading.ratio import turned_ratio
from bot.grading.roles import PASSIVE, reordered_names
from bot.grading.sameness import swapped_sameness
from bot.grading.transitions import turned_transition
from bot.grading.traps import (
    Trap,
    code_described,
    is_blank,
    is_echo,
    is_stuffing,
    one_sided,
    reshaped_code,
    stance_trap,
)

# Score cut-offs: global constants (never per card), fitted on all labelled decks together
# (tests/grading/labelled.py); the figures in the README fit them without the deck measured.
CORRECT_AT = 0.575
PARTIAL_AT = 0.075
# Another card "clearly" fits better: it scores as correct there, well above this card.
OTHER_CARD_MARGIN = 0.3
OTHER_CARD_OWN_MAX = 0.45
# An answer that says an alias the reference lists ("also called …") is correct (aliases.py).
ALIAS_SCORE = 1.0
# A name it gives as a loose one ("often called the constructor"): a term, partial.
LOOSE_ALIAS_SCORE = 0.3
# An answer that gives the date a "When …?" question asks for (dates.py) answers it.
DATED_SCORE = 1.0
# The decade around it ("the early 1990s") answers it vaguely: partial.
VAGUE_DATE_SCORE = 0.3
# Weight of reference words an answer negates or opposes that makes it a contradiction.
CONTRADICTION_AT = 0.4
# Below CONTRADICTION_AT, a negated or opposed reference word still keeps an answer from
# `correct` (wrong graded correct is the worst error): at most partial.
SLIP_AT = 0.1
# In a long answer one incidental reversed relation is weak evidence.
LONG_WORDS = 40
# Only the first MAX_ANSWER_CHARS characters (about 350 words) are read and stored (bot.study
# cuts there too, and the reply says so): no flashcard answer needs
# more, and a bounded input keeps the worst-case latency bounded.
MAX_ANSWER_CHARS = 2000


_REASONS = {
    Trap.BLANK: "No answer given.",
    Trap.ECHO: "That repeats the question.",
    Trap.STUFFING: "A list of keywords is not an answer; say how they relate.",
    Trap.CONTRADICTS: "That contradicts the reference (negated or reversed).",
    Trap.SWAPPED: "You swapped the roles.",
    Trap.SLIPS: "Right core idea, but part of it is stated the wrong way round.",
    Trap.NO_STANCE: "This is a yes/no question: say which, then why.",
    Trap.NO_CODE: "Right idea; now write the code itself.",
    Trap.ONE_SIDE: "Right for one side; the question compares two, so say what the other "
    "does too.",
}


# Traps that cap the label at partial rather than forcing wrong.
_CAPPED = frozenset({Trap.SLIPS, Trap.NO_STANCE, Trap.NO_CODE, Trap.ONE_SIDE})


@dataclass(frozen=True, slots=True)
class Assessment:
    score: float
    match: Match
    trap: Trap | None
    other: GradableCard | None = None
    reason: str | None = None  # why, where the match itself cannot say


def common_words(deck: Sequence[GradableCard]) -> frozenset[str]:
    return _view(deck).common if deck else frozenset()


@dataclass(frozen=True, slots=True)
class _DeckView:
    """What grading needs of a deck besides the card: built once per deck object."""

    common: frozenset[str]
    lexicon: Lexicon
    models: tuple[tuple[GradableCard, CardModel], ...]


# The bot passes the same immutable tuple of siblings for every answer on a deck (its catalog
# snapshot), so a deck is recognised by identity and its view costs one dict look-up. Lists
# (which may change) are not remembered.
_VIEWS: dict[int, tuple[Sequence[GradableCard], _DeckView]] = {}
_VIEWS_MAX = 32


def _view(deck: Sequence[GradableCard]) -> _DeckView:
    hit = _VIEWS.get(id(deck))
    if hit is not None and hit[0] is deck:
        return hit[1]
    texts = tuple((c.question, c.answer) for c in deck)
    common = deck_common(texts)
    view = _DeckView(
        common, deck_lexicon(texts), tuple((c, model_for(c, common=common)) for c in deck)
    )
    if isinstance(deck, tuple):
        if len(_VIEWS) >= _VIEWS_MAX:
            _VIEWS.pop(next(iter(_VIEWS)))
        _VIEWS[id(deck)] = (deck, view)
    return view


def model_for(card: GradableCard, deck: Sequence[GradableCard] = (), *,
              common: frozenset[str] | None = None) -> CardModel:
    """The card's concepts; with its deck, words common across the deck weigh less."""
    if common is None:
        common = common_words(deck)
    return build(card.question, card.answer, tuple(card.keys), tuple(card.alts), common)


def _telling(model: CardModel, ans: Analysis) -> set[str]:
    """Answer words this card's reference lacks: only they can show it belongs elsewhere.

    "Increase the learning rate" fits several cards that all say so.
    """
    keys = {u.key for u in ans.units}
    parts = model.lex.table.parts
    keys.update(p for k in list(keys) for p in parts.get(k, ()))
    return keys - model.ref_keys - GENERIC


def _other_card(
    card: GradableCard,
    answer: str,
    toks: tuple[Tok, ...],
    own: tuple[float, Analysis],
    own_model: CardModel,
    view: _DeckView,
) -> GradableCard | None:
    if own[0] >= OTHER_CARD_OWN_MAX or not _telling(own_model, own[1]):
        return None
    # Cards without their own synonyms share the table, so one analysis serves them all.
    shared = analyse(answer, view.lexicon, toks)
    telling = _telling(own_model, shared)
    best: tuple[float, GradableCard | None] = (0.0, None)
    for other, model in view.models:
        if other.question == card.question and other.answer == card.answer:
            continue
        if not other.alts and not (model.ref_keys & telling - model.question_keys):
            continue
        ans = shared if not other.alts else analyse(answer, model.lex, toks)
        s = match(model, ans, score_only=True).score
        if s > best[0]:
            best = (s, other)
    if best[0] >= CORRECT_AT and best[0] >= own[0] + OTHER_CARD_MARGIN:
        return best[1]
    return None


def assess(card: GradableCard, answer: str, *, deck: Sequence[GradableCard] = ()) -> Assessment:
    view = _view(deck) if deck else None
    model = model_for(card, common=view.common if view else frozenset())
    text = answer[:MAX_ANSWER_CHARS]
    toks = tokenise(text)
    ans = analyse(text, model.lex, toks, spans=True)  # spans: crossing.py cuts it into parts
    m = match(model, ans)
    if says_alias(model.reference, model.lex, ans):
        m = replace(m, score=max(m.score, ALIAS_SCORE))
    elif says_alias(model.reference, model.lex, ans, loose=True):
        m = replace(m, score=max(m.score, LOOSE_ALIAS_SCORE))
    if model.verdict and not any(n for c in model.concepts for o in c.options for n in o):
        return _verdict_only(model, ans, m)
    if is_blank(text, ans):
        return Assessment(0.0, m, Trap.BLANK)
    if is_echo(model, ans):
        return Assessment(min(m.score, 0.1), m, Trap.ECHO)
    if denies_difference(card.question, model.reference, text):
        return Assessment(min(m.score, 0.1), m, Trap.CONTRADICTS, reason=(
            "Not quite: the question asks how they differ, and the reference names a "
            "difference; you said there is none."))
    when = dated(card.question, model.reference, text)
    if when is not None and when.verdict is DateVerdict.WRONG:
        return Assessment(min(m.score, 0.1), m, Trap.CONTRADICTS, reason=(
            f"Not quite: the reference dates it to {when.year}, not {when.said}."))
    if when is not None:
        exact = when.verdict is DateVerdict.RIGHT
        # "the 1990s" is no wrong year where the reference says 1991.
        score = max(m.score, DATED_SCORE if exact else VAGUE_DATE_SCORE)
        m = replace(m, score=score, wrong_year=None)
    if is_stuffing(model, ans, card.question):
        return Assessment(m.score, m, Trap.STUFFING)
    if code_described(model, text) and m.score >= PARTIAL_AT:
        return Assessment(m.score, m, Trap.NO_CODE)
    if reshaped_code(model, text) and m.score >= PARTIAL_AT:
        return Assessment(m.score, m, Trap.SLIPS, reason=(
            f"Not quite: the reference's code has another shape: {model.reference.strip()}"))
    lacks = missing_in_query(model.reference, text) if m.score >= PARTIAL_AT else ()
    if lacks:
        # The same names in another query: at most partial, and the explanation names what
        # the query leaves out.
        return Assessment(m.score, m, Trap.SLIPS, reason=(
            "Not quite: your query lacks " + ", ".join(k.upper() for k in lacks)
            + ", which the reference's query uses."))
    stance = stance_trap(model, ans)
    if stance is not None:
        return Assessment(m.score, m, stance)
    if m.swap is not None:
        return Assessment(m.score, m, Trap.SWAPPED)
    named = swapped_names(named_facts(card.question, model.reference), text)
    if named is not None:
        return Assessment(m.score, m, Trap.SWAPPED, reason=(
            f"You swapped the roles: the reference says “{named.fact}” of {named.owner}, "
            f"not of {named.said_of}."))
    if m.wrong_year is not None or (m.turned is not None and not _symmetric(text, m.turned)):
        return Assessment(m.score, m, Trap.CONTRADICTS)
    arrow = turned_arrow(model.reference, text)
    if arrow is not None:
        return Assessment(m.score, m, Trap.CONTRADICTS, reason=(
            f"You turned it around: the reference goes from {arrow[0]} to {arrow[1]}."))
    added = added_to_closed_list(model.reference, text)
    if added is not None:
        return Assessment(m.score, m, Trap.CONTRADICTS, reason=(
            f"Not quite: the reference says only {added[0]}; you add {added[1]}."))
    transition = turned_transition(model.reference, text)
    if transition is not None:
        return Assessment(m.score, m, Trap.CONTRADICTS, reason=(
            f"You turned it around: the reference goes from {transition[0]} to "
            f"{transition[1]}."))
    moved = moved_across(model.reference, text)
    if moved is not None:
        return Assessment(m.score, m, Trap.CONTRADICTS, reason=(
            f"Not quite: you put {moved[0]} and {moved[1]} on the wrong sides of the arrow."))
    if unequal(model.reference, text):
        return Assessment(m.score, m, Trap.CONTRADICTS, reason=(
            "Not quite: the reference says the two are equal; you say one is greater or less."))
    turned = turned_difference(model.reference, text)
    if turned is not None:
        return Assessment(m.score, m, Trap.CONTRADICTS, reason=(
            f"You subtracted the other way round: the reference takes {turned[1]} from "
            f"{turned[0]}."))
    if turned_ratio(model.reference, text):
        return Assessment(m.score, m, Trap.CONTRADICTS, reason=(
            "You turned the ratio upside down: the reference divides the other way round."))
    swapped = swapped_sameness(model.reference, text)
    if swapped is not None:
        return Assessment(m.score, m, Trap.CONTRADICTS, reason=(
            f"You said the opposite: {swapped[0]} {swapped[2]}, where the reference says "
            f"{swapped[1]}."))
    reversed_at = 2 if ans.n_words >= LONG_WORDS else 1
    conflicts = m.conflicts + (m.misattributed is not None)
    if m.contradiction >= CONTRADICTION_AT or conflicts >= reversed_at:
        core_ok = model.core_mode and m.results[0].credit >= 1.0 and not m.core_contradicted
        return Assessment(m.score, m, Trap.SLIPS if core_ok else Trap.CONTRADICTS)
    if model.names and reordered_names(ans.units, _said_order(model, text, ans.units)):
        # "Poland invaded Germany": at most partial, since word order alone is weak evidence.
        return Assessment(m.score, m, Trap.SLIPS)
    if m.conflicts or (m.contradiction > SLIP_AT and m.opposed):
        # Weaker than a contradiction, but a strict teacher does not call it correct.
        return Assessment(m.score, m, Trap.SLIPS)
    cross = crossed(toks, model.homes, ans.units) if m.score >= PARTIAL_AT else None
    if cross is not None:
        # Every word is right but two of them are tied across: at most partial, since the
        # parts of an answer are cut by punctuation and "and" alone.
        return Assessment(m.score, m, Trap.SLIPS, reason=(
            f"Not quite: you tie “{cross.first}” to “{cross.second}”; the reference says "
            "them of different things."))
    if m.score >= PARTIAL_AT and one_sided(card.question, model, ans):
        return Assessment(m.score, m, Trap.ONE_SIDE)
    if view is not None:
        other = _other_card(card, text, toks, (m.score, ans), model, view)
        if other is not None:
            return Assessment(m.score, m, Trap.OTHER_CARD, other)
    return Assessment(m.score, m, None)


# Words that relate two things both ways round ("supply = demand" is "demand equals supply"),
# and words that give an order whatever else is said ("from supply to demand").
_SYMMETRIC = frozenset({"=", "==", "equals", "equal", "and", "or", "vs", "versus", "/"})
_ORDERED = frozenset({"to", "than", "before", "after", "into", "from", "then", "->", "→"})
_GAP_WORDS = 4


def _symmetric(answer: str, pair: tuple[str, str]) -> bool:
    """The answer joins the two words it names "the other way round" by a symmetric relation
    (with a word or two more: "quantity supplied equals quantity demanded"), which has no
    order to turn round."""
    low = answer.lower()
    first, then = (low.find(w.lower()) for w in pair)
    if first < 0 or then <= first:
        return False
    gap = re.findall(r"[\w.]+|->|→|==?|/", low[first + len(pair[0]) : then])
    return (
        len(gap) <= _GAP_WORDS and bool(_SYMMETRIC.intersection(gap))
        and not _ORDERED.intersection(gap)
    )


_CLAUSE_BREAK = re.compile(r"[,;:.()]|\b(?:and|but|who|which|that|so|because|while)\b")


def _said_order(
    model: CardModel, answer: str, units: tuple[Unit, ...]
) -> tuple[tuple[str, str], ...]:
    """The reference's related names in the order an answer in its voice would name them.

    A passive that the reference does not use ("the Bolsheviks were overthrown by the
    government") turns round the two names on either side of its "by" only.
    """
    if bool(PASSIVE.search(answer)) == bool(PASSIVE.search(model.reference)):
        return model.names
    text = clean(answer).lower()
    passive = PASSIVE.search(text)
    if passive is None:
        return model.names
    # Only the clause around the passive: its subject before, its agent after.
    head = _CLAUSE_BREAK.split(text[: passive.start()])[-1]
    tail = _CLAUSE_BREAK.split(text[passive.end() :])[0]
    before = {u.key for u in units if u.surface.lower() in head}
    after = {u.key for u in units if u.surface.lower() in tail}
    return tuple(
        (b, a) if (a in before and b in after) or (b in before and a in after) else (a, b)
        for a, b in model.names
    )


def _verdict_only(model: CardModel, ans: Analysis, m: Match) -> Assessment:
    """A reference that is just "No." or "Yes.": the verdict is the whole answer."""
    says = "no" if ans.first_word in NO or ans.says_no else "yes" if ans.first_word in YES else ""
    if says == model.verdict:
        return Assessment(1.0, m, None)
    return Assessment(0.0, m, Trap.CONTRADICTS if says else Trap.BLANK)


def label_for(
    a: Assessment, correct_at: float = CORRECT_AT, partial_at: float = PARTIAL_AT
) -> tuple[Label, float]:
    """Label and (capped) score: traps cap the score below the label they allow."""
    score = a.score
    if a.trap in _CAPPED:
        score = min(score, correct_at - 0.01)
    elif a.trap is not None:
        score = min(score, partial_at - 0.01, 0.0 if a.trap is Trap.BLANK else 1.0)
    label = (
        Label.CORRECT
        if score >= correct_at
        else Label.PARTIAL
        if score >= partial_at
        else Label.WRONG
    )
    return label, max(0.0, min(1.0, score))


def grade(
    card: GradableCard,
    answer: str,
    *,
    deck: Sequence[GradableCard] = (),
    elapsed_s: float | None = None,
) -> Grade:
    a = assess(card, answer, deck=deck)
    label, score = label_for(a)
    reason: str | None = None
    if a.reason is not None:
        reason = a.reason
    elif a.trap is Trap.OTHER_CARD and a.other is not None:
        reason = f"That answers another card: “{a.other.question[:60]}”."
    elif a.trap in {Trap.CONTRADICTS, Trap.SWAPPED, Trap.SLIPS} and (
        named := contradiction_reason(a.match)
    ):
        reason = named if a.trap is not Trap.SLIPS or label is Label.PARTIAL else None
    elif a.trap is not None and (a.trap not in _CAPPED or label is Label.PARTIAL):
        reason = _REASONS[a.trap]
    m = a.match
    complete = all(r.credit >= 1.0 for r in m.results)
    rating = suggest(label, complete=complete, answer=answer, elapsed_s=elapsed_s)
    got = matched_words(m)
    missed = missed_concepts(m)
    matched = () if a.trap in {Trap.BLANK, Trap.ECHO} else got
    return Grade(round(score, 3), label, rating, matched, missed, explain(m, reason, got, missed))
