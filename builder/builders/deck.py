"""`--format pptx`: support-group slide decks from the same Doc, measured so no text overflows."""

from __future__ import annotations

import datetime as dt
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

import segno
from babel.dates import format_date
from PIL import Image as PILImage
from PIL import ImageFont, features
from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.exc import PackageNotFoundError
from pptx.oxml import parse_xml
from pptx.text.text import TextFrame, _Paragraph
from pptx.util import Emu, Pt

from builder import pptx_xml
from builder.builders import RenderContext, register
from builder.clinic import LAYOUT_ROLES
from builder.document import Doc, LocalizedBlock, LocalizedTopic
from builder.errors import ConfigError, Problem, RenderError, display_path
from builder.languages import ALWAYS_OK, NO_SCRIPT, Language, _cmap, check_coverage, font_file, script_of
from builder.markup import Span, parse, to_plain, unbroken_ranges
from builder.pptx_xml import A, P


def N_(message: str) -> str:
    """Mark a UI string for extraction; it is translated where it is used."""
    return message


# Translators: the title of a slide that continues the previous one.
CONTINUED = N_("%(title)s (continued)")
AGENDA = N_("What we will talk about")
QUESTIONS = N_("Questions to ask")
DISCUSSION = N_("Let's talk")
GLOSSARY = N_("Medical words explained")
CONTACT = N_("Questions? Contact your care team")
PHONE = N_("Phone:")
EMAIL = N_("Email:")
SCAN = N_("Scan the code or type this address:")
# Translators: alt text of the QR code picture, read out by screen readers.
QR_ALT = N_("QR code that opens %(address)s")
NOT_YET = N_("Not yet available in %(lang)s. Shown in English:")
SOME_ENGLISH = N_("Some parts are not yet available in %(lang)s and are shown in English. "
                  "They are marked.")
DRAFT = N_("Draft: this information has not yet been checked by a clinical reviewer.")
TRANSLATED_REVIEWED = N_("This %(lang)s version was translated from the English original and "
                         "reviewed by a person.")
TRANSLATED_REVIEWED_BY = N_("This %(lang)s version was translated from the English original and "
                            "reviewed by %(reviewer)s.")
TRANSLATED_DRAFT = N_("This %(lang)s version is a draft translation of the English original. It "
                      "has not yet been reviewed by a person.")
DISCLAIMER = N_("These slides give general information. They do not replace the advice of your "
                "doctor or care team, who know your situation.")
KEYWORDS = N_("multiple myeloma")
URGENT = N_("When to call us urgently")
URGENT_LINE = N_("Urgent, day or night:")
URGENT_CALL = N_("Call us straight away, day or night, if you have any of these:")
URGENT_EMERGENCY = N_("If you cannot reach us, or if it is an emergency, call your local "
                      "emergency number.")
URGENT_DEFAULT = N_("This list of warning signs is a default. Your clinic should check it and set "
                    "its own.")
LEVEL_LABELS = {"easy": N_("Easy read"), "standard": N_("Standard"), "detailed": N_("Detailed")}

DEFAULT_LAYOUTS = {"title": "Title", "section": "Section", "content": "Content",
                   "two-column": "Two Column", "questions": "Questions", "closing": "Closing"}
BODY_FLOOR_PT = 18.0  # body text never shrinks below this (only a bullet too long for a slide)
BODY_START_PT = 20.0  # nor starts below this, whatever a clinic template says, nor shrinks below
# it just to save a "continued" slide
TITLE_FLOOR_PT = 20.0
SHRINK_STEP_PT = 2.0
MAX_BULLETS = 6  # one idea per slide: at most ~6 bullets
# The builder fits text into 97 % of a box: headroom for renderers that set text a little wider
# or taller than our measurement (kerning, hinting). measure_overflow checks against 100 %.
WIDTH_HEADROOM = HEIGHT_HEADROOM = 0.97
LINE_PITCH = 1.2
TOLERANCE_PT = 0.5
HANG = 365760  # 0.4 in: hanging indent of a bullet
LATIN_FONT = "Noto Sans"
EMU_PER_PT = 12700
# How LibreOffice and PowerPoint sort scripts into a run's three typefaces: these are set in
# the Latin one, the CJK ones in the East Asian one, every other script in the complex one.
LATIN_SLOT_SCRIPTS = {"Latn", "Cyrl", "Grek", "Armn", "Geor", "Cher", "Cans", "Ogam", "Runr"}
EA_SLOT_SCRIPTS = {"Hans", "Hant", "Hani", "Jpan", "Kore", "Hira", "Kana", "Hang", "Bopo", "Yiii"}
LRM = "\u200e"


# -- what goes on a slide ------------------------------------------------------------------

@dataclass
class Para:
    """One paragraph of a text box or of the speaker notes."""

    spans: list[Span]
    level: int = 0
    bullet: str = "none"  # "bullet", "number" or "none"
    number: int = 1
    english: bool = False  # fallback text: English, left to right
    bold: bool = False
    italic: bool = False


@dataclass
class Item:
    """What moves together onto a slide: its bullets and the full text for the notes."""

    paras: list[Para] = field(default_factory=list)
    notes: list[Para] = field(default_factory=list)

    @property
    def bullets(self) -> int:
        return sum(1 for p in self.paras if p.level == 0)


@dataclass(frozen=True)
class Faces:
    """The typefaces every run names: Latin, East Asian and complex script."""

    latin: str
    ea: str
    cs: str

    @classmethod
    def of(cls, lang: Language) -> Faces:
        first = lang.fonts[0]
        slot = _script_slot(lang.script)
        return cls(latin=first if slot == "latin" else LATIN_FONT,
                   ea=first if slot == "ea" else "Noto Sans CJK SC",
                   cs=first if slot == "cs" else "Noto Naskh Arabic")

    def without(self, family: str) -> Faces:
        """These faces with `family` replaced by Noto Sans: for the characters it lacks."""
        return Faces(*(LATIN_FONT if f == family else f for f in (self.latin, self.ea, self.cs)))


def _script_slot(script: str) -> str:
    if script in LATIN_SLOT_SCRIPTS:
        return "latin"
    return "ea" if script in EA_SLOT_SCRIPTS else "cs"


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
        if out and char in ALWAYS_OK:  # spaces, joiners, direction marks: no glyph of their own
            out[-1] = (out[-1][0] + char, out[-1][1])
            continue
        covered = ord(char) in cmap or char in ALWAYS_OK
        if out and out[-1][1] == covered:
            out[-1] = (out[-1][0] + char, covered)
        else:
            out.append((char, covered))
    return out


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    width: int
    height: int
    insets: tuple[int, int, int, int]  # left, top, right, bottom

    @property
    def inner_width_pt(self) -> float:
        return (self.width - self.insets[0] - self.insets[2]) / EMU_PER_PT

    @property
    def inner_height_pt(self) -> float:
        return (self.height - self.insets[1] - self.insets[3]) / EMU_PER_PT

    def moved(self, left: int, width: int) -> Box:
        return replace(self, left=left, width=width)


@dataclass
class Region:
    """A placeholder of a layout: where its text goes and the styles it inherits."""

    idx: int
    box: Box
    chain: list[Any]
    size: float
    bold: bool
    align: str | None


@dataclass
class Layout:
    role: str
    layout: Any
    title: Region
    bodies: list[Region]


@dataclass
class Record:
    slide: Any
    notes: list[Para]


# -- measuring text with the real fonts ------------------------------------------------------

REF_PX = 256  # widths are measured at this size and scaled
NO_LINE_START = set("，。、；：？！）」』》〉】〕”’・…‥ー々ゝゞ%,.;:!?)]}")
NO_LINE_END = set("（「『《〈【〔“‘([{")
INVISIBLE = set("\u200b\u200c\u200d\u200e\u200f\u2060\u2066\u2067\u2068\u2069\ufeff")
NBSP, WORD_JOINER = "\u00a0", "\u2060"
LOGO_GAP = 182880  # 0.2 in between the title slide's logo and its title


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



@lru_cache(maxsize=128)
def _face_file(family: str, bold: bool, italic: bool) -> tuple[str, int] | None:
    styles = {(True, True): ("Bold Italic", "Bold", "Regular"), (True, False): ("Bold", "Regular"),
              (False, True): ("Italic", "Regular"), (False, False): ("Regular",)}[(bold, italic)]
    for style in styles:
        found = font_file(family, style)
        if found:
            return str(found[0]), found[1]
    return None


@lru_cache(maxsize=128)
def _pil_font(path: str, index: int) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, REF_PX, index=index, layout_engine=engine)


@lru_cache(maxsize=200_000)
def _em_width(path: str, index: int, text: str) -> float:
    return _pil_font(path, index).getlength(text) / REF_PX


def _slot(char: str) -> str | None:
    """Which of a run's typefaces sets `char`: latin, ea or cs; None for neutral characters."""
    code = ord(char)
    if code < 0x80:
        return "latin" if char.isalpha() else None
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return "ea"
    script = script_of(char)
    if char.isdigit() and script not in NO_SCRIPT:
        return _script_slot(script)  # a script's own digits (۲, ၀): its font, as viewers do
    if unicodedata.category(char)[0] not in "LM":
        return None  # Latin digits, punctuation, spaces: set like the text around them
    return None if script in NO_SCRIPT else _script_slot(script)


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


@dataclass
class _Char:
    char: str
    face: tuple[str, int]
    size: float


@dataclass
class _Style:
    """Resolved run properties."""

    size: float
    bold: bool
    italic: bool
    fonts: dict[str, str]  # slot -> family


class Measure:
    """Text layout with the installed fonts' metrics: greedy line filling, words kept whole."""

    def __init__(self) -> None:
        self.missing: set[str] = set()
        self.broken_words: list[str] = []  # words wider than their line, broken inside

    def face(self, family: str, bold: bool, italic: bool) -> tuple[str, int]:
        found = _face_file(family, bold, italic)
        if found is None:
            self.missing.add(family)
            found = _face_file(LATIN_FONT, bold, italic)
            assert found is not None, "Noto Sans is not installed"
        return found

    def chars(self, text: str, style: _Style) -> list[_Char]:
        slots: list[str | None] = [_slot(c) for c in text]
        # Neutral characters take the script of the character before them (else after them).
        last: str | None = None
        for i, slot in enumerate(slots):
            if slot is None:
                slots[i] = last
            else:
                last = slot
        following: str | None = None
        for i in range(len(slots) - 1, -1, -1):
            if slots[i] is None:
                slots[i] = following or "latin"
            following = slots[i]
        return [_Char(c, self.face(style.fonts.get(s or "latin", LATIN_FONT), style.bold,
                                   style.italic), style.size)
                for c, s in zip(text, slots, strict=True)]

    def width(self, chars: list[_Char]) -> float:
        total = 0.0
        start = 0
        for i in range(1, len(chars) + 1):
            if i == len(chars) or (chars[i].face, chars[i].size) != (chars[start].face,
                                                                      chars[start].size):
                text = "".join(c.char for c in chars[start:i] if c.char not in INVISIBLE)
                if text:
                    total += _em_width(*chars[start].face, text) * chars[start].size
                start = i
        return total

    def lines(self, chars: list[_Char], first_width: float, width: float) -> list[list[_Char]]:
        """`chars` broken into lines: at spaces, between CJK characters, inside over-long words."""
        words: list[tuple[list[_Char], list[_Char], bool]] = []  # text, trailing spaces, newline
        word: list[_Char] = []
        spaces: list[_Char] = []
        for i, ch in enumerate(chars):
            if ch.char == "\n":
                words.append((word, spaces, True))
                word, spaces = [], []
                continue
            if ch.char in (" ", "\t"):
                spaces.append(ch)
                continue
            prev = chars[i - 1].char if i else ""
            cjk_break = word and not spaces and (_wide(ch.char) or _wide(prev)) \
                and ch.char not in NO_LINE_START and prev not in NO_LINE_END
            if spaces or cjk_break:
                words.append((word, spaces, False))
                word, spaces = [], []
            word.append(ch)
        words.append((word, spaces, False))

        lines: list[list[_Char]] = []
        line: list[_Char] = []
        used = 0.0
        pending: list[_Char] = []

        def room() -> float:
            return first_width if not lines else width

        for text, trailing, newline in words:
            w = self.width(text)
            if line and used + self.width(pending) + w > room():
                lines.append(line)
                line, used, pending = [], 0.0, []
            if w > room():  # a word longer than the line: broken between characters
                self.broken_words.append("".join(c.char for c in text))
                for ch in text:
                    cw = self.width([ch])
                    if line and used + self.width(pending) + cw > room():
                        lines.append(line)
                        line, used, pending = [], 0.0, []
                    line += pending + [ch]
                    used += self.width(pending) + cw
                    pending = []
            else:
                line += pending + text
                used += self.width(pending) + w
                pending = []
            pending = list(trailing)
            if newline:
                lines.append(line + pending)
                line, used, pending = [], 0.0, []
        lines.append(line + pending)
        return lines

    def line_height(self, line: list[_Char], size: float) -> float:
        """Single-spaced lines are 1.2 x the largest size on them, whatever the font's own
        metrics: measured in LibreOffice (28.8 pt at 24 pt in Noto Sans, Noto Sans CJK and
        Noto Naskh Arabic alike), and what PowerPoint does (about 1.2018 x size)."""
        sizes = [c.size for c in line if c.char not in INVISIBLE]
        return LINE_PITCH * max(sizes or [size])


def _level_props(chain: list[Any], level: int) -> Iterator[Any]:
    for container in chain:
        if container is None:
            continue
        props = container.find(f"{A}lvl{level + 1}pPr")
        if props is not None:
            yield props


def inherited(chain: list[Any], level: int, name: str, run: bool = False) -> str | None:
    """A paragraph (or, with `run`, a default run) attribute from the first style that sets it."""
    for props in _level_props(chain, level):
        holder = props.find(f"{A}defRPr") if run else props
        if holder is not None and holder.get(name) is not None:
            return str(holder.get(name))
    return None


def _inherited_child(chain: list[Any], level: int, names: tuple[str, ...]) -> Any:
    for props in _level_props(chain, level):
        for child in props:
            if child.tag.split("}")[1] in names:
                return child
    return None


def _inherited_font(chain: list[Any], level: int, slot: str) -> str | None:
    for props in _level_props(chain, level):
        found = props.find(f"{A}defRPr/{A}{slot}")
        if found is not None and not found.get("typeface", "+").startswith("+"):
            return str(found.get("typeface"))
    return None


def _truthy(value: str | None) -> bool:
    return value in ("1", "true")


def _spacing(element: Any) -> tuple[str, float] | None:
    """("pct", factor) or ("pts", points) from an a:lnSpc, a:spcBef or a:spcAft."""
    if element is None:
        return None
    pct = element.find(f"{A}spcPct")
    if pct is not None:
        return "pct", int(pct.get("val")) / 100000
    pts = element.find(f"{A}spcPts")
    if pts is not None:
        return "pts", int(pts.get("val")) / 100
    return None


def _space(element: Any, size: float) -> float:
    """Points of space before or after a paragraph; a percentage is of the line (1.2 x size)."""
    spacing = _spacing(element)
    if spacing is None:
        return 0.0
    kind, value = spacing
    return value * size * LINE_PITCH if kind == "pct" else value


def text_height(tx_body: Any, width_pt: float, chain: list[Any] | None = None,
                measure: Measure | None = None) -> float:
    """Points of height the paragraphs of `tx_body` need when set `width_pt` wide."""
    measure = measure or Measure()
    chain = chain or []
    total = 0.0
    for p in tx_body.findall(f"{A}p"):
        total += _paragraph_height(p, width_pt, chain, measure)
    return total


def _paragraph_height(p: Any, width_pt: float, chain: list[Any], measure: Measure) -> float:
    ppr = p.find(f"{A}pPr")
    level = int(ppr.get("lvl", "0")) if ppr is not None else 0

    def attr(name: str) -> str | None:
        value = ppr.get(name) if ppr is not None else None
        return value if value is not None else inherited(chain, level, name)

    def child(*names: str) -> Any:
        if ppr is not None:
            for element in ppr:
                if element.tag.split("}")[1] in names:
                    return element
        return _inherited_child(chain, level, names)

    margin = int(attr("marL") or 0) / EMU_PER_PT
    indent = int(attr("indent") or 0) / EMU_PER_PT
    bullet = child("buNone", "buChar", "buAutoNum", "buBlip")
    has_bullet = bullet is not None and not bullet.tag.endswith("buNone")
    first_start = margin if has_bullet and indent < 0 else margin + indent
    chars: list[_Char] = []
    sizes: list[float] = []
    for element in p:
        tag = element.tag.split("}")[1]
        if tag == "br":
            text, rpr = "\n", element.find(f"{A}rPr")
        elif tag in ("r", "fld"):
            t = element.find(f"{A}t")
            text, rpr = (t.text or "") if t is not None else "", element.find(f"{A}rPr")
        else:
            continue
        style = _run_style(rpr, chain, level)
        sizes.append(style.size)
        chars += measure.chars(text, style)
    end = p.find(f"{A}endParaRPr")
    if not sizes:
        sizes.append(_run_style(end, chain, level).size)
    size = max(sizes)
    lines = measure.lines(chars, max(1.0, width_pt - first_start), max(1.0, width_pt - margin))
    spacing = _spacing(child("lnSpc"))
    if spacing is not None and spacing[0] == "pts":  # exact line height
        height = spacing[1] * len(lines)
    else:
        factor = spacing[1] if spacing is not None else 1.0
        height = sum(measure.line_height(line, size) for line in lines) * factor
    return _space(child("spcBef"), size) + height + _space(child("spcAft"), size)


def _run_style(rpr: Any, chain: list[Any], level: int) -> _Style:
    def value(name: str) -> str | None:
        own = rpr.get(name) if rpr is not None else None
        return own if own is not None else inherited(chain, level, name, run=True)

    fonts: dict[str, str] = {}
    for slot in ("latin", "ea", "cs"):
        own = rpr.find(f"{A}{slot}") if rpr is not None else None
        face = own.get("typeface") if own is not None else None
        if not face or face.startswith("+"):
            face = _inherited_font(chain, level, slot) or LATIN_FONT
        fonts[slot] = face
    size = int(value("sz") or 1800) / 100
    return _Style(size=size, bold=_truthy(value("b")), italic=_truthy(value("i")), fonts=fonts)


# -- reading a deck back ----------------------------------------------------------------------

def _master_style(shape: Any, master: Any) -> Any:
    styles = master._element.find(f"{P}txStyles")
    if styles is None:
        return None
    if not shape.is_placeholder:
        return styles.find(f"{P}otherStyle")
    kind = shape.placeholder_format.type
    if kind in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE,
                PP_PLACEHOLDER.VERTICAL_TITLE):
        return styles.find(f"{P}titleStyle")
    if kind in (PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER):
        return styles.find(f"{P}otherStyle")
    return styles.find(f"{P}bodyStyle")


def _lst_style(shape: Any) -> Any:
    body = shape._element.find(f"{P}txBody")
    return body.find(f"{A}lstStyle") if body is not None else None


def style_chain(shape: Any, master: Any, presentation: Any) -> list[Any]:
    """The list styles a shape's text inherits, nearest first: shape, layout, master, defaults."""
    chain = [_lst_style(shape)]
    current = shape
    while current.is_placeholder and hasattr(current, "_base_placeholder"):
        try:
            base = current._base_placeholder
        except (KeyError, AttributeError, NotImplementedError):
            base = None
        if base is None:
            break
        chain.append(_lst_style(base))
        current = base
    chain.append(_master_style(shape, master))
    chain.append(presentation._element.find(f"{P}defaultTextStyle"))
    return chain


def _body_pr_chain(shape: Any) -> list[Any]:
    out = []
    current = shape
    while current is not None:
        body = current._element.find(f"{P}txBody")
        if body is not None:
            out.append(body.find(f"{A}bodyPr"))
        if not current.is_placeholder or not hasattr(current, "_base_placeholder"):
            break
        try:
            current = current._base_placeholder
        except (KeyError, AttributeError, NotImplementedError):
            break
    return out


def box_of(shape: Any) -> Box:
    """Where a shape's text goes: its (inherited) position and size and its text insets."""
    defaults = {"lIns": 91440, "tIns": 45720, "rIns": 91440, "bIns": 45720}
    insets = []
    for name, default in defaults.items():
        value = next((int(b.get(name)) for b in _body_pr_chain(shape)
                      if b is not None and b.get(name) is not None), default)
        insets.append(value)
    return Box(int(shape.left or 0), int(shape.top or 0), int(shape.width or 0),
               int(shape.height or 0), (insets[0], insets[1], insets[2], insets[3]))


def measure_overflow(data: bytes) -> list[str]:
    """Every text box of a saved deck whose text, set in the fonts it names, exceeds the box."""
    prs = Presentation(BytesIO(data))
    problems = []
    measure = Measure()
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
                problems.append(f"slide {number} ({title[:60]!r}): {shape.name!r} needs "
                                f"{need:.1f} pt of height, the box has {box.inner_height_pt:.1f}")
    for family in sorted(measure.missing):
        problems.append(f"font {family!r} named in the deck is not installed: measured with "
                        f"{LATIN_FONT} instead")
    return problems


# -- the template ----------------------------------------------------------------------------

def _load_template(path: Path) -> Any:
    shown = display_path(path)
    if not path.is_file():
        raise ConfigError([Problem(shown, None, "deck template not found")])
    try:
        return Presentation(BytesIO(pptx_xml.as_presentation(path.read_bytes())))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ConfigError([Problem(shown, None, f"not a PowerPoint template (.pptx/.potx): "
                                                f"{error}")]) from None


def _region(ph: Any, master: Any, prs: Any) -> Region:
    chain = style_chain(ph, master, prs)
    size = float(int(inherited(chain, 0, "sz", run=True) or 1800) / 100)
    return Region(idx=ph.placeholder_format.idx, box=box_of(ph), chain=chain, size=size,
                  bold=_truthy(inherited(chain, 0, "b", run=True)),
                  align=inherited(chain, 0, "algn"))


TITLE_TYPES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
BODY_TYPES = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.SUBTITLE)


def find_layouts(prs: Any, path: Path, names: dict[str, str]) -> dict[str, Layout]:
    """Our layout roles -> the template's layouts, by name; every problem reported at once."""
    shown = display_path(path)
    found: dict[str, Any] = {}
    for master in prs.slide_masters:
        for layout in master.slide_layouts:
            found.setdefault(layout.name, (layout, master))
    problems: list[Problem] = []
    layouts: dict[str, Layout] = {}
    for role in LAYOUT_ROLES:
        name = names[role]
        if name not in found:
            have = ", ".join(f"'{n}'" for n in found) or "no layouts"
            problems.append(Problem(shown, None, f"layout '{name}' for {role} slides not found; "
                                                 f"the template has: {have}"))
            continue
        layout, master = found[name]
        titles = [ph for ph in layout.placeholders if ph.placeholder_format.type in TITLE_TYPES]
        bodies = sorted((ph for ph in layout.placeholders
                         if ph.placeholder_format.type in BODY_TYPES),
                        key=lambda ph: (int(ph.left or 0), int(ph.top or 0)))
        wanted = 2 if role == "two-column" else 1
        if not titles or len(bodies) < wanted:
            what = "a title placeholder" if not titles else \
                f"{wanted} text placeholder{'s' if wanted > 1 else ''}"
            problems.append(Problem(shown, None, f"layout '{name}' for {role} slides needs {what}"))
            continue
        layouts[role] = Layout(role, layout, _region(titles[0], master, prs),
                               [_region(ph, master, prs) for ph in bodies[:wanted]])
    if problems:
        raise ConfigError(problems)
    return layouts


def _raster(path: Path | None) -> Path | None:
    """A PNG/JPEG for a picture: the file itself, or for an SVG the PNG beside it."""
    if path is None:
        return None
    if path.suffix.lower() in (".png", ".jpg", ".jpeg"):
        return path if path.is_file() else None
    sibling = path.with_suffix(".png")
    return sibling if sibling.is_file() else None


# -- building --------------------------------------------------------------------------------

def _scratch_frame() -> TextFrame:
    body = parse_xml(f'<p:txBody xmlns:p="{pptx_xml.P_NS}" xmlns:a="{pptx_xml.A_NS}">'
                     '<a:bodyPr/><a:lstStyle/><a:p/></p:txBody>')
    return TextFrame(body, None)  # type: ignore[arg-type]  # never asked for its part


class Deck:
    """One Doc's slides, built top to bottom: title, agenda, topics, glossary, contacts."""

    def __init__(self, doc: Doc, ctx: RenderContext):
        self.doc = doc
        self.lang = doc.lang
        self.faces = Faces.of(doc.lang)
        self.slant = font_file(doc.lang.fonts[0], "Italic") is not None
        self.measure = Measure()
        custom = ctx.deck_template or doc.clinic.template
        path = custom or ctx.templates / "deck.pptx"
        names: dict[str, str] = dict(DEFAULT_LAYOUTS)
        if custom:  # layout names of a clinic's own apply to the clinic's own template only
            names.update(ctx.layout_names or {str(k): v for k, v in
                                              doc.clinic.profile.layouts.items()})
        self.prs = _load_template(path)
        pptx_xml.remove_slides(self.prs)
        self.layouts = find_layouts(self.prs, path, names)
        self.ours = custom is None
        if self.ours:  # a clinic's own template keeps its own theme colours
            accent = doc.clinic.profile.accent
            pptx_xml.set_theme(self.prs, colours={"accent1": accent, "hlink": accent})
        self.records: list[Record] = []
        self.pending: tuple[str, bool, list[Para]] | None = None
        self.terms: dict[str, Item] = {}
        self.marker = doc.gettext(NOT_YET) % {"lang": doc.lang.native_name}
        # Kept whole besides what markup.UNBROKEN_RE finds: the clinic's phone in any format.
        urgent = doc.clinic.urgent
        self.whole_values = tuple(v for v in (doc.clinic.profile.phone,
                                              urgent.phone if urgent else None) if v)

    # -- text ------------------------------------------------------------------------------

    def spans(self, text: str | None, bold: bool = False) -> list[Span]:
        spans = parse(text or "", self.doc.values)
        return [replace(s, bold=True) for s in spans] if bold else spans

    def plain(self, text: str | None) -> str:
        return pptx_xml.clean(to_plain(text or "", self.doc.values)).replace("\n", " ")

    def ui(self, message: str, **values: str) -> str:
        text = self.doc.gettext(message)
        if not values:
            return text
        try:
            return text % values
        except (KeyError, ValueError, TypeError):  # a broken translation: show the English
            return message % values

    def untranslated(self, message: str) -> bool:
        """Whether a UI string is shown in English (so set left to right, marked English)."""
        return not self.lang.code.startswith("en") and self.doc.gettext(message) == message

    def ui_para(self, message: str, **values: str) -> Para:
        return Para([Span(self.ui(message, **values))], english=self.untranslated(message),
                    italic=True)

    def ltr(self, text: str) -> str:
        """A Latin-script value (phone, address) kept left to right in a right-to-left deck.

        In a right-to-left paragraph "1 Example Road" would read "Example Road 1".
        """
        if not self.lang.rtl or any(_slot(c) == "cs" for c in text):
            return text
        return f"{LRM}{text}{LRM}"

    def marker_para(self, level: int = 0) -> Para:
        return Para([Span(self.marker)], level=level, italic=True,
                    english=self.untranslated(NOT_YET))

    def fill(self, frame: TextFrame, paras: list[Para], size: float | None,
             region: Region | None) -> None:
        """Write `paras` into a text frame; `size` None keeps the frame's own (speaker notes)."""
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
            rtl = self.lang.rtl and not para.english
            align = None
            if self.lang.rtl and (region is None or region.align not in ("ctr", "just")):
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
            para_lang = "en" if para.english else self.lang.tag
            lang = para_lang
            # Hebrew, Arabic-script, Indic and CJK fonts have no italic: a viewer would slant
            # the letters itself. Only text in a font that has one is set italic.
            own = self.lang.fonts[0]
            for span in para.spans:
                lang = span.lang or para_lang
                text = keep_whole(pptx_xml.clean(span.text).replace("\n", " ").replace("\t", " "),
                                  self.whole_values)
                if not text:
                    continue
                for piece, covered in font_segments(text, own):
                    faces = self.faces if covered else self.faces.without(own)
                    run = paragraph.add_run()
                    run.text = piece
                    font = run.font
                    if para_size is not None:
                        font.size = Pt(para_size)
                    font.bold = span.bold or para.bold or (region is not None and region.bold)
                    font.italic = (span.italic or para.italic) and (self.slant or not covered)
                    if span.href and frame._parent is not None:
                        run.hyperlink.address = span.href
                    pptx_xml.set_run_fonts(run._r.get_or_add_rPr(), latin=faces.latin,
                                           ea=faces.ea, cs=faces.cs, lang=lang,
                                           alt_lang=None if lang.startswith("en") else "en-US")
            if para_size is not None:
                pptx_xml.set_end_size(p, para_size, para_lang)

    # -- fitting ---------------------------------------------------------------------------

    def height(self, paras: list[Para], size: float, region: Region, width: float) -> float:
        frame = _scratch_frame()
        self.fill(frame, paras, size, region)
        return text_height(frame._txBody, width, region.chain, self.measure)

    def fits(self, paras: list[Para], size: float, region: Region, box: Box) -> bool:
        if not paras:
            return True
        self.measure.broken_words.clear()
        need = self.height(paras, size, region, box.inner_width_pt * WIDTH_HEADROOM)
        if any(unbroken_ranges(_visible(word)) for word in self.measure.broken_words):
            return False  # an address or phone number wider than the box: smaller text
        return need <= box.inner_height_pt * HEIGHT_HEADROOM

    def best_size(self, paras: list[Para], region: Region, box: Box, start: float,
                  floor: float) -> float | None:
        size = start
        while size >= floor - 0.01:
            if self.fits(paras, size, region, box):
                return size
            size -= SHRINK_STEP_PT
        return None

    def paginate(self, items: list[Item], region: Region, box: Box,
                 save_floor: float = BODY_START_PT) -> list[tuple[list[Item], float]]:
        """Items split over as few slides as fit, each with the size its text is set in.

        To save a "continued" slide the text may shrink to `save_floor`; a bullet too long for a
        slide of its own shrinks to the floor (18 pt), then is cut between words.
        """
        base = max(region.size, BODY_START_PT)
        pages: list[tuple[list[Item], float]] = []
        rest = _with_bullets(items)

        def paras(chunk: list[Item]) -> list[Para]:
            return [p for item in chunk for p in item.paras]

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
            rest = [tail] + rest[1:]
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
            return (Item(item.paras[:keep], item.notes), Item(item.paras[keep:], []))
        first = item.paras[0]
        text = "".join(s.text for s in first.spans)
        whole = unbroken_ranges(text, self.whole_values)
        cuts = [i + 1 for i, c in enumerate(text) if (c == " " or _wide(c))
                and not any(start <= i < end for start, end in whole)] or [len(text)]
        low, high = 0, len(cuts) - 1
        best = cuts[0]
        while low <= high:  # the longest head that fits
            mid = (low + high) // 2
            head = replace(first, spans=_cut(first.spans, 0, cuts[mid]))
            if self.fits([head], floor, region, box):
                best = cuts[mid]
                low = mid + 1
            else:
                high = mid - 1
        head = replace(first, spans=_cut(first.spans, 0, best))
        tail = replace(first, spans=_cut(first.spans, best, len(text)))
        return Item([head], item.notes), Item([tail] + item.paras[1:], [])

    # -- slides ----------------------------------------------------------------------------

    def new_slide(self, layout: Layout, keep: set[int]) -> tuple[Any, Any, dict[int, Any]]:
        slide = self.prs.slides.add_slide(layout.layout)
        title = None
        bodies = {}
        for ph in list(slide.placeholders):
            idx = ph.placeholder_format.idx
            if idx == layout.title.idx and title is None:
                title = ph
            elif idx in keep:
                bodies[idx] = ph
            else:  # an empty placeholder shows "Click to add text" and confuses screen readers
                ph._element.getparent().remove(ph._element)
        return slide, title, bodies

    def set_title(self, shape: Any, region: Region, text: str, english: bool) -> None:
        para = [Para([Span(text)], english=english)]
        start = max(region.size, TITLE_FLOOR_PT)
        size = self.best_size(para, region, region.box, start, TITLE_FLOOR_PT) or TITLE_FLOOR_PT
        self.fill(shape.text_frame, para, size, region)

    def emit(self, role: str, title: str, english: bool, items: list[Item], *,
             continued: bool = False, picture: tuple[Path | bytes, str] | None = None) -> None:
        """Slides of one layout for `items`, continued over as many slides as they need."""
        layout = self.layouts[role]
        text_region, picture_box = layout.bodies[0], None
        text_box = text_region.box
        if role == "two-column":
            left, right = layout.bodies[0], layout.bodies[1]
            # Right to left, the picture moves to the right and the text to the left.
            text_region, picture_region = (left, right) if self.lang.rtl else (right, left)
            text_box, picture_box = text_region.box, picture_region.box
        elif picture is not None:  # the closing slide: text beside a square picture
            side = min(text_box.height, round(text_box.width * 0.3))
            gap = 274320
            picture_box = replace(text_box, width=side, height=side,
                                  left=text_box.left if self.lang.rtl
                                  else text_box.left + text_box.width - side)
            text_box = text_box.moved(text_box.left + (side + gap if self.lang.rtl else 0),
                                      text_box.width - side - gap)
        # A title or closing slide shrinks its text rather than continue on a second slide.
        floor = BODY_FLOOR_PT if role in ("title", "closing") else BODY_START_PT
        pages = self.paginate(items, text_region, text_box, floor) if items \
            else [([], text_region.size)]
        for number, (page, size) in enumerate(pages):
            keep = {text_region.idx}
            slide, title_shape, bodies = self.new_slide(layout, keep)
            shown = title if number == 0 and not continued else self.ui(CONTINUED, title=title)
            if title_shape is not None:
                self.set_title(title_shape, layout.title, shown, english)
            paras = [p for item in page for p in item.paras]
            body = bodies.get(text_region.idx)
            if body is not None:
                if paras:
                    if text_box != text_region.box:
                        body.left, body.top = text_box.left, text_box.top
                        body.width, body.height = text_box.width, text_box.height
                    self.fill(body.text_frame, paras, size, text_region)
                else:
                    body._element.getparent().remove(body._element)
            if picture is not None and picture_box is not None and number == 0:
                self.add_picture(slide, picture[0], picture[1], picture_box)
            notes = [n for item in page for n in item.notes]
            if number == 0 and self.pending is not None:
                notes = self.pending[2] + notes
                self.pending = None
            self.records.append(Record(slide, notes))

    def add_picture(self, slide: Any, source: Path | bytes, alt: str, box: Box) -> None:
        """A picture scaled into `box`, centred, with alt text (python-pptx: the file name)."""
        def stream() -> Any:
            return BytesIO(source) if isinstance(source, bytes) else str(source)

        with PILImage.open(stream()) as image:
            width, height = image.size
        scale = min(box.width / width, box.height / height)
        w, h = round(width * scale), round(height * scale)
        picture = slide.shapes.add_picture(stream(), box.left + (box.width - w) // 2,
                                           box.top + (box.height - h) // 2, w, h)
        pptx_xml.set_alt_text(picture._element, alt)

    # -- the parts of a deck ----------------------------------------------------------------

    def title_slide(self) -> None:
        doc = self.doc
        level = self.ui(LEVEL_LABELS[doc.level])
        when = doc.lang.digits(format_date(doc.date, format="long", locale=doc.lang.locale))
        paras = [Para([Span(f"{doc.lang.display_name} · {level}")]),
                 Para([Span(self.ltr(doc.clinic.profile.name))], bold=True),
                 Para([Span(when)])]
        status = []
        if any(t.review.status == "draft" for t in doc.topics):
            status.append(self.ui_para(DRAFT))
        if doc.provenance.translated:
            if doc.provenance.reviewed and doc.provenance.reviewers:
                status.append(self.ui_para(TRANSLATED_REVIEWED_BY, lang=doc.lang.native_name,
                                           reviewer=", ".join(doc.provenance.reviewers)))
            else:
                message = TRANSLATED_REVIEWED if doc.provenance.reviewed else TRANSLATED_DRAFT
                status.append(self.ui_para(message, lang=doc.lang.native_name))
        if doc.fallbacks:
            status.append(self.ui_para(SOME_ENGLISH, lang=doc.lang.native_name))
        title_en = "title" in doc.english
        if title_en:  # the title above is English: say so first
            paras.insert(0, self.marker_para())
        notes = [Para(self.spans(doc.title), bold=True, english=title_en),
                 Para(self.spans(doc.summary), english="summary" in doc.english),
                 *paras, *status]
        self.emit("title", self.plain(doc.title), title_en, [Item(paras + status, notes)])
        logo = _raster(doc.clinic.logo)
        if self.ours and logo is not None:
            height = 640080  # 0.7 in, in the space above the title
            with PILImage.open(logo) as image:
                width = round(image.size[0] * height / image.size[1])
            slide_width = int(self.prs.slide_width)
            left = 822960 if self.lang.rtl else slide_width - 822960 - width
            slide = self.records[-1].slide
            picture = slide.shapes.add_picture(str(logo), left, 457200, width, height)
            pptx_xml.set_alt_text(picture._element, doc.clinic.profile.name)
            # The title box starts below the logo: a three-line German title set at the
            # bottom of its box otherwise rises to touch the logo. Refitted to the smaller box.
            title, region = slide.shapes.title, self.layouts["title"].title
            clear = 457200 + height + LOGO_GAP
            if title is not None and region is not None and region.box.top < clear:
                box = replace(region.box, top=clear,
                              height=region.box.top + region.box.height - clear)
                title.left, title.top = box.left, box.top
                title.width, title.height = box.width, box.height
                self.set_title(title, replace(region, box=box), self.plain(doc.title), False)

    def agenda_slide(self) -> None:
        items = [Item(([self.marker_para()] if "title" in t.english else [])
                      + [Para(self.spans(t.title), bullet="bullet", english="title" in t.english)],
                      [Para(self.spans(t.title), bold=True, english="title" in t.english),
                       Para(self.spans(t.summary), english="summary" in t.english)])
                 for t in self.doc.topics]
        self.emit("content", self.ui(AGENDA), self.untranslated(AGENDA), items)

    def block_notes(self, block: LocalizedBlock) -> list[Para]:
        """The full text of a block, at the document's level, for the speaker notes.

        Each entry falls back on its own: English runs are tagged English and follow the mark.
        """
        out: list[Para] = []
        whole = block.all_english
        if whole:
            out.append(self.marker_para())

        def add(text: str | None, name: str, **options: Any) -> None:
            if text:
                english = block.en(name)
                if english and not whole and not (out and out[-1].english):
                    out.append(self.marker_para())
                out.append(Para(self.spans(text), english=english, **options))

        kind = block.type
        if kind == "heading":
            add(block.text, "text", bold=True)
        elif kind == "term":
            if block.fallback and not whole:
                out.append(self.marker_para())
            out.append(Para(self.lang_spans(self.spans(block.term, bold=True), block.en("term"))
                            + [Span(": ")] + self.lang_spans(self.spans(block.text),
                                                             block.en("text")),
                            english=whole))
        elif kind == "image":
            add(block.text, "text", italic=True)
            add(block.caption, "caption")
        else:
            add(block.text, "text", bold=kind in ("checklist", "discussion", "slide"))
            for number, item in enumerate(block.items, 1):
                add(item, f"items/{number - 1}", bullet="number" if block.ordered else "bullet",
                    number=number)
        return out

    def lang_spans(self, spans: list[Span], english: bool) -> list[Span]:
        """Spans tagged English when they are (a run inside a paragraph of the deck's language)."""
        if not english or not spans:
            return spans
        out = [replace(s, lang="en") for s in spans]
        if self.lang.rtl:  # isolated left to right inside a right-to-left paragraph
            out[0] = replace(out[0], text=LRM + out[0].text)
            out[-1] = replace(out[-1], text=out[-1].text + LRM)
        return out

    def block_items(self, block: LocalizedBlock) -> list[Item]:
        """A block's bullets, one Item per bullet so long lists can continue on the next slide.

        The mark "Not yet available … Shown in English:" comes before what it labels.
        """
        notes = self.block_notes(block)
        if block.type in ("paragraph", "keypoint"):
            if not block.slide:
                return [Item([], notes)]
            english = block.en("slide")
            marker = [self.marker_para()] if english else []
            return [Item(marker + [Para(self.spans(block.slide), bullet="bullet", english=english,
                                        bold=block.type == "keypoint")], notes)]
        if block.type == "list":
            whole = block.all_english
            lead_en = block.en("text")
            lead = ([self.marker_para()] if lead_en else []) + \
                ([Para(self.spans(block.text), english=lead_en)] if block.text else [])
            if whole and not block.text:
                lead = [self.marker_para()]
            items = []
            for number, text in enumerate(block.items, 1):
                english = block.en(f"items/{number - 1}")
                marker = [self.marker_para()] if english and not whole else []
                items.append(Item(marker + [Para(self.spans(text), english=english, number=number,
                                                 bullet="number" if block.ordered else "bullet")]))
            if not items:
                return [Item(lead, notes)]
            items[0] = Item(lead + items[0].paras, notes)
            return items
        return [Item([], notes)]

    def own_items(self, block: LocalizedBlock) -> list[Item]:
        """The bullets of a block that has a slide of its own (checklist, discussion, slide)."""
        whole = block.all_english
        items = []
        for number, text in enumerate(block.items):
            english = block.en(f"items/{number}")
            marker = [self.marker_para()] if english and not whole else []
            items.append(Item(marker + [Para(self.spans(text), english=english, bullet="bullet")]))
        first = Item([self.marker_para()] if whole else [], self.block_notes(block))
        return [first] + items

    def topic_slides(self, topic: LocalizedTopic) -> None:
        title, english = self.plain(topic.title), False
        run: list[Item] = []
        shown = False  # a content slide of this section is out: the next one "continues"
        used = False  # any slide of this section is out (content or its own)

        def flush() -> None:
            nonlocal run, shown, used
            notes = [n for item in run for n in item.notes]
            if any(item.paras for item in run):
                self.emit("content", title, english, run, continued=shown)
                shown = used = True
            elif run and used:  # text without bullets after a section's slide: its notes
                self.records[-1].notes += notes
            elif run:  # before any slide of the section: the notes of its next slide
                if self.pending is not None:
                    self.pending[2].extend(notes)
                else:
                    self.pending = (title, english, notes)
            run = []

        def own(role: str, heading: str, heading_english: bool, items: list[Item]) -> None:
            nonlocal used
            flush()
            self.emit(role, heading, heading_english, items)
            used = True

        def flush_pending() -> None:
            # A section with nothing to show gets a slide with its title, for its notes.
            if self.pending is not None:
                self.emit("section", self.pending[0], self.pending[1], [])

        for block in topic.blocks:
            kind = block.type
            if kind == "heading":
                flush()
                flush_pending()
                title, english, shown, used = self.plain(block.text), block.en("text"), False, False
                marker = [self.marker_para()] if block.fallback else []
                run = [Item(marker, self.block_notes(block))]
            elif kind in ("paragraph", "keypoint", "list"):
                run += self.block_items(block)
            elif kind == "term":
                run.append(Item([], self.block_notes(block)))
                self.add_term(block.term or "", block.text or "", block.en("term"),
                              block.en("text"))
            elif kind == "notes":
                if run or not self.records:
                    run.append(Item([], self.block_notes(block)))
                else:  # right after a slide of its own: that slide's notes
                    self.records[-1].notes += self.block_notes(block)
            elif kind in ("checklist", "discussion"):
                default = QUESTIONS if kind == "checklist" else DISCUSSION
                heading = self.plain(block.text) if block.text else self.ui(default)
                own("questions", heading,
                    block.en("text") if block.text else self.untranslated(default),
                    self.own_items(block))
            elif kind == "slide":
                own("content", self.plain(block.text), block.en("text"), self.own_items(block))
            elif kind == "image":
                flush()
                self.image_slide(block, title, english, shown)
                shown = used = True
        flush()
        flush_pending()

    def image_slide(self, block: LocalizedBlock, title: str, english: bool, continued: bool) -> None:
        source = _raster(block.src)
        if source is None:
            raise RenderError([Problem(block.where, None,
                                       f"image '{block.src}' cannot go on a slide: decks need a "
                                       "PNG or JPEG (for an SVG, put a PNG of the same name "
                                       "beside it)")])
        paras = [self.marker_para()] if block.caption and block.en("caption") else []
        if block.caption:
            paras.append(Para(self.spans(block.caption), english=block.en("caption")))
        alt = self.plain(block.text) or self.plain(block.caption) or title
        self.emit("two-column", title, english, [Item(paras, self.block_notes(block))],
                  continued=continued, picture=(source, alt))

    def add_term(self, term: str, text: str, term_english: bool, text_english: bool) -> None:
        key = self.plain(term).casefold()
        if key in self.terms:
            return
        both = term_english and text_english
        spans = (self.lang_spans(self.spans(term, bold=True), term_english) + [Span(": ")]
                 + self.lang_spans(self.spans(text), text_english))
        paras = [Para(spans, english=both, bullet="bullet")]
        if term_english or text_english:  # the mark first, above what it labels
            paras.insert(0, self.marker_para())
        self.terms[key] = Item(paras, list(paras))

    def glossary_slides(self) -> None:
        for term in self.doc.glossary:
            self.add_term(term.term, term.text, "term" in term.english, "text" in term.english)
        if self.terms:
            items = [self.terms[key] for key in sorted(self.terms)]
            self.emit("content", self.ui(GLOSSARY), self.untranslated(GLOSSARY), items)

    def closing_slide(self) -> None:
        profile = self.doc.clinic.profile
        url = profile.qr or profile.web  # the clinic's own: a topic's link has its own slide

        paras = [Para([Span(self.ltr(profile.name))], bold=True),
                 Para([Span(f"{self.ui(PHONE)} "), Span(self.ltr(profile.phone))],
                      english=self.untranslated(PHONE))]
        if profile.email:
            paras.append(Para([Span(f"{self.ui(EMAIL)} "),
                               Span(self.ltr(profile.email), href=f"mailto:{profile.email}")],
                              english=self.untranslated(EMAIL)))
        address = profile.address if isinstance(profile.address, list) else [profile.address]
        paras.append(Para([Span(self.ltr(", ".join(address)))]))
        paras.append(Para([Span(self.ui(SCAN)), Span(" "), Span(self.ltr(url), href=url)],
                          english=self.untranslated(SCAN)))
        disclaimer = self.ui_para(DISCLAIMER)
        urgent = self.doc.clinic.urgent
        if urgent is not None and urgent.phone:
            paras.insert(0, Para([Span(f"{self.ui(URGENT_LINE)} "),
                                  Span(self.ltr(urgent.phone), bold=True)],
                                 bold=True, english=self.untranslated(URGENT_LINE)))
        qr = BytesIO()
        segno.make(url, error="m").save(qr, kind="png", scale=10, border=2)
        self.emit("closing", self.ui(CONTACT), self.untranslated(CONTACT),
                  [Item(paras + [disclaimer], paras + [disclaimer])],
                  picture=(qr.getvalue(), self.ui(QR_ALT, address=url)))

    def urgent_slide(self) -> None:
        """The clinic's "When to call us urgently" box, on a closing slide of its own."""
        urgent = self.doc.clinic.urgent
        if urgent is None or not urgent.phone:
            return
        signs, default = self.doc.clinic.urgent_signs
        paras = [Para([Span(f"{self.ui(URGENT_CALL)} "), Span(self.ltr(urgent.phone), bold=True)],
                      english=self.untranslated(URGENT_CALL))]
        paras += [Para([Span(self.ui(sign))], level=1, bullet="bullet",
                       english=self.untranslated(sign)) for sign in signs]
        paras.append(Para([Span(self.ui(URGENT_EMERGENCY))],
                          english=self.untranslated(URGENT_EMERGENCY)))
        if default:
            paras.append(self.ui_para(URGENT_DEFAULT))
        self.emit("closing", self.ui(URGENT), self.untranslated(URGENT), [Item(paras, paras)])
    def link_slides(self) -> None:
        """A topic's own address (`link:`), labelled, with its own QR code."""
        clinic = self.doc.clinic.profile.qr or self.doc.clinic.profile.web
        seen = {clinic}
        for topic in self.doc.topics:
            url = topic.link_url
            if not url or url in seen:
                continue
            seen.add(url)
            label = topic.link_label or url
            english = "link_label" in topic.english
            paras = ([self.marker_para()] if english else []) + \
                [Para(self.spans(label), english=english),
                 Para([Span(self.ltr(url), href=url)], english=True)]
            qr = BytesIO()
            segno.make(url, error="m").save(qr, kind="png", scale=10, border=2)
            self.emit("closing", self.plain(label), english, [Item(paras, list(paras))],
                      picture=(qr.getvalue(), self.ui(QR_ALT, address=url)))

    # -- the whole deck ---------------------------------------------------------------------

    def build(self) -> bytes:
        doc = self.doc
        self.title_slide()
        if doc.kind == "bundle":
            self.agenda_slide()
        for topic in doc.topics:
            if doc.kind == "bundle":
                summary_en = "summary" in topic.english
                self.emit("section", self.plain(topic.title), "title" in topic.english,
                          [Item(([self.marker_para()] if summary_en else [])
                                + [Para(self.spans(topic.summary), english=summary_en)],
                                [Para(self.spans(topic.title), bold=True,
                                      english="title" in topic.english),
                                 Para(self.spans(topic.summary), english=summary_en)])])
            self.topic_slides(topic)
        self.glossary_slides()
        self.link_slides()
        self.urgent_slide()
        self.closing_slide()
        for record in self.records:
            frame = record.slide.notes_slide.notes_text_frame
            if frame is not None:
                self.fill(frame, record.notes, None, None)
        self.properties()
        out = BytesIO()
        self.prs.save(out)
        return pptx_xml.repack(out.getvalue(), doc.date)

    def properties(self) -> None:
        doc = self.doc
        props = self.prs.core_properties
        when = dt.datetime.combine(doc.date, dt.time())
        props.title = _property(self.plain(doc.title))
        props.subject = _property(self.plain(doc.summary))
        props.author = props.last_modified_by = doc.clinic.profile.name
        props.language = doc.lang.tag
        props.keywords = ", ".join((self.ui(KEYWORDS), "RRMM", doc.level, doc.lang.tag))
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


def _with_bullets(items: list[Item]) -> list[Item]:
    """Items without bullets merged into the next one (or the last), so no slide is empty."""
    out: list[Item] = []
    carried: list[Para] = []
    for item in items:
        if item.paras:
            out.append(Item(item.paras, carried + item.notes))
            carried = []
        else:
            carried += item.notes
    if carried:
        if out:
            out[-1] = Item(out[-1].paras, out[-1].notes + carried)
        else:
            out.append(Item([], carried))
    return out


def _visible(text: str) -> str:
    return text.replace(WORD_JOINER, "").replace(NBSP, " ")


def _cut(spans: list[Span], start: int, end: int) -> list[Span]:
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
    return out


class DeckBuilder:
    name = "pptx"
    extension = "pptx"

    def build(self, doc: Doc, ctx: RenderContext) -> bytes:
        data = Deck(doc, ctx).build()
        # The same check as for leaflets: every character of the deck in an installed font
        # of the language (LibreOffice would quietly substitute, PowerPoint show boxes).
        from builder.verify import pptx_text

        places = [(b.where, pptx_xml.clean(to_plain(piece, doc.values))) for b in doc.blocks()
                  for piece in (b.text, b.caption, b.term, b.slide, *b.items) if piece]
        check_coverage(doc.lang, pptx_text(data), places)
        return data


register(DeckBuilder())
