"""Planned paragraphs written as DrawingML: bullets, direction, one typeface per script, sizes.

Fitting writes into a scratch text body to measure it; writing fills the slide's own boxes. Both
go through `fill`, so what is measured is what is written.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from pptx.enum.text import MSO_AUTO_SIZE
from pptx.oxml import parse_xml
from pptx.text.text import TextFrame, _Paragraph
from pptx.util import Emu, Pt

from builder import pptx_xml
from builder.builders.deck.measure import LATIN_FONT, script_slot
from builder.builders.deck.plan import Para
from builder.builders.deck.styles import Region
from builder.document import Doc
from builder.languages import ALWAYS_OK, Language, _cmap, font_file
from builder.markup import unbroken_ranges
from builder.pptx_xml import A

BODY_FLOOR_PT = 18.0  # body text never shrinks below this (only a bullet too long for a slide)
HANG = 365760  # 0.4 in: hanging indent of a bullet
NBSP, WORD_JOINER = "\u00a0", "\u2060"


@dataclass(frozen=True)
class Faces:
    """The typefaces every run names: Latin, East Asian and complex script."""

    latin: str
    ea: str
    cs: str

    @classmethod
    def of(cls, lang: Language) -> Faces:
        first = lang.fonts[0]
        slot = script_slot(lang.script)
        return cls(latin=first if slot == "latin" else LATIN_FONT,
                   ea=first if slot == "ea" else "Noto Sans CJK SC",
                   cs=first if slot == "cs" else "Noto Naskh Arabic")

    def without(self, family: str) -> Faces:
        """These faces with `family` replaced by Noto Sans: for the characters it lacks."""
        return Faces(*(LATIN_FONT if f == family else f for f in (self.latin, self.ea, self.cs)))


@dataclass(frozen=True)
class Setting:
    """How one deck's text is set: its language, typefaces, and the values kept unbroken."""

    lang: Language
    faces: Faces
    slant: bool  # the language's own font has an italic
    whole_values: tuple[str, ...]  # kept whole besides what markup.UNBROKEN_RE finds

    @classmethod
    def of(cls, doc: Doc) -> Setting:
        # The clinic's phone numbers, in whatever format the clinic wrote them.
        urgent = doc.clinic.urgent
        return cls(doc.lang, Faces.of(doc.lang), font_file(doc.lang.fonts[0], "Italic") is not None,
                   tuple(v for v in (doc.clinic.profile.phone, urgent.phone if urgent else None)
                         if v))


ASCII_NEUTRAL = frozenset(string.punctuation + string.digits)


def font_segments(text: str, family: str) -> list[tuple[str, bool]]:
    """`text` cut where `family` stops or starts covering it: (piece, covered).

    A script font names only its own letters (Noto Sans Hebrew has no full stop, Noto Sans
    Georgian no Latin): the pieces it lacks are set in Noto Sans, not in a viewer's fallback.
    """
    found = font_file(family)
    if found is None:
        return [(text, True)]
    cmap = _cmap(*found)
    out: list[tuple[str, bool]] = []
    for char in text:
        if out and (char in ALWAYS_OK  # spaces, joiners, direction marks: no glyph of their own
                    or (char in ASCII_NEUTRAL and not out[-1][1])):
            # An address's ":" and "." stay in its run of Noto Sans, which has them: where the
            # font changed mid-address, LibreOffice broke the line ("https://example." | "org").
            out[-1] = (out[-1][0] + char, out[-1][1])
            continue
        covered = ord(char) in cmap or char in ALWAYS_OK
        if out and out[-1][1] == covered:
            out[-1] = (out[-1][0] + char, covered)
        else:
            out.append((char, covered))
    return out


def keep_whole(text: str, extra: tuple[str, ...] = ()) -> str:
    """Addresses and phone numbers in `text` made unbreakable for every line breaker.

    PowerPoint and LibreOffice break lines themselves: at the spaces of "+1 555 0100" and after
    the hyphens and slashes of addresses. A no-break space for each space and a word joiner
    (U+2060, invisible) after each hyphen and slash forbid that; a reader sees the same text.
    """
    out, position = [], 0
    for start, end in unbroken_ranges(text, extra):
        piece = text[start:end].replace(" ", NBSP)
        piece = "".join(c + WORD_JOINER if c in "-/" and i < len(piece) - 1 else c
                        for i, c in enumerate(piece))
        out += [text[position:start], piece]
        position = end
    out.append(text[position:])
    return "".join(out)


def visible(text: str) -> str:
    """`text` as a reader sees it: without what `keep_whole` added."""
    return text.replace(WORD_JOINER, "").replace(NBSP, " ")


def scratch_frame() -> TextFrame:
    """An empty text body of no slide, to write paragraphs into and measure them."""
    body = parse_xml(f'<p:txBody xmlns:p="{pptx_xml.P_NS}" xmlns:a="{pptx_xml.A_NS}">'
                     '<a:bodyPr/><a:lstStyle/><a:p/></p:txBody>')
    return TextFrame(body, None)  # type: ignore[arg-type]  # never asked for its part


def fill(frame: TextFrame, paras: tuple[Para, ...], size: float | None, region: Region | None,
         setting: Setting) -> None:
    """Write `paras` into a text frame; `size` None keeps the frame's own (speaker notes)."""
    lang = setting.lang
    body = frame._txBody
    for p in body.findall(f"{A}p"):
        body.remove(p)
    if region is not None:
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.NONE  # normAutofit only acts once edited in PowerPoint
        left, top, right, bottom = region.box.insets
        frame.margin_left, frame.margin_top = Emu(left), Emu(top)
        frame.margin_right, frame.margin_bottom = Emu(right), Emu(bottom)
    started = False
    for index, para in enumerate(paras):
        p = body.add_p()
        para_size = None if size is None else \
            (size if para.level == 0 else max(BODY_FLOOR_PT, round(size * 0.85)))
        rtl = lang.rtl and not para.english
        align = None
        if lang.rtl and (region is None or region.align not in ("ctr", "just")):
            align = "r" if rtl else "l"
        hang = HANG + (91440 if para.bullet == "number" else 0)
        bulleted = para.bullet != "none"
        start = para.number if para.bullet == "number" and not started else None
        started = started or para.bullet == "number"
        before = 0.0 if index == 0 or para_size is None else \
            (0.45 if para.level == 0 else 0.15) * para_size
        pptx_xml.set_paragraph(
            p, rtl=rtl, align=align,
            margin_left=(para.level + (1 if bulleted else 0)) * hang,
            indent=-hang if bulleted else 0, space_before_pt=before, line_pct=100,
            bullet={"bullet": "•" if para.level == 0 else "–", "number": "number",
                    "none": "none"}[para.bullet],
            bullet_font=LATIN_FONT, start_at=start,
            hanging_punctuation=False)  # measured text stays inside the box
        paragraph = _Paragraph(p, frame)
        para_lang = "en" if para.english else lang.tag
        # Hebrew, Arabic-script, Indic and CJK fonts have no italic: a viewer would slant
        # the letters itself. Only text in a font that has one is set italic.
        own = lang.fonts[0]
        for span in para.spans:
            run_lang = span.lang or para_lang
            text = keep_whole(pptx_xml.clean(span.text).replace("\n", " ").replace("\t", " "),
                              setting.whole_values)
            if not text:
                continue
            for piece, covered in font_segments(text, own):
                faces = setting.faces if covered else setting.faces.without(own)
                run = paragraph.add_run()
                run.text = piece
                font = run.font
                if para_size is not None:
                    font.size = Pt(para_size)
                font.bold = span.bold or para.bold or (region is not None and region.bold)
                font.italic = (span.italic or para.italic) and (setting.slant or not covered)
                if span.href and frame._parent is not None:
                    run.hyperlink.address = span.href
                pptx_xml.set_run_fonts(run._r.get_or_add_rPr(), latin=faces.latin,
                                       ea=faces.ea, cs=faces.cs, lang=run_lang,
                                       alt_lang=None if run_lang.startswith("en") else "en-US")
        if para_size is not None:
            pptx_xml.set_end_size(p, para_size, para_lang)
