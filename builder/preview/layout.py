"""Where each catalog entry lands on the page, read from WeasyPrint's layout, and page images.

WeasyPrint lays the leaflet out into one box tree per page (`Document.pages[i]._page_box`, not
public API but the only place the layout is); every element of the leaflet HTML that shows a
catalog entry carries `data-entry="owner#field"`. Positions are CSS pixels from the page's
top-left corner, the unit of `Page.width` and `Page.height`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from builder.builders import RenderContext
from builder.document import Doc

SLACK = 1.0  # CSS px a text may pass its column before it counts as overflowing
PREVIEW_DPI = 96  # one image pixel per CSS pixel


@dataclass
class Rect:
    page: int  # 0-based
    x: float
    y: float
    w: float
    h: float

    def add(self, x: float, y: float, w: float, h: float) -> None:
        right, bottom = max(self.x + self.w, x + w), max(self.y + self.h, y + h)
        self.x, self.y = min(self.x, x), min(self.y, y)
        self.w, self.h = right - self.x, bottom - self.y


@dataclass
class Placed:
    """One entry's boxes (one per element showing it and page), its lines, whether it overflows."""

    key: str  # owner#field
    rects: list[Rect] = field(default_factory=list)
    parts: dict[tuple[int, int], Rect] = field(default_factory=dict, repr=False)  # by page, element
    lines: int = 0
    overflow: float = 0.0  # CSS px past the column, at the worst line

    @property
    def height(self) -> float:
        return sum(r.h for r in self.rects)


@dataclass
class Layout:
    document: Any  # weasyprint.Document
    sizes: list[tuple[float, float]]  # each page's width and height
    placed: dict[str, Placed]  # by owner#field, in reading order
    fingerprints: list[str]  # per page: changes when anything drawn on it moves or changes
    fitted: Any = field(default=None, repr=False)  # builders/leaflet.py `Fitted`

    @property
    def tier(self) -> int:
        """The fit tier: the hint for the next layout of the same document."""
        return int(self.fitted.fit) if self.fitted is not None else 0

    @property
    def checked(self) -> bool:
        return self.fitted is None or bool(self.fitted.checked)


def lay_out(doc: Doc, ctx: RenderContext, fonts: Any = None, images: dict[str, Any] | None = None,
            hint: int | None = None, check: bool = True) -> Layout:
    """The leaflet laid out as its PDF is, with the place of every entry.

    `fonts` (a WeasyPrint FontConfiguration) and `images` (its image cache) are kept by the
    caller from one render to the next: fonts are not registered again, nor images decoded.
    `hint`: the tier of the caller's last layout, so a save lays out two fit tiers, not four;
    with `check=False`, one, and `confirm` lays out the other after the page is shown.
    """
    from builder.builders.leaflet import fit

    # The layout the build chooses: the fit tier that meets the page budget, the notes page.
    return _placed(fit(doc, ctx, fonts, images, hint, check))


def confirm(layout: Layout, doc: Doc, ctx: RenderContext, fonts: Any = None,
            images: dict[str, Any] | None = None) -> Layout | None:
    """None when `layout` (unchecked, from `lay_out(..., check=False)`) is the one the build
    chooses, now marked checked; else the build's layout."""
    from builder.builders import leaflet

    if layout.checked:
        return None
    fitted = leaflet.confirm(doc, ctx, layout.fitted, fonts, images)
    if fitted.document is layout.document:
        layout.fitted = fitted
        return None
    return _placed(fitted)


def _placed(fitted: Any) -> Layout:
    document = fitted.document
    placed: dict[str, Placed] = {}
    prints = []
    sizes = []
    for number, page in enumerate(document.pages):
        digest = hashlib.sha256()
        _walk(page._page_box, number, None, None, placed, digest)
        prints.append(digest.hexdigest())
        sizes.append((float(page.width), float(page.height)))
    return Layout(document, sizes, placed, prints, fitted)


def _walk(box: Any, page: int, key: str | None, column: tuple[float, float] | None,
          placed: dict[str, Placed], digest: Any, shown: int = 0) -> None:
    """Every box of a page: the entry it belongs to (its own element's, or the nearest
    ancestor's, `shown` being which element), the column it must fit in, and a fingerprint
    of what is drawn."""
    from weasyprint.formatting_structure import boxes

    element = box.element
    own = element.get("data-entry") if element is not None else None
    if own:
        key, shown = own, id(element)
    x, y = box.border_box_x(), box.border_box_y()
    w, h = box.border_width(), box.border_height()
    text = box.text if isinstance(box, boxes.TextBox) else ""
    digest.update(f"{type(box).__name__}|{x:.2f}|{y:.2f}|{w:.2f}|{h:.2f}|{text}\n".encode())
    if isinstance(box, boxes.BlockContainerBox) and not isinstance(box, boxes.PageBox):
        column = (box.content_box_x(), box.content_box_x() + box.width)
    if key is not None:
        entry = placed.setdefault(key, Placed(key))
        # One box per element and page: a bundle's topic title is in its contents list and
        # above the topic, on the same page, and the text between is no part of it.
        rect = entry.parts.get((page, shown))
        if w > 0 and h > 0:
            if rect is None:
                entry.parts[(page, shown)] = rect = Rect(page, x, y, w, h)
                entry.rects.append(rect)
            else:
                rect.add(x, y, w, h)
        if isinstance(box, boxes.LineBox):
            entry.lines += 1
        if column is not None and isinstance(box, (boxes.TextBox, boxes.AtomicInlineLevelBox)) \
                and not (box.element_tag or "").endswith("::marker"):  # list numbers sit outside
            past = max(x + w - column[1], column[0] - x)
            if past > SLACK:
                entry.overflow = max(entry.overflow, past)
    for child in getattr(box, "children", ()):
        _walk(child, page, key, column, placed, digest, shown)


def rasterize(layout: Layout, pages: list[int], dpi: int = PREVIEW_DPI) -> dict[int, bytes]:
    """PNG images of `pages` (0-based) only: PDF of those pages, drawn by MuPDF."""
    if not pages:
        return {}
    import pymupdf

    subset = layout.document.copy([layout.document.pages[n] for n in pages])
    pdf = subset.write_pdf(uncompressed_pdf=True)  # no zlib: MuPDF reads it at once
    out = {}
    with pymupdf.open(stream=pdf, filetype="pdf") as drawn:  # type: ignore[no-untyped-call]
        for index, number in enumerate(pages):
            out[number] = drawn[index].get_pixmap(dpi=dpi).tobytes("png")
    return out


__all__ = ["Layout", "Placed", "Rect", "lay_out", "rasterize"]
