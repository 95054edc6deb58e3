"""What a builder renders: one document in one language at one level, already localized."""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from builder.clinic import Clinic
from builder.errors import Problem, Where
from builder.languages import Language
from builder.model import BLOCK_KINDS, BlockKind, Level, Review, Source


@dataclass(frozen=True)
class Fallback:
    """One entry printed in English because its translation is missing or stale."""

    where: Where  # the content line of the English
    context: str
    lang: str
    reason: str  # "untranslated" or "stale" (English changed since it was translated)
    entry: Where | None = None  # the catalog entry at fault (no line: the catalog that should hold it)

    def _what(self) -> str:
        if self.entry is None:
            return f"{self.context}: translation {self.reason} in {self.lang}"
        if self.entry.line is None:
            return (f"{self.context}: untranslated in {self.lang}, not in the catalog yet (English "
                    f"at {self.where}; run 'handout i18n update')")
        why = (f"untranslated in {self.lang}" if self.reason == "untranslated"
               else f"translation stale in {self.lang}, the English changed")
        return f"{self.context}: {why} (English at {self.where})"

    def __str__(self) -> str:
        return f"{self.entry or self.where}: {self._what()}; printed in English and marked"

    def problem(self) -> Problem:
        return Problem(self.entry or self.where, None,
                       f"{self._what()}: translate it (handout i18n update, then fill in the "
                       "msgstr) or build without --strict to print the English, marked")


@dataclass
class LocalizedBlock:
    id: str
    type: str
    topic: str
    where: Where  # its line in the content
    text: str | None = None
    items: list[str] = field(default_factory=list)
    slide: str | None = None
    term: str | None = None
    caption: str | None = None
    src: Path | None = None
    ordered: bool = False
    write_in: int = 0
    boxes: bool = True  # a checklist's items get check boxes (false: prompts for the write-in lines)
    cites: list[str] = field(default_factory=list)  # ids of the topic's sources
    fallback: bool = False  # any of its entries is shown in English
    # Which entries are shown in English ("text", "slide", "term", "caption", "alt", "items/0"):
    # each entry falls back on its own. `fallback=True` alone means every entry.
    english: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.fallback and not self.english:
            self.english = frozenset(self.fields())
        self.fallback = bool(self.english)

    @property
    def kind(self) -> BlockKind:
        return BLOCK_KINDS[self.type]

    def fields(self) -> list[str]:
        """The entries this block shows."""
        names = [n for n in ("text", "slide", "term", "caption") if getattr(self, n)]
        return names + [f"items/{i}" for i in range(len(self.items))]

    def en(self, name: str) -> bool:
        """Whether entry `name` (or item number `name`) is shown in English."""
        return name in self.english

    @property
    def all_english(self) -> bool:
        """Every entry it shows is English: one mark for the whole block."""
        return self.fallback and all(n in self.english for n in self.fields())


@dataclass
class LocalizedTerm:
    id: str
    term: str
    text: str
    fallback: bool = False
    english: frozenset[str] = frozenset()  # "term", "text"

    def __post_init__(self) -> None:
        if self.fallback and not self.english:
            self.english = frozenset({"term", "text"})
        self.fallback = bool(self.english)


@dataclass
class LocalizedTopic:
    id: str
    version: str
    title: str
    summary: str
    review: Review
    sources: list[Source]
    blocks: list[LocalizedBlock]
    terms: list[LocalizedTerm]
    link_url: str | None = None
    link_label: str | None = None
    reviewer_role: str = ""
    english: frozenset[str] = frozenset()  # "title", "summary", "link_label", "reviewer_role"
    omitted: bool = False  # a bundle's leaflet leaves out some of its blocks (`carry`)


@dataclass
class Provenance:
    translated: bool
    reviewed: bool  # every catalog the document draws from says a person reviewed it
    source_versions: list[tuple[str, str, dt.date]]  # topic id, version, date of that version
    reviewers: list[str] = field(default_factory=list)  # their X-Reviewed-By, when reviewed


@lru_cache(maxsize=32)
def plural_rule(expression: str) -> Callable[[int], int]:
    """The index of the plural form for n, from a catalog's `Plural-Forms` expression."""
    return _gettext.c2py(expression)


@dataclass(frozen=True)
class UiStrings:
    """The current (not fuzzy, not empty) UI translations of one language: plain, shared data."""

    lang: str = "en"
    singular: Mapping[str, str] = field(default_factory=dict)
    plural: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # by the singular msgid
    plural_forms: str = "n != 1"  # the C expression of the catalog's Plural-Forms header
    missing: tuple[str, ...] = ()  # UI msgids with no current translation (printed in English)

    def gettext(self, msgid: str) -> str:
        return self.singular.get(msgid, msgid)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self.plural.get(singular)
        if forms:
            index = plural_rule(self.plural_forms)(n)
            if 0 <= index < len(forms) and forms[index]:
                return forms[index]
        return singular if n == 1 else plural  # English rule for the English fallback


@dataclass(frozen=True)
class Session:
    """A support-group meeting a deck is made for (not content: given at build time)."""

    date: dt.date | None = None  # the meeting's day, shown on the title and closing slides
    host: bool = True  # the clinic hosts it: its contacts go on the closing slides


@dataclass
class Doc:
    kind: str  # "topic" or "bundle"
    id: str
    lang: Language
    level: Level
    title: str
    summary: str
    topics: list[LocalizedTopic]
    glossary: list[LocalizedTerm]
    fallbacks: list[Fallback]
    provenance: Provenance
    clinic: Clinic
    paper: str
    large_print: bool
    date: dt.date  # the print (build) date: SOURCE_DATE_EPOCH when set, else the build's day
    ui: UiStrings = field(default_factory=UiStrings)
    audience: str = "clinic"
    content_digest: str = ""  # hash of every string and fact the document shows
    english: frozenset[str] = frozenset()  # "title", "summary" of a bundle shown in English
    session: Session = field(default_factory=Session)
    minutes: dict[str, int] = field(default_factory=dict)  # a session's minutes per topic id
    pages: int | None = None  # the leaflet's page budget at this level (content `pages:`)
    duplex: bool = False  # an even number of pages: a "My notes" page where one would be blank

    def gettext(self, msgid: str) -> str:
        return self.ui.gettext(msgid)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.ui.ngettext(singular, plural, n)

    @property
    def values(self) -> dict[str, str]:
        return self.clinic.values

    def blocks(self) -> list[LocalizedBlock]:
        return [b for t in self.topics for b in t.blocks]

    def fallbacks_in(self, fmt: str) -> list[Fallback]:
        """The entries a reader of `fmt` meets in English: a leaflet prints no deck-only block
        (speaker notes, slides, discussion prompts) and no block's slide text."""
        if fmt not in ("pdf", "html"):
            return list(self.fallbacks)
        deck_only = tuple(f"{b.topic}/{b.id}/" for b in self.blocks() if b.kind.leaflet is None)
        return [f for f in self.fallbacks
                if not f.context.startswith(deck_only) and not f.context.endswith("/slide")]
