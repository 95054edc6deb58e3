"""`--format handout`: a support group's printable handout from the deck's own plan.

The questions to ask as a tick-sheet, then every slide as a small HTML picture with lines
for notes beside it. The slides are the deck's: planned (deck.plan) and set over slides as the
deck sets them (deck.fit), so a "(continued)" slide of the deck has its own thumbnail; they are
drawn in HTML by WeasyPrint, not taken from LibreOffice.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from markupsafe import Markup, escape

from builder.builders import RenderContext, register
from builder.builders.deck import icons
from builder.builders.deck.fit import FittedSlide, Fitter, fit
from builder.builders.deck.paragraphs import Setting
from builder.builders.deck.plan import Para, plan, session_day
from builder.builders.deck.plan import Wording as DeckWording
from builder.builders.deck.strings import (
    HANDOUT_QUESTIONS,
    HANDOUT_SLIDES,
    NEXT_MEETING,
    Strings,
)
from builder.builders.deck.template import open_template
from builder.builders.html import document_text, environment
from builder.builders.leaflet import (
    asset_fetcher,
    structure_languages,
    weasyprint_warnings_fail,
)
from builder.document import Doc
from builder.errors import RenderError
from builder.fonts import font_faces
from builder.languages import check_coverage
from builder.markup import to_plain

DISCUSSION_COLOUR = "#8a3b12"  # as on the slides (deck.write)


def para_html(para: Para) -> Markup:
    """One planned paragraph as HTML: its runs bold, italic, English-tagged as on the slide."""
    out = []
    for span in para.spans:
        text = escape(span.text)
        if span.bold or para.bold:
            text = Markup("<b>%s</b>") % text
        if span.italic or para.italic:
            text = Markup("<i>%s</i>") % text
        if span.lang:
            text = Markup('<bdi lang="%s" dir="ltr">%s</bdi>') % (span.lang, text)
        out.append(text)
    body = Markup("").join(out)
    if para.english and not any(s.lang for s in para.spans):
        return Markup('<span lang="en" dir="ltr">%s</span>') % body
    return body


def icon_svg(name: str, colour: str) -> Markup:
    """A pictogram inline (Bootstrap Icons' SVG text: trusted package data), hidden from screen
    readers: the thumbnail copies a slide whose title says what it is."""
    text = icons.svg(name, colour)
    return Markup(text.replace("<svg ", '<svg aria-hidden="true" ', 1))


def thumbnails(doc: Doc, ctx: RenderContext, strings: Strings) -> list[FittedSlide]:
    """The deck's slides as the deck sets them (same plan, same fitting), without writing it."""
    template = open_template(doc, ctx)
    fitter = Fitter(template.layouts, Setting.of(doc), strings, template.slide_width,
                    doc.large_print)
    return fit(plan(doc, strings), fitter)


def render_html(doc: Doc, ctx: RenderContext) -> str:
    strings = Strings.of(doc)
    slides = thumbnails(doc, ctx, strings)
    accent = doc.clinic.profile.accent
    # (title, questions, whether they get a box to tick, lines to write on): a checklist with
    # `boxes: false` (a question that leads into write-in lines) has no boxes and its lines, as
    # in the leaflet.
    questions = [(s.title, [p for p in s.paras if p.bullet != "none"], s.spec.boxes,
                  s.spec.write_in) for s in slides if s.spec.kind == "questions"]
    w = DeckWording(doc, strings)
    env = environment(ctx.templates, ctx.cache)
    values: dict[str, Any] = {
        "doc": doc, "slides": slides, "questions": questions, "para": para_html,
        "accent": accent, "discussion": DISCUSSION_COLOUR,
        "icon": lambda name, kind: icon_svg(name, DISCUSSION_COLOUR if kind == "discussion"
                                            else accent),
        "day": session_day(w) if doc.session.date else "",
        "ui": {"questions": strings(HANDOUT_QUESTIONS), "slides": strings(HANDOUT_SLIDES),
               "next": strings(NEXT_MEETING)},
        "paper": doc.paper,
    }
    html = ""
    chars = ctx.charsets.get(doc.lang.code, "")
    for _attempt in range(2):  # as the leaflet: fonts subset to the characters shown
        faces, stack = font_faces(doc.lang, chars, ctx.cache, ctx.assets.url)
        html = env.get_template("handout.html.j2").render(font_faces=Markup(faces),
                                                          font_stack=stack, **values)
        extra = set(document_text(html)) - set(chars)
        if not faces or not extra:
            break
        chars = "".join(sorted(set(chars) | extra))
    return html


class HandoutBuilder:
    name = "handout"
    extension = "handout.pdf"

    def build(self, doc: Doc, ctx: RenderContext) -> bytes:
        from weasyprint import HTML

        ctx = dataclasses.replace(ctx, assets=ctx.assets.files())
        html = render_html(doc, ctx)
        places = [(b.where, to_plain(piece, doc.values)) for b in doc.blocks()
                  for piece in (b.text, b.slide, *b.items) if piece]
        check_coverage(doc.lang, document_text(html), places)
        fetcher = asset_fetcher([ctx.templates, ctx.cache / "fonts"], [])
        what = f"handout {doc.id} ({doc.lang.code}, {doc.level})"
        structure_languages()
        with weasyprint_warnings_fail(what):
            try:
                document = HTML(string=html, base_url=ctx.templates.as_uri() + "/",
                                url_fetcher=fetcher).render()
                pdf = document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True,
                                         custom_metadata=False)
            except BaseException as exc:  # FatalURLFetchingError derives from BaseException
                if fetcher.refused:
                    raise RenderError(f"{what}: {exc}") from None
                raise
        return bytes(pdf)


register(HandoutBuilder())
