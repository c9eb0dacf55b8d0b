"""Word lists: the grader's knowledge of English grammar, hedges, negation and filler.

Kept in one place so that the rules elsewhere read as rules, and so that a word can be
moved between lists (filler, function word, negation) without touching any logic.
"""

from __future__ import annotations

# Function words carry no concept; they are still counted, because a "sentence" without any
# of them is a bag of keywords (see traps.py).
STOPWORDS = frozenset(
    """
    a an the this that these those it its it's they them their there here he she we you
    your our us i me my mine one's of in on at to into onto from by with within without
    for as about over under between through throughout during per via up down out off
    than then so such and or nor but if while whereas although though because since
    until till unless when where which who whom whose what why how whether is are was
    were be been being am do does did done doing have has had having can could will
    would shall should may might must also just only even still yet again already ever
    both each every all any some most other another own same too very really quite
    rather pretty much many more lot lots bit kind thing things something anything
    everything someone way ok okay well basically actually simply generally usually
    typically normally often always sometimes certain specific specifically particular
    i'm im think guess believe sure probably maybe perhaps like called call get gets got
    getting make makes made making let lets use used uses using via etc eg ie incl
    including e.g i.e vs namely around across along among upon toward towards near
    inside outside behind beyond apply applying applied applies help helps helped take
    takes taking took so-called one's oneself yes yeah hmm um uh just
    """.split()  # noqa: SIM905 - a word list reads best as running text
)
# Stop words that are not grammar: hedges, fillers and light verbs. A keyword bag may
# contain them ("taking"), so they do not count as evidence of a sentence.
NOT_GRAMMAR = frozenset(
    """
    also just only even still yet again already ever very really quite rather pretty much
    many more lot lots bit kind thing things something anything everything someone way ok
    okay well basically actually simply generally usually typically normally often always
    sometimes certain specific specifically particular think guess believe sure probably
    maybe perhaps like called call get gets got getting make makes made making let lets use
    used uses using etc eg ie incl including e.g i.e vs namely apply applying applied
    applies help helps helped take takes taking took so-called yes yeah hmm um uh
    """.split()  # noqa: SIM905 - a word list reads best as running text
)
YES = frozenset({"yes", "yeah", "yep", "yup", "true", "correct", "right", "indeed"})
NO = frozenset({"no", "nope", "false", "not", "never", "wrong"})
# "one" stays a content word (one epoch, one mini-batch); numbers are matched as numbers.
NUMBER_WORDS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "once": "1",
    "twice": "2",
    "single": "1",
    "first": "1",
    "half": "half",
}
NEGATIONS = frozenset(
    {
        "not",
        "no",
        "never",
        "none",
        "nor",
        "cannot",
        "neither",
        "nothing",
        "without",
        "instead",
        "rather",
        "opposite",
        "nobody",
        "nowhere",
        "non",
    }
)
# Words that start a new clause: relations are only read inside one clause.
CLAUSE_BREAKS = frozenset(
    {
        "then",
        "than",
        "while",
        "whereas",
        "after",
        "afterwards",
        "before",
        "until",
        "till",
        "because",
        "since",
        "but",
        "so",
        "although",
        "though",
        "whilst",
        "however",
        "otherwise",
        "finally",
        "firstly",
        "secondly",
        "lastly",
    }
)
EXAMPLE_CUES = frozenset({"eg", "e.g", "such", "incl", "including", "like", "etc", "ie"})
# Nouns so common in the field that matching them alone proves little.
GENERIC = frozenset(
    {
        "data",
        "dataset",
        "model",
        "function",
        "set",
        "valu",
        "number",
        "method",
        "techniqu",
        "process",
        "step",
        "result",
        "thing",
        "way",
        "approach",
        "system",
        "train",
        "layer",
        "network",
        "architectur",
        "item",
        "size",
        "measur",
        "predict",
        "combin",
        "same",
        "1",
        "time",
    }
)
IDK = frozenset(
    {
        "idk",
        "dunno",
        "no idea",
        "i don't know",
        "i dont know",
        "dont know",
        "don't know",
        "do not know",
        "i do not know",
        "not sure",
        "no clue",
        "pass",
        "skip",
        "?",
        "??",
        "???",
        "forgot",
        "i forgot",
        "no",
        "nothing",
        "-",
        "n/a",
        "na",
        "none",
        "...",
        "x",
        "no answer",
        "idk really",
        "can't remember",
        "cant remember",
        "i can't remember",
        "not a clue",
        "no clue at all",
        "blank",
    }
)
