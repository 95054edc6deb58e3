"""The translators' verbs: init, update, compile, status; and loading a language for a build."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from builder import __version__
from builder.errors import Problem, TranslationError, UsageError, display_path
from builder.i18n.catalog import LoadedCatalog, read_catalog, read_po_text
from builder.i18n.extract import build_templates
from builder.i18n.pofiles import (
    KEPT_HEADERS,
    raw_headers,
    read_previous,
    render_catalog,
    write_catalog,
)
from builder.languages import locale_name_or_usage, parse_locale
from builder.output import atomic_write
from builder.project import Project, locale_dirs

SOURCE_LANG = "en"
# Our own header fields, as `init` writes them. Other tools (pybabel update, many editors) drop
# them; `update` writes them back, as a draft, since a lost "reviewed" cannot be taken on trust.
DEFAULT_HEADERS = {"X-Review-Status": "draft", "X-Reviewed-By": "",
                   "X-Source-Language": SOURCE_LANG}


def po_path(project: Project, lang: str, domain: str) -> Path:
    return project.locales / lang / "LC_MESSAGES" / f"{domain}.po"


def _read_template(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _templates(project: Project) -> dict[str, Catalog]:
    pots = sorted(project.locales.glob("*.pot"))
    if not pots:
        raise UsageError(f"{display_path(project.locales)}: no .pot templates; run "
                         "'handout i18n extract' first")
    return {p.stem: _read_template(p) for p in pots}


def init(project: Project, code: str) -> list[Path]:
    locale = parse_locale(code)
    lang = locale_name_or_usage(code)  # as written: zh-TW -> zh_TW (not zh_Hant_TW), sr@latin -> sr_Latn
    if lang == SOURCE_LANG:
        raise UsageError("English is the source language; it needs no catalog")
    written = []
    for domain, template in _templates(project).items():
        path = po_path(project, lang, domain)
        if path.exists():
            continue  # never overwrite a translator's work; `update` merges
        catalog = Catalog(locale=locale, domain=domain, project="handout", version=__version__,
                          msgid_bugs_address="translations@handout.invalid",
                          last_translator="(not yet translated) <translations@handout.invalid>",
                          creation_date=template.creation_date,
                          revision_date=template.creation_date, fuzzy=False)
        catalog.language_team = f"{locale.english_name} <translations@handout.invalid>"
        for message in template:
            if message.id:
                catalog.add(message.id, "", list(message.locations),
                            auto_comments=message.auto_comments, context=message.context)
        write_catalog(path, catalog, dict(DEFAULT_HEADERS))
        written.append(path)
    return written


def merge(old: Catalog, template: Catalog) -> Catalog:
    """Bring `old` up to `template`, matching entries by msgctxt, never by string similarity.

    A translation whose English source changed keeps its text but becomes fuzzy, with the old
    English as `#| msgid` so the translator sees what changed. No fuzzy matching across entries.
    """
    new = Catalog(locale=old.locale, domain=old.domain, header_comment=old.header_comment,
                  fuzzy=False)
    new.mime_headers = list(old.mime_headers)
    by_key = {(m.context, m.id): m for m in old if m.id}
    by_context = {m.context: m for m in old if m.id and m.context}
    used: set[object] = set()
    for message in template:
        if not message.id:
            continue
        flags: set[str] = set()
        previous: Any = ()
        string: Any = ""
        user_comments: list[str] = []
        same = by_key.get((message.context, message.id))
        changed = by_context.get(message.context) if message.context else None
        if same is not None:
            string, user_comments = same.string, list(same.user_comments)
            if same.fuzzy:
                flags.add("fuzzy")
                previous = same.previous_id
            used.add((same.context, same.id))
        elif changed is not None and changed.string:
            string, user_comments = changed.string, list(changed.user_comments)
            flags.add("fuzzy")
            # The English the translation was made from: the oldest one still known.
            previous = changed.previous_id or changed.id
            used.add((changed.context, changed.id))
        if "python-format" in message.flags:
            flags.add("python-format")
        # Babel reads `#| msgid` (previous English) as a comment "| msgid": we keep the previous
        # id ourselves, so such lines must not come back as "# | msgid" comments on every update.
        user_comments = [c for c in user_comments if not c.startswith("|")]
        new[message.id] = Message(message.id, string, list(message.locations),
                                  flags, message.auto_comments, user_comments, previous,
                                  context=message.context)
    for key, message in by_key.items():
        if key not in used and message.string:
            new.obsolete[key] = message  # type: ignore[index]
    return new


def update(project: Project, langs: Iterable[str] | None = None,
           warn: Callable[[str], None] = lambda message: None) -> list[Path]:
    from builder.i18n.pseudo import is_pseudo

    templates = _templates(project)
    written: list[Path] = []
    problems: list[Problem] = []
    for lang in langs or locale_dirs(project, pseudo=True):
        if is_pseudo(lang):  # made from the templates, not merged: written again
            written += write_pseudo(project, [lang])
            continue
        for domain, template in templates.items():
            path = po_path(project, lang, domain)
            if not path.exists():
                init(project, lang)
                written.append(path)
                continue
            text, found = read_po_text(path)
            if text is None:
                problems.extend(found)
                continue
            old = read_po(text.splitlines(keepends=True))
            previous = read_previous(text)
            for message in old:
                if message.context in previous:
                    message.previous_id = [previous[message.context]]
            headers = raw_headers(text)
            kept = {k: headers[k] if k in headers else DEFAULT_HEADERS[k] for k in KEPT_HEADERS
                    if k in headers or k in DEFAULT_HEADERS}
            if "X-Review-Status" not in headers:
                warn(f"{display_path(path)}: the header had no X-Review-Status (pybabel update "
                     "and some editors drop it): written back as 'draft'; if a person reviewed "
                     "this catalog, set it to 'reviewed' again")
            new = merge(old, template)
            new_bytes = render_catalog(new, kept)
            if new_bytes != text.encode("utf-8"):
                atomic_write(path, new_bytes)
                written.append(path)
    if problems:
        raise TranslationError(problems)
    return written


@dataclass
class Counts:
    total: int = 0
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    obsolete: int = 0
    stale: list[str] = field(default_factory=list)  # contexts of fuzzy/changed entries

    def add(self, other: Counts) -> None:
        for name in ("total", "translated", "fuzzy", "untranslated", "obsolete"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.stale.extend(other.stale)

    def as_dict(self) -> dict[str, object]:
        percent = round(100 * self.translated / self.total, 1) if self.total else 100.0
        return {"total": self.total, "translated": self.translated, "fuzzy": self.fuzzy,
                "untranslated": self.untranslated, "obsolete": self.obsolete,
                "percent_translated": percent}


def status(project: Project, langs: Iterable[str] | None = None) -> dict[str, dict[str, object]]:
    """Per language and domain, against the current content (not only against the PO file).

    A catalog that cannot be parsed is an error (TranslationError, every such file named at its
    line), never counted as untranslated.
    """
    templates = build_templates(project)
    report: dict[str, dict[str, object]] = {}
    problems: list[Problem] = []
    for lang in langs or locale_dirs(project):
        per_domain: dict[str, object] = {}
        total = Counts()
        reviewed = True
        for domain, template in sorted(templates.items()):
            path = po_path(project, lang, domain)
            counts = Counts()
            catalog: Catalog | None = None
            if path.exists():
                text, found = read_po_text(path)
                problems.extend(found)
                if text is not None:
                    catalog = read_po(text.splitlines(keepends=True))
                    counts.obsolete = len(catalog.obsolete)
                    reviewed &= raw_headers(text).get("X-Review-Status", "draft") == "reviewed"
            by_context = {m.context: m for m in catalog if m.id and m.context} if catalog else {}
            for message in template:
                if not message.id:
                    continue
                counts.total += 1
                have = catalog.get(message.id, message.context) if catalog else None
                if have is not None and have.string and not have.fuzzy:
                    counts.translated += 1
                elif (have is not None and have.fuzzy and have.string) or (
                        message.context in by_context and by_context[message.context].string):
                    counts.fuzzy += 1
                    counts.stale.append(str(message.context or message.id))
                else:
                    counts.untranslated += 1
            per_domain[domain] = {**counts.as_dict(), "stale": counts.stale}
            total.add(counts)
        report[lang] = {**total.as_dict(), "reviewed": reviewed, "domains": per_domain}
    if problems:
        raise TranslationError(problems)
    return report


def compile_catalogs(project: Project, langs: Iterable[str] | None = None) -> list[Path]:
    """Check every catalog, then write .mo files for gettext tools (the build reads the PO)."""
    problems: list[Problem] = []
    loaded: list[LoadedCatalog] = []
    for lang in langs or locale_dirs(project):
        for path in sorted((project.locales / lang / "LC_MESSAGES").glob("*.po")):
            catalog, found = read_catalog(path, lang)
            problems.extend(found)
            if catalog is not None:
                loaded.append(catalog)
    if problems:  # nothing written: unlike pybabel, never a partial .mo
        raise TranslationError(list(dict.fromkeys(problems)))  # a broken termbase: once
    written = []
    for catalog in loaded:
        with catalog.path.open("rb") as handle:
            babel_catalog = read_po(handle)
        import io

        buffer = io.BytesIO()
        write_mo(buffer, babel_catalog, use_fuzzy=False)
        target = catalog.path.with_suffix(".mo")
        atomic_write(target, buffer.getvalue())
        written.append(target)
    return written


def write_pseudo(project: object, codes: Iterable[str] | None = None) -> list[Path]:
    """Write `locales/<code>/LC_MESSAGES/<domain>.po` for every template, all entries translated."""
    from babel.messages.catalog import Catalog

    from builder import __version__
    from builder.i18n.pofiles import write_catalog
    from builder.i18n.pseudo import pseudo_text
    from builder.project import PSEUDO_LOCALES

    written = []
    for code in codes or PSEUDO_LOCALES:
        locale = PSEUDO_LOCALES[code]
        for domain, template in _templates(project).items():  # type: ignore[arg-type]
            catalog = Catalog(locale=locale.header, domain=domain, project="handout", version=__version__,
                              msgid_bugs_address="translations@handout.invalid",
                              last_translator="handout i18n pseudo",
                              creation_date=template.creation_date,
                              revision_date=template.creation_date, fuzzy=False,
                              header_comment=f"# {locale.name.capitalize()} ({code}) of "
                                             f"locales/{domain}.pot, by 'handout i18n pseudo'."
                                             "\n# Do not translate or edit: it is written "
                                             "again on every run.")
            catalog.language_team = f"{locale.name} <translations@handout.invalid>"
            for message in template:
                if not message.id:
                    continue
                if isinstance(message.id, (list, tuple)):
                    string: object = tuple(pseudo_text(m, code) for m in message.id)
                else:
                    string = pseudo_text(message.id, code)
                catalog.add(message.id, string, list(message.locations),  # type: ignore[arg-type]
                            flags=message.flags, auto_comments=message.auto_comments,
                            context=message.context)
            path = po_path(project, code, domain)  # type: ignore[arg-type]
            write_catalog(path, catalog, {**DEFAULT_HEADERS,
                                          "Plural-Forms": "nplurals=2; plural=(n != 1);",
                                          "X-Pseudo-Locale": locale.name})
            written.append(path)
    return written
