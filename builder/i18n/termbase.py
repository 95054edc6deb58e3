"""Termbases: the preferred translation of key medical terms, one YAML file per language.

`locales/<lang>/termbase.yaml` lists terms; translation QA then checks that every translated entry
whose English contains a term renders it one of the listed ways, so a term reads the same across
all catalogs of the language. A language without a termbase simply has no term checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator

from builder.errors import Problem, display_path
from builder.model import Strict
from builder.yamlio import load_yaml, validate

TERMBASE_FILE = "termbase.yaml"


class TermEntry(Strict):
    # The English term, or its forms (relapsed, relapse): matched case-insensitively as whole
    # words at the start, so "immunomodulator" also matches "immunomodulators".
    en: Annotated[list[Annotated[str, Field(min_length=2)]], Field(min_length=1)] | str
    # The preferred rendering(s): the translation must contain one (case-insensitive substring,
    # so list the stem a language inflects, e.g. "Härtefallprogramm" for -e, -s).
    use: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)] | str
    # Renderings that must not appear where the English has the term (e.g. a rejected synonym).
    avoid: list[Annotated[str, Field(min_length=1)]] = []  # noqa: RUF012 - pydantic copies a default per instance
    note: str | None = None  # for translators: why this rendering

    @field_validator("en", "use")
    @classmethod
    def _listed(cls, value: list[str] | str) -> list[str]:
        return [value] if isinstance(value, str) else value


class TermbaseFile(Strict):
    terms: list[TermEntry]


@dataclass(frozen=True)
class Term:
    english: tuple[str, ...]
    use: tuple[str, ...]
    avoid: tuple[str, ...]
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Termbase:
    path: Path
    terms: tuple[Term, ...]

    def check(self, source: str, translation: str) -> list[str]:
        """Reasons a translation renders a termbase term another way than the preferred one."""
        reasons = []
        folded = translation.casefold()
        for term in self.terms:
            if not term.pattern.search(source):
                continue
            if not any(form.casefold() in folded for form in term.use):
                reasons.append(f"term '{term.english[0]}' should be rendered as "
                               f"{' or '.join(repr(u) for u in term.use)} (termbase "
                               f"{display_path(self.path)}): use the preferred term")
                continue
            for form in term.avoid:
                if form.casefold() in folded:
                    reasons.append(f"term '{term.english[0]}' is rendered as {form!r}, which the "
                                   f"termbase {display_path(self.path)} says to avoid: use "
                                   f"{' or '.join(repr(u) for u in term.use)}")
        return reasons


def termbase_path(locale_dir: Path) -> Path:
    """`locales/<lang>/termbase.yaml` for a catalog in `locales/<lang>/LC_MESSAGES/`."""
    return locale_dir / TERMBASE_FILE


def load_termbase(path: Path) -> tuple[Termbase | None, list[Problem]]:
    """The termbase at `path`; (None, []) when there is none (no term checks for the language)."""
    if not path.is_file():
        return None, []
    problems: list[Problem] = []
    data = load_yaml(path, problems, max_bytes=1_000_000)
    if data is None:
        return None, problems or [Problem(display_path(path), None, "the termbase is empty: "
                                          "add 'terms:' or delete the file")]
    parsed = validate(TermbaseFile, data, path, problems)
    if not isinstance(parsed, TermbaseFile):
        return None, problems
    terms = []
    for entry in parsed.terms:
        english = tuple(entry.en)
        alternatives = "|".join(re.escape(e) for e in sorted(english, key=len, reverse=True))
        terms.append(Term(english, tuple(entry.use), tuple(entry.avoid),
                          re.compile(rf"(?<![\w-])(?:{alternatives})", re.IGNORECASE)))
    return Termbase(path, tuple(terms)), problems
