"""Every language's leaflets drawn by three engines — poppler, MuPDF, Ghostscript — must agree.

Poppler (pdftotext, Evince) alone cannot see a font that other engines read differently: our
Chinese leaflets once printed as boxes (Ghostscript, the CUPS print path) and blank text
(MuPDF: SumatraPDF, phone apps) while poppler drew them right. Two independent signals:
- glyph_problems: every glyph code on the page means the same glyph by number and through the
  CFF charset, and is neither .notdef nor empty for visible text (fontTools reads the font);
- engine_disagreements: each page drawn by MuPDF and by Ghostscript matches poppler's drawing,
  compared as downsampled greyscale (text as boxes or blanks in one engine fails).
The default tier covers one leaflet per shipped language; the slow tier the full matrix.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import LANGS
from engines import engine_disagreements, glyph_problems

from builder.errors import EXIT_OK


@pytest.fixture
def one_per_language(leaflet_per_language: Path) -> Path:
    return leaflet_per_language


@pytest.mark.parametrize("lang", LANGS)
def test_every_glyph_means_the_same_in_every_engine(one_per_language: Path, lang: str):
    assert glyph_problems(one_per_language / lang / "standard/relapsed-refractory.pdf") == []


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_poppler_mupdf_and_ghostscript_draw_the_same_pages(one_per_language: Path, lang: str):
    assert engine_disagreements(one_per_language / lang / "standard/relapsed-refractory.pdf") == []


@pytest.mark.slow
def test_a_cjk_font_with_a_non_identity_charset_is_caught(project: Path, handout,
                                                         monkeypatch: pytest.MonkeyPatch):
    """The checks above can fail: the pre-subset font as it was (CIDs kept) is flagged by both."""
    import builder.fonts

    shutil.rmtree(project / ".cache" / "fonts")  # the project's copy starts with good subsets
    monkeypatch.setattr(builder.fonts, "identity_charset", lambda data: data)
    run = handout("build", "--topic", "relapsed-refractory", "--lang", "zh_Hans", "--level",
                  "standard", "--format", "pdf")
    assert run.code == EXIT_OK, run.err
    pdf = project / "output/zh_Hans/standard/relapsed-refractory.pdf"
    assert any("through the CFF charset" in p for p in glyph_problems(pdf))
    problems = engine_disagreements(pdf)
    assert any("MuPDF" in p for p in problems) and any("Ghostscript" in p for p in problems)


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_full_matrix_in_three_engines(matrix: Path, lang: str):
    problems: list[str] = []
    for pdf in sorted((matrix / lang).rglob("*.pdf")):
        problems += glyph_problems(pdf) + engine_disagreements(pdf)
    assert problems == []
