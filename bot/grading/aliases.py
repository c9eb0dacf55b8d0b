"""Another name the reference itself gives ("Also called the powerhouse of the cell").

A teacher accepts a name the notes list for the thing (RUBRIC: "a listed alias counts"), so an
answer that says the whole alias, not negated, is correct however little else it says. A
name the notes give as a loose one ("often called the constructor") is what people call it,
not what it is: said alone it is a term with no explanation, partial. An alias is otherwise an
example: naming it is not required.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.grading.analysis import Analysis, Lexicon, analyse
from bot.grading.lexicon import GENERIC

_ALIAS = re.compile(
    r"\b(?:also\s+(?:called|known\s+as|named|termed)|aka|a\.k\.a\.?)\s+"
    r"(?:the\s+|an?\s+)?([^.;:()]+)",
    re.IGNORECASE,
)


_LOOSE = re.compile(
    r"\b(?:often|sometimes|commonly|usually|informally|loosely)\s+"
    r"(?:called|known\s+as|referred\s+to\s+as)\s+(?:the\s+|an?\s+)?([^.;:()]+)",
    re.IGNORECASE,
)


def alias_phrases(reference: str, *, loose: bool = False) -> tuple[str, ...]:
    pattern = _LOOSE if loose else _ALIAS
    return tuple(m.group(1).strip(" ,") for m in pattern.finditer(reference))


@lru_cache(maxsize=2048)
def _alias_keys(reference: str, lex: Lexicon, loose: bool) -> tuple[frozenset[str], ...]:
    out = []
    for phrase in alias_phrases(reference, loose=loose):
        keys = frozenset(u.key for u in analyse(phrase, lex).units if u.key)
        # An alias of generic words only ("the model") names nothing.
        if keys - GENERIC:
            out.append(keys)
    return tuple(out)


def says_alias(reference: str, lex: Lexicon, ans: Analysis, *, loose: bool = False) -> bool:
    """The answer says every word of one of the reference's aliases (`loose`: of its loose
    names), none of them negated."""
    aliases = _alias_keys(reference, lex, loose)
    if not aliases:
        return False
    said = {u.key for u in ans.units if not u.neg}
    denied = {u.key for u in ans.units if u.neg}
    return any(keys <= said and not keys & denied for keys in aliases)
