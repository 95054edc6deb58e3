"""Leaflets read back: every block present, language, page size, fonts embedded, scripts right."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import BUNDLES, LANGS, pdf_text
from pypdf import PdfReader

from builder.errors import EXIT_CONFIG, EXIT_OK

LEVELS = ["easy", "standard", "detailed"]
TAGS = {"en": "en", "es": "es", "fr": "fr", "de": "de", "ar": "ar", "zh_Hans": "zh-Hans"}
A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)


def pdffonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("level", LEVELS)
def test_every_block_language_page_size_and_embedded_fonts(matrix: Path, lang: str, level: str):
    from builder.build import Job, Options, load_inputs, make_doc
    from builder.project import Project
    from builder.verify import missing_blocks

    inputs = load_inputs(Options(project=Project.at(matrix.parent)), [lang])
    for bundle in BUNDLES:
        path = matrix / lang / level / f"{bundle}.pdf"
        data = path.read_bytes()
        doc = make_doc(inputs, Job("bundle", bundle, lang, level, "pdf"))
        assert missing_blocks(doc, "pdf", data) == []  # nothing lost
        reader = PdfReader(path)
        assert reader.trailer["/Root"]["/Lang"] == TAGS[lang]
        assert reader.metadata.title and reader.metadata.author == "Demo Myeloma Clinic"
        box = reader.pages[0].mediabox
        assert (round(float(box.width), 1), round(float(box.height), 1)) == (
            round(A4[0], 1), round(A4[1], 1))
        fonts = pdffonts(path)
        assert fonts and all(row[-5] == "yes" for row in fonts), fonts  # emb column
        text = pdf_text(path)
        assert "\ufffd" not in text  # no replacement characters: no missing glyphs
        if lang == "zh_Hans":
            assert any("CJK" in row[0] for row in fonts)
        if lang == "ar":
            assert any("Arabic" in row[0] for row in fonts)


@pytest.mark.slow
def test_leaflet_holds_what_a_patient_needs(matrix: Path):
    text = " ".join(pdf_text(matrix / "en/easy/new-relapse.pdf").split())
    for expected in ("Medical words explained", "Questions? Contact your care team",
                     "Demo Myeloma Clinic", "+1 555 0100", "About this leaflet", "Sources",
                     "Not yet clinically reviewed", "Next review due",
                     "does not replace the advice of your doctor", "Page 1 of",
                     "Draft: this information has not yet been checked"):
        assert expected in text, expected
    assert "Your own questions and notes" in text  # the checklist's write-in lines
    es = " ".join(pdf_text(matrix / "es/standard/new-relapse.pdf").split())
    assert "21 de noviembre de 2026" in es  # dates in the reader's language (Babel)


def _block_x(path: Path, needle: str) -> tuple[float, float]:
    """Left and right edge (points) of the first text line containing `needle`."""
    out = subprocess.run(["pdftotext", "-bbox-layout", "-f", "1", "-l", "1", str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    for line in re.findall(r"<line (.*?)</line>", out, re.S):
        words = re.findall(r">([^<]+)</word>", line)
        if needle in " ".join(words) or needle in "".join(words):
            x = [float(v) for v in re.findall(r'x(?:Min|Max)="([\d.]+)"', line)]
            return min(x), max(x)
    raise AssertionError(f"{needle!r} not found on page 1")


@pytest.mark.slow
def test_arabic_is_right_to_left_and_latin_left_to_right(matrix: Path):
    # The clinic name is the same in both; in Arabic the masthead is mirrored to the right.
    en_left, _en_right = _block_x(matrix / "en/easy/new-relapse.pdf", "Demo Myeloma Clinic")
    _ar_left, ar_right = _block_x(matrix / "ar/easy/new-relapse.pdf", "Demo Myeloma Clinic")
    assert en_left < 250 and ar_right > 350, (en_left, ar_right)
    html_like = matrix / "ar/easy/new-relapse.pdf"
    assert PdfReader(html_like).trailer["/Root"]["/Lang"] == "ar"


def test_letter_paper_and_large_print(project: Path, handout):
    run = handout("build", "--topic", "questions-to-ask", "--lang", "en", "--level", "easy",
                  "--format", "pdf", "--paper", "letter", "--large-print")
    assert run.code == EXIT_OK, run.err
    path = project / "output/en/easy/questions-to-ask.pdf"
    box = PdfReader(path).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == LETTER
    html = handout("build", "--topic", "questions-to-ask", "--lang", "en", "--level", "easy",
                   "--format", "html", "--large-print")
    assert html.code == EXIT_OK
    assert "--body: 16.0pt" in (project / "output/en/easy/questions-to-ask.html").read_text()


def test_body_text_size_by_level(project: Path, handout):
    assert handout("build", "--topic", "drug-classes", "--lang", "en", "--format", "html").code == 0
    sizes = {}
    for level in LEVELS:
        html = (project / f"output/en/{level}/drug-classes.html").read_text()
        sizes[level] = float(re.search(r"--body: ([\d.]+)pt", html).group(1))
    assert sizes["easy"] >= 12 and sizes["standard"] >= 11 and sizes["detailed"] >= 11


@pytest.mark.parametrize("old, new, expected", [
    ('accent: "#1f5f8b"', 'accent: "#f5e663"', "has contrast 1."),
    ("logo: demo-logo.svg", "logo: missing-logo.svg", "logo file 'missing-logo.svg' not found"),
])
def test_clinic_profile_low_contrast_or_missing_logo_is_refused(project: Path, handout, old, new,
                                                                expected):
    profile = project / "templates/clinic/demo.yaml"
    text = profile.read_text()
    line = text.splitlines().index(old) + 1
    profile.write_text(text.replace(old, new))
    run = handout("build", "--topic", "relapsed-refractory", "--lang", "en", "--level", "easy",
                  "--format", "pdf")
    assert run.code == EXIT_CONFIG
    assert f"templates/clinic/demo.yaml:{line}: " in run.err and expected in run.err
    assert not (project / "output" / "en").exists()


def test_pdf_metadata_is_accessible(project: Path, handout):
    run = handout("build", "--topic", "relapsed-refractory", "--lang", "de", "--level",
                  "standard", "--format", "pdf")
    assert run.code == EXIT_OK, run.err
    reader = PdfReader(project / "output/de/standard/relapsed-refractory.pdf")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "de"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]  # tagged PDF (PDF/UA)
    meta = reader.metadata
    assert meta.title and meta.subject and meta.author == "Demo Myeloma Clinic"
    assert "RRMM" in (meta.get("/Keywords") or "")


def _alt_texts(path: Path) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        node = node.get_object()  # type: ignore[attr-defined]
        if not hasattr(node, "get"):
            return
        if "/Alt" in node:
            found.append(str(node["/Alt"]))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object"):
                walk(kid)

    walk(PdfReader(path).trailer["/Root"]["/StructTreeRoot"])
    return found


@pytest.mark.parametrize("lang, word", [("en", "Diagram"), ("de", "Schaubild"),
                                        ("zh_Hans", "示意图"), ("ar", "رسم")])
@pytest.mark.slow
def test_images_carry_alt_text_in_the_readers_language(project: Path, handout, lang, word):
    from pptx import Presentation

    run = handout("build", "--topic", "stem-cell-transplant", "--lang", lang, "--level", "easy",
                  "--format", "pdf", "--format", "pptx")
    assert run.code == EXIT_OK, run.err
    alts = _alt_texts(project / f"output/{lang}/easy/stem-cell-transplant.pdf")
    assert any(alt.startswith(word) for alt in alts), alts
    deck = Presentation(str(project / f"output/{lang}/easy/stem-cell-transplant.pptx"))
    descr = [shape._element.nvPicPr.cNvPr.get("descr") for slide in deck.slides
             for shape in slide.shapes if shape.shape_type == 13]
    assert any(d and d.startswith(word) for d in descr), descr
    assert not any(d and d.endswith((".png", ".svg")) for d in descr)  # never the file name


@pytest.mark.slow
def test_no_sentences_run_together(matrix: Path):
    """Template pieces joined without a space ("reviewed.Next review") read as one word."""
    for lang in ("en", "de", "es", "fr"):
        for path in (matrix / lang).rglob("*.pdf"):
            glued = re.findall(r"[a-z)]\.[A-Z][a-z]+", pdf_text(path))
            assert not glued, (path.name, glued[:3])
