"""Page layout read back from the PDF (MuPDF positions, the tagged structure): what a reader sees.

- no leaflet ends on a page holding only a line or two;
- a list broken over two pages keeps at least two items on each page;
- a translated bundle names its English source version once, not once per topic;
- in Arabic a Latin address keeps its own order ("1 Example Road", not "Example Road 1");
- large print: everything a patient reads is at least 16 pt, the running footer at least 12 pt.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import BUNDLES, LANGS, REPO, built_once
from pdfua import lonely_list_items

from builder.errors import EXIT_OK

MM = 72 / 25.4
FOOTER_TOP = 20 * MM  # the bottom page margin holds the running footer


def body_lines(page) -> list[str]:
    """Text lines of the page above the running footer."""
    limit = page.rect.height - FOOTER_TOP
    lines = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            text = "".join(s["text"] for s in line["spans"]).strip()
            if text and line["bbox"][3] <= limit:
                lines.append(text)
    return lines


def short_last_page(pdf: Path) -> str | None:
    import pymupdf

    with pymupdf.open(pdf) as doc:
        if doc.page_count < 2:
            return None
        lines = body_lines(doc[-1])
        return f"{pdf}: the last page holds only {lines}" if len(lines) < 3 else None


@pytest.fixture(scope="module")
def leaflets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    common = ["--format", "pdf", "--level", "standard", "--jobs", "2", "--quiet"]
    root = built_once(tmp_path_factory, "layout",
                      [*common, "--topic", "watchful-waiting-and-outlook", "--topic",
                       "relapsed-refractory", "--lang", "en", "--lang", "ar"],
                      [*common, "--bundle", "new-relapse", "--lang", "de"])
    return root / "out"


@pytest.mark.slow
def test_no_leaflet_ends_on_a_page_with_a_line_or_two(leaflets: Path):
    pdfs = sorted(leaflets.rglob("*.pdf"))
    assert [p for p in map(short_last_page, pdfs) if p] == []


def test_no_list_item_alone_on_a_page(leaflets: Path):
    assert [p for pdf in sorted(leaflets.rglob("*.pdf")) for p in lonely_list_items(pdf)] == []


def test_a_translated_bundle_names_its_english_version_once(leaflets: Path):
    import pymupdf

    with pymupdf.open(leaflets / "de/standard/new-relapse.pdf") as doc:
        text = " ".join(" ".join(page.get_text().split()) for page in doc)
    assert len(re.findall(r"Englische Fassung 1\.0", text)) == 1, text[:600]


def test_a_latin_address_keeps_its_order_in_arabic(leaflets: Path):
    import pymupdf

    with pymupdf.open(leaflets / "ar/standard/relapsed-refractory.pdf") as doc:
        words = [w for page in doc for w in page.get_text("words")]
    example = [w for w in words if w[4].startswith("Example")]
    assert example, "the clinic address is on the leaflet"
    x0, middle = example[0][0], (example[0][1] + example[0][3]) / 2
    same_line = [w for w in words if abs((w[1] + w[3]) / 2 - middle) < 4]
    before = max((w for w in same_line if w[2] <= x0 + 0.5), key=lambda w: w[2], default=None)
    assert before is not None and before[4] == "1", [w[4] for w in sorted(same_line)]


def _logo_texts() -> set[str]:
    svg = ElementTree.parse(REPO / "templates/clinic/demo-logo.svg")
    return {t.strip() for e in svg.iter() for t in e.itertext() if t.strip()}


@pytest.mark.parametrize("lang", ["en", "de", "ar"])
def test_large_print_has_no_small_text(project: Path, handout, lang: str):
    import pymupdf

    run = handout("build", "--bundle", "new-relapse", "--lang", lang, "--level", "easy",
                  "--format", "pdf", "--large-print")
    assert run.code == EXIT_OK, run.err
    logo = _logo_texts()  # text drawn inside the clinic's logo picture is not ours to size
    small = []
    with pymupdf.open(project / f"output/{lang}/easy/new-relapse.pdf") as doc:
        for number, page in enumerate(doc, 1):
            footer = page.rect.height - FOOTER_TOP
            for block in page.get_text("dict")["blocks"]:
                for line in block.get("lines", []):
                    for span in line["spans"]:
                        text = span["text"].strip()
                        if not text or text in logo:
                            continue
                        floor = 12.0 if span["bbox"][1] >= footer else 16.0
                        if span["size"] < floor - 0.05:
                            small.append((number, round(span["size"], 1), text[:40]))
    assert small == []


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_matrix_layout(matrix: Path, lang: str):
    problems: list[str] = []
    for level in ("easy", "standard", "detailed"):
        for bundle in BUNDLES:
            pdf = matrix / lang / level / f"{bundle}.pdf"
            problems += [p for p in [short_last_page(pdf)] if p] + lonely_list_items(pdf)
    assert problems == []


def test_a_long_deck_title_keeps_clear_of_the_logo(project: Path, handout):
    """German titles of three lines, set at the bottom of their box, rose into the logo."""
    from pptx import Presentation
    from pptx.util import Inches

    from builder.builders.deck.readback import measure_overflow

    run = handout("build", "--bundle", "treatment-options", "--topic", "choosing-treatment",
                  "--lang", "de", "--level", "detailed", "--format", "pptx")
    assert run.code == EXIT_OK, run.err
    for name in ("treatment-options", "choosing-treatment"):
        path = project / f"output/de/detailed/{name}.pptx"
        slide = Presentation(str(path)).slides[0]
        logo = [s for s in slide.shapes if s.shape_type == 13]
        title = slide.shapes.title
        assert logo and len(title.text_frame.text) > 70
        assert title.top >= logo[0].top + logo[0].height + Inches(0.15), (title.top, logo[0].top)
        assert measure_overflow(path.read_bytes()) == []
