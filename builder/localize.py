"""Content + catalogs -> a Doc in one language and level; stale or missing entries fall back, marked."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from builder.cache import cache_key, cached
from builder.clinic import Clinic
from builder.content import Library, blocks_at
from builder.document import (
    Doc,
    Fallback,
    LocalizedBlock,
    LocalizedTerm,
    LocalizedTopic,
    Provenance,
    Session,
    UiStrings,
)
from builder.errors import ConfigError, Problem, TranslationError, Where, display_path
from builder.i18n.catalog import Entry, LoadedCatalog, read_catalog
from builder.i18n.messages import context, level_key
from builder.i18n.termbase import termbase_path
from builder.languages import language
from builder.model import BlockBase, Image, Level, at_level, pages_at
from builder.project import Project, locale_dirs

SOURCE_LANG = "en"
# The order a block's strings are looked up in, and so enter the content digest and the
# warnings: a new order would rebuild every output once.
LOOKUP_ORDER = ("text", "items", "slide", "term", "caption", "alt")


@dataclass(frozen=True)
class Found:
    """Where a looked-up entry lives: the catalog and its entry (None: no catalog has it)."""

    catalog: LoadedCatalog | None
    entry: Entry | None
    expected: str = ""  # the catalog file that should hold it, when none does


@dataclass
class Catalogs:
    """Every catalog of one language, merged: content contexts are unique across domains."""

    lang: str
    files: list[LoadedCatalog] = field(default_factory=list)
    entries: dict[tuple[str | None, str], tuple[LoadedCatalog, Entry]] = field(default_factory=dict)
    contexts: dict[str, tuple[LoadedCatalog, Entry]] = field(default_factory=dict)
    folder: Path | None = None  # locales/<lang>/LC_MESSAGES
    ui: UiStrings = field(default_factory=UiStrings)  # the templates' and builders' strings

    @property
    def reviewed(self) -> bool:
        return bool(self.files) and all(c.reviewed for c in self.files)

    def charset(self) -> str:
        """Every character this language's documents can show: translations, English, dates."""
        import datetime as _dt
        import string

        from babel.dates import format_date

        chars = set(string.printable) | set("–—‘’“”«»…·•→≥≤×°±")
        for (_ctx, msgid), (_catalog, entry) in self.entries.items():
            chars.update(msgid)
            chars.update(entry.msgstr)
        for catalog in self.files:
            chars.update(catalog.reviewed_by)
        if self.lang != SOURCE_LANG:
            locale = language(self.lang).locale
            for month in range(1, 13):
                chars.update(format_date(_dt.date(2026, month, 28), "long", locale=locale))
            chars.update(locale.get_display_name(locale) or "")
        return "".join(sorted(chars))

    def lookup(self, ctx: str | None, msgid: str) -> tuple[str | None, str]:
        """(translation, "") when current, else (None, "untranslated" | "stale")."""
        text, reason, _found = self.find(ctx, msgid)
        return text, reason

    def find(self, ctx: str | None, msgid: str) -> tuple[str | None, str, Found]:
        """`lookup`, and where the entry is (or should be)."""
        if self.lang == SOURCE_LANG:
            return msgid, "", Found(None, None)
        hit = self.entries.get((ctx, msgid))
        if hit is not None:
            catalog, entry = hit
            if entry.fuzzy and entry.msgstr:
                return None, "stale", Found(catalog, entry)
            return ((entry.msgstr, "", Found(catalog, entry)) if entry.msgstr
                    else (None, "untranslated", Found(catalog, entry)))
        if ctx is not None and ctx in self.contexts:
            # The English changed and the catalog was not updated yet.
            return None, "stale", Found(*self.contexts[ctx])
        return None, "untranslated", Found(None, None, self.expected_file(ctx))

    def expected_file(self, ctx: str | None) -> str:
        if self.folder is None:
            return ""
        head = (ctx or "").split("/", 1)[0]
        domain = "ui" if ctx is None else {"glossary": "glossary", "bundle": "bundles"}.get(head, head)
        return display_path(self.folder / f"{domain}.po")

    def ui_catalog(self) -> LoadedCatalog | None:
        return next((c for c in self.files if c.domain == "ui"), None)


def load_catalogs(project: Project, lang: str) -> Catalogs:
    """Read and check every PO file of `lang` and of the languages it falls back to (es_MX -> es,
    zh_TW -> zh_Hant); one bad entry stops the language (TranslationError)."""
    if lang == SOURCE_LANG:
        return Catalogs(lang)
    from builder.languages import catalog_chain

    catalogs = _load_folder(project, lang)
    # A region or script variant reads its parents' catalogs for what it does not translate
    # itself; only what no catalog of the chain has falls back to English (and is marked).
    for parent in catalog_chain(lang, locale_dirs(project))[1:]:
        if parent in (lang, SOURCE_LANG):
            continue
        inherited = _load_folder(project, parent)
        catalogs.files += inherited.files
        for ctx, found in inherited.contexts.items():
            catalogs.contexts.setdefault(ctx, found)
        for key, (catalog, entry) in inherited.entries.items():
            own = catalogs.entries.get(key)
            if entry.msgstr and not entry.fuzzy and (
                    own is None or not own[1].msgstr or own[1].fuzzy):
                catalogs.entries[key] = (catalog, entry)
    catalogs.ui = _ui_strings(project, catalogs)
    return catalogs


def _load_folder(project: Project, lang: str) -> Catalogs:
    """One folder's catalogs, without its parents."""
    catalogs = Catalogs(lang)
    folder = project.locales / lang / "LC_MESSAGES"
    catalogs.folder = folder
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.po")):
        catalog, found = _read_checked(path, lang, project.cache)
        problems.extend(found)
        if catalog is None:
            continue
        catalogs.files.append(catalog)
        for (ctx, msgid), entry in catalog.entries.items():
            catalogs.entries[(ctx, msgid)] = (catalog, entry)
            if ctx:
                catalogs.contexts[ctx] = (catalog, entry)
    if problems:  # a broken termbase is reported once, not once per catalog
        raise TranslationError(list(dict.fromkeys(problems)))
    return catalogs


_PLURAL_RE = re.compile(r"plural\s*=\s*([^;]+)")


def _ui_strings(project: Project, catalogs: Catalogs) -> UiStrings:
    """The UI translations that may be printed, their plural rule, and the msgids that fall back."""
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    rule, ruled = "n != 1", False
    for catalog in catalogs.files:
        found = _PLURAL_RE.search(catalog.headers.get("Plural-Forms", ""))
        if catalog.domain == "ui" and found and not ruled:  # the variant's own rule first
            rule, ruled = found.group(1).strip(), True
        for (ctx, msgid), entry in catalog.entries.items():
            if ctx is not None or entry.fuzzy:
                continue
            if entry.forms and all(entry.forms):  # a variant's own catalogs come first
                plural.setdefault(msgid, entry.forms)
            elif entry.msgstr and not entry.forms:
                singular.setdefault(msgid, entry.msgstr)
    missing = [msgid for msgid in _ui_msgids(project)
               if msgid not in singular and msgid not in plural]
    return UiStrings(catalogs.lang, singular, plural, rule, tuple(missing))


def _ui_msgids(project: Project) -> list[str]:
    template = project.locales / "ui.pot"
    if not template.is_file():
        return []
    from babel.messages.pofile import read_po

    with template.open("rb") as handle:
        return [m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id]


def _read_checked(path: Path, lang: str, cache: Path) -> tuple[LoadedCatalog | None, list[Problem]]:
    """read_catalog, cached by the file's bytes: a catalog that passed QA once need not again."""
    try:
        data = path.read_bytes()
    except OSError:
        return read_catalog(path, lang)
    # The language's termbase is part of the QA, so a changed termbase checks the catalog again.
    termbase = termbase_path(path.parent.parent)
    terms = termbase.read_bytes() if termbase.is_file() else b""
    found: list[Problem] = []

    def read() -> LoadedCatalog | None:
        catalog, problems = read_catalog(path, lang)
        found.extend(problems)
        return catalog

    key = cache_key("catalog;v2", data, terms, str(path.resolve()), str(Path.cwd()), lang)
    catalog = cached(cache / "catalogs", f"{lang}-{path.stem}", key, LoadedCatalog, read,
                     keep=lambda value: value is not None and not found)  # only clean ones
    return catalog, found


Miss = tuple[str, str, Found]  # context, reason, where the entry is (or should be)


class Localizer:
    """Looks up one document's strings and records what had to fall back to English."""

    def __init__(self, lib: Library, catalogs: Catalogs, level: Level):
        self.lib = lib
        self.catalogs = catalogs
        self.level = level
        self.fallbacks: list[Fallback] = []
        self.used: dict[Path, LoadedCatalog] = {}  # catalogs whose translations are shown
        # Every string handed out, in order: what the document shows, for incremental builds.
        self.digest = hashlib.sha256(f"{catalogs.lang}|{level}".encode())

    def field(self, owner: str, value: object, name: str | None,
              misses: list[Miss]) -> str | list[str] | None:
        english = at_level(value, self.level)  # type: ignore[arg-type]
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

    def _one(self, ctx: str, english: str, misses: list[Miss]) -> str:
        text, reason, found = self.catalogs.find(ctx, english)
        if text is None:
            misses.append((ctx, reason, found))
            text = english
        elif found.catalog is not None:
            self.used[found.catalog.path] = found.catalog
        self.digest.update(f"\0{ctx}\0{text}\0{reason}".encode())
        return text

    def record(self, where: Where, misses: list[Miss]) -> None:
        for ctx, reason, found in misses:
            if found.entry is not None and found.catalog is not None:
                entry: Where | None = Where(display_path(found.catalog.path),
                                            found.entry.line or None)
            else:
                entry = Where(found.expected) if found.expected else None
            self.fallbacks.append(Fallback(where, ctx, self.catalogs.lang, reason, entry))

    def provenance(self) -> tuple[bool, list[str]]:
        """Reviewed only if every catalog the document draws from is (UI strings included)."""
        used = dict(self.used)
        ui = self.catalogs.ui_catalog()
        if ui is not None:
            used[ui.path] = ui
        reviewed = bool(used) and all(c.reviewed for c in used.values())
        names = sorted({c.reviewed_by for c in used.values() if c.reviewed_by})
        return reviewed, names if reviewed else []


def _field_of(ctx: str, owner: str) -> str:
    """The field of a context `owner/level[/field]`: "text", "slide", "items/0" (from item1)."""
    rest = ctx[len(owner) + 1:].split("/")[1:] if ctx.startswith(owner + "/") else []
    if not rest:
        return "text"
    if rest[0].startswith("item") and rest[0][4:].isdigit():
        return f"items/{int(rest[0][4:]) - 1}"
    return rest[0]


DECK_ONLY = ("slide", "notes", "discussion")  # block types a leaflet does not print


def localize_topic(loc: Localizer, topic_id: str, keep: set[str] | None = None) -> LocalizedTopic:
    """One topic at the localizer's level; `keep`: only these block ids (a bundle's `carry`)."""
    lib, level = loc.lib, loc.level
    topic = lib.topics[topic_id]
    where = lib.where[("topic", topic_id)]
    english: set[str] = set()
    meta: dict[str, object] = {}
    for name, owner, value in (("title", "@title", topic.title), ("summary", "@summary", topic.summary),
                               ("link_label", "@link", topic.link.label if topic.link else None),
                               ("reviewer_role", "@reviewer_role", topic.review.reviewer_role)):
        if value is None:
            meta[name] = None
            continue
        misses: list[Miss] = []
        meta[name] = loc.field(f"{topic_id}/{owner}", value, None, misses)
        if misses:
            english.add(name)
            loc.record(where, misses)
    blocks = []
    shown_blocks = blocks_at(topic, level)
    omitted = False
    if keep is not None:
        omitted = any(b.id not in keep and b.type not in DECK_ONLY for b in shown_blocks)
        shown_blocks = [b for b in shown_blocks if b.id in keep]
    for block in shown_blocks:
        owner = f"{topic_id}/{block.id}"
        misses = []
        values: dict[str, object] = {}
        kind = block.kind
        for name in sorted(kind.strings, key=LOOKUP_ORDER.index):
            field_name = None if name in ("text", "items") else name
            values[name] = loc.field(owner, getattr(block, name), field_name, misses)
        block_where = lib.block_where(topic_id, block.id)
        loc.record(block_where, misses)  # each entry falls back on its own
        shown: set[str] = set()
        for ctx, _reason, _found in misses:
            name = _field_of(ctx, owner)
            shown.add("text" if name == kind.text_from else name)
        rb = LocalizedBlock(id=block.id, type=block.type, topic=topic_id, where=block_where,
                    text=values.get(kind.text_from),  # type: ignore[arg-type]
                    items=list(values.get("items") or []),  # type: ignore[call-overload]
                    slide=values.get("slide"), term=values.get("term"),  # type: ignore[arg-type]
                    caption=values.get("caption"),  # type: ignore[arg-type]
                    ordered=getattr(block, "ordered", False),
                    write_in=getattr(block, "write_in", 0), english=frozenset(shown),
                    boxes=getattr(block, "boxes", True), cites=list(block.cites))
        if isinstance(block, Image):
            rb.src = lib.image_path(block)
        blocks.append(rb)
    term_ids = topic.terms_at(level)
    if omitted:  # explain only the words the blocks carried still use
        term_ids = [t for t in term_ids if _uses(shown_blocks, lib.glossary[t].term, level)]
    terms = [localize_term(loc, term_id) for term_id in term_ids]
    return LocalizedTopic(id=topic_id, version=topic.version, title=str(meta["title"]),
                  summary=str(meta["summary"]), review=topic.review, sources=list(topic.sources),
                  blocks=blocks, terms=terms, link_url=topic.link.url if topic.link else None,
                  link_label=str(meta["link_label"]) if meta["link_label"] else None,
                  reviewer_role=str(meta["reviewer_role"]), english=frozenset(english),
                  omitted=omitted)


def _uses(blocks: list[BlockBase], term: object, level: Level) -> bool:
    """Whether the English of `blocks` at `level` uses the glossary `term` (at a word start)."""
    word = at_level(term, level)  # type: ignore[arg-type]
    if not word:
        return False
    pattern = re.compile(r"(?<!\w)" + re.escape(word.casefold()))
    for block in blocks:
        for name in ("text", "items", "caption", "term"):
            value = at_level(getattr(block, name, None), level)
            for piece in value if isinstance(value, list) else [value]:
                if piece and pattern.search(piece.casefold()):
                    return True
    return False


def localize_term(loc: Localizer, term_id: str) -> LocalizedTerm:
    entry = loc.lib.glossary[term_id]
    owner = f"glossary/{term_id}"
    term_misses: list[Miss] = []
    text_misses: list[Miss] = []
    term = loc.field(owner, entry.term, "term", term_misses)
    text = loc.field(owner, entry.text, None, text_misses)
    loc.record(loc.lib.where[("term", term_id)], term_misses + text_misses)
    english = {name for name, misses in (("term", term_misses), ("text", text_misses)) if misses}
    return LocalizedTerm(term_id, str(term), str(text), english=frozenset(english))


def build_date() -> dt.date:
    """The print date: SOURCE_DATE_EPOCH when set (reproducible builds), else today.

    Read once per build (`load_inputs`), so every file of one build carries the same date.
    """
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is not None:
        try:
            if not (raw.strip().isascii() and raw.strip().isdigit()):
                raise ValueError(raw)
            return dt.datetime.fromtimestamp(int(raw.strip()), tz=dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            raise ConfigError(f"SOURCE_DATE_EPOCH: '{raw[:40]}' is not a whole number of "
                              "seconds since 1970-01-01 (e.g. 1767225600); fix or unset it") from None
    return dt.date.today()


def localize(lib: Library, catalogs: Catalogs, kind: str, doc_id: str, level: Level,  # noqa: PLR0913, PLR0917 - one per build option a document depends on
             clinic: Clinic, paper: str, large_print: bool = False,
             date: dt.date | None = None, session: Session | None = None, leaflet: bool = False,
             duplex: bool = False) -> Doc:
    """One document in one language and level. `leaflet`: as a leaflet prints it, a bundle
    carrying only the blocks its `carry` names (a deck shows every block)."""
    loc = Localizer(lib, catalogs, level)
    english: set[str] = set()
    carry: dict[str, list[str]] = {}
    if kind == "bundle":
        bundle = lib.bundles[doc_id]
        title_misses: list[Miss] = []
        summary_misses: list[Miss] = []
        title = loc.field(f"bundle/{doc_id}/@title", bundle.title, None, title_misses)
        summary = loc.field(f"bundle/{doc_id}/@summary", bundle.summary, None, summary_misses)
        loc.record(lib.where[("bundle", doc_id)], title_misses + summary_misses)
        english = {n for n, m in (("title", title_misses), ("summary", summary_misses)) if m}
        topic_ids = list(bundle.topics)
        audience = bundle.audience
        minutes = {t: bundle.minutes_of(t) for t in topic_ids}
        budget = pages_at(bundle.pages, level)
        carry = bundle.carry if leaflet else {}
    else:
        topic_ids, audience, minutes = [doc_id], "clinic", {}
        budget = pages_at(lib.topics[doc_id].pages, level)
    topics = [localize_topic(loc, t, set(carry[t]) if t in carry else None) for t in topic_ids]
    if kind == "topic":
        title, summary = topics[0].title, topics[0].summary
        english = set(topics[0].english & {"title", "summary"})
    glossary: dict[str, LocalizedTerm] = {}
    for topic in topics:
        for term in topic.terms:
            glossary.setdefault(term.id, term)
    lang = language(catalogs.lang)
    for topic_id in topic_ids:
        loc.digest.update(_topic_meta_digest(lib, topic_id).encode())
    loc.digest.update(f"\0pages={budget}\0carry={sorted(carry.items())}".encode())
    reviewed, reviewers = loc.provenance()
    doc = Doc(kind=kind, id=doc_id, lang=lang, level=level, title=str(title),
              summary=str(summary), topics=topics,
              glossary=sorted(glossary.values(), key=lambda t: t.term.casefold()),
              fallbacks=loc.fallbacks,
              provenance=Provenance(
                  translated=catalogs.lang != SOURCE_LANG, reviewed=reviewed,
                  source_versions=[(t, lib.topics[t].version,
                                    lib.topics[t].review.last_reviewed
                                    or lib.topics[t].review.written) for t in topic_ids],
                  reviewers=reviewers),
              clinic=clinic, paper=paper, large_print=large_print,
              date=date or build_date(),
              ui=catalogs.ui, audience=audience, content_digest=loc.digest.hexdigest(),
              english=frozenset(english), session=session or Session(host=clinic.host),
              minutes=minutes, pages=budget, duplex=duplex)
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
                      f"{getattr(block, 'ordered', '')}:{getattr(block, 'boxes', '')}".encode())
    return digest.hexdigest()


__all__ = ["Catalogs", "Localizer", "load_catalogs", "localize"]
