"""PDF/UA structure of every leaflet, read back with our structure-tree walker (tests/pdfua.py).

No well-kept PDF/UA checker exists on PyPI (veraPDF is Java), so tests/pdfua.py walks the tagged
structure with pypdf and checks: tagged PDF with catalog /Lang; every Figure has /Alt; lists are
L > LI > (Lbl, LBody); every element whose text is in another language than the one it inherits
carries /Lang (which text is in which language comes from the leaflet's own HTML `lang`
attributes); heading levels are not skipped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import BUNDLES, LANGS
from pdfua import Element, problems

from builder.errors import EXIT_OK
from builder.verify import normalize


def languages_of(html: str, doc_lang: str):
    """A callback: the language a structure element's own text is in, judged from the HTML."""
    runs: dict[str, list[str]] = {}

    class Langs(HTMLParser):
        stack: list[tuple[str, str]] = []  # noqa: RUF012 - a class made per call, one instance

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("meta", "link", "img", "br", "input"):
                return
            lang = dict(attrs).get("lang") or (self.stack[-1][1] if self.stack else doc_lang)
            self.stack.append((tag, lang))

        def handle_endtag(self, tag: str) -> None:
            while self.stack and self.stack.pop()[0] != tag:
                pass

        def handle_data(self, data: str) -> None:
            tag, lang = self.stack[-1] if self.stack else ("", doc_lang)
            if tag not in ("style", "title", "script", "svg") and data.strip():
                runs.setdefault(lang, []).append(normalize(data))

    Langs(convert_charrefs=True).feed(html)
    texts = {lang: "|".join(parts) for lang, parts in runs.items()}

    def expected(element: Element) -> str | None:
        own = normalize(element.text)
        if len(own) < 12:  # too short to tell (numbers, names, "Lbl" bullets)
            return None
        found = [lang for lang, text in texts.items() if own in text]
        return found[0] if len(found) == 1 else None

    return expected


def check(pdf: Path, html: str, doc_lang: str) -> list[str]:
    return problems(pdf, languages_of(html, doc_lang))


TAGS = {"en": "en", "es": "es", "fr": "fr", "de": "de", "ar": "ar", "zh_Hans": "zh-Hans"}


@pytest.fixture
def leaflets(leaflet_per_language: Path) -> Path:
    return leaflet_per_language


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_leaflet_structure_meets_pdf_ua(leaflets: Path, lang: str):
    base = leaflets / lang / "standard/relapsed-refractory"
    html = base.with_suffix(".html").read_text()
    assert check(base.with_suffix(".pdf"), html, TAGS[lang]) == []


def test_english_sources_of_a_german_leaflet_are_marked_english(leaflets: Path):
    """The checker can fail: without /Lang the English source list would be read as German."""
    from pdfua import full_text, structure

    tree = structure(leaflets / "de/standard/relapsed-refractory.pdf")
    sources = [e for e in tree.walk() if "Understanding Relapsed Refractory" in full_text(e)
               and e.role in ("L", "LI", "LBody")]
    assert sources and all(e.lang == "en" for e in sources), [(e.role, e.lang) for e in sources]
    qr = [e for e in tree.walk() if e.role == "Figure" and e.alt and "QR" in e.alt]
    assert qr and "https://" in qr[0].alt


def test_fallback_text_is_marked_english_and_its_notice_not(project: Path, handout):
    po = project / "locales/de/LC_MESSAGES/relapsed-refractory.po"
    # Empty one paragraph's translation: it falls back to English inside a German leaflet.
    text = re.sub(r'(msgctxt "relapsed-refractory/myeloma-basics/standard"\nmsgid (?:".*"\n)+)'
                  r'msgstr (?:".*"\n)+', r'\1msgstr ""\n', po.read_text(), count=1)
    po.write_text(text)
    run = handout("build", "--topic", "relapsed-refractory", "--lang", "de", "--level", "standard",
                  "--format", "pdf", "--format", "html")
    assert run.code == EXIT_OK, run.err
    base = project / "output/de/standard/relapsed-refractory"
    html = base.with_suffix(".html").read_text()
    assert 'fallback" lang="en"' in html  # a block shown in English, marked so in the HTML
    assert check(base.with_suffix(".pdf"), html, "de") == []


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_every_leaflet_of_the_matrix_meets_pdf_ua(matrix: Path, lang: str):
    from builder.build import Job, Options, load_inputs, make_doc
    from builder.builders.html import render_html
    from builder.project import Project

    inputs = load_inputs(Options(project=Project.at(matrix.parent)), [lang])
    found: list[str] = []
    for level in ("easy", "standard", "detailed"):
        for bundle in BUNDLES:
            doc = make_doc(inputs, Job("bundle", bundle, lang, level, "pdf"))
            found += check(matrix / lang / level / f"{bundle}.pdf", render_html(doc, inputs.ctx),
                           TAGS[lang])
    assert found == []
