"""Chemical symbols a learner types for the elements a card names ("C and H" for "carbon and
hydrogen").

A symbol is read as its element only where the card itself names that element: one letter
means too much elsewhere ("C" the language, "O(n)", "H" for height) to be read so everywhere.
"""

from __future__ import annotations

from collections.abc import Callable

# The elements of school and first-year chemistry, biology and earth science.
SYMBOLS = {
    "h": "hydrogen", "he": "helium", "li": "lithium", "be": "beryllium", "b": "boron",
    "c": "carbon", "n": "nitrogen", "o": "oxygen", "f": "fluorine", "ne": "neon",
    "na": "sodium", "mg": "magnesium", "al": "aluminium", "si": "silicon", "p": "phosphorus",
    "s": "sulfur", "cl": "chlorine", "ar": "argon", "k": "potassium", "ca": "calcium",
    "fe": "iron", "cu": "copper", "zn": "zinc", "br": "bromine", "ag": "silver", "i": "iodine",
    "au": "gold", "hg": "mercury", "pb": "lead", "sn": "tin", "u": "uranium", "mn": "manganese",
    "co": "cobalt", "ni": "nickel", "cr": "chromium", "ti": "titanium", "pt": "platinum",
}  # fmt: skip


def named_element(word: str, names: Callable[[str], bool]) -> str | None:
    """The element `word` is the symbol of, if `names` says the card names that element."""
    element = SYMBOLS.get(word)
    return element if element is not None and names(element) else None
