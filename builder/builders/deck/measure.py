"""Text measured with the installed fonts' metrics: which font sets each character, line breaking.

Nothing here knows about slides or python-pptx: it measures characters in faces at sizes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageFont, features

from builder.languages import NO_SCRIPT, font_file, script_of

ASCII_END = 0x80  # below it, letters are set in the Latin typeface

LATIN_FONT = "Noto Sans"
LINE_PITCH = 1.2
# How LibreOffice and PowerPoint sort scripts into a run's three typefaces: these are set in
# the Latin one, the CJK ones in the East Asian one, every other script in the complex one.
LATIN_SLOT_SCRIPTS = {"Latn", "Cyrl", "Grek", "Armn", "Geor", "Cher", "Cans", "Ogam", "Runr"}
EA_SLOT_SCRIPTS = {"Hans", "Hant", "Hani", "Jpan", "Kore", "Hira", "Kana", "Hang", "Bopo", "Yiii"}
REF_PX = 256  # widths are measured at this size and scaled
NO_LINE_START = set("，。、；：？！）」』》〉】〕”’・…‥ー々ゝゞ%,.;:!?)]}")
NO_LINE_END = set("（「『《〈【〔“‘([{")
INVISIBLE = set("\u200b\u200c\u200d\u200e\u200f\u2060\u2066\u2067\u2068\u2069\ufeff")


def script_slot(script: str) -> str:
    """The typeface slot of a run ("latin", "ea" or "cs") a script is set in."""
    if script in LATIN_SLOT_SCRIPTS:
        return "latin"
    return "ea" if script in EA_SLOT_SCRIPTS else "cs"


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


def char_slot(char: str) -> str | None:
    """Which of a run's typefaces sets `char`: latin, ea or cs; None for neutral characters."""
    code = ord(char)
    if code < ASCII_END:
        return "latin" if char.isalpha() else None
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return "ea"
    script = script_of(char)
    if char.isdigit() and script not in NO_SCRIPT:
        return script_slot(script)  # a script's own digits (۲, ၀): its font, as viewers do
    if unicodedata.category(char)[0] not in "LM":
        return None  # Latin digits, punctuation, spaces: set like the text around them
    return None if script in NO_SCRIPT else script_slot(script)


def wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


@dataclass
class Char:
    """One character, in the face and at the size it is set in."""

    char: str
    face: tuple[str, int]
    size: float


@dataclass
class Style:
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

    def chars(self, text: str, style: Style) -> list[Char]:
        slots: list[str | None] = [char_slot(c) for c in text]
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
        return [Char(c, self.face(style.fonts.get(s or "latin", LATIN_FONT), style.bold,
                                   style.italic), style.size)
                for c, s in zip(text, slots, strict=True)]

    def width(self, chars: list[Char]) -> float:
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

    def lines(self, chars: list[Char], first_width: float, width: float) -> list[list[Char]]:
        """`chars` broken into lines: at spaces, between CJK characters, inside over-long words."""
        words: list[tuple[list[Char], list[Char], bool]] = []  # text, trailing spaces, newline
        word: list[Char] = []
        spaces: list[Char] = []
        for i, ch in enumerate(chars):
            if ch.char == "\n":
                words.append((word, spaces, True))
                word, spaces = [], []
                continue
            if ch.char in (" ", "\t"):
                spaces.append(ch)
                continue
            prev = chars[i - 1].char if i else ""
            cjk_break = word and not spaces and (wide(ch.char) or wide(prev)) \
                and ch.char not in NO_LINE_START and prev not in NO_LINE_END
            if spaces or cjk_break:
                words.append((word, spaces, False))
                word, spaces = [], []
            word.append(ch)
        words.append((word, spaces, False))

        lines: list[list[Char]] = []
        line: list[Char] = []
        used = 0.0
        pending: list[Char] = []

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
                    line += [*pending, ch]
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

    def line_height(self, line: list[Char], size: float) -> float:
        """Single-spaced lines are 1.2 x the largest size on them, whatever the font's own
        metrics: measured in LibreOffice (28.8 pt at 24 pt in Noto Sans, Noto Sans CJK and
        Noto Naskh Arabic alike), and what PowerPoint does (about 1.2018 x size)."""
        sizes = [c.size for c in line if c.char not in INVISIBLE]
        return LINE_PITCH * max(sizes or [size])

