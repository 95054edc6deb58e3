"""Content + catalogs -> a Doc in one language and level; stale or missing entries fall back, marked."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup, escape

from builder.clinic import Clinic
from builder.content import Library, Where, blocks_at
from builder.document import Doc, Fallback, Provenance, RBlock, RTerm, RTopic
from builder.errors import ConfigError, Problem, TranslationError
from builder.i18n.catalog import LoadedCatalog, read_catalog
from builder.i18n.messages import context, level_key
from builder.languages import language
from builder.model import Image, Level, Text
from builder.output import atomic_write
from builder.project import Project

SOURCE_LANG = "en"


@dataclass
class Catalogs:
    """Every catalog of one language, merged: content contexts are unique across domains."""

    lang: str
    files: list[LoadedCatalog] = field(default_factory=list)
    entries: dict[tuple[str | None, str], tuple[str, bool]] = field(default_factory=dict)
    contexts: set[str] = field(default_factory=set)

    @property
    def reviewed(self) -> bool:
        return bool(self.files) and all(c.reviewed for c in self.files)

    def charset(self) -> str:
        """Every character this language's documents can show: translations, English, dates."""
        import datetime as _dt
        import string

        from babel.dates import format_date

        chars = set(string.printable) | set("–—‘’“”«»…·•→≥≤×°±")
        for (_ctx, msgid), (msgstr, _fuzzy) in self.entries.items():
            chars.update(msgid)
            chars.update(msgstr)
        if self.lang != SOURCE_LANG:
            locale = language(self.lang).locale
            for month in range(1, 13):
                chars.update(format_date(_dt.date(2026, month, 28), "long", locale=locale))
            chars.update(locale.get_display_name(locale) or "")
        return "".join(sorted(chars))

    def lookup(self, ctx: str | None, msgid: str) -> tuple[str | None, str]:
        """(translation, "") when current, else (None, "untranslated" | "stale")."""
        if self.lang == SOURCE_LANG:
            return msgid, ""
        found = self.entries.get((ctx, msgid))
        if found is not None:
            text, fuzzy = found
            if fuzzy and text:
                return None, "stale"
            return (text, "") if text else (None, "untranslated")
        if ctx is not None and ctx in self.contexts:
            return None, "stale"  # the English changed and the catalog was not updated yet
        return None, "untranslated"


def load_catalogs(project: Project, lang: str) -> Catalogs:
    """Read and check every PO file of `lang`; one bad entry stops the language (TranslationError)."""
    catalogs = Catalogs(lang)
    if lang == SOURCE_LANG:
        return catalogs
    folder = project.locales / lang / "LC_MESSAGES"
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.po")):
        catalog, found = _read_checked(path, lang, project.cache)
        problems.extend(found)
        if catalog is None:
            continue
        catalogs.files.append(catalog)
        for (ctx, msgid), entry in catalog.entries.items():
            catalogs.entries[(ctx, msgid)] = (entry.msgstr, entry.fuzzy)
            if ctx:
                catalogs.contexts.add(ctx)
    if problems:
        raise TranslationError(problems)
    _add_parents(project, catalogs)
    return catalogs


def _add_parents(project: Project, catalogs: Catalogs) -> None:
    """A region or script variant reads its parents' catalogs for what it does not translate
    itself: es_MX -> es, zh_TW -> zh_Hant. Only what no catalog of the chain has falls back
    to English (and is marked)."""
    from builder.i18n.workflow import locale_dirs
    from builder.languages import catalog_chain

    for parent in catalog_chain(catalogs.lang, locale_dirs(project))[1:]:
        if parent == catalogs.lang:
            continue
        inherited = load_catalogs_of(project, parent)
        catalogs.files += inherited.files
        catalogs.contexts |= inherited.contexts
        for key, (text, fuzzy) in inherited.entries.items():
            own = catalogs.entries.get(key)
            if text and not fuzzy and (own is None or not own[0] or own[1]):
                catalogs.entries[key] = (text, fuzzy)


def load_catalogs_of(project: Project, lang: str) -> Catalogs:
    """One folder's catalogs, without its parents."""
    catalogs = Catalogs(lang)
    problems: list[Problem] = []
    for path in sorted((project.locales / lang / "LC_MESSAGES").glob("*.po")):
        catalog, found = _read_checked(path, lang, project.cache)
        problems.extend(found)
        if catalog is None:
            continue
        catalogs.files.append(catalog)
        for (ctx, msgid), entry in catalog.entries.items():
            catalogs.entries[(ctx, msgid)] = (entry.msgstr, entry.fuzzy)
            if ctx:
                catalogs.contexts.add(ctx)
    if problems:
        raise TranslationError(problems)
    return catalogs


def _read_checked(path: Path, lang: str, cache: Path) -> tuple[LoadedCatalog | None, list[Problem]]:
    """read_catalog, cached by the file's bytes: a catalog that passed QA once need not again."""
    try:
        data = path.read_bytes()
    except OSError:
        return read_catalog(path, lang)
    key = hashlib.sha256(data + str(path.resolve()).encode() + str(Path.cwd()).encode())
    target = cache / "catalogs" / f"{lang}-{path.stem}-{key.hexdigest()[:24]}.pickle"
    try:
        with target.open("rb") as handle:
            cached = pickle.load(handle)
        if isinstance(cached, LoadedCatalog):
            return cached, []
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    catalog, problems = read_catalog(path, lang)
    if catalog is not None and not problems:  # only clean catalogs are remembered
        with contextlib.suppress(Exception):
            for old in target.parent.glob(f"{lang}-{path.stem}-*.pickle"):
                old.unlink(missing_ok=True)
            atomic_write(target, pickle.dumps(catalog, protocol=pickle.HIGHEST_PROTOCOL))
    return catalog, problems


class Localizer:
    """Looks up one document's strings and records what had to fall back to English."""

    def __init__(self, lib: Library, catalogs: Catalogs, level: Level):
        self.lib = lib
        self.catalogs = catalogs
        self.level = level
        self.fallbacks: list[Fallback] = []
        self.ui_missing: set[str] = set()
        # Every string handed out, in order: what the document shows, for incremental builds.
        self.digest = hashlib.sha256(f"{catalogs.lang}|{level}".encode())

    def field(self, owner: str, value: object, name: str | None,
              misses: list[tuple[str, str]]) -> str | list[str] | None:
        english = Text.at(value, self.level)  # type: ignore[arg-type]
        if english is None:
            return None
        key = level_key(value, self.level)
        if isinstance(english, list):
            out = []
            for index, item in enumerate(english):
                ctx = context(owner, key, name or "item", index)
                out.append(self._one(ctx, item, misses))
            return out
        return self._one(context(owner, key, name), english, misses)

    def _one(self, ctx: str, english: str, misses: list[tuple[str, str]]) -> str:
        text, reason = self.catalogs.lookup(ctx, english)
        if text is None:
            misses.append((ctx, reason))
            text = english
        self.digest.update(f"\0{ctx}\0{text}\0{reason}".encode())
        return text

    def record(self, where: Where, misses: list[tuple[str, str]]) -> None:
        for ctx, reason in misses:
            self.fallbacks.append(Fallback(where.path, where.line, ctx, self.catalogs.lang, reason))

    # -- UI strings (templates and builders) -----------------------------------------------
    def gettext(self, msgid: str) -> str:
        text, _ = self.catalogs.lookup(None, msgid)
        if text is None:
            self.ui_missing.add(msgid)
            return msgid
        return text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # Our UI strings with plurals are looked up by their singular form's entry.
        return self.gettext(singular if n == 1 else plural)


def _english_block(block: object, level: Level) -> dict[str, object]:
    out: dict[str, object] = {}
    for name in ("text", "items", "slide", "term", "caption", "alt"):
        if name in type(block).model_fields:  # type: ignore[attr-defined]
            out[name] = Text.at(getattr(block, name), level)
    return out


def localize_topic(loc: Localizer, topic_id: str) -> RTopic:
    lib, level = loc.lib, loc.level
    topic = lib.topics[topic_id]
    where = lib.where[("topic", topic_id)]
    misses: list[tuple[str, str]] = []
    title = loc.field(f"{topic_id}/@title", topic.title, None, misses)
    summary = loc.field(f"{topic_id}/@summary", topic.summary, None, misses)
    label = loc.field(f"{topic_id}/@link", topic.link.label, None, misses) if topic.link else None
    role = loc.field(f"{topic_id}/@reviewer_role", topic.review.reviewer_role, None, misses)
    loc.record(where, misses)
    blocks = []
    for block in blocks_at(topic, level):
        owner = f"{topic_id}/{block.id}"
        misses = []
        values: dict[str, object] = {}
        for name in ("text", "items", "slide", "term", "caption", "alt"):
            if name not in type(block).model_fields or (name == "text" and block.type == "image"):
                continue
            field_name = None if name in ("text", "items") else name
            values[name] = loc.field(owner, getattr(block, name), field_name, misses)
        fallback = bool(misses)
        block_where = lib.block_where(topic_id, block.id)
        if fallback:  # one language per block: the whole block in English, marked
            loc.record(block_where, misses)
            values = _english_block(block, level)
        rb = RBlock(id=block.id, type=block.type, topic=topic_id, where=str(block_where),
                    text=values.get("alt") if block.type == "image" else values.get("text"),  # type: ignore[arg-type]
                    items=list(values.get("items") or []),  # type: ignore[call-overload]
                    slide=values.get("slide"), term=values.get("term"),  # type: ignore[arg-type]
                    caption=values.get("caption"), fallback=fallback,  # type: ignore[arg-type]
                    ordered=getattr(block, "ordered", False),
                    write_in=getattr(block, "write_in", 0))
        if isinstance(block, Image):
            rb.src = lib.image_path(block)
        blocks.append(rb)
    terms = [localize_term(loc, term_id) for term_id in topic.terms]
    return RTopic(id=topic_id, version=topic.version, title=str(title), summary=str(summary),
                  review=topic.review, sources=list(topic.sources), blocks=blocks, terms=terms,
                  link_url=topic.link.url if topic.link else None,
                  link_label=str(label) if label else None, reviewer_role=str(role))


def localize_term(loc: Localizer, term_id: str) -> RTerm:
    entry = loc.lib.glossary[term_id]
    misses: list[tuple[str, str]] = []
    owner = f"glossary/{term_id}"
    term = loc.field(owner, entry.term, "term", misses)
    text = loc.field(owner, entry.text, None, misses)
    if misses:
        loc.record(loc.lib.where[("term", term_id)], misses)
        term, text = Text.at(entry.term, loc.level), Text.at(entry.text, loc.level)
    return RTerm(term_id, str(term), str(text), bool(misses))


def document_date(lib: Library) -> dt.date:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the content's newest date."""
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is not None:
        try:
            if not (raw.strip().isascii() and raw.strip().isdigit()):
                raise ValueError(raw)
            return dt.datetime.fromtimestamp(int(raw.strip()), tz=dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            raise ConfigError(f"SOURCE_DATE_EPOCH: '{raw[:40]}' is not a whole number of "
                              "seconds since 1970-01-01 (e.g. 1767225600); fix or unset it") from None
    return max((t.review.last_reviewed or t.review.written) for t in lib.topics.values())


def localize(lib: Library, catalogs: Catalogs, kind: str, doc_id: str, level: Level,
             clinic: Clinic, paper: str, large_print: bool = False) -> Doc:
    loc = Localizer(lib, catalogs, level)
    if kind == "bundle":
        bundle = lib.bundles[doc_id]
        misses: list[tuple[str, str]] = []
        title = loc.field(f"bundle/{doc_id}/@title", bundle.title, None, misses)
        summary = loc.field(f"bundle/{doc_id}/@summary", bundle.summary, None, misses)
        loc.record(lib.where[("bundle", doc_id)], misses)
        topic_ids = list(bundle.topics)
        audience = bundle.audience
    else:
        topic_ids, audience = [doc_id], "clinic"
    topics = [localize_topic(loc, t) for t in topic_ids]
    if kind == "topic":
        title, summary = topics[0].title, topics[0].summary
    glossary: dict[str, RTerm] = {}
    for topic in topics:
        for term in topic.terms:
            glossary.setdefault(term.id, term)
    lang = language(catalogs.lang)
    for topic_id in topic_ids:
        loc.digest.update(_topic_meta_digest(lib, topic_id).encode())
    doc = Doc(kind=kind, id=doc_id, lang=lang, level=level, title=str(title),
              summary=str(summary), topics=topics,
              glossary=sorted(glossary.values(), key=lambda t: t.term.casefold()),
              fallbacks=loc.fallbacks,
              provenance=Provenance(
                  translated=catalogs.lang != SOURCE_LANG, reviewed=catalogs.reviewed,
                  source_versions=[(t, lib.topics[t].version,
                                    lib.topics[t].review.last_reviewed
                                    or lib.topics[t].review.written) for t in topic_ids]),
              clinic=clinic, paper=paper, large_print=large_print, date=document_date(lib),
              gettext=loc.gettext, ngettext=loc.ngettext, audience=audience,
              ui_missing=loc.ui_missing, content_digest=loc.digest.hexdigest())
    return doc


def _topic_meta_digest(lib: Library, topic_id: str) -> str:
    """What a document shows of a topic besides its strings: review, sources, version, images."""
    topic = lib.topics[topic_id]
    digest = hashlib.sha256(topic.review.model_dump_json().encode())
    digest.update(topic.version.encode())
    for source in topic.sources:
        digest.update(source.model_dump_json().encode())
    digest.update((topic.link.url if topic.link else "").encode())
    for block in topic.blocks:
        if isinstance(block, Image):
            digest.update(hashlib.sha256(lib.image_path(block).read_bytes()).digest())
        digest.update(f"{block.id}:{block.type}:{getattr(block, 'write_in', '')}:"
                      f"{getattr(block, 'ordered', '')}".encode())
    return digest.hexdigest()


def escaped(func: Callable[..., str]) -> Callable[..., Markup]:
    """Wrap a gettext callable so Jinja never trusts a translator's markup (hazard: Templates)."""

    def call(*args: object) -> Markup:
        return escape(func(*args))

    return call


__all__ = ["Catalogs", "Localizer", "escaped", "load_catalogs", "localize"]
