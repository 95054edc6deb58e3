"""The slides of the live preview: the deck writer's own plan and fit, as boxes of text.

The deck is planned (`plan`), fitted with the real fonts (`fit`) and written (`write`) exactly
as `--format pptx` does; each fitted slide becomes plain data the browser draws as a slide of
boxes. What is flagged comes from measurement, not from the browser: a text box the written
deck overflows (`readback.overflows`, the fonts the deck names), text shrunk below its layout's
size at its floor, a bullet cut over two slides, and a slide bullet over its character budget.
"""

from __future__ import annotations

from typing import Any

from builder.builders import RenderContext
from builder.document import Doc
from builder.i18n.messages import SLIDE_BUDGET
from builder.markup import to_plain

MIN_PIECE = 20  # characters: a shorter piece of a cut bullet may match the wrong entry


def deck_preview(doc: Doc, ctx: RenderContext,
                 entries: list[dict[str, Any]]) -> tuple[dict[str, Any], bytes]:
    """The slides as data, and the PPTX they are the preview of."""
    from builder.builders.deck.fit import Fitter, fit
    from builder.builders.deck.paragraphs import BODY_FLOOR_PT, Setting
    from builder.builders.deck.plan import clinic_logo, plan
    from builder.builders.deck.readback import overflows
    from builder.builders.deck.strings import Strings
    from builder.builders.deck.template import open_template
    from builder.builders.deck.write import write

    template = open_template(doc, ctx)
    width, height = template.slide_width, int(template.prs.slide_height)
    strings = Strings.of(doc)
    logo, _warnings = clinic_logo(doc) if template.add_branding else (None, [])
    setting = Setting.of(doc)
    fitter = Fitter(template.layouts, setting, strings, width)
    fitted = fit(plan(doc, strings, logo), fitter)
    data = write(template, fitted, doc, setting, strings)
    past: dict[int, list[str]] = {}
    for found in overflows(data):
        past.setdefault(found.slide, []).append(
            f"{found.shape}: needs {found.need_pt:.0f} pt of height, has {found.have_pt:.0f}")
    by_text = {e["shown"]: e for e in entries}

    def box(b: Any) -> dict[str, float]:
        return {"x": b.left / width, "y": b.top / height, "w": b.width / width,
                "h": b.height / height}

    slides = []
    for number, slide in enumerate(fitted, 1):
        paras = []
        notes: list[str] = []
        for para in slide.paras:
            text = "".join(s.text for s in para.spans)
            entry = by_text.get(text) or next(  # the head or tail of a bullet cut in two
                (e for shown, e in by_text.items() if len(text) >= MIN_PIECE and text in shown), None)
            item: dict[str, Any] = {"text": text, "level": para.level, "bullet": para.bullet,
                                    "english": para.english, "bold": para.bold}
            if entry is not None:
                item["ctx"] = entry["ctx"]
                if text != entry["shown"]:
                    notes.append(f"{entry['ctx']}: cut over two slides, too long for one")
                if entry["key"].endswith("#slide") and len(entry["shown"]) > SLIDE_BUDGET:
                    notes.append(f"{entry['ctx']}: {len(entry['shown'])} characters, over the "
                                 f"budget of {SLIDE_BUDGET}")
            paras.append(item)
        if slide.paras and slide.size <= BODY_FLOOR_PT + 0.01:  # a little smaller is by design
            notes.append(f"text shrunk to the smallest size, {slide.size:g} pt")
        slides.append({
            "number": number, "kind": slide.spec.kind, "layout": slide.layout.role,
            "title": slide.title, "title_english": slide.spec.title_english,
            "title_ctx": (by_text.get(slide.spec.title) or {}).get("ctx"),
            "title_box": box(slide.title_region.box), "title_pt": slide.title_size,
            "box": box(slide.text_box), "pt": slide.size, "paras": paras,
            "picture": box(slide.picture_box) if slide.picture_box is not None else None,
            "picture_alt": slide.spec.picture.alt if slide.spec.picture else "",
            "overflow": past.get(number, []), "notes": notes,
            "speaker_notes": " ".join(to_plain("".join(s.text for s in p.spans))
                                      for p in slide.notes)[:400],
        })
    return {"width_pt": width / 12700, "height_pt": height / 12700, "slides": slides,
            "dir": doc.lang.direction, "tag": doc.lang.tag}, data


__all__ = ["deck_preview"]
