"""A language's translation progress, for the translators' dashboard: per catalog translated /
stale / untranslated against the current content, QA problems at their `.po` line, every stale
entry with a word-level diff of its old and new English, review state, and reading levels.

The counts follow `handout i18n status`; the QA is `read_catalog`, the same as every build's.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog

from builder.errors import Problem, TranslationError
from builder.i18n.catalog import LoadedCatalog, read_catalog
from builder.i18n.diff import Piece, word_diff
from builder.i18n.extract import BUNDLES_DOMAIN, GLOSSARY_DOMAIN, UI_DOMAIN, build_templates
from builder.i18n.pofiles import raw_headers, read_previous
from builder.model import LEVELS
from builder.project import Project
from builder.readability import Score


@dataclass(frozen=True)
class Stale:
    """A translation made from English that has since changed."""

    context: str
    line: int | None
    old: str | None  # the English it was made from (`#| msgid`), when the file records it
    new: str
    translation: str
    diff: tuple[Piece, ...]  # word by word (builder/i18n/diff.py)


@dataclass
class CatalogProgress:
    domain: str
    path: str  # locales/<lang>/LC_MESSAGES/<domain>.po
    exists: bool = False
    readable: bool = False  # False: a syntax error stops the file being read at all
    total: int = 0
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    problems: list[Problem] = field(default_factory=list)
    review: str = "draft"  # X-Review-Status
    reviewed_by: str = ""
    stale: list[Stale] = field(default_factory=list)
    is_topic: bool = False

    @property
    def percent(self) -> float:
        return round(100 * self.translated / self.total, 1) if self.total else 100.0


@dataclass
class LanguageProgress:
    lang: str
    catalogs: list[CatalogProgress]
    # (topic, level) -> (this language's measure, the English Flesch-Kincaid grade and target)
    readability: dict[tuple[str, str], tuple[Score, Score]] = field(default_factory=dict)
    readability_problem: str = ""  # why there are no reading levels (a catalog fails QA)

    def total(self, name: str) -> int:
        return sum(getattr(c, name) for c in self.catalogs)

    @property
    def problems(self) -> list[Problem]:
        return [p for c in self.catalogs for p in c.problems]

    @property
    def percent(self) -> float:
        total = self.total("total")
        return round(100 * self.total("translated") / total, 1) if total else 100.0

    @property
    def reviewed(self) -> bool:
        return all(c.review == "reviewed" for c in self.catalogs if c.exists)


def shown_path(project: Project, path: str | Path) -> str:
    """A path as translators know it: relative to the project (locales/es/LC_MESSAGES/x.po)."""
    candidate = Path(path)
    try:
        return candidate.resolve().relative_to(project.root.resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


def catalog_progress(project: Project, lang: str, domain: str, template: Catalog) -> CatalogProgress:
    """One catalog of `lang` against its template made from the current content."""
    path = project.locales / lang / "LC_MESSAGES" / f"{domain}.po"
    progress = CatalogProgress(domain, shown_path(project, path),
                               is_topic=domain not in (UI_DOMAIN, GLOSSARY_DOMAIN, BUNDLES_DOMAIN))
    loaded: LoadedCatalog | None = None
    previous: dict[str, str] = {}
    if path.is_file():
        progress.exists = True
        loaded, problems = read_catalog(path, lang)
        progress.problems = [Problem(shown_path(project, p.path), p.line, p.message)
                             for p in problems]
        progress.readable = loaded is not None
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        previous = read_previous(text)
        headers = loaded.headers if loaded is not None else raw_headers(text)
        progress.review = headers.get("X-Review-Status", "draft").strip().lower() or "draft"
        progress.reviewed_by = loaded.reviewed_by if loaded is not None else ""
    for message in template:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        context = message.context
        progress.total += 1
        entry = loaded.entries.get((context, msgid)) if loaded else None
        changed = loaded.by_context.get(context) if loaded and context else None
        if entry is not None and entry.msgstr and not entry.fuzzy:
            progress.translated += 1
        elif entry is not None and entry.msgstr:  # fuzzy: `i18n update` kept the old English
            progress.fuzzy += 1
            old = previous.get(context or "") or entry.previous_id
            progress.stale.append(_stale(context or msgid, entry.line, old, msgid, entry.msgstr))
        elif changed is not None and changed.msgstr:  # the English changed, no update since
            progress.fuzzy += 1
            progress.stale.append(_stale(context or msgid, changed.line, changed.msgid, msgid,
                                         changed.msgstr))
        else:
            progress.untranslated += 1
    return progress


def _stale(context: str, line: int | None, old: str | None, new: str, translation: str) -> Stale:
    diff = word_diff(old, new) if old is not None else ()
    return Stale(context, line or None, old, new, translation, diff)


def language_progress(project: Project, lang: str, templates: dict[str, Catalog],
                      readability: bool = True) -> LanguageProgress:
    """Every catalog of `lang`, in the templates' order, and (optionally) its reading levels."""
    report = LanguageProgress(lang, [catalog_progress(project, lang, domain, template)
                                     for domain, template in sorted(templates.items())])
    if readability:
        _reading_levels(project, report)
    return report


def _reading_levels(project: Project, report: LanguageProgress) -> None:
    """What `handout check` measures: each topic as its reader gets it (English where it falls
    back), in this language's measure, beside the English grade and its target."""
    from builder.content import load_library
    from builder.localize import SOURCE_LANG, Localizer, load_catalogs, localize_topic
    from builder.readability import localized_prose, score

    lib = load_library(project.content, project.cache)
    try:
        catalogs = {lang: load_catalogs(project, lang)
                    for lang in dict.fromkeys((report.lang, SOURCE_LANG))}
    except TranslationError as exc:
        report.readability_problem = str(exc.problems[0]) if exc.problems else str(exc)
        return
    for level in LEVELS:
        measured = {}
        for lang, loaded in catalogs.items():
            loc = Localizer(lib, loaded, level)
            measured[lang] = {topic: score(localized_prose(localize_topic(loc, topic)), lang, level)
                              for topic in lib.topics}
        for topic in sorted(lib.topics):
            report.readability[(topic, level)] = (measured[report.lang][topic],
                                                  measured[SOURCE_LANG][topic])


# In a worker process: templates by the state of content/ and templates/, and each catalog's
# progress by its file, its termbase and the templates; an edit re-reads only what changed.
_TEMPLATES: dict[str, tuple[str, dict[str, Catalog]]] = {}
_CATALOGS: OrderedDict[tuple[str, ...], CatalogProgress] = OrderedDict()
_CATALOGS_KEPT = 500


def _state(*paths: Path) -> str:
    parts = []
    for path in paths:
        for item in sorted(path.rglob("*")) if path.is_dir() else [path]:
            try:
                stat = item.stat()
            except OSError:
                continue
            parts.append(f"{item}:{stat.st_mtime_ns}:{stat.st_size}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def progress_in_worker(root: str, lang: str, readability: bool) -> LanguageProgress:
    """`language_progress` for a worker process, remembering what has not changed on disk."""
    project = Project(Path(root))
    source = _state(project.content, project.templates)
    if _TEMPLATES.get(root, ("", {}))[0] != source:
        _TEMPLATES[root] = (source, build_templates(project))
    templates = _TEMPLATES[root][1]
    catalogs = []
    termbase = _state(project.locales / lang / "termbase.yaml")
    for domain, template in sorted(templates.items()):
        key = (root, lang, domain, source, termbase,
               _state(project.locales / lang / "LC_MESSAGES" / f"{domain}.po"))
        if key not in _CATALOGS:
            _CATALOGS[key] = catalog_progress(project, lang, domain, template)
            while len(_CATALOGS) > _CATALOGS_KEPT:
                _CATALOGS.popitem(last=False)
        catalogs.append(_CATALOGS[key])
    report = LanguageProgress(lang, catalogs)
    if readability:
        _reading_levels(project, report)
    return report
