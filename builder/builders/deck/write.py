"""Fitted slides written into the template with python-pptx: shapes, pictures, notes, properties."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path
from typing import Any

import segno
from PIL import Image as PILImage

from builder import pptx_xml
from builder.builders.deck.fit import FittedSlide
from builder.builders.deck.paragraphs import Setting, fill
from builder.builders.deck.plan import Para, Picture, Wording
from builder.builders.deck.strings import KEYWORDS, Strings
from builder.builders.deck.styles import Box
from builder.builders.deck.template import Template
from builder.document import Doc
from builder.markup import Span


def write(template: Template, slides: list[FittedSlide], doc: Doc, setting: Setting,
          strings: Strings) -> bytes:
    """The deck's bytes: every slide, then every slide's notes, the properties, fixed zip times."""
    prs = template.prs
    written = [(add_slide(prs, slide, setting), slide.notes) for slide in slides]
    # Notes slides after all slides, in order: their parts and relationships are numbered so.
    for page, notes in written:
        frame = page.notes_slide.notes_text_frame
        if frame is not None:
            fill(frame, notes, None, None, setting)
    set_properties(prs, doc, Wording(doc, strings))
    out = BytesIO()
    prs.save(out)
    return pptx_xml.repack(out.getvalue(), doc.date)


def add_slide(prs: Any, fitted: FittedSlide, setting: Setting) -> Any:
    layout, region = fitted.layout, fitted.region
    slide = prs.slides.add_slide(layout.layout)
    title, body = None, None
    for ph in list(slide.placeholders):
        idx = ph.placeholder_format.idx
        if idx == layout.title.idx and title is None:
            title = ph
        elif idx == region.idx:
            body = ph
        else:  # an empty placeholder shows "Click to add text" and confuses screen readers
            ph._element.getparent().remove(ph._element)
    if title is not None:
        fill(title.text_frame, (Para((Span(fitted.title),), english=fitted.spec.title_english),),
             fitted.title_size, fitted.title_region, setting)
    if body is not None:
        if fitted.paras:
            if fitted.text_box != region.box:
                _place(body, fitted.text_box)
            fill(body.text_frame, fitted.paras, fitted.size, region, setting)
        else:
            body._element.getparent().remove(body._element)
    picture = fitted.spec.picture
    if picture is not None and fitted.picture_box is not None:
        add_picture(slide, picture, fitted.picture_box)
    logo = fitted.spec.logo
    if logo is not None and logo.path is not None and fitted.logo_box is not None:
        box = fitted.logo_box
        shape = slide.shapes.add_picture(str(logo.path), box.left, box.top, box.width, box.height)
        pptx_xml.set_alt_text(shape._element, logo.alt)
        if title is not None and fitted.title_region.box != layout.title.box:
            _place(title, fitted.title_region.box)
    return slide


def _place(shape: Any, box: Box) -> None:
    shape.left, shape.top = box.left, box.top
    shape.width, shape.height = box.width, box.height


def add_picture(slide: Any, picture: Picture, box: Box) -> None:
    """A picture scaled into `box`, centred, with alt text (python-pptx: the file name)."""
    source: Path | bytes
    if picture.qr is not None:
        qr = BytesIO()
        segno.make(picture.qr, error="m").save(qr, kind="png", scale=10, border=2)
        source = qr.getvalue()
    else:
        assert picture.path is not None, "a picture is a file or a QR code"
        source = picture.path

    def stream() -> Any:
        return BytesIO(source) if isinstance(source, bytes) else str(source)

    with PILImage.open(stream()) as image:
        width, height = image.size
    scale = min(box.width / width, box.height / height)
    w, h = round(width * scale), round(height * scale)
    shape = slide.shapes.add_picture(stream(), box.left + (box.width - w) // 2,
                                     box.top + (box.height - h) // 2, w, h)
    pptx_xml.set_alt_text(shape._element, picture.alt)


def set_properties(prs: Any, doc: Doc, w: Wording) -> None:
    props = prs.core_properties
    when = dt.datetime.combine(doc.date, dt.time())
    props.title = _property(w.plain(doc.title))
    props.subject = _property(w.plain(doc.summary))
    props.author = props.last_modified_by = doc.clinic.profile.name
    props.language = doc.lang.tag
    props.keywords = ", ".join((w.ui(KEYWORDS), "RRMM", doc.level, doc.lang.tag))
    props.category = doc.audience
    props.identifier = f"{doc.id}-{doc.lang.code}-{doc.level}"
    props.version = ", ".join(f"{tid} {version}" for tid, version, _ in
                              doc.provenance.source_versions)
    props.content_status = "draft" if any(t.review.status == "draft" for t in doc.topics) \
        else "reviewed"
    props.comments = ""
    props.created = props.modified = props.last_printed = when
    props.revision = 1


def _property(text: str) -> str:
    """A document property: python-pptx (and the format) allow 255 characters."""
    return text if len(text) <= 255 else text[:254].rstrip() + "…"
