"""Another name the reference itself gives ("Also called the powerhouse of the cell").

A teacher accepts a name the notes list for the thing (RUBRIC: "a listed alias counts"), so an
answer that says the whole alias, not negated, is correct however little else it says. An
alias is otherwise an example: naming it is not required.
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


def alias_phrases(reference: str) -> tuple[str, ...]:
    return tuple(m.group(1).strip(" ,") for m in _ALIAS.finditer(reference))


@lru_cache(maxsize=2048)
def _alias_keys(reference: str, lex: Lexicon) -> tuple[frozenset[str], ...]:
    out = []
    for phrase in alias_phrases(reference):
        keys = frozenset(u.key for u in analyse(phrase, lex).units if u.key)
        # An alias of generic words only ("the model") names nothing.
        if keys - GENERIC:
            out.append(keys)
    return tuple(out)


def says_alias(reference: str, lex: Lexicon, ans: Analysis) -> bool:
    """The answer says every word of one of the reference's aliases, none of them negated."""
    aliases = _alias_keys(reference, lex)
    if not aliases:
        return False
    said = {u.key for u in ans.units if not u.neg}
    denied = {u.key for u in ans.units if u.neg}
    return any(keys <= said and not keys & denied for keys in aliases)
