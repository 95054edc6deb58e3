"""`--format pdf`: the leaflet HTML through WeasyPrint, reading only the project's own assets."""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from builder.builders import RenderContext, register
from builder.builders.html import FIT_MARGINS_MM, document_text, notes_line_count, render_html
from builder.document import Doc
from builder.errors import RenderError
from builder.languages import check_coverage
from builder.markup import to_plain


class KeptFonts:
    """WeasyPrint font configurations kept between the renders of one process (a web render
    worker, which renders one document at a time): fonts are registered, and images decoded,
    once, not per document (about 12 % of a leaflet's CPU, measured on 18 leaflets).

    One configuration per set of @font-face rules: a large font is subset to each document's
    characters under the same family name, and one configuration holding two subsets of a
    family could lay a character out in the subset that lacks it. Bounded. Passed to `layout`
    on the process's own `RenderContext.kept`, and dropped with it when the project's files
    change (an image file may change under its name)."""

    KEPT = 8
    FACES = re.compile(r"@font-face\s*\{[^}]*\}")

    def __init__(self) -> None:
        self._fonts: OrderedDict[tuple[str, ...], Any] = OrderedDict()
        self.images: dict[Any, Any] = {}

    def fonts_for(self, html: str) -> Any:
        from weasyprint.text.fonts import FontConfiguration

        key = tuple(self.FACES.findall(html))
        if key not in self._fonts:
            self._fonts[key] = FontConfiguration()
            while len(self._fonts) > self.KEPT:
                self._fonts.popitem(last=False)
        self._fonts.move_to_end(key)
        return self._fonts[key]


def asset_fetcher(roots: list[Path], files: list[Path]) -> Any:
    """A WeasyPrint URL fetcher that serves files under `roots` (and `files`) and refuses all else.

    WeasyPrint's default fetcher follows file:// and http:// anywhere; a stray reference in
    content, a template or a translation would embed local files or reach the network.
    Refusals are fatal: the render stops, nothing is written.
    """
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    allowed_roots = [r.resolve() for r in roots]
    allowed_files = {f.resolve() for f in files}

    class AssetFetcher(URLFetcher):  # type: ignore[misc]
        refused: list[str] = []  # noqa: RUF012 - the class is made anew by each asset_fetcher call

        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            parsed = urlparse(url)
            if parsed.scheme == "file" and not parsed.netloc:
                path = Path(unquote(parsed.path)).resolve()
                inside = path in allowed_files or any(path.is_relative_to(r) for r in allowed_roots)
                if inside and path.is_file():
                    return URLFetcherResponse(url, path.read_bytes(),
                                              {"Content-Type": _mime(path)})
            self.refused.append(url)
            raise FatalURLFetchingError(
                f"refused to fetch {url[:80]!r}: only the project's own templates, content "
                "images and the clinic logo may be used")

    return AssetFetcher(allowed_protocols=["file"], fail_on_errors=True)


def _mime(path: Path) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png",
            ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".otf": "font/otf",
            ".ttf": "font/ttf", ".woff2": "font/woff2"}.get(path.suffix.lower(),
                                                            "application/octet-stream")


class _Collector(logging.Handler):
    """WeasyPrint's warnings logged by one thread: renders in other threads keep their own."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


@contextmanager
def weasyprint_warnings_fail(what: str) -> Iterator[None]:
    """WeasyPrint only logs missing images, fonts and bad CSS; for us each is a failed build."""
    collector = _Collector()
    logger = logging.getLogger("weasyprint")
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)  # once per process, never reset: threads share it
    logger.addHandler(collector)
    try:
        yield
    finally:
        logger.removeHandler(collector)
    if collector.messages:
        raise RenderError(f"{what}: WeasyPrint: " + "; ".join(collector.messages[:5]))


_PATCH_LOCK = threading.Lock()


def structure_languages() -> None:
    """Give each PDF structure element made from an HTML element with `lang` that /Lang.

    PDF/UA wants every change of language marked (Matterhorn 11-001..005), so a screen reader
    speaks an English fallback paragraph or the English source list of a German leaflet in
    English. WeasyPrint (70) writes /Lang only into the catalog and has no option for more; the
    PDF it writes no longer says which structure element came from which HTML element, so a
    post-processing step cannot do it. This wraps the one function that makes the structure
    elements and adds /Lang where the HTML element has it. It is installed once per process and
    never removed: renders in other threads see the same function, never one half-swapped.
    """
    import pydyf
    from weasyprint.pdf import tags

    with _PATCH_LOCK:
        original = getattr(tags, "_build_box_tree", None)
        if original is None:
            raise RenderError("this WeasyPrint version builds its PDF structure tree differently: "
                              "per-element /Lang cannot be set; use WeasyPrint 66 to 70")
        if getattr(original, "handout_lang", False):
            return

        def build_box_tree(box: Any, parent: Any, *args: Any) -> Iterator[Any]:
            element = getattr(box, "element", None)
            lang = None
            if element is not None and getattr(box, "element_tag", None) not in ("html", "body"):
                lang = element.get("lang")
            for made in original(box, parent, *args):
                if lang and "Lang" not in made:
                    made["Lang"] = pydyf.String(lang)
                yield made

        build_box_tree.handout_lang = True  # type: ignore[attr-defined]
        tags._build_box_tree = build_box_tree  # the module calls it by name, also for children


@dataclass(frozen=True)
class Fitted:
    """A leaflet laid out: its HTML, the fit tier and notes lines that made it, and its pages."""

    html: str
    fit: int
    notes_lines: int
    pages: int
    document: Any = field(repr=False, compare=False)
    checked: bool = True  # False: taken from a hint without the tier before (see `confirm`)


def fit(doc: Doc, ctx: RenderContext, fonts: Any = None, images: dict[str, Any] | None = None,
        hint: int | None = None, check: bool = True) -> Fitted:
    """The leaflet at the first fit tier that meets its page budget (when none does, the first
    with the fewest pages: `handout check` reports it); with `doc.duplex`, an even page count,
    the page that would be blank holding "My notes" lines. Without a budget: one layout, tier 0.

    Large print is never tightened: a page budget is for regular print. `fonts` (a WeasyPrint
    FontConfiguration) and `images` (its image cache) may be kept by a caller that lays out
    again and again (the translators' preview), so fonts are registered and images decoded once.
    `hint`, the tier chosen last time, lets such a caller lay out two tiers instead of every
    one before the answer (see `_from_hint`); the answer is the same. With `check=False`, one:
    the hinted tier is taken unchecked where it could be the answer, and `confirm` lays out
    the tier before later (the preview shows a save first, then checks).
    """
    ctx = dataclasses.replace(ctx, assets=ctx.assets.files())  # WeasyPrint reads files
    tiers = _tiers(doc)
    at = _laying_out(doc, ctx, fonts, images)

    best = None
    if doc.pages and hint is not None and hint in tiers and len(tiers) > 1:
        best = _from_hint(doc.pages, tiers, hint, at, check or doc.duplex)
    if best is None:
        for tier in tiers:
            laid = at(tier)
            if best is None or laid.pages < best.pages:
                best = laid
            if not doc.pages or laid.pages <= doc.pages:
                best = laid
                break
    assert best is not None
    if doc.duplex and best.pages % 2:
        lines = notes_line_count(doc.paper, best.fit)
        while lines > 0:  # fewer lines if the heading or a large font pushes one to a new page
            html = render_html(doc, ctx, best.fit, lines)
            document = _layout(doc, ctx, html, fonts, images)
            if len(document.pages) == best.pages + 1:
                return Fitted(html, best.fit, lines, len(document.pages), document)
            lines -= 3
    return best


def _from_hint(budget: int, tiers: range, hint: int, at: Callable[[int], Fitted],
               check: bool) -> Fitted | None:
    """The tier the search in `fit` would choose, checked with the hinted tier and the one
    before it only; None when they do not show it (the text grew or shrank past a tier).

    Each tier has smaller margins and tighter spacing than the one before, so the page count
    never rises from one tier to the next: if the hinted tier fits and the one before does
    not, no earlier tier fits; if none fits, the last tier has the fewest pages, and it is the
    first with that many if the one before has more.
    """
    here = at(hint)
    if hint > tiers[0] and not check and (here.pages <= budget or hint == tiers[-1]):
        return dataclasses.replace(here, checked=False)
    before = at(hint - 1) if hint > tiers[0] else None
    if here.pages <= budget:
        return here if before is None or before.pages > budget else None
    if hint == tiers[-1] and (before is None or before.pages > here.pages):
        return here
    return None


def confirm(doc: Doc, ctx: RenderContext, fitted: Fitted, fonts: Any = None,
            images: dict[str, Any] | None = None) -> Fitted:
    """`fitted` from `fit(..., check=False)`, checked: the tier before it laid out, as
    `_from_hint` would; `fitted` itself when that shows it is the answer, else the full search."""
    if fitted.checked or not doc.pages:
        return fitted
    ctx = dataclasses.replace(ctx, assets=ctx.assets.files())
    at = _laying_out(doc, ctx, fonts, images, {fitted.fit: fitted})
    if _from_hint(doc.pages, _tiers(doc), fitted.fit, at, check=True) is fitted:
        return dataclasses.replace(fitted, checked=True)
    return fit(doc, ctx, fonts, images)


def _tiers(doc: Doc) -> range:
    """The fit tiers `fit` may try: all with a page budget, in regular print; else tier 0."""
    return range(len(FIT_MARGINS_MM)) if doc.pages and not doc.large_print else range(1)


def _laying_out(doc: Doc, ctx: RenderContext, fonts: Any, images: dict[str, Any] | None,
                made: dict[int, Fitted] | None = None) -> Callable[[int], Fitted]:
    """A function from a fit tier to the leaflet laid out at it, each tier laid out once."""
    made = {} if made is None else made

    def at(tier: int) -> Fitted:
        if tier not in made:
            html = render_html(doc, ctx, tier)
            document = _layout(doc, ctx, html, fonts, images)
            made[tier] = Fitted(html, tier, 0, len(document.pages), document)
        return made[tier]

    return at


def _layout(doc: Doc, ctx: RenderContext, html: str, fonts: Any = None,
            images: dict[str, Any] | None = None) -> Any:
    """WeasyPrint's layout of `html`: every character covered by a font, only our own assets
    fetched, every WeasyPrint warning a failure."""
    from weasyprint import HTML

    places = [(b.where, to_plain(piece, doc.values)) for b in doc.blocks()
              for piece in (b.text, b.caption, b.term, b.slide, *b.items) if piece]
    check_coverage(doc.lang, document_text(html), places)
    fetcher = _fetcher(doc, ctx)
    structure_languages()
    kept = ctx.kept
    if fonts is None and kept is not None:
        fonts, images = kept.fonts_for(html), kept.images
    with weasyprint_warnings_fail(_what(doc)):
        try:
            return HTML(string=html, base_url=ctx.templates.as_uri() + "/",
                        url_fetcher=fetcher).render(font_config=fonts, cache=images)
        except BaseException as exc:  # FatalURLFetchingError derives from BaseException
            if fetcher.refused:
                raise RenderError(f"{_what(doc)}: {exc}") from None
            raise


def _fetcher(doc: Doc, ctx: RenderContext) -> Any:
    files = [doc.clinic.logo] if doc.clinic.logo else []
    return asset_fetcher([ctx.templates, ctx.content / "images", ctx.cache / "fonts"], files)


def _what(doc: Doc) -> str:
    return f"{doc.kind} {doc.id} ({doc.lang.code}, {doc.level})"


def render_pdf(doc: Doc, ctx: RenderContext, html: str | None = None) -> bytes:
    """The leaflet as tagged PDF (PDF/UA-1); `html`: exactly this HTML, not fitted."""
    ctx = dataclasses.replace(ctx, assets=ctx.assets.files())  # WeasyPrint reads files
    document = _layout(doc, ctx, html) if html is not None else fit(doc, ctx).document
    fetcher = _fetcher(doc, ctx)
    document.url_fetcher = fetcher
    with weasyprint_warnings_fail(_what(doc)):
        try:
            # Attachments are fetched while writing: the same refusal must stop it there too.
            pdf = document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True,
                                     uncompressed_pdf=False, custom_metadata=False)
        except BaseException as exc:
            if fetcher.refused:
                raise RenderError(f"{_what(doc)}: {exc}") from None
            raise
    return bytes(pdf)


class PdfBuilder:
    name = "pdf"
    extension = "pdf"

    def build(self, doc: Doc, ctx: RenderContext) -> bytes:
        return render_pdf(doc, ctx)


register(PdfBuilder())


class HtmlBuilder:
    name = "html"
    extension = "html"

    def build(self, doc: Doc, ctx: RenderContext) -> bytes:
        tier, notes_lines = 0, 0
        if (doc.pages and not doc.large_print) or doc.duplex:
            # The exact HTML the PDF is made from: its layout is chosen by laying it out.
            fitted = fit(doc, ctx)
            tier, notes_lines = fitted.fit, fitted.notes_lines
        return render_html(doc, ctx, tier, notes_lines).encode("utf-8")


# The exact HTML the PDF is made from, laid out the same way (here, not in html.py: it needs `fit`).
register(HtmlBuilder())
