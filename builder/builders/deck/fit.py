"""Planned slides set into the template's boxes: measured, continued over more slides, shrunk.

Text is written into a scratch text body exactly as it will be written on the slide, then
measured with the installed fonts (styles.text_height). What does not fit at the layout's size
continues on a "(continued)" slide, shrinks a little when that saves a slide, and a bullet too
long for any slide is cut between words. Returns one FittedSlide per slide to write.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image as PILImage

from builder.builders.deck.measure import LATIN_FONT, Measure, wide
from builder.builders.deck.paragraphs import (
    BODY_FLOOR_PT,
    Setting,
    fill,
    scratch_frame,
    visible,
)
from builder.builders.deck.plan import Item, Para, SlideSpec
from builder.builders.deck.strings import CONTINUED, Strings
from builder.builders.deck.styles import Box, Region, text_height
from builder.builders.deck.template import Layout
from builder.errors import Problem
from builder.markup import Span, unbroken_ranges

BODY_START_PT = 20.0  # nor starts below this, whatever a clinic template says, nor shrinks below
# it just to save a "continued" slide
TITLE_FLOOR_PT = 20.0
SHRINK_STEP_PT = 2.0
MAX_BULLETS = 6  # one idea per slide: at most ~6 bullets
# The builder fits text into 97 % of a box: headroom for renderers that set text a little wider
# or taller than our measurement (kerning, hinting). readback.measure_overflow checks against
# 100 %.
WIDTH_HEADROOM = HEIGHT_HEADROOM = 0.97
LOGO_TOP, LOGO_HEIGHT, LOGO_MARGIN = 457200, 640080, 822960  # 0.5, 0.7 and 0.9 in
LOGO_GAP = 182880  # 0.2 in between the title slide's logo and its title
QR_GAP = 274320  # 0.3 in between the closing slide's text and its QR code


@dataclass(frozen=True)
class FittedSlide:
    """One slide as it is written: its title and text with their sizes and boxes, its notes."""

    spec: SlideSpec
    layout: Layout
    title: str  # as shown: "… (continued)" on every slide of a spec but its first
    title_region: Region  # the layout's title, moved down below a logo
    title_size: float
    region: Region  # the layout's placeholder the text goes in
    text_box: Box  # where it goes: the placeholder's box, or narrower beside a picture
    paras: tuple[Para, ...]
    size: float
    notes: tuple[Para, ...]
    picture_box: Box | None = None
    logo_box: Box | None = None


class Fitter:
    """Fits one deck's slides into one template's layouts, measuring with the real fonts."""

    def __init__(self, layouts: dict[str, Layout], setting: Setting, strings: Strings,
                 slide_width: int):
        self.layouts = layouts
        self.setting = setting
        self.strings = strings
        self.slide_width = slide_width
        self.measure = Measure()

    # -- measuring -------------------------------------------------------------------------

    def height(self, paras: tuple[Para, ...], size: float, region: Region, width: float) -> float:
        frame = scratch_frame()
        fill(frame, paras, size, region, self.setting)
        return text_height(frame._txBody, width, region.chain, self.measure)

    def fits(self, paras: tuple[Para, ...], size: float, region: Region, box: Box) -> bool:
        if not paras:
            return True
        self.measure.broken_words.clear()
        need = self.height(paras, size, region, box.inner_width_pt * WIDTH_HEADROOM)
        if any(unbroken_ranges(visible(word)) for word in self.measure.broken_words):
            return False  # an address or phone number wider than the box: smaller text
        return need <= box.inner_height_pt * HEIGHT_HEADROOM

    def best_size(self, paras: tuple[Para, ...], region: Region, box: Box, start: float,
                  floor: float) -> float | None:
        size = start
        while size >= floor - 0.01:
            if self.fits(paras, size, region, box):
                return size
            size -= SHRINK_STEP_PT
        return None

    def title_size(self, region: Region, text: str, english: bool) -> float:
        para = (Para((Span(text),), english=english),)
        start = max(region.size, TITLE_FLOOR_PT)
        return self.best_size(para, region, region.box, start, TITLE_FLOOR_PT) or TITLE_FLOOR_PT

    # -- splitting -------------------------------------------------------------------------

    def paginate(self, items: tuple[Item, ...], region: Region, box: Box,
                 save_floor: float = BODY_START_PT) -> list[tuple[list[Item], float]]:
        """Items split over as few slides as fit, each with the size its text is set in.

        To save a "continued" slide the text may shrink to `save_floor`; a bullet too long for a
        slide of its own shrinks to the floor (18 pt), then is cut between words.
        """
        base = max(region.size, BODY_START_PT)
        pages: list[tuple[list[Item], float]] = []
        rest = _with_bullets(items)

        def paras(chunk: list[Item]) -> tuple[Para, ...]:
            return tuple(p for item in chunk for p in item.paras)

        while rest:
            count = 0
            for n in range(1, len(rest) + 1):
                chunk = rest[:n]
                if sum(i.bullets for i in chunk) > MAX_BULLETS and n > 1:
                    break
                if not self.fits(paras(chunk), base, region, box):
                    break
                count = n
            if count == len(rest):
                pages.append((rest, base))
                break
            if sum(i.bullets for i in rest) <= MAX_BULLETS:  # shrinking a little saves a slide
                size = self.best_size(paras(rest), region, box, base - SHRINK_STEP_PT,
                                      save_floor)
                if size is not None:
                    pages.append((rest, size))
                    break
            if count:
                pages.append((rest[:count], base))
                rest = rest[count:]
                continue
            size = self.best_size(paras(rest[:1]), region, box, base, BODY_FLOOR_PT)
            if size is not None:
                pages.append((rest[:1], size))
                rest = rest[1:]
                continue
            head, tail = self.split_item(rest[0], region, box)
            pages.append(([head], BODY_FLOOR_PT))
            rest = [tail, *rest[1:]]
        return pages

    def split_item(self, item: Item, region: Region, box: Box) -> tuple[Item, Item]:
        """An item too long for one slide even at the floor size, cut where the slide is full."""
        floor = BODY_FLOOR_PT
        keep = 0
        for n in range(1, len(item.paras) + 1):
            if not self.fits(item.paras[:n], floor, region, box):
                break
            keep = n
        if keep:
            return (Item(item.paras[:keep], item.notes), Item(item.paras[keep:], ()))
        first = item.paras[0]
        text = "".join(s.text for s in first.spans)
        whole = unbroken_ranges(text, self.setting.whole_values)
        cuts = [i + 1 for i, c in enumerate(text) if (c == " " or wide(c))
                and not any(start <= i < end for start, end in whole)] or [len(text)]
        low, high = 0, len(cuts) - 1
        best = cuts[0]
        while low <= high:  # the longest head that fits
            mid = (low + high) // 2
            head = replace(first, spans=_cut(first.spans, 0, cuts[mid]))
            if self.fits((head,), floor, region, box):
                best = cuts[mid]
                low = mid + 1
            else:
                high = mid - 1
        head = replace(first, spans=_cut(first.spans, 0, best))
        tail = replace(first, spans=_cut(first.spans, best, len(text)))
        return Item((head,), item.notes), Item((tail, *item.paras[1:]), ())

    # -- slides ----------------------------------------------------------------------------

    def fit(self, spec: SlideSpec) -> list[FittedSlide]:
        """The slides of one spec: as many as its items need, each with its sizes and boxes."""
        if spec.icon is not None:
            raise NotImplementedError("pictograms on slides (issue #18) are not drawn yet")
        role = spec.layout
        layout = self.layouts[role]
        rtl = self.setting.lang.rtl
        text_region, picture_box = layout.bodies[0], None
        text_box = text_region.box
        if role == "two-column":
            left, right = layout.bodies[0], layout.bodies[1]
            # Right to left, the picture moves to the right and the text to the left.
            text_region, picture_region = (left, right) if rtl else (right, left)
            text_box, picture_box = text_region.box, picture_region.box
        elif spec.picture is not None:  # the closing slide: text beside a square picture
            side = min(text_box.height, round(text_box.width * 0.3))
            picture_box = replace(text_box, width=side, height=side,
                                  left=text_box.left if rtl
                                  else text_box.left + text_box.width - side)
            text_box = text_box.moved(text_box.left + (side + QR_GAP if rtl else 0),
                                      text_box.width - side - QR_GAP)
        # A title or closing slide shrinks its text rather than continue on a second slide.
        floor = BODY_FLOOR_PT if role in ("title", "closing") else BODY_START_PT
        pages = self.paginate(spec.items, text_region, text_box, floor) if spec.items \
            else [([], text_region.size)]
        out = []
        for number, (page, size) in enumerate(pages):
            first, last = number == 0, number == len(pages) - 1
            shown = spec.title if first and not spec.continued \
                else self.strings(CONTINUED, title=spec.title)
            title_region, logo_box = layout.title, None
            if first and spec.logo is not None and spec.logo.path is not None:
                logo_box, title_region = self.logo_place(spec.logo.path, layout.title)
            notes = tuple(n for item in page for n in item.notes)
            out.append(FittedSlide(
                spec, layout, shown, title_region,
                self.title_size(title_region, shown, spec.title_english), text_region, text_box,
                tuple(p for item in page for p in item.paras), size,
                (spec.notes_before if first else ()) + notes + (spec.notes_after if last else ()),
                picture_box if first else None, logo_box))
        return out

    def logo_place(self, logo: Path, title: Region) -> tuple[Box, Region]:
        """The logo's box above the title, and the title's region moved down below it.

        A three-line German title set at the bottom of its box otherwise rises to touch the logo.
        """
        with PILImage.open(logo) as image:
            width = round(image.size[0] * LOGO_HEIGHT / image.size[1])
        left = LOGO_MARGIN if self.setting.lang.rtl else self.slide_width - LOGO_MARGIN - width
        box = Box(left, LOGO_TOP, width, LOGO_HEIGHT, (0, 0, 0, 0))
        clear = LOGO_TOP + LOGO_HEIGHT + LOGO_GAP
        if title.box.top >= clear:
            return box, title
        moved = replace(title.box, top=clear, height=title.box.top + title.box.height - clear)
        return box, replace(title, box=moved)

    def problems(self) -> list[Problem]:
        """Warnings about the measuring so far: fonts measured with another."""
        return [Problem("", None, f"font {family!r} is not installed: the deck's text was "
                                  f"measured with {LATIN_FONT} instead and may not fit as measured")
                for family in sorted(self.measure.missing)]


def fit(specs: list[SlideSpec], fitter: Fitter) -> list[FittedSlide]:
    """Every planned slide fitted, in order."""
    return [slide for spec in specs for slide in fitter.fit(spec)]


def _with_bullets(items: tuple[Item, ...]) -> list[Item]:
    """Items without bullets merged into the next one (or the last), so no slide is empty."""
    out: list[Item] = []
    carried: tuple[Para, ...] = ()
    for item in items:
        if item.paras:
            out.append(Item(item.paras, carried + item.notes))
            carried = ()
        else:
            carried += item.notes
    if carried:
        if out:
            out[-1] = Item(out[-1].paras, out[-1].notes + carried)
        else:
            out.append(Item((), carried))
    return out


def _cut(spans: tuple[Span, ...], start: int, end: int) -> tuple[Span, ...]:
    """The spans covering characters start..end of their joined text."""
    out = []
    position = 0
    for span in spans:
        a, b = position, position + len(span.text)
        position = b
        lo, hi = max(a, start), min(b, end)
        if lo < hi:
            out.append(replace(span, text=span.text[lo - a:hi - a]))
    if out:
        out[0] = replace(out[0], text=out[0].text.lstrip())
    return tuple(out)
