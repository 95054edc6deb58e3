"""Nothing lost: read a rendered output back and find every block's text in it."""

from __future__ import annotations

import io
import re
import unicodedata

from builder.document import Doc, LocalizedBlock
from builder.errors import Problem, RenderError
from builder.markup import to_plain

# Hyphens and soft hyphens inserted by hyphenation, spaces and line breaks, bidi marks and
# tatweel all differ between what we wrote and what a PDF text extractor returns.
_IGNORED = re.compile(r"[\s\u00ad\u2010\u2011\u002d\u200b-\u200f\u2066-\u2069\u0640]+")


def normalize(text: str) -> str:
    """Letters and digits only: extractors move punctuation and marks around in bidi text."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in _IGNORED.sub("", text)
                   if unicodedata.category(c)[0] in "LN" and unicodedata.category(c) != "Mn")


def block_texts(block: LocalizedBlock, doc: Doc, fmt: str) -> list[str]:
    """The pieces of a block a reader of `fmt` must find."""
    kind = block.kind
    if kind.leaflet is None and fmt != "pptx":
        return []  # shown on slides only
    pieces: list[str | None] = []
    for name in kind.page_text:  # an image's alt text is not page text
        value = getattr(block, name)
        pieces += value if isinstance(value, list) else [value]
    if fmt == "pptx" and block.slide:
        pieces.append(block.slide)
    return [to_plain(p, doc.values) for p in pieces if p]


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pptx_text(data: bytes) -> str:
    from pptx import Presentation

    deck = Presentation(io.BytesIO(data))
    parts: list[str] = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


def missing_blocks(doc: Doc, fmt: str, data: bytes) -> list[Problem]:
    if fmt == "pdf":
        found = normalize(pdf_text(data))
    elif fmt == "pptx":
        found = normalize(pptx_text(data))
    else:
        import html

        found = normalize(html.unescape(re.sub(r"<[^>]+>", " ", data.decode("utf-8"))))
    problems = []
    close_enough = _glyph_mapped_threshold(doc) if fmt == "pdf" else None
    bare = _letters(found) if close_enough is not None else ""
    for block in doc.blocks():
        for piece in block_texts(block, doc, fmt):
            if normalize(piece) in found or (doc.lang.rtl and _words_match(piece, found)):
                continue
            if close_enough is None or _overlap(piece, bare) < close_enough:
                problems.append(Problem(block.where, None,
                                        f"{block.topic}/{block.id}: text missing from the "
                                        f"{fmt} output ({doc.lang.code}, {doc.level}): "
                                        f"{piece[:50]!r}"))
                break
    return problems


# WeasyPrint maps each glyph to the text of the first cluster it was drawn in (one ToUnicode
# entry per glyph; no /ActualText): where shaping reorders vowel signs or shares one glyph
# between letters, the PDF's text layer is not the text (WeasyPrint issue #2841, open; see
# README "Scripts"). For these scripts a block counts as present when most of its letter
# trigrams are found: measured on our script corpus, a present block scores >= 0.62 (Khmer),
# a sentence that is not in the document <= 0.28; on the full Hindi catalog a present block
# scores >= 0.44 (short list intros such as "यह इस तरह की बातों पर निर्भर करता है:").
GLYPH_MAPPED_SCRIPTS = {"Deva", "Beng", "Guru", "Gujr", "Orya", "Taml", "Telu", "Knda", "Mlym",
                        "Sinh", "Khmr", "Mymr", "Laoo", "Tibt", "Thai"}
GLYPH_MAPPED_MIN = 0.40
# Khmer's stacked consonants and Nastaliq's shared dots and joins make their text layer poorer
# still: letters come out as other letters. Measured with pypdf on the corpus: a present block
# scores >= 0.33, an absent sentence <= 0.21 (Khmer), <= 0.13 (Urdu). A weak check, documented
# in README "Scripts".
POOR_TEXT_LAYER_MIN = 0.26
POOR_TEXT_LAYER_SCRIPTS = {"Khmr"}


def _glyph_mapped_threshold(doc: Doc) -> float | None:
    if "Nastaliq" in doc.lang.fonts[0] or doc.lang.script in POOR_TEXT_LAYER_SCRIPTS:
        return POOR_TEXT_LAYER_MIN
    return GLYPH_MAPPED_MIN if doc.lang.script in GLYPH_MAPPED_SCRIPTS else None


def _letters(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c)[0] != "M")


def _overlap(piece: str, bare: str) -> float:
    """The share of the piece's letter trigrams (vowel signs and marks left out) in `bare`."""
    letters = _letters(normalize(piece))
    grams = [letters[i:i + 3] for i in range(max(len(letters) - 2, 1))]
    return sum(1 for g in grams if g in bare) / len(grams)


_RUN = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]+|[^\W\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]+")


def _words_match(piece: str, found: str) -> bool:
    # In right-to-left documents extractors return mixed-direction lines in visual order;
    # accept the words (split where the script changes) in any order if every one is present.
    words = [normalize(w) for w in _RUN.findall(unicodedata.normalize("NFKC", piece))]
    words = [w for w in words if w]
    return bool(words) and all(w in found or w[::-1] in found for w in words)


def verify_output(doc: Doc, fmt: str, data: bytes) -> None:
    problems = missing_blocks(doc, fmt, data)
    if problems:
        raise RenderError(problems)
