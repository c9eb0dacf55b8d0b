"""A query that leaves out a clause or a keyword of the reference's query.

A reference that gives a SQL statement ("SELECT country, COUNT(*) FROM customers GROUP BY
country;") is matched by its names, and an answer that writes the same names without the
`GROUP BY`, with `= NULL` for `IS NULL`, or with `SUM` for `COUNT` covers all of them. The
tokeniser drops the words that make the difference (`by`, `is`, `where` are stop words to
prose), so they are compared here, as a set, on the statements alone: an answer query that
lacks one of the reference query's keywords is at most partial. Extra clauses are not held
against it (a teacher's query may be one of several that work), and an answer in prose is
left to the other rules.
"""

from __future__ import annotations

import re
from functools import lru_cache

# A line that is a statement: it opens with a statement keyword and names a table.
_STATEMENT = re.compile(
    r"^\s*(?:select|insert|update|delete|create|with)\b.*\b(?:from|into|set|table|view)\b",
    re.IGNORECASE,
)
# Where a query starts inside an answer, to the end of its line: `SELECT` in capitals, or
# `select` opening a line, followed by something and a table ("you can select from it like a
# table" is prose).
_ANSWER_QUERY = re.compile(
    r"(?:\bSELECT|^[ \t`]*(?i:select))\s+[^\s][^\n]*?\b(?i:from)\s+[\w(][^\n]*", re.MULTILINE
)
_TOKEN = re.compile(r"(?:group|order)\s+by\b|[A-Za-z_]+", re.IGNORECASE)
# The words that decide what a query returns; names and literals are left to the word match.
# Comparison operators are not among them: `<` and `NOT IN` may pick the same rows.
_KEYWORDS = frozenset({
    "select", "from", "where", "group by", "having", "order by", "join", "left", "right",
    "inner", "outer", "full", "on", "distinct", "limit", "is", "not", "null", "in",
    "exists", "union", "all", "count", "sum", "avg", "min", "max", "like", "between",
    "desc", "and", "or",
})


def _keywords(statement: str) -> tuple[str, ...]:
    """The statement's keywords, each once, in the order it says them."""
    words = (" ".join(m.lower().split()) for m in _TOKEN.findall(statement))
    return tuple(dict.fromkeys(t for t in words if t in _KEYWORDS))


@lru_cache(maxsize=1024)
def reference_query(reference: str) -> tuple[str, ...]:
    """The keywords of the reference's first statement line; () if it gives none."""
    for line in reference.splitlines():
        if _STATEMENT.match(line):
            return _keywords(line)
    return ()


def missing_in_query(reference: str, answer: str) -> tuple[str, ...]:
    """The reference query's keywords that the answer's query lacks, in the reference's
    order; () when either has no query."""
    want = reference_query(reference)
    if not want:
        return ()
    found = _ANSWER_QUERY.search(answer)
    if found is None:
        return ()
    have = set(_keywords(found.group(0)))
    return tuple(k for k in want if k not in have)
