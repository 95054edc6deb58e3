"""A saved deck read back: does every text box hold its text, set in the fonts it names?"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from pptx import Presentation

from builder.builders.deck.measure import LATIN_FONT, Measure
from builder.builders.deck.styles import box_of, style_chain, text_height

TOLERANCE_PT = 0.5


@dataclass(frozen=True)
class Overflow:
    """A text box whose text needs more height than the box has."""

    slide: int  # from 1
    title: str
    shape: str
    text: str
    need_pt: float
    have_pt: float

    def __str__(self) -> str:
        return (f"slide {self.slide} ({self.title[:60]!r}): {self.shape!r} needs "
                f"{self.need_pt:.1f} pt of height, the box has {self.have_pt:.1f}: "
                f"{self.text[:60]!r}")


def overflows(data: bytes, measure: Measure | None = None) -> list[Overflow]:
    """Every text box of a saved deck whose text, set in the fonts it names, exceeds the box."""
    prs = Presentation(BytesIO(data))
    measure = measure or Measure()
    out = []
    for number, slide in enumerate(prs.slides, 1):
        master = slide.slide_layout.slide_master
        title = slide.shapes.title.text_frame.text if slide.shapes.title is not None else "?"
        for shape in slide.shapes:
            if not shape.has_text_frame or not shape.text_frame.text.strip():
                continue
            box = box_of(shape)
            chain = style_chain(shape, master, prs)
            need = text_height(shape.text_frame._txBody, box.inner_width_pt, chain, measure)
            if need > box.inner_height_pt + TOLERANCE_PT:
                out.append(Overflow(number, title, shape.name, shape.text_frame.text, need,
                                    box.inner_height_pt))
    return out


def measure_overflow(data: bytes) -> list[str]:
    """Every overflowing text box, and every font the deck names that is not installed."""
    measure = Measure()
    problems = [str(o) for o in overflows(data, measure)]
    for family in sorted(measure.missing):
        problems.append(f"font {family!r} named in the deck is not installed: measured with "
                        f"{LATIN_FONT} instead")
    return problems
