"""Does a static-embedding similarity help the grader? The measurement behind docs/grading.md.

Run from the repository root after `pip install wordllama==0.4.0.post1` (not a dependency of
the project: the answer below is no). wordllama ships its 256-dimensional token embeddings
(`l2_supercat_256.safetensors`) and tokenizer in its wheel, so nothing is downloaded.

For every labelled answer it computes, next to the grader's own score:
- `sentence`: cosine of the answer with the whole reference;
- `concepts`: for each concept the grader derives, the best cosine with a window of the
  answer (3, 5, 8 words, or all of it), averaged over concepts;
- `words`: word-level soft coverage, every reference word's best cosine with an answer word,
  weighted by the grader's word weights (what a generated word-vector table would give);
- `relative`: sentence cosine minus the best cosine with another card of the deck.
Each is blended into the score (`score + a * (signal - t)`, or `max(score, a * signal - t)`)
with `a`, `t` and the two cut-offs fitted leave-one-deck-out, as bench/grading.py fits
the cut-offs. A blend weight of 0 is always on the grid, so the grader alone is the floor.
"""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path

import numpy as np
import wordllama
from wordllama import WordLlama

from bot.grading.engine import Assessment, label_for, model_for
from bot.grading.informativeness import word_weight
from bot.grading.jsonl import find_card
from tests.grading.evaluation import HARM_PENALTY, assess_rows, report
from tests.grading.labelled import all_decks

_GRID_CORRECT = tuple(round(0.525 + 0.025 * i, 3) for i in range(14))
_GRID_PARTIAL = tuple(round(0.05 + 0.025 * i, 3) for i in range(11))
_WORD = re.compile(r"[a-z][a-z0-9'-]*")


def main() -> None:
    # wordllama 0.4 looks for its shipped tokenizer under "tokenizer/" but ships it under
    # "tokenizers/": pointing its cache at the package finds both files offline.
    wl = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)

    def emb(texts: list[str]) -> np.ndarray:
        return np.nan_to_num(wl.embed(texts, norm=True))

    rows = []
    for d in all_decks():
        found = assess_rows(d.rows, d.cards)
        refs = emb([c.answer for c in d.cards])
        for r, a in zip(d.rows, found, strict=True):
            card = find_card(r.question, d.cards)
            assert card is not None
            i = [c.answer for c in d.cards].index(card.answer)
            ans = emb([r.answer])[0]
            sims = refs @ ans
            labels = [c.label for c in model_for(card, d.cards).concepts]
            words = r.answer.split()
            wins = [r.answer] + [" ".join(words[j:j + n]) for n in (3, 5, 8)
                                 for j in range(max(0, len(words) - n + 1))]
            concept = (emb(labels) @ emb(wins).T).max(axis=1).mean() if labels else 0.0
            rw = _WORD.findall(card.answer.lower())
            aw = _WORD.findall(r.answer.lower())
            soft = 0.0
            if rw and aw:
                best = (emb(rw) @ emb(aw).T).max(axis=1)
                w = np.array([word_weight(x) for x in rw])
                soft = float((best * w).sum() / w.sum())
            others = np.delete(sims, i)
            rows.append((d.name, r.label, a, {
                "sentence": float(sims[i]), "concepts": float(concept), "words": soft,
                "relative": float(sims[i] - (others.max() if len(others) else 0.0)),
            }))
    judged = [d.name for d in all_decks() if d.heldout or d.name == "seed"]
    print(f"{'signal':<10}{'blend':<8}" + "".join(f"{n[:12]:>13}" for n in judged)
          + f"{'min':>7}{'mean':>7}{'wc_max':>8}{'cw_max':>8}")
    _line("grader", "-", rows, judged, lambda a, s, *p: a.score, [()])
    for sig in ("sentence", "concepts", "words", "relative"):
        _line(sig, "add", rows, judged, lambda a, s, k, t, sig=sig: a.score + k * (s[sig] - t),
              list(product((0.0, 0.25, 0.5, 1.0), (0.3, 0.5, 0.7))))
        _line(sig, "max", rows, judged, lambda a, s, k, t, sig=sig: max(a.score, k * s[sig] - t),
              list(product((1.0, 1.5, 2.0), (0.25, 0.5, 0.75, 5.0))))


def _labels(rows, scores, c: float, p: float) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    out = []
    for (_, gold, a, _), s in zip(rows, scores, strict=True):
        shifted = Assessment(s, a.match, a.trap, a.other)
        out.append((gold, label_for(shifted, c, p)[0].value))
    return out


def _fit(rows, scores) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    best = (-9.0, 0.0, 0.0)
    for c, p in product(_GRID_CORRECT, _GRID_PARTIAL):
        rep = report(_labels(rows, scores, c, p))
        key = rep.macro_f1 - HARM_PENALTY * (rep.wrong_to_correct + rep.correct_to_wrong)
        if key > best[0] + 1e-9:
            best = (key, c, p)
    return best


def _line(name, how, rows, judged, fn, grid) -> None:  # type: ignore[no-untyped-def]
    scored = {g: [fn(a, s, *g) for _, _, a, s in rows] for g in grid}
    figs = []
    for deck in judged:
        train = [i for i, r in enumerate(rows) if r[0] != deck]
        test = [i for i, r in enumerate(rows) if r[0] == deck]
        fits = {g: _fit([rows[i] for i in train], [s[i] for i in train]) for g, s in scored.items()}
        g = max(fits, key=lambda k: fits[k][0])
        rep = report(_labels([rows[i] for i in test], [scored[g][i] for i in test], *fits[g][1:]))
        figs.append((rep.macro_f1, rep.wrong_to_correct, rep.correct_to_wrong))
    print(f"{name:<10}{how:<8}" + "".join(f"{f[0]:>13.3f}" for f in figs)
          + f"{min(f[0] for f in figs):>7.3f}{sum(f[0] for f in figs) / len(figs):>7.3f}"
          f"{max(f[1] for f in figs):>8.3f}{max(f[2] for f in figs):>8.3f}")


if __name__ == "__main__":
    main()
