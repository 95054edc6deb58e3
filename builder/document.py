"""What a builder renders: one document in one language at one level, already localized."""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from builder.clinic import Clinic
from builder.errors import Problem
from builder.languages import Language
from builder.model import Level, Review, Source


@dataclass(frozen=True)
class Fallback:
    """A block printed in English because its translation is missing or stale."""

    path: str
    line: int | None
    context: str
    lang: str
    reason: str  # "untranslated" or "stale" (English changed since it was translated)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        return (f"{self.where}: {self.context}: translation {self.reason} in {self.lang}; "
                "printed in English and marked")

    def problem(self) -> Problem:
        return Problem(self.path, self.line, f"{self.context}: translation {self.reason} in "
                       f"{self.lang}: translate it (handout i18n update, then fill in the msgstr) or build "
                       "without --strict to print the English, marked")


@dataclass
class RBlock:
    id: str
    type: str
    topic: str
    where: str
    text: str | None = None
    items: list[str] = field(default_factory=list)
    slide: str | None = None
    term: str | None = None
    caption: str | None = None
    src: Path | None = None
    ordered: bool = False
    write_in: int = 0
    fallback: bool = False
    cites: list[str] = field(default_factory=list)  # ids of the topic's sources


@dataclass
class RTerm:
    id: str
    term: str
    text: str
    fallback: bool = False


@dataclass
class RTopic:
    id: str
    version: str
    title: str
    summary: str
    review: Review
    sources: list[Source]
    blocks: list[RBlock]
    terms: list[RTerm]
    link_url: str | None = None
    link_label: str | None = None
    reviewer_role: str = ""


@dataclass
class Provenance:
    translated: bool
    reviewed: bool  # the catalog header says a person reviewed the translation
    source_versions: list[tuple[str, str, dt.date]]  # topic id, version, date of that version


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


@dataclass
class Doc:
    kind: str  # "topic" or "bundle"
    id: str
    lang: Language
    level: Level
    title: str
    summary: str
    topics: list[RTopic]
    glossary: list[RTerm]
    fallbacks: list[Fallback]
    provenance: Provenance
    clinic: Clinic
    paper: str
    large_print: bool
    date: dt.date  # the document's date (SOURCE_DATE_EPOCH, else the content's newest date)
    ui: UiStrings = field(default_factory=UiStrings)
    audience: str = "clinic"
    content_digest: str = ""  # hash of every string and fact the document shows

    def gettext(self, msgid: str) -> str:
        return self.ui.gettext(msgid)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.ui.ngettext(singular, plural, n)

    @property
    def values(self) -> dict[str, str]:
        return self.clinic.values

    def blocks(self) -> list[RBlock]:
        return [b for t in self.topics for b in t.blocks]
