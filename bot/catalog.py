"""The cards a learner can be asked, held in memory for grading.

Shared decks (CARDS_DIR) change only when decks are synced (start-up, reload), so each
process keeps an immutable snapshot of them, swapped as a whole, and the grader never waits
on the database for reference text.

Personal decks are not in that snapshot: a learner's own cards are read when that learner
needs them (`Catalog.for_learner`) and kept in a cache bounded in cards (PERSONAL_CACHE_CARDS),
so memory does not grow with the number of imported decks. Each import or deletion bumps the
learner's `decks_version`; read under the learner's lock at their next update, it tells any
instance that its cached copy is stale, so every instance is current at that update.

Code that lists decks for anyone shows nobody else's deck: only `for_learner(learner)` adds
that learner's own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from bot.memory import return_freed_memory
from bot.store.decks import live_shared_decks, shared_fingerprint
from bot.store.personal_cards import (
    CardRow,
    cards_of_decks,
    decks_version,
    joined_decks_with_owners,
    owned_decks,
)
from bot.store.session import Session

K = TypeVar("K")
V = TypeVar("V")
DEFAULT_CACHE_CARDS = 50_000
# Evicting this many cards at once frees megabytes; hand them back to the system then.
TRIM_AFTER_CARDS = 10_000


def _groups(text: str, sep: str) -> tuple[tuple[str, ...], ...]:
    return tuple(
        tuple(part.strip() for part in line.split(sep) if part.strip())
        for line in text.splitlines()
        if line.strip()
    )


@dataclass(frozen=True, slots=True)
class CatalogCard:
    id: int
    deck_id: int
    key: str
    question: str
    answer: str
    keys: tuple[tuple[str, ...], ...] = ()
    alts: tuple[tuple[str, ...], ...] = ()
    demo: str | None = None


@dataclass(frozen=True, slots=True)
class PersonalDeck:
    owner_learner_id: int
    title: str


class _Layered(Mapping[K, V]):
    """One learner's entries over the shared ones, without copying either."""

    __slots__ = ("_base", "_top")

    def __init__(self, top: Mapping[K, V], base: Mapping[K, V]) -> None:
        self._top, self._base = top, base

    def __getitem__(self, key: K) -> V:
        if key in self._top:
            return self._top[key]
        return self._base[key]

    def __contains__(self, key: object) -> bool:
        return key in self._top or key in self._base

    def __iter__(self) -> Iterator[K]:
        yield from self._base
        yield from (key for key in self._top if key not in self._base)

    def __len__(self) -> int:
        return len(self._base) + sum(1 for key in self._top if key not in self._base)


@dataclass(frozen=True, slots=True)
class OwnCards:
    """One learner's personal decks and cards, as read at `version` of their decks."""

    version: int
    decks: dict[int, PersonalDeck]
    order: tuple[int, ...]  # deck ids by title
    deck_cards: dict[int, tuple[CatalogCard, ...]]
    cards: dict[int, CatalogCard]
    # Decks of others joined by a share link: (deck id, owner, owner's decks_version). Any
    # change to them bumps this learner's version too, so the list is current with it.
    joined: tuple[tuple[int, int, int], ...] = ()


_NO_CARDS = OwnCards(0, {}, (), {}, {})


class PersonalDecks:
    """Learners' personal cards, least recently used first out, at most `max_cards` in all.

    A learner whose own cards alone pass the bound is read for the update and not kept.
    Thread-safe: use cases run in the database threads.
    """

    def __init__(self, max_cards: int = DEFAULT_CACHE_CARDS) -> None:
        self.max_cards = max_cards
        self._lock = threading.Lock()
        self._entries: OrderedDict[int, OwnCards] = OrderedDict()
        self._size = 0

    @property
    def cached_cards(self) -> int:
        return self._size

    def get(self, session: Session, learner_id: int, version: int) -> OwnCards:
        if version == 0:  # never imported anything: nothing to read
            return _NO_CARDS
        with self._lock:
            hit = self._entries.get(learner_id)
            if hit is not None and hit.version == version:
                self._entries.move_to_end(learner_id)
                return hit
        del hit  # a stale copy is dropped below: no reference here may keep it alive
        fresh = _read_own(session, learner_id, version)
        evicted = 0
        with self._lock:
            if self._entries.get(learner_id, _NO_CARDS).version > version:
                return fresh  # a newer copy landed meanwhile; keep that one
            evicted += self._drop(learner_id)
            if _weight(fresh) <= self.max_cards:
                self._entries[learner_id] = fresh
                self._size += _weight(fresh)
                while self._size > self.max_cards:
                    evicted += self._drop(next(iter(self._entries)))
        if evicted >= TRIM_AFTER_CARDS:
            return_freed_memory()
        return fresh

    def _drop(self, learner_id: int) -> int:
        """Forget one learner's cards; how many there were."""
        old = self._entries.pop(learner_id, None)
        if old is None:
            return 0
        self._size -= _weight(old)
        return _weight(old)


def _weight(own: OwnCards) -> int:
    return max(1, len(own.cards))


def _read_own(session: Session, learner_id: int, version: int) -> OwnCards:
    decks = {deck_id: PersonalDeck(learner_id, title)
             for deck_id, title in owned_decks(session, learner_id=learner_id)}
    order = tuple(sorted(decks, key=lambda d: (decks[d].title.casefold(), d)))
    cards: dict[int, CatalogCard] = {}
    per_deck: dict[int, list[CatalogCard]] = {}
    for card in map(_card, cards_of_decks(session, deck_ids=order)):
        cards[card.id] = card
        per_deck.setdefault(card.deck_id, []).append(card)
    joined = tuple(joined_decks_with_owners(session, learner_id=learner_id))
    return OwnCards(version, decks, order, {k: tuple(v) for k, v in per_deck.items()}, cards,
                    joined)


@dataclass(frozen=True, slots=True)
class Catalog:
    cards: Mapping[int, CatalogCard] = field(default_factory=dict)
    # Shared decks (CARDS_DIR) only; safe to list to every learner.
    deck_titles: dict[int, str] = field(default_factory=dict)
    deck_cards: Mapping[int, tuple[CatalogCard, ...]] = field(default_factory=dict)
    # Set only in a learner's view (`for_learner`): their own decks.
    personal: dict[int, PersonalDeck] = field(default_factory=dict)
    owned: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # The cache of personal cards, kept across swaps of the shared snapshot.
    own: PersonalDecks = field(default_factory=PersonalDecks, compare=False, repr=False)

    def for_learner(self, session: Session, learner_id: int,
                    version: int | None = None) -> Catalog:
        """This catalog plus the learner's own decks, current as of `version` (their
        `decks_version`, read under their lock; read here when not given), and the decks of
        others they joined by a share link, each current as of its owner's version."""
        if version is None:
            version = decks_version(session, learner_id=learner_id)
        mine = self.own.get(session, learner_id, version)
        if mine.joined:
            mine = self._with_joined(session, mine)
        if not mine.decks:
            return self
        return Catalog(cards=_Layered(mine.cards, self.cards), deck_titles=self.deck_titles,
                       deck_cards=_Layered(mine.deck_cards, self.deck_cards),
                       personal=mine.decks, owned={learner_id: mine.order}, own=self.own)

    def _with_joined(self, session: Session, mine: OwnCards) -> OwnCards:
        """The learner's own decks plus those they joined, each from its owner's cached copy.
        Built per update only for members of a class, so own cards are never copied."""
        decks, deck_cards, cards = dict(mine.decks), dict(mine.deck_cards), dict(mine.cards)
        order = list(mine.order)
        for deck_id, owner_id, owner_version in mine.joined:
            theirs = self.own.get(session, owner_id, owner_version)
            if deck_id not in theirs.decks:
                continue
            decks[deck_id] = theirs.decks[deck_id]
            deck_cards[deck_id] = theirs.deck_cards.get(deck_id, ())
            cards.update((card.id, card) for card in deck_cards[deck_id])
            order.append(deck_id)
        return OwnCards(mine.version, decks, tuple(order), deck_cards, cards, mine.joined)

    def siblings(self, card: CatalogCard) -> Sequence[CatalogCard]:
        return self.deck_cards.get(card.deck_id, ())

    def title(self, deck_id: int) -> str:
        own = self.personal.get(deck_id)
        return own.title if own is not None else self.deck_titles.get(deck_id, "")

    def personal_decks_seen_by(self, learner_id: int, joined: Sequence[int] = ()
                               ) -> tuple[int, ...]:
        """The personal decks this learner sees: their own, then the decks of others they
        joined by a share link (`joined`: bot.classes.joined_decks, read with the update)."""
        own = self.owned.get(learner_id, ())
        return own + tuple(d for d in joined if d in self.personal and d not in own)

    def visible(self, deck_id: int, learner_id: int, joined: Sequence[int] = ()) -> bool:
        """A shared deck, or a personal deck the learner sees."""
        return deck_id in self.deck_titles or deck_id in self.personal_decks_seen_by(
            learner_id, joined)

    def decks_for(self, learner_id: int, joined: Sequence[int] = ()
                  ) -> list[tuple[int, str, bool]]:
        """(deck id, title, is personal): the shared decks, then the personal ones they see."""
        shared = [(deck_id, title, False) for deck_id, title in self.deck_titles.items()]
        personal = [(deck_id, self.personal[deck_id].title, True)
                    for deck_id in self.personal_decks_seen_by(learner_id, joined)]
        return shared + personal

    def cards_for(self, learner_id: int, *, skip_decks: set[int], joined: Sequence[int] = ()
                  ) -> list[CatalogCard]:
        """The cards this learner may be asked, deck by deck in `decks_for` order."""
        return [card for deck_id, _, _ in self.decks_for(learner_id, joined)
                if deck_id not in skip_decks for card in self.deck_cards.get(deck_id, ())]


Fingerprint = tuple[object, ...]


def fingerprint(session: Session) -> Fingerprint:
    """A cheap summary that changes whenever any instance adds, edits, retires or deletes
    cards or decks of the shared catalog, so the others know to reload their snapshot."""
    return shared_fingerprint(session)


def _card(row: CardRow) -> CatalogCard:
    card_id, deck_id, key, question, answer, keys_text, alts_text, demo = row
    return CatalogCard(id=card_id, deck_id=deck_id, key=key, question=question, answer=answer,
                       keys=_groups(keys_text, "|"), alts=_groups(alts_text, "="), demo=demo)


def load_catalog(session: Session, *, personal: PersonalDecks | None = None) -> Catalog:
    """The shared decks, with `personal` (a new cache when None) for learners' own."""
    decks = dict(live_shared_decks(session))
    cards: dict[int, CatalogCard] = {}
    per_deck: dict[int, list[CatalogCard]] = {}
    for card in map(_card, cards_of_decks(session, deck_ids=list(decks))):
        cards[card.id] = card
        per_deck.setdefault(card.deck_id, []).append(card)
    return Catalog(cards=cards, deck_titles=decks,
                   deck_cards={k: tuple(v) for k, v in per_deck.items()},
                   own=personal if personal is not None else PersonalDecks())
