"""Spelling folds: British to American, then the English stemmer.

Kept apart from the word lists so that both sides of every comparison fold words through
exactly one function, cached, because the same words recur in every answer.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

from snowballstemmer.english_stemmer import EnglishStemmer

from bot.grading.informativeness import zipf_frequency

_BRITISH_WORDS = {
    "colour": "color",
    "behaviour": "behavior",
    "neighbour": "neighbor",
    "favour": "favor",
    "flavour": "flavor",
    "labour": "labor",
    "honour": "honor",
    "humour": "humor",
    "rumour": "rumor",
    "vapour": "vapor",
    "centre": "center",
    "metre": "meter",
    "litre": "liter",
    "fibre": "fiber",
    "analyse": "analyze",
    "catalogue": "catalog",
    "dialogue": "dialog",
    "analogue": "analog",
    "defence": "defense",
    "licence": "license",
    "grey": "gray",
    "programme": "program",
    "whilst": "while",
    "amongst": "among",
    "aeroplane": "airplane",
    "modelling": "modeling",
    "modelled": "modeled",
    "labelled": "labeled",
    "labelling": "labeling",
    "travelled": "traveled",
    "cancelled": "canceled",
    "learnt": "learned",
    "towards": "toward",
    "artefact": "artifact",
    "sceptical": "skeptical",
    "judgement": "judgment",
    "optimisation": "optimization",
    "normalisation": "normalization",
    "regularisation": "regularization",
}
_ISE_KEEP = frozenset(
    {
        "rise",
        "wise",
        "precise",
        "exercise",
        "noise",
        "raise",
        "otherwise",
        "concise",
        "promise",
        "surprise",
        "advise",
        "comprise",
        "expertise",
        "likewise",
        "premise",
        "revise",
        "supervise",
        "compromise",
        "enterprise",
        "despise",
        "disguise",
        "franchise",
        "improvise",
        "clockwise",
        "arise",
        "poise",
        "praise",
        "cruise",
        "bruise",
        "chaise",
        "anise",
        "guise",
        "raised",
        "raising",
        "raises",
        "noisy",
        "precisely",
        "exercises",
    }
)
_ISE = re.compile(r"(?<=[a-z]{3})is(e|ed|es|ing|ation|ations|er|ers)$")
_OUR = re.compile(r"(?<=[a-z]{3})our(s|ed|ing|ful|ite|ites)?$")

# snowballstemmer keeps per-call state on the stemmer object, so the database threads that
# grade answers concurrently each need their own (found by bench/load.py: IndexError).
_LOCAL = threading.local()


def _stemmer() -> Any:
    stemmer = getattr(_LOCAL, "stemmer", None)
    if stemmer is None:
        stemmer = _LOCAL.stemmer = EnglishStemmer()
    return stemmer


@lru_cache(maxsize=65536)
def americanise(word: str) -> str:
    """Fold British spellings so "generalise" and "generalize" share a stem."""
    if word in _BRITISH_WORDS:
        return _BRITISH_WORDS[word]
    if word in _ISE_KEEP or len(word) < 6:
        return word
    word = _ISE.sub(lambda m: "iz" + m.group(1), word)
    return (
        _OUR.sub(lambda m: "or" + (m.group(1) or ""), word)
        if word[:-3]
        in {"col", "behavi", "neighb", "fav", "flav", "lab", "hon", "hum", "rum", "vap"}
        else word
    )


# Plurals the stemmer cannot fold: Latin and Greek ones of science ("nuclei", "strata",
# "criteria") and old English ones ("teeth", "mice"), so either number matches the other.
_IRREGULAR_PLURALS = {
    "bacteria": "bacterium", "criteria": "criterion", "phenomena": "phenomenon",
    "nuclei": "nucleus", "fungi": "fungus", "mitochondria": "mitochondrion",
    "strata": "stratum", "indices": "index", "matrices": "matrix", "vertices": "vertex",
    "analyses": "analysis", "hypotheses": "hypothesis", "theses": "thesis", "crises": "crisis",
    "genera": "genus", "larvae": "larva", "algae": "alga", "vertebrae": "vertebra",
    "formulae": "formula", "nebulae": "nebula", "supernovae": "supernova", "radii": "radius",
    "foci": "focus", "stimuli": "stimulus", "loci": "locus", "spectra": "spectrum",
    "quanta": "quantum", "maxima": "maximum", "minima": "minimum", "optima": "optimum",
    "cilia": "cilium", "flagella": "flagellum", "taxa": "taxon", "ova": "ovum",
    "curricula": "curriculum", "appendices": "appendix", "cortices": "cortex",
    "children": "child", "mice": "mouse", "teeth": "tooth", "feet": "foot", "geese": "goose",
    "men": "man", "women": "woman", "oxen": "ox", "lice": "louse",
    "halves": "half", "leaves": "leaf", "lives": "life", "knives": "knife", "wolves": "wolf",
    "shelves": "shelf", "thieves": "thief", "calves": "calf",
}  # fmt: skip

# "oldest" and "older" say the same thing of one side; Snowball keeps them apart, and then
# "the older ones are at the bottom" reads as the opposite of "youngest at the top".
SUPERLATIVE_MIN = 6


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    word = americanise(_IRREGULAR_PLURALS.get(word, word))
    if len(word) >= SUPERLATIVE_MIN and word.endswith("est"):
        comparative = word[:-3] + "er"  # oldest, largest, biggest, easiest
        if zipf_frequency(comparative):  # a real word: not "honest", "interest", "forest"
            word = comparative
    return str(_stemmer().stemWord(word))
