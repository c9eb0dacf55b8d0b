"""Short, learner-facing explanations in the reference's own words.

What was matched and what was missed are both phrases of the reference, so the learner can
see them in the card's answer; a phrase is never listed as both. A contradiction or a
swap names what was said instead of what.
"""

from __future__ import annotations

from functools import lru_cache

from bot.grading.matching import Match

MAX_CHARS = 240
MAX_MATCHED = 8
MAX_MISSED_WORDS = 3


def _dedupe(words: list[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for w in words:
        w = w.strip()
        key = w.lower()
        if key and key not in seen:
            seen.add(key)
            out.append(w)
    return out


@lru_cache(maxsize=4096)
def _words(label: str) -> frozenset[str]:
    return frozenset(w.strip(",.;:…").lower() for w in label.split())


def matched_words(m: Match) -> tuple[str, ...]:
    return tuple(_dedupe([w for r in m.results for w in r.matched])[:MAX_MATCHED])


def missed_concepts(m: Match) -> tuple[str, ...]:
    """Whole ideas the answer missed (quoted), or, for ideas half said, their missing words."""
    got = {w.lower() for r in m.results for w in r.matched}
    out: list[str] = []
    for r in m.results:
        if r.concept.items:
            out.extend(r.missed_items if r.credit < 1.0 or r.missed_items else ())
        elif r.credit < 1.0:
            label = r.concept.label
            if not r.matched and label and not (_words(label) & got):
                out.append(label)
            else:
                out.extend(w for w in r.missed_words[:MAX_MISSED_WORDS] if w.lower() not in got)
    out.extend(w for w in m.unnamed if w.lower() not in got)
    return tuple(_dedupe(out))


def contradiction_reason(m: Match) -> str | None:
    """ "you said the opposite: larger instead of limited", or the swapped roles."""
    if m.swap is not None:
        s = m.swap
        return (
            f"You swapped the roles: the reference says “{s.fact}” of {s.owner}, "
            f"not of {s.said_of}."
        )
    if m.wrong_year is not None:
        said, ref = m.wrong_year
        return f"Wrong date: you said {said}, the reference says {ref}."
    if m.turned is not None:
        first, then = m.turned
        return f"You turned it around: you put {first} before {then}, the reference the reverse."
    if m.misattributed is not None:
        said, ref, thing = m.misattributed
        return f"You said the opposite: {said} instead of {ref} ({thing})."
    if m.opposed:
        said, ref = m.opposed[0]
        return f"You said the opposite: {said} instead of {ref}."
    return None


def explain(m: Match, reason: str | None, matched: tuple[str, ...] | None = None,
            missed: tuple[str, ...] | None = None) -> str:
    """`matched` and `missed` as already listed for the grade, if the caller has them."""
    parts: list[str] = []
    if reason:
        parts.append(reason)
    got = ", ".join((matched_words(m) if matched is None else matched)[:5])
    if got and not reason:
        parts.append(f"You got: {got}.")
    missing = ", ".join((missed_concepts(m) if missed is None else missed)[:2])
    if missing:
        parts.append(f"Missing: {missing}.")
    if not parts:
        parts.append("All key points covered.")
    text = " ".join(parts)
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1].rstrip() + "…"
