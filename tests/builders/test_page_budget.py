"""Real-use leaflets read back (issue 18): page budgets, page 1, the personal panel, keeping
things together, duplex printing, and `handout check`'s page-budget table.

Every test reads the PDF the way a reader's software does: poppler (pdftotext, pdfinfo),
MuPDF (text, drawings) and pypdf (page count, the tagged structure).
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import BUNDLES, LANGS, REPO, copy_project
from pdfua import full_text, layout_atoms, lonely_list_items, structure
from pypdf import PdfReader

from builder.errors import EXIT_CONTENT, EXIT_OK
from builder.verify import normalize

MM = 72 / 25.4
FIRST = ["en", "es", "ar"]  # the first leaflet must fit one sheet in these, A4 and Letter
ONE_PER_SCRIPT = ["en", "ar", "zh_Hans", "ko", "ru", "hi"]  # Latin, Arabic, Han, Hangul, ...
PANEL = ["My details", "Name:", "Key nurse:", "Next appointment:", "Hospital number:"]


def ui(lang: str, msgid: str) -> str:
    """The UI string as the leaflet prints it in `lang` (its catalog's translation)."""
    from builder.localize import load_catalogs
    from builder.project import Project

    return load_catalogs(Project(REPO), lang).ui.gettext(msgid)


def poppler_pages(pdf: Path) -> list[str]:
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout).group(1))
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
            for n in range(1, count + 1)]


def mupdf_pages(pdf: Path) -> list[str]:
    import pymupdf

    with pymupdf.open(pdf) as doc:
        return [page.get_text() for page in doc]


def found(needle: str, text: str) -> bool:
    """`needle` in `text`, letters and digits only (extractors move punctuation and spaces;
    in right-to-left text, words in any order)."""
    if normalize(needle) in normalize(text):
        return True
    words = [normalize(w) for w in needle.split()]
    return bool(words) and all(w and (w in normalize(text)) for w in words)


def body_lines(page, footer_mm: float = 13) -> list[tuple[float, str]]:
    """(top, text) of each line above the running footer, top to bottom (MuPDF)."""
    limit = page.rect.height - footer_mm * MM
    lines = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            text = "".join(s["text"] for s in line["spans"]).strip()
            if text and line["bbox"][3] <= limit:
                lines.append((line["bbox"][1], text))
    return sorted(lines)


def same_line(line: str, text: str) -> bool:
    """A text line that reads `text`: letters and digits compared (MuPDF drops the spaces of
    Korean lines); in scripts whose PDF text layer is not their text (Devanagari, README
    "Scripts"), most of its letter trigrams."""
    from builder.verify import _letters, _overlap

    if normalize(line) == normalize(text):
        return True
    if not any("\u0900" <= c <= "\u0dff" for c in text):
        return False
    bare, letters = _letters(normalize(line)), _letters(normalize(text))
    # Measured on the Hindi matrix: the heading's own line scores 0.29 to 0.43, others 0.0.
    return len(letters) / 2 <= len(bare) <= 2 * len(letters) and _overlap(text, bare) >= 0.25


def end_matter_alone(pdf: Path, lang: str) -> str | None:
    """The end matter (review, sources, disclaimer) must share the last page with content:
    its heading is on the last page (before a "My notes" page) and not at the top of it."""
    import pymupdf

    about, notes = ui(lang, "About this leaflet"), ui(lang, "My notes")
    with pymupdf.open(pdf) as doc:
        pages = [body_lines(page) for page in doc]
    last = len(pages) - 1
    if pages[last] and same_line(pages[last][0][1], notes):
        last -= 1
    where = [(n, i) for n, lines in enumerate(pages) for i, (_y, t) in enumerate(lines)
             if same_line(t, about)]
    if not where:
        return f"{pdf}: no '{about}' heading found"
    page, index = where[-1]
    if page != last:
        return f"{pdf}: the end matter starts on page {page + 1} and runs on to page {last + 1}"
    if index == 0:
        return f"{pdf}: page {page + 1} of {len(pages)} holds only the end matter"
    return None


def keep_together_problems(pdf: Path) -> list[str]:
    """A heading that ends a page without what it heads; a list broken with one item alone."""
    atoms = layout_atoms(pdf)
    problems = []
    for (page_a, role_a, text_a, _), (page_b, _role, _text, _) in itertools.pairwise(atoms):
        if role_a.startswith("H") and page_a is not None and page_b is not None \
                and page_b > page_a:
            problems.append(f"{pdf}: heading {text_a!r} ends page {page_a + 1}")
    return problems + lonely_list_items(pdf, atoms)


@pytest.fixture(scope="module")
def leaflets(tmp_path_factory: pytest.TempPathFactory, font_subsets: Path) -> Path:
    """The first leaflet (easy new-relapse) in en, es, ar on A4 and Letter, and at every level
    in en; the easy relapsed-refractory leaflet in one language per script; questions-to-ask."""
    from builder.cli import main

    root = copy_project(tmp_path_factory.mktemp("budget"), fonts=font_subsets)
    common = ["build", "--project", str(root), "--format", "pdf", "--jobs", "2", "--quiet",
              "--verify"]
    first = [a for lang in FIRST for a in ("--lang", lang)]
    assert main([*common, "--out", str(root / "a4"), "--bundle", "new-relapse", *first,
                 "--level", "easy"]) == EXIT_OK
    assert main([*common, "--out", str(root / "letter"), "--paper", "letter",
                 "--bundle", "new-relapse", *first, "--level", "easy"]) == EXIT_OK
    assert main([*common, "--out", str(root / "a4"), "--bundle", "new-relapse", "--lang", "en",
                 "--level", "standard", "--level", "detailed"]) == EXIT_OK
    scripts = [a for lang in ONE_PER_SCRIPT for a in ("--lang", lang)]
    assert main([*common, "--out", str(root / "a4"), "--topic", "relapsed-refractory", *scripts,
                 "--level", "easy"]) == EXIT_OK
    assert main([*common, "--out", str(root / "a4"), "--topic", "questions-to-ask",
                 "--lang", "en", "--level", "easy"]) == EXIT_OK
    return root


def _first_leaflets(leaflets: Path) -> list[tuple[Path, str]]:
    return [(leaflets / paper / lang / "easy/new-relapse.pdf", lang)
            for paper in ("a4", "letter") for lang in FIRST]


@pytest.mark.slow
@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("lang", FIRST)
def test_the_first_leaflet_is_one_sheet_both_sides(leaflets: Path, paper: str, lang: str):
    pdf = leaflets / paper / lang / "easy/new-relapse.pdf"
    assert len(PdfReader(pdf).pages) == 2
    assert len(poppler_pages(pdf)) == 2
    box = PdfReader(pdf).pages[0].mediabox
    assert round(float(box.height)) == (842 if paper == "a4" else 792)


@pytest.mark.slow
def test_the_leaflets_check_found_over_budget_now_fit(tmp_path: Path):
    """`handout check` found these one page over at tier 3: a section, or the glossary with
    the end matter, a few millimetres too tall for the room left, moved whole to a third page.
    Tier 4 fits them without setting anything smaller."""
    from builder.cli import main

    root = copy_project(tmp_path)
    common = ["build", "--project", str(root), "--format", "pdf", "--jobs", "2", "--quiet",
              "--lang", "ru", "--level", "easy"]
    assert main([*common, "--out", str(root / "a4"), "--bundle", "new-relapse"]) == EXIT_OK
    assert main([*common, "--out", str(root / "letter"), "--paper", "letter",
                 "--bundle", "new-relapse", "--topic", "relapsed-refractory"]) == EXIT_OK
    assert main(["build", "--project", str(root), "--format", "pdf", "--quiet", "--out",
                 str(root / "letter"), "--paper", "letter", "--bundle", "new-relapse",
                 "--lang", "de", "--level", "detailed"]) == EXIT_OK
    pdfs = [(root / "a4/ru/easy/new-relapse.pdf", "ru"),
            (root / "letter/ru/easy/new-relapse.pdf", "ru"),
            (root / "letter/ru/easy/relapsed-refractory.pdf", "ru"),
            (root / "letter/de/detailed/new-relapse.pdf", "de")]
    assert {str(pdf): len(PdfReader(pdf).pages) for pdf, _ in pdfs} == \
        {str(pdf): 2 for pdf, _ in pdfs}
    problems = [p for pdf, lang in pdfs for p in [end_matter_alone(pdf, lang)] if p]
    problems += [p for pdf, _lang in pdfs for p in keep_together_problems(pdf)]
    assert problems == []


def test_the_easy_relapsed_refractory_leaflet_keeps_its_budget(leaflets: Path):
    for lang in ONE_PER_SCRIPT:
        assert len(PdfReader(leaflets / "a4" / lang / "easy/relapsed-refractory.pdf").pages) \
            <= 2, lang


def test_who_to_call_is_on_page_one(leaflets: Path):
    pdfs = _first_leaflets(leaflets) + [
        (leaflets / "a4" / lang / "easy/relapsed-refractory.pdf", lang) for lang in ONE_PER_SCRIPT]
    missing = []
    for pdf, lang in pdfs:
        # Devanagari's text layer is not its text (README "Scripts"): numbers and addresses only.
        headings = [] if lang == "hi" else [ui(lang, "When to call us urgently"),
                                            ui(lang, "Questions? Contact your care team")]
        for page_one in (poppler_pages(pdf)[0], mupdf_pages(pdf)[0]):
            for needle in (*headings, "+1 555 0199", "+1 555 0100", "myeloma-nurse@example.org"):
                if not found(needle, page_one):
                    missing.append(f"{pdf}: {needle!r} not on page 1")
    assert missing == []


def test_large_print_starts_the_urgent_box_on_page_one(project: Path, handout):
    """At 16 pt the Spanish urgent box does not fit under the title: it starts on page 1 all
    the same, with the number to call, instead of moving whole to page 2."""
    run = handout("build", "--bundle", "new-relapse", "--lang", "es", "--level", "easy",
                  "--format", "pdf", "--large-print")
    assert run.code == EXIT_OK, run.err
    pdf = project / "output/es/easy/new-relapse.pdf"
    for page_one in (poppler_pages(pdf)[0], mupdf_pages(pdf)[0]):
        assert found(ui("es", "When to call us urgently"), page_one)
        assert found("+1 555 0199", page_one)


def test_the_personal_panel_is_on_page_one_or_two_and_tagged_as_a_list(leaflets: Path):
    for pdf, lang in _first_leaflets(leaflets):
        labels = [ui(lang, label) for label in PANEL]
        assert all(ui(lang, label) != label for label in PANEL) or lang == "en"  # translated
        for pages in (poppler_pages(pdf), mupdf_pages(pdf)):
            text = " ".join(pages[:2])
            assert [label for label in labels if not found(label, text)] == [], pdf
        # Labels, not form fields: each in a list item of one list, under its heading.
        items = [full_text(e) for e in structure(pdf).walk() if e.role == "LI"]
        for label in labels[1:]:
            assert any(found(label, item) for item in items), (pdf, label)
        assert "/AcroForm" not in PdfReader(pdf).trailer["/Root"]  # nothing to fill in on screen


def test_no_check_box_before_what_else_do_i_want_to_ask(leaflets: Path):
    import pymupdf

    pdf = leaflets / "a4/en/easy/questions-to-ask.pdf"
    with pymupdf.open(pdf) as doc:
        hits = [(page, rect) for page in doc
                for rect in page.search_for("What else do I want to ask?")]
        assert len(hits) == 1
        page, line = hits[0]
        boxes = [d["rect"] for d in page.get_drawings()
                 if d["rect"].width and 8 < d["rect"].width < 16 and
                 abs(d["rect"].width - d["rect"].height) < 1 and
                 abs((d["rect"].y0 + d["rect"].y1) / 2 - (line.y0 + line.y1) / 2) < 8]
        assert boxes == []  # a check box is a small square on the question's line
        # Its write-in lines follow (each drawn as a full-width border below the text).
        rules = [d["rect"] for d in page.get_drawings()
                 if d["rect"].width > 200 and d["rect"].y0 >= line.y1 - 2]
        assert len(rules) >= 6


def test_a_bundles_question_lists_appear_once(leaflets: Path):
    from builder.content import load_library
    from builder.model import at_level

    lib = load_library(REPO / "content")
    bundle = lib.bundles["new-relapse"]
    for level in ("easy", "standard", "detailed"):
        pdf = leaflets / "a4/en" / level / "new-relapse.pdf"
        text = normalize(" ".join(poppler_pages(pdf)))
        questions = {q for t in bundle.topics for b in lib.topics[t].blocks
                     if b.type == "checklist" for q in at_level(b.items, level) or []}
        shown = {q: text.count(normalize(q)) for q in questions if normalize(q) in text}
        assert shown and all(n == 1 for n in shown.values()), (level, shown)


def test_a_bundle_points_to_the_leaflets_it_shortens(leaflets: Path):
    text = " ".join(" ".join(poppler_pages(leaflets / "a4/en/easy/new-relapse.pdf")).split())
    for title in ("How your treatment is chosen", "Questions to ask your care team",
                  "When myeloma comes back"):
        assert f"More in the leaflet “{title}”." in text
    # What it keeps keeps its sources; the words it no longer uses are not explained.
    assert "Sources" in text and "Understanding Relapsed Refractory Multiple Myeloma" in text
    glossary = text[text.index("Medical words explained"):text.index("About this leaflet")]
    assert "Relapse:" in glossary and "Plasma cell:" not in glossary


def test_no_end_matter_alone_and_things_kept_together(leaflets: Path):
    pdfs = _first_leaflets(leaflets) + [
        (leaflets / "a4" / lang / "easy/relapsed-refractory.pdf", lang) for lang in ONE_PER_SCRIPT]
    pdfs += [(leaflets / "a4/en/easy/questions-to-ask.pdf", "en")]
    problems = [p for pdf, lang in pdfs for p in [end_matter_alone(pdf, lang)] if p]
    problems += [p for pdf, _lang in pdfs for p in keep_together_problems(pdf)]
    assert problems == []


def test_large_print_keeps_the_end_matter_with_content(project: Path, handout):
    """At 16 pt the Spanish first leaflet's glossary and end matter together were taller than
    the room left, so the glossary filled a page of its own and the end matter the next."""
    run = handout("build", "--bundle", "new-relapse", "--lang", "es", "--level", "easy",
                  "--format", "pdf", "--large-print")
    assert run.code == EXIT_OK, run.err
    pdf = project / "output/es/easy/new-relapse.pdf"
    assert end_matter_alone(pdf, "es") is None
    assert keep_together_problems(pdf) == []


@pytest.mark.slow
def test_duplex_makes_an_even_count_with_a_notes_page(project: Path, handout):
    import pymupdf

    args = ["build", "--topic", "relapsed-refractory", "--bundle", "new-relapse", "--lang", "en",
            "--lang", "ar", "--level", "standard", "--format", "pdf", "--format", "html"]
    assert handout(*args, "--out", "simplex").code == EXIT_OK
    run = handout(*args, "--out", "duplex", "--duplex", "--verify")
    assert run.code == EXIT_OK, run.err
    for lang in ("en", "ar"):
        simplex = project / "simplex" / lang / "standard/relapsed-refractory.pdf"
        duplex = project / "duplex" / lang / "standard/relapsed-refractory.pdf"
        pages = len(PdfReader(simplex).pages)
        assert pages % 2 == 1 and len(PdfReader(duplex).pages) == pages + 1
        notes = ui(lang, "My notes")
        assert not any(found(notes, page) for page in poppler_pages(simplex))
        last = poppler_pages(duplex)[-1]
        assert notes in last and "About this leaflet" not in last
        with pymupdf.open(duplex) as doc:
            page = doc[-1]
            rules = [d for d in page.get_drawings() if d["rect"].width > 400]
            lines = body_lines(page, footer_mm=20)
        assert len(rules) >= 20 and [t for _y, t in lines] == [notes]  # lined, titled, only that
        assert end_matter_alone(duplex, lang) is None
        # The HTML is the one the PDF was made from: the notes page is in it too.
        assert notes in (project / "duplex" / lang / "standard/relapsed-refractory.html").read_text()
    # Already even: nothing added.
    even = project / "duplex/en/standard/new-relapse.pdf"
    assert len(PdfReader(even).pages) % 2 == 0
    if len(PdfReader(project / "simplex/en/standard/new-relapse.pdf").pages) % 2 == 0:
        assert "My notes" not in " ".join(poppler_pages(even))


@pytest.mark.slow
def test_check_reports_which_language_and_paper_exceed_a_budget(project: Path, handout):
    # Spanish made long in one paragraph of relapsed-refractory (pages: {easy: 2}): Spanish
    # overflows its budget, English does not.
    po = project / "locales/es/LC_MESSAGES/relapsed-refractory.po"
    text = po.read_text(encoding="utf-8")
    pattern = r'(msgctxt "relapsed-refractory/options/easy"\nmsgid (?:".*"\n)+msgstr )((?:".*"\n)+)'
    long = " ".join(["Su equipo médico le ayudará a elegir el mejor tratamiento para usted."] * 40)
    po.write_text(re.sub(pattern, lambda m: m.group(1) + json.dumps(long, ensure_ascii=False)
                         + "\n", text, count=1), encoding="utf-8")
    line = next(n for n, row in enumerate(
        (project / "content/relapsed-refractory.yaml").read_text().splitlines(), 1)
        if row.startswith("pages:"))

    run = handout("check", "--lang", "en", "--lang", "es")
    assert run.code == EXIT_OK, run.out + run.err
    out = run.out
    assert "Page budgets" in out
    # columns: document, level, paper, budget, then en and es
    assert re.search(r"^relapsed-refractory \(topic\)\s+easy\s+a4\s+2\s+2\s+\d+ \(\+\d+\)$",
                     out, re.M), out
    over = [r for r in out.splitlines() if r.startswith("warning: ") and "over its budget" in r]
    assert over and all(f"content/relapsed-refractory.yaml:{line}: topic relapsed-refractory (es,"
                        " easy, " in r for r in over), over
    assert {re.search(r"easy, (\w+)\)", r).group(1) for r in over} == {"a4", "letter"}
    assert not [r for r in out.splitlines() if "(en, easy" in r]

    strict = handout("check", "--lang", "en", "--lang", "es", "--strict")
    assert strict.code == EXIT_CONTENT
    assert any(r.startswith("error: content/relapsed-refractory.yaml") for r in
               strict.out.splitlines())
    data = json.loads(handout("check", "--lang", "en", "--lang", "es", "--json").out)
    es = [p for p in data["pages"] if p["lang"] == "es" and p["id"] == "relapsed-refractory"]
    assert es and all(p["over"] >= 1 and p["budget"] == 2 for p in es)


@pytest.mark.parametrize("where, old, new, message", [
    ("content/relapsed-refractory.yaml", "pages: {easy: 2}", "pages: {easy: 0}",
     "pages: a page budget is a whole number of pages from 1 to 40"),
    ("content/relapsed-refractory.yaml", "pages: {easy: 2}", "pages: {expert: 2}",
     "pages.expert: unknown reading level 'expert'; use easy, standard or detailed"),
    ("content/bundles.yaml", "      questions-to-ask: [treatment-questions]",
     "      questions-to-ask: [treatment-questions, no-such-block]",
     "bundle 'new-relapse' carries unknown block 'no-such-block' of topic 'questions-to-ask'"),
    ("content/bundles.yaml", "      questions-to-ask: [treatment-questions]",
     "      drug-classes: [treatment-questions]",
     "bundle 'new-relapse': 'carry' names topic 'drug-classes', which is not in its 'topics'"),
])
def test_a_bad_page_budget_or_selection_is_a_content_error(project: Path, handout, where, old,
                                                          new, message):
    path = project / where
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    line = next(n for n, row in enumerate(path.read_text().splitlines(), 1) if row == new)
    run = handout("build", "--bundle", "new-relapse", "--lang", "en", "--format", "html")
    assert run.code == EXIT_CONTENT
    errors = [r for r in run.err.splitlines() if r.startswith(f"error: {where}:{line}: ")]
    assert errors and message in errors[0], run.err
    assert not (project / "output").exists()


def test_a_paragraph_broken_over_two_pages_is_not_reported_missing(project: Path, monkeypatch):
    """--verify reads the PDF text in drawing order: a paragraph broken over a page has the
    running footer, and on its first page a checklist's items (drawn last), between its parts.
    A paragraph half of which is gone is still reported."""
    from builder import verify
    from builder.build import Job, Options, load_inputs, make_doc
    from builder.project import Project

    inputs = load_inputs(Options(project=Project.at(project)), ["fr"])
    doc = make_doc(inputs, Job("bundle", "support-group-session", "fr", "detailed", "pdf"))
    note = next(b for b in doc.blocks() if b.id == "treatment-note")
    pieces = [p for b in doc.blocks() for p in verify.block_texts(b, doc, "pdf")]
    text = verify.block_texts(note, doc, "pdf")[0]
    cut = text.index(" ", len(text) // 2)
    broken = (text[:cut] + "\n• \nPourquoi mon traitement actuel a-t-il cessé d'agir ?\n"
              "Le myélome en rechute et réfractaire · Version 1.0 Page 6 sur 9\n" + text[cut:])
    monkeypatch.setattr(verify, "pdf_text", lambda data: "\n".join(
        broken if p == text else p for p in pieces))
    assert verify.missing_blocks(doc, "pdf", b"") == []
    monkeypatch.setattr(verify, "pdf_text", lambda data: "\n".join(
        text[:cut] if p == text else p for p in pieces))
    missing = verify.missing_blocks(doc, "pdf", b"")
    assert [p.message for p in missing if "treatment-note" in p.message], missing


# -- the whole matrix (slow) -------------------------------------------------------------------

@pytest.fixture(scope="session")
def topic_matrix(tmp_path_factory: pytest.TempPathFactory, font_subsets: Path) -> Path:
    """Every topic as PDF, in every language of the matrix and every level."""
    from builder.cli import main

    root = copy_project(tmp_path_factory.mktemp("topics"), fonts=font_subsets)
    args = ["build", "--project", str(root), "--out", str(root / "out"), "--format", "pdf",
            "--jobs", "2", "--quiet"]
    for topic in sorted(p.stem for p in (root / "content").glob("*.yaml")
                        if p.stem != "bundles" and not p.stem.startswith("glossary")):
        args += ["--topic", topic]
    for lang in LANGS:
        args += ["--lang", lang]
    assert main(args) == EXIT_OK
    return root / "out"


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_no_leaflet_of_the_matrix_ends_with_end_matter_alone(matrix: Path, topic_matrix: Path,
                                                             lang: str):
    pdfs = [matrix / lang / level / f"{b}.pdf" for level in ("easy", "standard", "detailed")
            for b in BUNDLES]
    pdfs += sorted((topic_matrix / lang).rglob("*.pdf"))
    problems = [p for pdf in pdfs for p in [end_matter_alone(pdf, lang)] if p]
    problems += [p for pdf in pdfs for p in keep_together_problems(pdf)]
    assert problems == []


@pytest.fixture(scope="session")
def large_print(tmp_path_factory: pytest.TempPathFactory, font_subsets: Path) -> Path:
    """The first leaflet (new-relapse, every level) and the easy relapsed-refractory leaflet in
    large print, in every language the project has."""
    from builder.build import available_langs
    from builder.cli import main
    from builder.project import Project

    root = copy_project(tmp_path_factory.mktemp("large-print"), fonts=font_subsets)
    langs = [a for lang in available_langs(Project.at(root)) for a in ("--lang", lang)]
    common = ["build", "--project", str(root), "--out", str(root / "out"), "--format", "pdf",
              "--large-print", "--jobs", "2", "--quiet", *langs]
    assert main([*common, "--bundle", "new-relapse"]) == EXIT_OK
    assert main([*common, "--topic", "relapsed-refractory", "--level", "easy"]) == EXIT_OK
    return root / "out"


@pytest.mark.slow
def test_no_large_print_leaflet_ends_with_end_matter_alone(large_print: Path):
    pdfs = sorted(large_print.rglob("*.pdf"))
    assert len(pdfs) == 4 * len({p.parts[-3] for p in pdfs})  # 3 levels + 1, each language
    problems = [p for pdf in pdfs for p in [end_matter_alone(pdf, pdf.parts[-3])] if p]
    problems += [p for pdf in pdfs for p in keep_together_problems(pdf)]
    assert problems == []
