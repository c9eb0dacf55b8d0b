"""Every misgraded answer of the held-out decks and the seed deck, grouped by cause.

Run from the repository root: `python -m tests.grading.error_analysis [--dump]`. Labels are
leave-one-deck-out (as in bench/grading.py). The causes are coarse, read from the grader's
own result: which trap fired, how much of the core concept (the first) the answer covered.
`--dump` also prints each answer with its reference and the concepts matched and missed.
"""

from __future__ import annotations

import sys
from collections import Counter

from bot.grading.engine import Assessment, label_for
from bot.grading.jsonl import find_card
from tests.grading.evaluation import assess_rows
from tests.grading.labelled import all_decks, leave_one_deck_out


def cause(teacher: str, graded: str, a: Assessment) -> str:
    if a.trap is not None:
        return f"trap: {a.trap.value}"
    credits = [r.credit for r in a.match.results]
    if teacher == "correct":
        if credits[0] >= 0.99:
            return "core covered, missing details pull the score down"
        if max(credits) >= 0.99:
            return "a later concept covered, the core not"
        if credits[0] >= 0.5:
            return "core half matched (paraphrase)"
        return "core barely matched (paraphrase, synonym missed)"
    if teacher == "wrong":
        if a.score >= 0.3:
            return "reuses the reference's words, no trap fires"
        return "few reference words, still in the partial band"
    if graded == "correct":
        return "covers the core or one part fully"
    return "words not matched (paraphrase or a bare term)"


def main(dump: bool) -> None:
    counts: Counter[tuple[str, str]] = Counter()
    for result in leave_one_deck_out(all_decks()):
        deck = result.deck
        if not (deck.heldout or deck.name == "seed"):
            continue
        for row, a in zip(deck.rows, assess_rows(deck.rows, deck.cards), strict=True):
            graded = label_for(a, *result.cutoffs)[0].value
            if graded == row.label:
                continue
            why = cause(row.label, graded, a)
            counts[(f"{row.label}->{graded}", why)] += 1
            if dump:
                card = find_card(row.question, deck.cards)
                print(f"=== [{deck.name}] {row.label}->{graded} score={a.score:.2f} ({why})")
                print("REF:", card.answer if card else "?")
                print("ANS:", row.answer)
                for r in a.match.results:
                    print(f"   {r.concept.label[:50]!r} credit={r.credit:.2f} "
                          f"matched={r.matched} missed={r.missed_words[:5]}")
    for (kind, why), n in sorted(counts.items(), key=lambda x: (x[0][0], -x[1])):
        print(f"{kind:18} {n:4}  {why}")


if __name__ == "__main__":
    main("--dump" in sys.argv)
