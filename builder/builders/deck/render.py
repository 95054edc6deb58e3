"""The `pptx` builder: template, plan, fit, write; then the font check; with its warnings."""

from __future__ import annotations

from builder import pptx_xml
from builder.builders import RenderContext, Rendered, register
from builder.builders.deck.fit import Fitter, fit
from builder.builders.deck.paragraphs import Setting
from builder.builders.deck.plan import clinic_logo, plan
from builder.builders.deck.strings import Strings
from builder.builders.deck.template import open_template
from builder.builders.deck.write import write
from builder.document import Doc
from builder.languages import check_coverage
from builder.markup import to_plain
from builder.verify import pptx_text


class DeckBuilder:
    name = "pptx"
    extension = "pptx"

    def build(self, doc: Doc, ctx: RenderContext) -> bytes:
        return self.render(doc, ctx).data

    def render(self, doc: Doc, ctx: RenderContext) -> Rendered:
        template = open_template(doc, ctx)
        strings = Strings.of(doc)
        # A clinic's own template carries its own branding: the logo goes on ours only.
        logo, warnings = clinic_logo(doc) if template.add_branding else (None, [])
        slides = plan(doc, strings, logo)
        setting = Setting.of(doc)
        fitter = Fitter(template.layouts, setting, strings, template.slide_width,
                        doc.large_print)
        data = write(template, fit(slides, fitter), doc, setting, strings)
        # The same check as for leaflets: every character of the deck in an installed font
        # of the language (LibreOffice would quietly substitute, PowerPoint show boxes).
        places = [(b.where, pptx_xml.clean(to_plain(piece, doc.values))) for b in doc.blocks()
                  for piece in (b.text, b.caption, b.term, b.slide, *b.items) if piece]
        check_coverage(doc.lang, pptx_text(data), places)
        return Rendered(data, (*strings.problems(), *warnings, *fitter.problems()))


register(DeckBuilder())
