"""Short, learner-facing explanations: what matched (in the learner's words) and what not."""

from __future__ import annotations

from bot.grading.matching import Match

MAX_CHARS = 240


def _join(words: list[str], limit: int) -> str:
    out: list[str] = []
    for w in words:
        w = w.strip()
        if w and w.lower() not in {o.lower() for o in out}:
            out.append(w)
    return ", ".join(out[:limit])


def matched_words(m: Match) -> tuple[str, ...]:
    words: list[str] = []
    for r in m.results:
        for w in r.matched:
            if w.lower() not in {x.lower() for x in words}:
                words.append(w)
    return tuple(words[:8])


def missed_concepts(m: Match) -> tuple[str, ...]:
    """What is missing, in the reference's words: whole ideas, or the unnamed list items."""
    out: list[str] = []
    for r in m.results:
        if r.concept.items:
            out.extend(r.missed_items if r.credit < 1.0 or r.missed_items else ())
        elif r.credit < 1.0 and r.concept.label:
            out.append(r.concept.label)
    return tuple(out)


def explain(m: Match, reason: str | None) -> str:
    parts: list[str] = []
    if reason:
        parts.append(reason)
    got = _join(list(matched_words(m)), 5)
    if got and not reason:
        parts.append(f"You got: {got}.")
    missing = _join(list(missed_concepts(m)), 2)
    if missing:
        parts.append(f"Missing: {missing}.")
    if not parts:
        parts.append("All key points covered.")
    text = " ".join(parts)
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1].rstrip() + "…"
