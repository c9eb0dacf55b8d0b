"""A list the reference closes with "only", given an item more ("made of carbon, hydrogen and
oxygen" where it says "made only of carbon and hydrogen").

The items are single words joined by commas, "and" or "or"; the answer's list must share one
of them and add another word, one the reference does not list ("blue, green and red" where it
says "only blue and green; red looks grey"). A chemical symbol counts as the element the card
names ("C, H and O").
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.grading.elements import SYMBOLS, named_element
from bot.grading.lexicon import STOPWORDS
from bot.grading.spelling import stem

_ITEM = r"[a-z][a-z-]{0,30}"  # bounded: a long run of letters costs one pass
_ONLY_LIST = re.compile(
    rf"\bonly\s+(?:of\s+)?((?:{_ITEM}\s*,\s*)*{_ITEM}\s*,?\s*(?:and|or)\s+{_ITEM})\b"
)
_LIST = re.compile(rf"\b((?:{_ITEM}\s*,\s*)+{_ITEM}\s*,?\s*(?:and|or)\s+{_ITEM}|"
                   rf"{_ITEM}\s+(?:and|or)\s+{_ITEM})\b")
_SPLIT = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")


@lru_cache(maxsize=2048)
def _closed(reference: str) -> tuple[frozenset[str], str]:
    """The closed list's items (stems) and the list as written."""
    found = _ONLY_LIST.search(reference.lower())
    if found is None:
        return frozenset(), ""
    return frozenset(stem(w) for w in _SPLIT.split(found.group(1)) if w), found.group(1)


def added_to_closed_list(reference: str, answer: str) -> tuple[str, str] | None:
    """(the reference's list, the item the answer adds), when the answer adds one."""
    items, written = _closed(reference)
    if not items:
        return None
    for found in _LIST.finditer(answer.lower()):
        said = [w for w in _SPLIT.split(found.group(1)) if w and w not in STOPWORDS]
        keys = [stem(named_element(w, lambda e: stem(e) in items) or w) for w in said]
        if not set(keys) & items:
            continue
        extra = [w for w, k in zip(said, keys, strict=True) if k not in items]
        if extra:
            return written, _as_said(extra[0])
    return None


def _as_said(word: str) -> str:
    """ "O (oxygen)" for a symbol, else the word."""
    return f"{word.capitalize()} ({SYMBOLS[word]})" if word in SYMBOLS else word
