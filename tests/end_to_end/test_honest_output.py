"""What leaflets and decks claim about themselves, read back as a reader gets them.

Review status of translations, English fallbacks (each entry on its own, marked, tagged English,
isolated in right-to-left text, the mark kept with its text), the print date and the clinic's
own QR code.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.dates import format_date
from conftest import pdf_text
from pptx import Presentation

from builder.errors import EXIT_OK, EXIT_TRANSLATION

A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def set_headers(po: Path, **fields: str) -> None:
    """Edit header fields as a translator does in a text editor."""
    text = po.read_text(encoding="utf-8")
    for name, value in fields.items():
        key = name.replace("_", "-")
        text, n = re.subn(rf'^"{key}:[^"\n]*\\n"$', f'"{key}: {value}\\\\n"', text, flags=re.M)
        assert n == 1, (po, key)
    po.write_text(text, encoding="utf-8")


def review(project: Path, lang: str, by: str, skip: tuple[str, ...] = ()) -> None:
    for po in sorted((project / "locales" / lang / "LC_MESSAGES").glob("*.po")):
        if po.stem not in skip:
            set_headers(po, X_Review_Status="reviewed", X_Reviewed_By=by)


def deck_text(path: Path) -> str:
    deck = Presentation(str(path))
    parts = []
    for slide in deck.slides:
        parts += [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


def flat(text: str) -> str:
    """pdftotext text with line breaks and hyphenation at line ends undone."""
    return re.sub(r"\s+", " ", re.sub(r"[\u2010-]\n", "", text))


# -- 3: a reviewed translation is shown as reviewed, by whom ---------------------------------

def test_reviewed_catalogs_make_a_reviewed_leaflet_and_deck_naming_the_reviewer(project: Path,
                                                                               handout):
    review(project, "es", "Ana Pérez <ana.perez@example.org>")
    run = handout("build", "--topic", "supportive-care", "--lang", "es", "--level", "standard",
                  "--format", "pdf", "--format", "pptx")
    assert run.code == EXIT_OK, run.err
    leaflet = flat(pdf_text(project / "output/es/standard/supportive-care.pdf"))
    deck = flat(deck_text(project / "output/es/standard/supportive-care.pptx"))
    for text in (leaflet, deck):
        assert "la ha revisado Ana Pérez" in text
        assert "Todavía no la ha revisado" not in text
        assert "ana.perez@example.org" not in text  # the address is for translators
    status = handout("i18n", "status", "--lang", "es")
    assert "reviewed: yes" in status.out


def test_a_document_is_reviewed_only_if_every_catalog_it_draws_from_is(project: Path, handout):
    review(project, "es", "Ana Pérez", skip=("supportive-care",))
    run = handout("build", "--topic", "questions-to-ask", "--bundle", "living-with-rrmm",
                  "--lang", "es", "--level", "easy", "--format", "pdf")
    assert run.code == EXIT_OK, run.err
    topic = flat(pdf_text(project / "output/es/easy/questions-to-ask.pdf"))
    bundle = flat(pdf_text(project / "output/es/easy/living-with-rrmm.pdf"))
    assert "la ha revisado Ana Pérez" in topic  # draws only on reviewed catalogs
    assert "Todavía no la ha revisado ninguna persona" in bundle  # supportive-care is a draft
    assert "Ana Pérez" not in bundle


def test_update_writes_back_the_review_header_pybabel_dropped(project: Path, handout):
    po = project / "locales/es/LC_MESSAGES/ui.po"
    set_headers(po, X_Review_Status="reviewed")
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run([str(pybabel), "update", "-i", "locales/ui.pot", "-D", "ui", "-d", "locales",
                    "-l", "es"], check=True, capture_output=True)
    assert "X-Review-Status" not in po.read_text(encoding="utf-8")  # the hazard itself
    run = handout("i18n", "update", "--lang", "es")
    assert run.code == EXIT_OK, run.err
    text = po.read_text(encoding="utf-8")
    assert '"X-Review-Status: draft\\n"' in text and '"X-Reviewed-By: \\n"' in text
    assert f"{Path('locales/es/LC_MESSAGES/ui.po')}: the header had no X-Review-Status" in run.err


# -- 4: every entry falls back on its own ----------------------------------------------------

PT_TEXT = ("O mieloma múltiplo é um cancro do sangue que começa nos plasmócitos, um tipo de "
           "glóbulo branco.")


def test_a_translated_paragraph_is_printed_without_its_slide_bullet(project: Path, handout):
    assert handout("i18n", "init", "pt").code == EXIT_OK
    po = project / "locales/pt/LC_MESSAGES/relapsed-refractory.po"
    text = po.read_text(encoding="utf-8")
    ctx = 'msgctxt "relapsed-refractory/myeloma-basics/standard"\n'
    head, _, tail = text.partition(ctx)
    msgid_block, _, rest = tail.partition('msgstr ""\n')
    po.write_text(head + ctx + msgid_block + f'msgstr "{PT_TEXT}"\n' + rest, encoding="utf-8")
    slide_line = next(n for n, line in enumerate(po.read_text(encoding="utf-8").splitlines(), 1)
                      if line == 'msgctxt "relapsed-refractory/myeloma-basics/standard/slide"')
    run = handout("build", "--topic", "relapsed-refractory", "--lang", "pt", "--level", "standard",
                  "--format", "pdf", "--format", "pptx")
    assert run.code == EXIT_OK, run.err
    leaflet = flat(pdf_text(project / "output/pt/standard/relapsed-refractory.pdf"))
    assert PT_TEXT in leaflet
    assert "Multiple myeloma is a blood cancer that starts in plasma cells" not in leaflet
    deck = deck_text(project / "output/pt/standard/relapsed-refractory.pptx")
    assert PT_TEXT in flat(deck)  # the speaker notes
    assert "A blood cancer of plasma cells in the bone marrow" in deck  # the bullet, in English
    # The warning names the catalog entry at fault (the msgid line of the slide entry).
    shown = Path("locales/pt/LC_MESSAGES/relapsed-refractory.po")
    assert re.search(rf"{re.escape(str(shown))}:{slide_line + 1}: relapsed-refractory/"
                     r"myeloma-basics/standard/slide: untranslated in pt \(English at "
                     r"content/relapsed-refractory.yaml:\d+\)", run.err), run.err
    assert "relapsed-refractory/myeloma-basics/standard: " not in run.err


def test_strict_names_the_po_line_of_a_stale_entry(project: Path, handout):
    po = project / "locales/de/LC_MESSAGES/supportive-care.po"
    lines = po.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("msgid ") and
                 line.strip() != 'msgid ""')
    lines.insert(index, "#, fuzzy\n")
    po.write_text("".join(lines), encoding="utf-8")
    run = handout("build", "--topic", "supportive-care", "--lang", "de", "--level", "easy",
                  "--level", "standard", "--level", "detailed", "--format", "html", "--strict")
    assert run.code == EXIT_TRANSLATION
    assert f"error: {Path('locales/de/LC_MESSAGES/supportive-care.po')}:{index + 2}:" in run.err


# -- 5: English fallbacks marked, tagged lang="en", isolated; the mark kept with its text ----

def untranslate(project: Path, lang: str, domain: str, contexts: list[str]) -> None:
    """Empty the msgstr of these entries (a translator who has not got to them yet)."""
    po = project / "locales" / lang / "LC_MESSAGES" / f"{domain}.po"
    text = po.read_text(encoding="utf-8")
    for ctx in contexts:
        pattern = re.compile(rf'(msgctxt "{re.escape(ctx)}"\nmsgid (?:"[^\n]*"\n)+)msgstr (?:"[^\n]*"\n)+')
        text, n = pattern.subn(r'\1msgstr ""\n', text)
        assert n == 1, ctx
    po.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("lang", ["es", "ar"])
def test_untranslated_title_summary_and_role_are_marked_and_tagged_english(project: Path,
                                                                           handout, lang):
    untranslate(project, lang, "supportive-care",
                ["supportive-care/@title/standard", "supportive-care/@summary/standard",
                 "supportive-care/@reviewer_role/all"])
    run = handout("build", "--topic", "supportive-care", "--lang", lang, "--level", "standard",
                  "--format", "html", "--format", "pdf")
    assert run.code == EXIT_OK, run.err
    html = (project / f"output/{lang}/standard/supportive-care.html").read_text(encoding="utf-8")
    h1 = re.search(r"<h1[^>]*>.*?</h1>", html, re.S).group()
    summary = re.search(r'<p class="summary"[^>]*>.*?</p>', html, re.S).group()
    review = re.search(r'<p class="review"[^>]*>.*?</p>', html, re.S).group()
    for element in (h1, summary):
        assert 'lang="en"' in element and 'dir="ltr"' in element
        assert "fallback-mark" in element
    # Inside a sentence of the reader's language: marked, tagged English, isolated (bdi).
    assert re.search(r'fallback-mark inline.*<bdi lang="en" dir="ltr">hematologist', review, re.S)
    if lang == "es":  # the reader sees the mark before the English title
        text = flat(pdf_text(project / "output/es/standard/supportive-care.pdf"))
        assert re.search(r"Todavía no disponible en español\. Se muestra en inglés: "
                         r"Supportive care and quality of life", text), text[:400]


def test_every_english_block_carries_lang_en_with_its_mark(project: Path, handout):
    untranslate(project, "ar", "supportive-care",
                ["supportive-care/what-supportive/standard",
                 "supportive-care/what-supportive/standard/slide"])
    run = handout("build", "--topic", "supportive-care", "--lang", "ar", "--level", "standard",
                  "--format", "html")
    assert run.code == EXIT_OK, run.err
    html = (project / "output/ar/standard/supportive-care.html").read_text(encoding="utf-8")
    for element in re.findall(r"<(?:p|h[123]|li|dt|dd|figcaption)\b[^>]*>(?:(?!</?(?:p|h[123]|li)\b).)*"
                              r"fallback-mark", html, re.S):
        opening = element[:element.index(">") + 1]
        assert 'lang="en"' in opening or 'fallback-mark inline' in element, opening


def test_deck_mark_comes_before_the_bullet_and_english_runs_are_tagged(project: Path, handout):
    untranslate(project, "ar", "supportive-care", ["supportive-care/what-supportive/standard/slide"])
    run = handout("build", "--topic", "supportive-care", "--lang", "ar", "--level", "standard",
                  "--format", "pptx")
    assert run.code == EXIT_OK, run.err
    deck = Presentation(str(project / "output/ar/standard/supportive-care.pptx"))
    from builder.content import load_library
    from builder.model import at_level

    lib = load_library(project / "content")
    block = next(b for b in lib.topics["supportive-care"].blocks if b.id == "what-supportive")
    bullet = at_level(block.slide, "standard")
    found = False
    for slide in deck.slides:
        for shape in slide.shapes:
            if not shape.has_text_frame:
                continue
            paras = shape.text_frame.paragraphs
            for index, para in enumerate(paras):
                if para.text.strip() == bullet:
                    found = True
                    assert index > 0 and paras[index - 1].text.strip().endswith(":"), \
                        [p.text for p in paras]
                    for run_ in para.runs:
                        assert run_._r.find(f"{A_NS}rPr").get("lang") == "en"
                    assert para._p.find(f"{A_NS}pPr").get("rtl") in (None, "0")
    assert found


@pytest.mark.slow
def test_the_mark_never_ends_a_page_without_its_text(project: Path, handout):
    """With the paragraph before pushed down line by line, the mark always shares its page."""
    from builder.build import Job, Options, load_inputs, make_doc
    from builder.builders import get
    from builder.markup import to_plain
    from builder.project import Project

    untranslate(project, "es", "supportive-care", ["supportive-care/what-supportive/standard"])
    inputs = load_inputs(Options(project=Project.at(project)), ["es"])
    doc = make_doc(inputs, Job("topic", "supportive-care", "es", "standard", "pdf"))
    target = next(b for b in doc.blocks() if b.id == "what-supportive")
    index = doc.topics[0].blocks.index(target)
    filler = doc.topics[0].blocks[index - 1]
    first_words = " ".join(to_plain(target.text).split()[:3])
    base = filler.text

    def mark_page(extra: int) -> int:
        """Render with `extra` filler sentences; the page of the mark, checked to hold its text."""
        filler.text = base + (" Lorem ipsum dolor sit amet." * extra)
        data = get("pdf").build(doc, inputs.ctx)
        pages = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                               check=True).stdout.decode().split("\f")
        where = [n for n, page in enumerate(pages) if "Se muestra en inglés:" in page]
        assert len(where) == 1
        after = flat(pages[where[0]].split("Se muestra en inglés:", 1)[1]).strip()
        assert after.startswith(first_words), f"the mark ends page {where[0] + 1} alone"
        return where[0]

    # Coarse steps find where the mark moves to the next page; then every half line before it.
    start, coarse = mark_page(0), 0
    while mark_page(coarse + 8) == start:
        coarse += 8
        assert coarse < 400
    for extra in range(coarse + 1, coarse + 8):
        mark_page(extra)


# -- 8: the print date is the build date ----------------------------------------------------

def test_printed_date_is_the_build_date_not_the_contents(project: Path, handout):
    run = handout("build", "--topic", "supportive-care", "--lang", "en", "--level", "easy",
                  "--format", "pdf", "--format", "pptx")
    assert run.code == EXIT_OK, run.err
    text = flat(pdf_text(project / "output/en/easy/supportive-care.pdf"))
    today = format_date(dt.date.today(), "long", locale="en")
    assert f"Printed from handout on {today}." in text
    written = format_date(dt.date(2026, 11, 21), "long", locale="en")
    assert f"Written: {written}." in text  # the content's own date keeps its own label
    assert today != written
    deck = Presentation(str(project / "output/en/easy/supportive-care.pptx"))
    assert deck.core_properties.created.date() == dt.date.today()


def test_source_date_epoch_sets_the_print_date(project: Path, handout,
                                               monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    run = handout("build", "--topic", "supportive-care", "--lang", "de", "--level", "easy",
                  "--format", "pdf")
    assert run.code == EXIT_OK, run.err
    assert "1. Januar 2026" in flat(pdf_text(project / "output/de/easy/supportive-care.pdf"))


def test_a_file_rebuilt_on_another_day_gets_that_day(project: Path, handout,
                                                    monkeypatch: pytest.MonkeyPatch):
    import builder.build

    args = ("build", "--topic", "supportive-care", "--lang", "en", "--level", "easy",
            "--format", "pdf")
    monkeypatch.setattr(builder.build, "build_date", lambda: dt.date(2026, 11, 25))
    assert handout(*args).code == EXIT_OK
    path = project / "output/en/easy/supportive-care.pdf"
    assert "Printed from handout on November 25, 2026." in flat(pdf_text(path))
    monkeypatch.setattr(builder.build, "build_date", lambda: dt.date(2026, 11, 27))
    run = handout(*args)  # nothing changed: kept, and it still says the day it was made
    assert "built 0, skipped 1" in run.err
    assert "Printed from handout on November 25, 2026." in flat(pdf_text(path))
    (project / "content/supportive-care.yaml").write_text(
        (project / "content/supportive-care.yaml").read_text(encoding="utf-8")
        .replace("Feeling as well as you can", "Feeling as well as you can be"), encoding="utf-8")
    run = handout(*args)  # rebuilt: it carries the day it was rebuilt on
    assert "built 1" in run.err
    assert "Printed from handout on November 27, 2026." in flat(pdf_text(path))


# -- 10: the clinic's own address stays; a topic's link gets its own code -----------------

def test_a_topic_link_does_not_replace_the_clinic_address(project: Path, handout):
    run = handout("build", "--topic", "clinical-trials", "--lang", "en", "--level", "standard",
                  "--format", "pdf", "--format", "pptx", "--format", "html")
    assert run.code == EXIT_OK, run.err
    text = flat(pdf_text(project / "output/en/standard/clinical-trials.pdf"))
    assert "Scan the code or type this address: https://example.org/myeloma" in text
    assert "https://clinicaltrials.gov" in text
    html = (project / "output/en/standard/clinical-trials.html").read_text(encoding="utf-8")
    contact = re.search(r'<section class="contact">.*?</section>', html, re.S).group()
    assert "clinicaltrials.gov" not in contact and "example.org/myeloma" in contact
    assert html.count("<svg") == 2  # the clinic's code and the topic's own
    from builder.builders.html import _qr_svg

    def code(url: str) -> str:  # the QR code of `url`, with its alternate text (PDF/UA)
        return str(_qr_svg(url, "#000000", f"QR code that opens {url}"))

    assert code("https://example.org/myeloma") in contact
    assert code("https://clinicaltrials.gov") in html.replace(contact, "")
    deck = Presentation(str(project / "output/en/standard/clinical-trials.pptx"))
    closing = deck.slides[len(deck.slides) - 1]
    closing_text = "\n".join(s.text_frame.text for s in closing.shapes if s.has_text_frame)
    closing_text = closing_text.replace("\u2060", "").replace("\u00a0", " ")  # kept whole
    assert "https://example.org/myeloma" in closing_text
    assert "clinicaltrials.gov" not in closing_text
    alts = [s._element.xpath(".//p:cNvPr/@descr")[0] for slide in deck.slides
            for s in slide.shapes if s.shape_type == 13]
    assert any("clinicaltrials.gov" in a for a in alts) and any("example.org/myeloma" in a
                                                                for a in alts)
