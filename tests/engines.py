"""A PDF read the way the world reads it: drawn by poppler, MuPDF and Ghostscript, fonts by fontTools.

Poppler is what `pdftotext`, Evince and most Linux viewers use; MuPDF is SumatraPDF and many phone
apps; Ghostscript is the print path of CUPS and many office printers. They resolve fonts
differently, so a document that is right in one can show boxes or blank text in another.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

DPI = 50
# Each engine draws at SUPERSAMPLE x DPI, scaled down to DPI: at 50 dpi Ghostscript rounds glyph
# advances to whole pixels and words drift sideways along a line; at 100 dpi they do not.
SUPERSAMPLE = 2
# Pages are compared as grey blocks of BLOCK x BLOCK pixels (about 6 dpi): antialiasing and
# sub-pixel placement, which differ between engines, average out; a line of text drawn as
# boxes or not at all does not. Measured on the leaflet matrix: engines that agree differ by
# more than BLOCK_TOLERANCE grey levels on at most 0.25 % of the blocks of a page; Chinese
# drawn as boxes (Ghostscript) or blanks (MuPDF) on 2.3-16 %.
BLOCK = 8
BLOCK_TOLERANCE = 24
MAX_DIFFERING_BLOCKS = 0.01


def poppler_pages(pdf: Path, dpi: int = DPI) -> list[Image.Image]:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(dpi * SUPERSAMPLE), "-png", str(pdf), f"{tmp}/p"],
                       check=True, capture_output=True)
        return [_load(p) for p in sorted(Path(tmp).glob("p-*.png"))]


def ghostscript_pages(pdf: Path, dpi: int = DPI) -> list[Image.Image]:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=png16m",
                        "-dTextAlphaBits=4", "-dGraphicsAlphaBits=4", f"-r{dpi * SUPERSAMPLE}",
                        f"-sOutputFile={tmp}/g-%04d.png", str(pdf)], check=True,
                       capture_output=True)
        return [_load(p) for p in sorted(Path(tmp).glob("g-*.png"))]


def mupdf_pages(pdf: Path, dpi: int = DPI) -> list[Image.Image]:
    import pymupdf

    with pymupdf.open(pdf) as doc:
        return [_scaled(Image.open(io.BytesIO(page.get_pixmap(dpi=dpi * SUPERSAMPLE)
                                              .tobytes("png"))))
                for page in doc]


def _load(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return _scaled(image)


def _scaled(image: Image.Image) -> Image.Image:
    grey = image.convert("L")  # the same RGB -> grey formula for every engine
    size = (round(grey.size[0] / SUPERSAMPLE), round(grey.size[1] / SUPERSAMPLE))
    return grey.resize(size, Image.Resampling.BOX)


def differing_blocks(a: Image.Image, b: Image.Image) -> float:
    """The share of BLOCK-sized areas whose mean grey differs by more than BLOCK_TOLERANCE."""
    if b.size != a.size:  # a pixel of rounding in the page size
        b = b.resize(a.size)
    small = (max(1, a.size[0] // BLOCK), max(1, a.size[1] // BLOCK))
    diff = ImageChops.difference(a.resize(small, Image.Resampling.BOX),
                                 b.resize(small, Image.Resampling.BOX))
    histogram = diff.histogram()
    return sum(histogram[BLOCK_TOLERANCE + 1:]) / sum(histogram)


def engine_disagreements(pdf: Path) -> list[str]:
    """Pages that MuPDF or Ghostscript draw differently from poppler, as readable problems."""
    reference = poppler_pages(pdf)
    problems = []
    for name, pages in (("MuPDF", mupdf_pages(pdf)), ("Ghostscript", ghostscript_pages(pdf))):
        if len(pages) != len(reference):
            problems.append(f"{pdf}: {name} draws {len(pages)} pages, poppler {len(reference)}")
            continue
        for number, (ours, theirs) in enumerate(zip(reference, pages, strict=True), 1):
            share = differing_blocks(ours, theirs)
            if share > MAX_DIFFERING_BLOCKS:
                problems.append(f"{pdf} page {number}: {name} differs from poppler on "
                                f"{share:.1%} of the page")
    return problems


def glyph_problems(pdf: Path) -> list[str]:
    """Glyphs that are .notdef, empty, or not the same glyph in every engine.

    For each embedded font, the glyph codes the page uses (the keys of /W: WeasyPrint lists
    a width for every code it draws) are looked up the two ways engines do: as glyph numbers
    (poppler, PDFium) and through the CFF charset (Ghostscript, MuPDF, Acrobat). Both must
    give the same glyph, that glyph must not be .notdef, and it must have an outline unless
    the character it stands for (from /ToUnicode) is a space.
    """
    from fontTools.ttLib import TTFont
    from pypdf import PdfReader

    problems: list[str] = []
    reader = PdfReader(pdf)
    seen: set[int] = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            if ref.idnum in seen:
                continue
            seen.add(ref.idnum)
            font = ref.get_object()
            if font.get("/Subtype") != "/Type0":
                continue
            cid_font = font["/DescendantFonts"][0].get_object()
            descriptor = cid_font["/FontDescriptor"]
            stream = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            name = str(font["/BaseFont"])
            if stream is None:
                problems.append(f"{pdf}: font {name} is not embedded")
                continue
            data = stream.get_object().get_data()
            codes = _width_codes(cid_font.get("/W", []))
            spaces = _space_codes(font)
            program = TTFont(io.BytesIO(data)) if data[:4] in (b"OTTO", b"\0\1\0\0", b"true") \
                else None
            problems += [f"{pdf}: font {name}: {p}" for p in _check_codes(program, data, codes,
                                                                          spaces)]
    return problems


def _width_codes(widths: list) -> set[int]:
    codes: set[int] = set()
    i = 0
    while i < len(widths):
        first = int(widths[i])
        nxt = widths[i + 1]
        if isinstance(nxt, list) or (hasattr(nxt, "__len__") and not isinstance(nxt, str | bytes)):
            codes.update(range(first, first + len(nxt)))
            i += 2
        else:
            codes.update(range(first, int(nxt) + 1))
            i += 3
    return codes


def _space_codes(font: object) -> set[int]:
    """Codes whose /ToUnicode text is whitespace (they may be drawn as empty glyphs)."""
    import re

    spaces: set[int] = set()
    to_unicode = font.get("/ToUnicode")  # type: ignore[attr-defined]
    if to_unicode is None:
        return spaces
    cmap = to_unicode.get_object().get_data().decode("latin-1")
    for code, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", cmap):
        chars = bytes.fromhex(text).decode("utf-16-be", "replace")
        if not chars.strip() or all(c in "\u00ad\u200b\u200c\u200d\u2060\ufeff" for c in chars):
            spaces.add(int(code, 16))
    return spaces


def _check_codes(program: object, data: bytes, codes: set[int], spaces: set[int]) -> list[str]:
    from fontTools.ttLib import TTFont

    if program is None:  # a bare CFF program (FontFile3 /CIDFontType0C)
        from fontTools.cffLib import CFFFontSet

        cff = CFFFontSet()
        cff.decompile(io.BytesIO(data), None)
        top = cff[cff.fontNames[0]]
        order = list(top.charset)
        charstrings = top.CharStrings
        glyph_set = None
    else:
        assert isinstance(program, TTFont)
        order = program.getGlyphOrder()
        top = program["CFF "].cff.topDictIndex[0] if "CFF " in program else None
        charstrings = top.CharStrings if top is not None else None
        glyph_set = program.getGlyphSet() if top is None else None
    problems = []
    cid_keyed = top is not None and hasattr(top, "ROS")
    by_cid = {}
    if cid_keyed:
        for gid, glyph in enumerate(order):
            by_cid[0 if glyph == ".notdef" else int(glyph[3:])] = gid
    for code in sorted(codes):
        if code >= len(order):
            problems.append(f"code {code} is beyond the font's {len(order)} glyphs")
            continue
        gid = code
        if cid_keyed and by_cid.get(code) != code:
            problems.append(f"code {code} is glyph {code} by number but "
                            f"{'nothing' if code not in by_cid else f'glyph {by_cid[code]}'} "
                            "through the CFF charset (Ghostscript, MuPDF, Acrobat)")
            continue
        if gid == 0:
            problems.append(f"code {code} draws .notdef")
            continue
        if code in spaces:
            continue
        if charstrings is not None:
            from fontTools.pens.boundsPen import BoundsPen

            pen = BoundsPen(None)
            charstrings[order[gid]].draw(pen)
            empty = pen.bounds is None
        else:
            assert glyph_set is not None
            from fontTools.pens.boundsPen import BoundsPen

            pen = BoundsPen(glyph_set)
            glyph_set[order[gid]].draw(pen)
            empty = pen.bounds is None
        if empty:
            problems.append(f"code {code} draws an empty glyph for visible text")
    return problems
