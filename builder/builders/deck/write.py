"""Fitted slides written into the template with python-pptx: shapes, pictures, notes, properties."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from typing import Any

import segno
from lxml import etree
from PIL import Image as PILImage
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.util import Pt

from builder import pptx_xml
from builder.builders.deck import icons
from builder.builders.deck.fit import FittedSlide
from builder.builders.deck.paragraphs import Setting, fill
from builder.builders.deck.plan import Para, Picture, Wording
from builder.builders.deck.strings import KEYWORDS, Strings
from builder.builders.deck.styles import Box
from builder.builders.deck.template import Template
from builder.document import Doc
from builder.markup import Span
from builder.pptx_xml import A

# Question slides and discussion prompts look apart: a band down the slide's edge in the
# clinic's accent for questions to ask, a band across the top in a warm colour for "Let's talk".
DISCUSSION_COLOUR = "#8a3b12"  # 8.6:1 on white
BAND = 182880  # 0.2 in
NUMBER_WIDTH, NUMBER_HEIGHT, NUMBER_MARGIN = 914400, 365760, 365760  # 1 in, 0.4 in, 0.4 in
MAX_PROPERTY = 255  # characters in a document property (title, subject, keywords)


def write(template: Template, slides: list[FittedSlide], doc: Doc, setting: Setting,
          strings: Strings) -> bytes:
    """The deck's bytes: every slide, then every slide's notes, the properties, fixed zip times."""
    prs = template.prs
    accent = doc.clinic.profile.accent if template.add_branding else "#1a1a1a"
    written = []
    for number, slide in enumerate(slides, 1):
        page = add_slide(prs, slide, setting, accent)
        if slide.spec.kind != "title":
            add_slide_number(prs, page, number, setting)
        written.append((page, slide.notes))
    # Notes slides after all slides, in order: their parts and relationships are numbered so.
    for page, notes in written:
        frame = page.notes_slide.notes_text_frame
        if frame is not None:
            fill(frame, notes, None, None, setting)
    set_properties(prs, doc, Wording(doc, strings))
    out = BytesIO()
    prs.save(out)
    return pptx_xml.repack(out.getvalue(), doc.date)


def add_slide(prs: Any, fitted: FittedSlide, setting: Setting, accent: str = "#1f5f8b") -> Any:
    layout, region = fitted.layout, fitted.region
    slide = prs.slides.add_slide(layout.layout)
    kind = fitted.spec.kind
    if kind in ("questions", "discussion"):
        add_band(prs, slide, kind, accent, setting.lang.rtl)
    title, body = _placeholders(slide, layout.title.idx, region.idx)
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
    _add_icon(slide, fitted, title, accent)
    _add_logo(slide, fitted, title)
    return slide


def _placeholders(slide: Any, title_idx: int, body_idx: int) -> tuple[Any, Any]:
    """The slide's title and body placeholders (None when the layout has none); the rest go:
    an empty placeholder shows "Click to add text" and confuses screen readers."""
    title, body = None, None
    for ph in list(slide.placeholders):
        idx = ph.placeholder_format.idx
        if idx == title_idx and title is None:
            title = ph
        elif idx == body_idx:
            body = ph
        else:
            ph._element.getparent().remove(ph._element)
    return title, body


def _add_icon(slide: Any, fitted: FittedSlide, title: Any, accent: str) -> None:
    """The slide's icon, drawn in its colour; the title moves aside for it."""
    mark = fitted.spec.icon
    if mark is not None and mark.icon is not None and fitted.icon_box is not None:
        colour = DISCUSSION_COLOUR if fitted.spec.kind == "discussion" else accent
        add_picture(slide, replace(mark, path=None), fitted.icon_box,
                    icons.png(mark.icon, colour))
        if title is not None:
            _place(title, fitted.title_region.box)


def _add_logo(slide: Any, fitted: FittedSlide, title: Any) -> None:
    """The clinic's logo, with its alt text; the title moves aside for it."""
    logo = fitted.spec.logo
    if logo is not None and logo.path is not None and fitted.logo_box is not None:
        box = fitted.logo_box
        shape = slide.shapes.add_picture(str(logo.path), box.left, box.top, box.width, box.height)
        pptx_xml.set_alt_text(shape._element, logo.alt)
        if title is not None and fitted.title_region.box != fitted.layout.title.box:
            _place(title, fitted.title_region.box)


def _place(shape: Any, box: Box) -> None:
    shape.left, shape.top = box.left, box.top
    shape.width, shape.height = box.width, box.height


def add_band(prs: Any, slide: Any, kind: str, accent: str, rtl: bool) -> None:
    """The colour band of a question slide (down its start edge) or a discussion (across its top).

    Decoration only: marked so screen readers skip it.
    """
    width, height = int(prs.slide_width), int(prs.slide_height)
    if kind == "questions":
        box = (width - BAND if rtl else 0, 0, BAND, height)
        colour = accent
    else:
        box = (0, 0, width, BAND)
        colour = DISCUSSION_COLOUR
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, *box)
    shape.fill.solid()
    shape.fill.fore_color.rgb = RGBColor.from_string(colour.lstrip("#"))  # type: ignore[no-untyped-call]
    shape.line.fill.background()
    shape.shadow.inherit = False
    shape.name = f"{kind} band"
    _decorative(shape)


def _decorative(shape: Any) -> None:
    """Marks a shape decorative (Office 2019+): screen readers pass over it."""
    cnvpr = shape._element.find(".//{http://schemas.openxmlformats.org/presentationml/2006/main}"
                                "cNvPr")
    ext_lst = etree.SubElement(cnvpr, f"{A}extLst")
    ext = etree.SubElement(ext_lst, f"{A}ext", uri="{C183D7F6-B498-43B3-948B-1728B52AA6E4}")
    etree.SubElement(ext, "{http://schemas.microsoft.com/office/drawing/2017/decorative}"
                          "decorative", val="1")


def add_slide_number(prs: Any, slide: Any, number: int, setting: Setting) -> None:
    """A slide-number field in the bottom corner: PowerPoint and LibreOffice renumber it when
    slides are moved; `number` is only what shows before they do."""
    rtl = setting.lang.rtl
    left = NUMBER_MARGIN if rtl else int(prs.slide_width) - NUMBER_MARGIN - NUMBER_WIDTH
    top = int(prs.slide_height) - NUMBER_MARGIN - NUMBER_HEIGHT
    box = slide.shapes.add_textbox(left, top, NUMBER_WIDTH, NUMBER_HEIGHT)
    box.name = "Slide number"
    frame = box.text_frame
    frame.margin_top = frame.margin_bottom = 0
    p = frame.paragraphs[0]._p
    etree.SubElement(p, f"{A}pPr", algn="l" if rtl else "r")
    field = etree.SubElement(p, f"{A}fld", id="{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}",
                             type="slidenum")
    rpr = etree.SubElement(field, f"{A}rPr", lang="en-US", sz=str(int(Pt(14).pt * 100)))
    fill = etree.SubElement(rpr, f"{A}solidFill")
    etree.SubElement(fill, f"{A}srgbClr", val="404040")
    pptx_xml.set_run_fonts(rpr, latin=setting.faces.latin, ea=setting.faces.ea,
                           cs=setting.faces.cs, lang="en-US")
    etree.SubElement(field, f"{A}t").text = str(number)


def add_picture(slide: Any, picture: Picture, box: Box, data: bytes | None = None) -> None:
    """A picture scaled into `box`, centred, with alt text (python-pptx: the file name)."""
    source: Path | bytes
    if data is not None:
        source = data
    elif picture.qr is not None:
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
    return text if len(text) <= MAX_PROPERTY else text[:MAX_PROPERTY - 1].rstrip() + "…"
