"""Large fonts (Noto CJK, ~16-20 MB) pre-subset to a language's characters once, and cached.

WeasyPrint subsets every font it embeds, but HarfBuzz keeps the CFF subroutines of a CJK font,
so each Chinese leaflet carried ~170 KB per weight. A desubroutinized subset to the characters
the language uses, made once with fontTools, leaves WeasyPrint little to do and the PDF small.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from builder.languages import Language, font_file, stack_for
from builder.output import atomic_write

LARGE_FONT_BYTES = 4_000_000
# Only the OpenType features horizontal CJK text uses: the full set (every regional variant,
# vertical forms) makes each shaping call in Pango's line breaking markedly slower.
FEATURES = ("ccmp", "locl", "kern", "liga", "calt", "palt", "vert", "vrt2")
RECIPE = f"desubroutinized;identity-charset;features={','.join(FEATURES)};v2"
WEIGHTS = {"Regular": 400, "Bold": 700}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def subset_font(source: Path, index: int, chars: str, target_dir: Path) -> Path:
    """A desubroutinized subset of `source` covering `chars`, cached by font and characters."""
    stat = source.stat()
    key = hashlib.sha256(f"{RECIPE}|{source}|{index}|{stat.st_size}|{stat.st_mtime_ns}|".encode()
                         + "".join(sorted(set(chars))).encode("utf-8")).hexdigest()[:20]
    target = target_dir / f"{_slug(source.stem)}-{index}-{key}.otf"
    if target.exists():
        return target
    from io import BytesIO

    from fontTools import subset

    options = subset.Options()
    options.desubroutinize = True
    options.layout_features = list(FEATURES)
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.font_number = index
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={ord(c) for c in chars})
    subsetter.subset(font)
    buffer = BytesIO()
    subset.save_font(font, buffer, options)
    font.close()
    atomic_write(target, identity_charset(buffer.getvalue()))
    return target


def identity_charset(data: bytes) -> bytes:
    """The font in `data` with its CID-keyed CFF charset renumbered so that CID n is glyph n.

    The subset keeps each glyph's original CID (glyph 1026 is `cid27307`), but WeasyPrint
    writes glyph numbers into the page with /Identity encoding. Poppler and PDFium then draw
    glyph n; Ghostscript, MuPDF (and Acrobat, Preview) follow the charset and look for CID n,
    drawing another glyph, a box or nothing. With an identity charset every engine agrees.
    Only the CFF table changes: every other table refers to glyphs by number and stays as it is.
    """
    from io import BytesIO

    from fontTools.ttLib import TTFont

    font = TTFont(BytesIO(data), lazy=True)
    if "CFF " not in font:
        return data
    top = font["CFF "].cff.topDictIndex[0]
    if not hasattr(top, "ROS"):  # name-keyed CFF: glyph names, no CIDs to disagree on
        return data
    old = list(top.charset)
    new = [".notdef"] + [f"cid{gid:05d}" for gid in range(1, len(old))]
    charstrings = top.CharStrings
    charstrings.charStrings = {name: charstrings.charStrings[was] for was, name in zip(old, new,
                                                                                         strict=True)}
    top.charset = new
    font.setGlyphOrder(new)
    buffer = BytesIO()
    font.save(buffer)
    font.close()
    return buffer.getvalue()


def font_faces(lang: Language, chars: str, cache: Path,
               url: Callable[[Path], str] = lambda path: path.as_uri()) -> tuple[str, tuple[str, ...]]:
    """@font-face rules for the large fonts of `lang`, and the font stack that uses them.

    `url` names a font file in the CSS (an absolute file:// URL by default).
    """
    rules: list[str] = []
    stack: list[str] = []
    target_dir = cache / "fonts"
    for family in stack_for(lang, chars):
        found = font_file(family)
        if found is None or found[0].stat().st_size < LARGE_FONT_BYTES:
            stack.append(family)
            continue
        local = f"handout {family}"
        for style, weight in WEIGHTS.items():
            styled = font_file(family, style)
            if styled is None:
                continue
            path = subset_font(styled[0], styled[1], chars, target_dir)
            rules.append(f'@font-face {{ font-family: "{local}"; src: url("{url(path)}"); '
                         f"font-weight: {weight}; font-style: normal; }}")
        stack.append(local)
    return "\n".join(rules), tuple(stack)
