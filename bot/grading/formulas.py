"""Formulas and code that say the same thing, rewritten to one spelling before tokenising.

`max(0, x)`, `np.maximum(x, 0)` and `x if x > 0 else 0` are one function; `x**2`, `x^2` and
"x squared" one power. Each form becomes a single identifier (`max_0_of_x`), which the
tokeniser keeps whole, so a formula is matched as one unit, like a method name. Only a few
general forms are known; anything else is matched word by word as before.
"""

from __future__ import annotations

import re
from functools import lru_cache

_FORMULA_HINTS = ("(", " if ", "^", "*", "squared", "²")
_V = r"([A-Za-z_]\w*)"
_ZERO = r"0(?:\.0*)?"
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        # max(0, x) in its usual spellings: the positive part (ReLU's definition).
        (rf"\b(?:np\.|torch\.|math\.)?max(?:imum)?\(\s*{_ZERO}\s*,\s*{_V}\s*\)", r" max_0_of_\1 "),
        (rf"\b(?:np\.|torch\.|math\.)?max(?:imum)?\(\s*{_V}\s*,\s*{_ZERO}\s*\)", r" max_0_of_\1 "),
        (rf"\b{_V}\s+if\s+\1\s*>=?\s*{_ZERO}\s+else\s+{_ZERO}\b", r" max_0_of_\1 "),
        (rf"\b{_ZERO}\s+if\s+{_V}\s*<=?\s*{_ZERO}\s+else\s+\1\b", r" max_0_of_\1 "),
        (rf"\b(?:np\.|torch\.|math\.)?min(?:imum)?\(\s*{_ZERO}\s*,\s*{_V}\s*\)", r" min_0_of_\1 "),
        (rf"\b(?:np\.|torch\.|math\.)?min(?:imum)?\(\s*{_V}\s*,\s*{_ZERO}\s*\)", r" min_0_of_\1 "),
        # Powers: x**2, x^2, x², x*x, pow(x, 2), "x squared".
        (rf"\b{_V}\s*(?:\*\*|\^)\s*2\b", r" square_of_\1 "),
        (rf"\b{_V}\s*\*\s*\1\b(?!\s*[*^(])", r" square_of_\1 "),
        (rf"\b(?:math\.)?pow\(\s*{_V}\s*,\s*2\s*\)", r" square_of_\1 "),
        # range(0, n) is range(n).
        (r"\brange\(\s*0\s*,\s*", "range("),
        (rf"\b{_V}\s*²", r" square_of_\1 "),
        (rf"\b{_V}\s+squared\b", r" square_of_\1 "),
        # The logistic function: 1 / (1 + e^-x), 1/(1+exp(-x)).
        (rf"\b1\s*/\s*\(\s*1\s*\+\s*(?:e\s*(?:\^|\*\*)\s*\(?-\s*{_V}\)?|(?:np\.|math\.)?exp\(\s*-\s*{_V}\s*\))\s*\)",
         r" sigmoid "),
    )
)
# Informal and shortened forms learners type, as the words they stand for.
INFORMAL = {
    "w/": "with",
    "w/o": "without",
    "b/c": "because",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "params": "parameters",
    "param": "parameter",
    "nums": "numbers",
    "num": "number",
    "multi-dim": "multidimensional",
    "multidim": "multidimensional",
    "dims": "dimensions",
    "dim": "dimension",
    "approx": "approximately",
    "info": "information",
    "govt": "government",
    "gov": "government",
    "diff": "difference",
    "avg": "average",
    "max": "maximum",
    "min": "minimum",
    "vs": "versus",
    "thru": "through",
    "tho": "though",
    "ppl": "people",
    "smth": "something",
    "sth": "something",
    "esp": "especially",
    "obv": "obviously",
    "prob": "probably",
    "u": "you",
    "ur": "your",
}
_INFORMAL = re.compile(
    r"(?<![\w/])(w/o|w/|b/c|multi-dim)(?![\w/])", re.IGNORECASE
)


# Chemical formulas every school science course writes, and the names they stand for
# (formula(s), name, other names). "CO2" and "carbon dioxide" are one concept, so a formula
# is read as its name: the name is made of words that spelling repair, the synonym table and
# WordNet know, and "6CO2" keeps its coefficient as a number of its own ("6 carbon dioxide").
# A general list, never words taken from a deck; a formula absent here is matched as before.
CHEMICALS: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = (
    (("CO2",), "carbon dioxide", ()),
    (("H2O",), "water", ()),
    (("O2",), "oxygen", ()),
    (("O3",), "ozone", ()),
    (("H2",), "hydrogen", ()),
    (("N2",), "nitrogen", ()),
    (("Cl2",), "chlorine", ()),
    (("C6H12O6",), "glucose", ()),
    (("C12H22O11",), "sucrose", ()),
    (("NaCl",), "sodium chloride", ("table salt",)),
    (("KCl",), "potassium chloride", ()),
    (("CH4",), "methane", ()),
    (("C2H6",), "ethane", ()),
    (("C3H8",), "propane", ()),
    (("C2H4",), "ethene", ("ethylene",)),
    (("NH3",), "ammonia", ()),
    (("CaCO3",), "calcium carbonate", ()),
    (("CaO",), "calcium oxide", ("quicklime",)),
    (("Ca(OH)2",), "calcium hydroxide", ("slaked lime",)),
    (("MgO",), "magnesium oxide", ()),
    (("HCl",), "hydrochloric acid", ()),
    (("H2SO4",), "sulfuric acid", ("sulphuric acid",)),
    (("HNO3",), "nitric acid", ()),
    (("H2CO3",), "carbonic acid", ()),
    (("CH3COOH",), "acetic acid", ("ethanoic acid",)),
    (("NaOH",), "sodium hydroxide", ("caustic soda",)),
    (("KOH",), "potassium hydroxide", ()),
    (("NaHCO3",), "sodium bicarbonate", ("sodium hydrogen carbonate", "baking soda")),
    (("C2H5OH", "CH3CH2OH"), "ethanol", ("ethyl alcohol",)),
    (("CH3OH",), "methanol", ("methyl alcohol",)),
    (("SO2",), "sulfur dioxide", ("sulphur dioxide",)),
    (("NO2",), "nitrogen dioxide", ()),
    (("N2O",), "nitrous oxide", ()),
    (("H2O2",), "hydrogen peroxide", ()),
    (("Fe2O3",), "iron oxide", ()),
    (("SiO2",), "silicon dioxide", ("silica",)),
)
# Formulas read only as written: in lower case they are other things too (an "h2" heading,
# the "-O3" compiler flag, sample sizes n1 and n2, "koh" a surname).
_CASE_KEPT = frozenset({"O3", "H2", "N2", "Cl2", "KCl", "CaO", "MgO", "KOH", "NO2", "N2O"})
_NAME_OF = {f.lower(): name for forms, name, _ in CHEMICALS for f in forms}


def _formula_pattern(formula: str) -> str:
    escaped = re.escape(formula)
    return escaped if formula in _CASE_KEPT else f"(?i:{escaped})"


_FORMULAS = "|".join(
    _formula_pattern(f)
    for f in sorted((f for forms, _, _ in CHEMICALS for f in forms), key=len, reverse=True)
)
# A formula stands alone or after its coefficient ("6CO2"); never inside a longer formula
# or identifier ("Fe2O3" holds no ozone, "co2_level" is a name).
_CHEMICAL = re.compile(rf"(?<![\w.])(\d*)({_FORMULAS})(?!\w)")


# The scan for formulas is skipped, for speed, in a text with no digit and none of the few
# formulas that have none.
_DIGIT = re.compile(r"\d")
_NO_DIGIT = tuple(f for f in _NAME_OF if not _DIGIT.search(f))


def _named(m: re.Match[str]) -> str:
    return f" {m.group(1)} {_NAME_OF[m.group(2).lower()]} "


def _may_hold_formulas(text: str) -> bool:
    if _DIGIT.search(text):
        return True
    low = text.lower()
    return any(f in low for f in _NO_DIGIT)


# A comprehension's loop variable is a name of the learner's choosing: "[n**2 for n in …]" is
# "[x**2 for x in …]".
_COMPREHENSION = re.compile(r"[\[(][^\[\]]{0,80}?\bfor\s+([A-Za-z_]\w*)\s+in\b[^\[\]]{0,80}?[\])]")


def _one_loop_name(m: re.Match[str]) -> str:
    name = m.group(1)
    return m.group(0) if name == "x" else re.sub(rf"\b{re.escape(name)}\b", "x", m.group(0))


def rewrite(text: str) -> str:
    """Formulas to their one spelling, chemical formulas to their names, and slash
    abbreviations ("w/", "b/c") to words."""
    if any(c in text for c in _FORMULA_HINTS):
        if " for " in text:
            text = _COMPREHENSION.sub(_one_loop_name, text)
        for pattern, repl in _REWRITES:
            text = pattern.sub(repl, text)
    if _may_hold_formulas(text):
        text = _CHEMICAL.sub(_named, text)
    if "/" in text or "-dim" in text:
        text = _INFORMAL.sub(lambda m: " " + INFORMAL[m.group(1).lower()] + " ", text)
    return text


_READABLE = (
    (re.compile(r"\bmax_0_of_(\w+)"), r"max(0, \1)"),
    (re.compile(r"\bmin_0_of_(\w+)"), r"min(0, \1)"),
    (re.compile(r"\bsquare_of_(\w+)"), r"\1²"),
)


def readable(text: str) -> str:
    """The one spelling of a formula as a learner would write it, for explanations."""
    if "_of_" in text:
        for pattern, repl in _READABLE:
            text = pattern.sub(repl, text)
    return text


# An arrow between two sides: a reaction, a transformation, a cause and its effect.
_ARROW = re.compile(r"\s*(?:→|⟶|⇒|-+>|=+>|—>)\s*")
_TERM = re.compile(r"[a-z0-9]+")
# On either side of an arrow a chemical is one term however it is written ("6CO2", "CO2",
# "carbon dioxide"), so a reaction written with names is checked against one with formulas;
# its coefficient is dropped, since it counts molecules and says nothing about the side.
_KEY_OF = {
    key.lower(): re.sub(r"\W", "", forms[0].lower())
    for forms, name, others in CHEMICALS
    for key in (*forms, name, *others)
}
_KEYS = frozenset(_KEY_OF.values())
_NAMES = "|".join(
    re.escape(n)
    for n in sorted((n for _, name, others in CHEMICALS for n in (name, *others)),
                    key=len, reverse=True)
)
_COEFFICIENT = r"(?<![\w.])(?:\d+\s*)?"
_CHEMICAL_TERM = re.compile(
    rf"{_COEFFICIENT}(?:({_FORMULAS})(?!\w)|((?i:{_NAMES}))(?!\w))"
)
# Terms of the reference an answer must put on the other side to have turned it round.
TURNED_MIN = 3


@lru_cache(maxsize=1024)
def _sides(
    reference: str,
) -> tuple[tuple[str, str], frozenset[str], frozenset[str]] | None:
    parts = _ARROW.split(reference)
    if len(parts) != 2:
        return None
    left, right = (frozenset(_terms(s)) for s in parts)
    return (parts[0], parts[1]), left, right


def _both_sides(reference: str, answer: str) -> tuple[
        tuple[str, str], frozenset[str], frozenset[str], set[str], set[str]] | None:
    """The reference's two sides (text, left terms, right terms) and the answer's left and
    right terms, when both are written around one arrow."""
    sides = _sides(reference)
    if sides is None:
        return None
    ans = _ARROW.split(answer)
    if len(ans) != 2:
        return None
    al, ar = (set(_terms(s)) for s in ans)
    return (*sides, al, ar)


def turned_arrow(reference: str, answer: str) -> tuple[str, str] | None:
    """The reference's two sides, when the answer writes them the other way round
    ("glucose + O2 -> CO2 + H2O" for "CO2 + H2O → glucose + O2").
    """
    both = _both_sides(reference, answer)
    if both is None:
        return None
    ref, rl, rr, al, ar = both
    crossed = len(al & rr) + len(ar & rl)
    straight = len(al & rl) + len(ar & rr)
    if crossed >= TURNED_MIN and straight == 0:
        return ref[0].strip(), ref[1].strip()
    return None


def moved_across(reference: str, answer: str) -> tuple[str, str] | None:
    """A term of each side that the answer puts on the other side, the rest kept in place
    ("6O2 + 6H2O -> C6H12O6 + 6CO2" for "6CO2 + 6H2O → C6H12O6 + 6O2"): an input and an
    output exchanged, which `turned_arrow` (everything turned round) does not see.

    A term the reference writes on both sides, or the answer on both, proves nothing.
    """
    both = _both_sides(reference, answer)
    if both is None:
        return None
    _, rl, rr, al, ar = both
    to_left = sorted((rr - rl) & (al - ar))
    to_right = sorted((rl - rr) & (ar - al))
    if to_left and to_right:
        return _as_written(to_right[0], answer), _as_written(to_left[0], answer)
    return None


def _terms(side: str) -> list[str]:
    """A side's lower-cased terms, each chemical as its one key."""
    side = _CHEMICAL_TERM.sub(lambda m: f" {_KEY_OF[(m[1] or m[2]).lower()]} ", side)
    return _TERM.findall(side.lower())


def _as_written(term: str, text: str) -> str:
    """The learner's own spelling of a lower-cased term ("6CO2", not "6co2")."""
    if term in _KEYS:
        for m in _CHEMICAL_TERM.finditer(text):
            if _KEY_OF[(m[1] or m[2]).lower()] == term:
                return m.group().strip()
    found = re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", text, re.IGNORECASE)
    return found.group() if found else term
