"""One document in one language and level, kept laid out and drawn, with every entry's state.

`refresh()` localizes the document again (milliseconds); only when what it shows changed is it
laid out again, and only the pages whose drawing changed are drawn again. The result is a
snapshot: page images and, per catalog entry, its boxes on the pages and what a translator
needs to know about it (untranslated, stale with a word diff, a QA problem, overflow).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from builder.builders import Assets, RenderContext
from builder.document import Doc
from builder.errors import BuilderError, Problem, display_path
from builder.i18n.diff import word_diff
from builder.i18n.messages import (
    SLIDE_BUDGET,
    Msg,
    bundle_messages,
    glossary_messages,
    topic_messages,
)
from builder.localize import SOURCE_LANG, Catalogs, Found, localize
from builder.markup import to_plain
from builder.preview.layout import Layout, Placed, confirm, lay_out, rasterize
from builder.preview.workspace import Workspace

# Worst first: a pin shows the first state that holds; the panel lists them all.
STATES = ("qa", "stale", "untranslated", "overflow")
KEPT_RENDERS = 3  # page images of this many renders stay available to browsers still loading
# Snapshot fields of one publication (its number, its times), not of what the document shows.
PER_PUBLICATION = ("version", "ms", "since_save_ms", "cpu_ms")


@dataclass(frozen=True)
class Target:
    """What a preview shows: one document in one language at one level."""

    kind: str  # topic | bundle
    id: str
    lang: str
    level: str


@dataclass
class _Recording(Catalogs):
    """The catalogs of a language, noting every entry the document looks up, in order."""

    seen: dict[str, tuple[str, str | None, str, Found]] = field(default_factory=dict)

    def find(self, ctx: str | None, msgid: str) -> tuple[str | None, str, Found]:
        text, reason, found = super().find(ctx, msgid)
        if ctx is not None:
            self.seen.setdefault(ctx, (msgid, text, reason, found))
        return text, reason, found


def recording(catalogs: Catalogs) -> _Recording:
    return _Recording(**{f.name: getattr(catalogs, f.name) for f in dataclasses.fields(Catalogs)})


def entry_key(ctx: str) -> str:
    """`owner#field` of a msgctxt, as the leaflet HTML names it in `data-entry`.

    `topic/block/level[/field]`, `glossary/term/level[/term]`, `topic/@title/level`,
    `bundle/id/@title/level`; list items are `.../item3` -> `items/2`.
    """
    parts = ctx.split("/")
    depth = 3 if parts[0] == "bundle" else 2
    owner, rest = "/".join(parts[:depth]), parts[depth + 1:]
    name = rest[0] if rest else "text"
    if name.startswith("item") and name[4:].isdigit():
        name = f"items/{int(name[4:]) - 1}"
    return f"{owner}#{name}"


class Preview:
    """A document kept laid out; not thread-safe (the hub calls it under one lock)."""

    def __init__(self, workspace: Workspace, target: Target, paper: str | None = None):
        from weasyprint.text.fonts import FontConfiguration

        self.ws = workspace
        self.target = target
        self.paper = paper
        self.version = 0
        self.snapshot: dict[str, Any] = {}
        self.images: dict[str, bytes] = {}  # page PNGs by name
        self._renders: list[list[str]] = []  # the page names of the last renders
        self._fonts = FontConfiguration()  # fonts registered once, kept by Pango between renders
        self._image_cache: dict[str, Any] = {}  # WeasyPrint's decoded images (logo, QR codes, figures)
        self._english_fonts = FontConfiguration()
        self._layout: Layout | None = None
        self._shown = ""  # digest of what the laid-out document shows
        self._english: tuple[int, Layout] | None = None
        self._messages: tuple[int, dict[str, Msg]] | None = None
        self._charset: tuple[int, str] | None = None
        self._render_problem: Problem | None = None
        self._deck: tuple[str, tuple[dict[str, Any], bytes]] | None = None
        self._names: list[str] = []  # page image names of the current layout
        self._pending: list[int] = []  # pages of the current layout not drawn yet
        # The document, catalogs and context of a layout whose fit tier `finish` is to check.
        self._unchecked: tuple[Doc, _Recording, RenderContext] | None = None
        self._drawn_generation = workspace.generation

    @property
    def layout(self) -> Layout | None:
        """The document as last laid out (None until it could be)."""
        return self._layout

    @property
    def unfinished(self) -> bool:
        """`finish` has work: a fit tier to check or pages to draw."""
        return bool(self._pending) or self._unchecked is not None

    @property
    def chain(self) -> list[str]:
        return self.ws.chain(self.target.lang)

    # -- rendering --------------------------------------------------------------------------
    def _doc(self, catalogs: Catalogs) -> Doc:
        t = self.target
        clinic = self.ws.clinic
        return localize(self.ws.lib, catalogs, t.kind, t.id, t.level,  # type: ignore[arg-type]
                        clinic, self.paper or clinic.profile.paper, False, dt.date.today())

    def _context(self, catalogs: Catalogs) -> RenderContext:
        project, clinic = self.ws.project, self.ws.clinic
        if self._charset is None or self._charset[0] != self.ws.generation:
            # The characters the language's catalogs use, as a build has them, so the large
            # fonts are subset once per session (a new character adds itself when it appears).
            self._charset = (self.ws.generation, catalogs.charset())
        roots = [("templates", project.templates), ("content", project.content),
                 ("fonts", project.cache / "fonts")]
        if clinic.logo:
            roots.append(("clinic", clinic.logo.parent))
        return RenderContext(templates=project.templates, content=project.content,
                             cache=project.cache, deck_template=clinic.template,
                             layout_names={str(k): v for k, v in clinic.profile.layouts.items()},
                             charsets={self.target.lang: self._charset[1]},
                             assets=Assets(roots=tuple(roots)))

    def refresh(self) -> dict[str, Any] | None:
        """Bring the snapshot up to date; the new one, or None when nothing a reader sees changed.

        Of the pages whose drawing changed, those showing a changed entry are drawn now; the
        others (pushed down by a longer paragraph) are left for `finish`, so the page a
        translator is looking at comes first. A leaflet with a page budget is laid out at the
        fit tier of the last layout, and `finish` checks the tier before it.
        """
        start = time.perf_counter()
        catalogs = recording(self.ws.catalogs(self.target.lang))
        doc = self._doc(catalogs)
        shown = _shown_digest(doc, self.ws.generation)
        if shown != self._shown or self._layout is None:
            if self.ws.generation != self._drawn_generation:
                self._image_cache.clear()  # a content image may have changed under its name
                self._drawn_generation = self.ws.generation
            ctx = self._context(catalogs)
            try:
                hint = self._layout.tier if self._layout is not None else None
                layout = lay_out(doc, ctx, self._fonts, self._image_cache, hint, check=False)
            except BuilderError as exc:  # a template error: keep the pages as they were
                self._render_problem = exc.problems[0] if exc.problems else Problem("", None, str(exc))
            else:
                self._render_problem = None
                self._install(layout, shown)
                self._unchecked = None if layout.checked else (doc, catalogs, ctx)
        snapshot = self._snapshot(doc, catalogs)
        if self._pending:
            first = self._showing_changes(snapshot) & set(self._pending) or set(self._pending)
            self._draw(sorted(first))
        snapshot["pages"] = self._pages()
        if snapshot == {k: v for k, v in self.snapshot.items() if k not in PER_PUBLICATION}:
            return None
        return self._publishable(snapshot, start)

    def finish(self) -> dict[str, Any] | None:
        """Check the fit tier `refresh` took from the last layout (laid out again, rarely, when
        the tier before it fits now) and draw the pages `refresh` left for later; the snapshot
        with them, or None."""
        start = time.perf_counter()
        snapshot = None
        if self._unchecked is not None and self._layout is not None:
            doc, catalogs, ctx = self._unchecked
            self._unchecked = None
            try:
                build = confirm(self._layout, doc, ctx, self._fonts, self._image_cache)
            except BuilderError:  # what was laid out at one tier fails at another: shown as is
                build = None
            if build is not None:
                self._install(build, self._shown)
                snapshot = self._snapshot(doc, catalogs)
        if not self._pending and snapshot is None:
            return None
        self._draw(list(self._pending))
        if snapshot is None:
            snapshot = {k: v for k, v in self.snapshot.items() if k not in PER_PUBLICATION}
        snapshot["pages"] = self._pages()
        return self._publishable(snapshot, start)

    def _install(self, layout: Layout, shown: str) -> None:
        """`layout` as the current one: its pages named by what they show, those not drawn yet
        pending."""
        self._layout, self._shown = layout, shown
        self._names = [
            hashlib.sha256(f"{self.ws.generation}|{w}x{h}|{fp}".encode()).hexdigest()[:20]
            for fp, (w, h) in zip(layout.fingerprints, layout.sizes, strict=True)]
        self._renders = [*self._renders[-(KEPT_RENDERS - 1):], self._names]
        self._pending = [n for n, name in enumerate(self._names) if name not in self.images]

    def _publishable(self, snapshot: dict[str, Any], start: float) -> dict[str, Any]:
        self.version += 1
        snapshot["version"] = self.version
        snapshot["ms"] = round((time.perf_counter() - start) * 1000)
        self.snapshot = snapshot
        return snapshot

    def _showing_changes(self, snapshot: dict[str, Any]) -> set[int]:
        """The pages of the entries whose text or state differs from the last snapshot."""
        if not self.snapshot:
            return set()
        before = {e["ctx"]: (e["shown"], e["states"]) for e in self.snapshot["entries"]}
        return {box["page"] for e in snapshot["entries"]
                if before.get(e["ctx"]) != (e["shown"], e["states"]) for box in e["boxes"]}

    def _draw(self, pages: list[int]) -> None:
        if self._layout is None:
            return
        for number, png in rasterize(self._layout, pages).items():
            self.images[self._names[number]] = png
        self._pending = [n for n in self._pending if n not in pages]
        kept = {name for render in self._renders for name in render}
        for name in [n for n in self.images if n not in kept]:
            del self.images[name]

    def _pages(self) -> list[dict[str, Any]]:
        """Each page's image name and size; `ready` is false while it is still being drawn (the
        browser keeps showing the previous picture of that page)."""
        if self._layout is None:
            return []
        return [{"name": name, "width": round(w, 2), "height": round(h, 2),
                 "ready": n not in self._pending}
                for n, (name, (w, h)) in enumerate(zip(self._names, self._layout.sizes,
                                                       strict=True))]

    def deck(self) -> tuple[dict[str, Any], bytes]:
        """The slides of the document (see slides.py) and its PPTX, made again only when what
        the document shows changed."""
        from builder.preview.slides import deck_preview

        if self._deck is None or self._deck[0] != self._shown:
            catalogs = recording(self.ws.catalogs(self.target.lang))
            doc = self._doc(catalogs)
            try:
                made = deck_preview(doc, self._context(catalogs), self.snapshot.get("entries", []))
            except BuilderError as exc:  # a clinic deck template without a layout, a font
                made = ({"slides": [], "problems": [str(p) for p in exc.problems]}, b"")
            self._deck = (self._shown, made)
        return self._deck[1]

    def english(self) -> Layout | None:
        """The same document in English, laid out: what growth and page count compare with."""
        if self.target.lang == SOURCE_LANG:
            return self._layout
        if self._english is None or self._english[0] != self.ws.generation:
            doc = self._doc(Catalogs(SOURCE_LANG))
            ctx = dataclasses.replace(self._context(Catalogs(SOURCE_LANG)), charsets={})
            try:
                layout = lay_out(doc, ctx, self._english_fonts)
                # Only its boxes and page count are compared with: not its pages' box trees.
                self._english = (self.ws.generation,
                                 dataclasses.replace(layout, document=None, fitted=None))
            except BuilderError:
                return None
        return self._english[1]

    # -- what the page shows ----------------------------------------------------------------
    def _msgs(self) -> dict[str, Msg]:
        """The translator comments of every entry of the document, as the .pot has them."""
        if self._messages is None or self._messages[0] != self.ws.generation:
            lib = self.ws.lib
            msgs: list[Msg] = []
            topics = (lib.bundles[self.target.id].topics if self.target.kind == "bundle"
                      else [self.target.id])
            for topic_id in topics:
                if topic_id in lib.topics:
                    msgs += topic_messages(lib.topics[topic_id])
            for index, entry in enumerate(lib.glossary.values()):
                msgs += glossary_messages(entry, index)
            for index, bundle in enumerate(lib.bundles.values()):
                msgs += bundle_messages(bundle, index)
            self._messages = (self.ws.generation, {m.context: m for m in msgs})
        return self._messages[1]

    def _where(self, key: str) -> str:
        """The content line of the English of an entry."""
        owner = key.split("#", 1)[0]
        parts = owner.split("/")
        lib = self.ws.lib
        if parts[0] == "glossary":
            found = lib.where.get(("term", parts[1]))
        elif parts[0] == "bundle":
            found = lib.where.get(("bundle", parts[1]))
        elif parts[1].startswith("@"):
            found = lib.where.get(("topic", parts[0]))
        else:
            found = lib.where.get(("block", parts[0], parts[1]))
        return str(found) if found else ""

    def _snapshot(self, doc: Doc, catalogs: _Recording) -> dict[str, Any]:
        layout = self._layout
        english = self.english() if layout is not None else None
        english_pages = len(english.sizes) if english is not None else 0
        msgs = self._msgs()
        entries = []
        counts = dict.fromkeys(STATES, 0)
        for number, (ctx, (source, text, reason, found)) in enumerate(catalogs.seen.items()):
            key = entry_key(ctx)
            item = self._entry(ctx, key, source, text, reason, found, msgs.get(ctx), doc)
            placed = layout.placed.get(key) if layout is not None else None
            theirs = english.placed.get(key) if english is not None else None
            item["id"] = f"e{number}"
            item["boxes"] = _boxes(placed, layout) if placed is not None and layout else []
            item["lines"] = placed.lines if placed else 0
            item["english_lines"] = theirs.lines if theirs else 0
            late = sorted({r.page + 1 for r in placed.rects if r.page >= english_pages}) \
                if placed is not None and english_pages and self.target.lang != SOURCE_LANG else []
            past = (placed.overflow if placed is not None else 0) - \
                (theirs.overflow if theirs is not None and self.target.lang != SOURCE_LANG else 0)
            if placed is not None and past > 0:  # past its column, more than the English is
                item["overflow"] = round(placed.overflow)
                item["states"].append("overflow")
            elif late:
                item["pushed"] = late[0]
                item["states"].append("overflow")
            item["state"] = next((s for s in STATES if s in item["states"]), "ok")
            for state in set(item["states"]):
                counts[state] += 1
            entries.append(item)
        problems = [str(p) for p in self.ws.file_problems(self.target.lang)]
        if self._render_problem is not None:
            problems.insert(0, str(self._render_problem))
        lang = doc.lang
        return {
            "target": dataclasses.asdict(self.target), "title": to_plain(doc.title, doc.values),
            "lang_name": lang.display_name, "dir": lang.direction, "tag": lang.tag,
            "source": self.target.lang == SOURCE_LANG,
            "english_pages": english_pages, "entries": entries, "counts": counts,
            "problems": problems, "generation": self.ws.generation,
            "shown": self._shown[:16],  # changes when what the document shows changes
        }

    def _entry(self, ctx: str, key: str, source: str, text: str | None, reason: str,
               found: Found, msg: Msg | None, doc: Doc) -> dict[str, Any]:
        po, written = (self.ws.written(found.catalog, (found.entry.context, found.entry.msgid))
                       if found.entry is not None else (None, None))
        qa = po.qa.get((written.context, written.msgid), []) if po and written else []
        states: list[str] = []
        previous = None
        if self.target.lang == SOURCE_LANG:
            pass
        elif qa:
            states.append("qa")
        elif reason == "stale":
            states.append("stale")
            if written is not None and written.msgid != source:
                previous = written.msgid  # the catalog still has the old English
            elif po is not None and ctx in po.previous:
                previous = po.previous[ctx]  # `#| msgid` written by `handout i18n update`
        elif reason == "untranslated":
            states.append("untranslated")
        item: dict[str, Any] = {
            "ctx": ctx, "key": key, "states": states, "source": source,
            "translation": written.msgstr if written is not None else "",
            "shown": to_plain(text if text is not None else source, doc.values),
            "in_english": text is None and self.target.lang != SOURCE_LANG,
            "comments": list(msg.comments) if msg else [],
            "po": display_path(po.path) if po else found.expected,
            "line": written.line if written is not None else None,
            "content": self._where(key),
            "problems": [p.message for p in qa],
        }
        if key.endswith("#slide") and len(item["shown"]) > SLIDE_BUDGET:
            item["over_budget"] = len(item["shown"])  # told to translators in the .po comments
        if previous is not None:
            item["previous"] = previous
            item["diff"] = word_diff(previous, source)
        return item


def _boxes(placed: Placed, layout: Layout) -> list[dict[str, float]]:
    """An entry's boxes as fractions of its page, so the browser can place them at any size."""
    out = []
    for rect in placed.rects:
        width, height = layout.sizes[rect.page]
        out.append({"page": rect.page, "x": round(rect.x / width, 5), "y": round(rect.y / height, 5),
                    "w": round(rect.w / width, 5), "h": round(rect.h / height, 5)})
    return out


def _shown_digest(doc: Doc, generation: int) -> str:
    """Everything a laid-out page shows: the document's strings, UI strings, provenance."""
    digest = hashlib.sha256(f"{generation}|{doc.content_digest}|{doc.date}|{doc.paper}".encode())
    digest.update(repr(sorted(doc.ui.singular.items())).encode())
    digest.update(repr(sorted(doc.ui.plural.items())).encode())
    digest.update(repr(dataclasses.astuple(doc.provenance)).encode())
    return digest.hexdigest()


__all__ = ["STATES", "Preview", "Target", "entry_key"]
