"""A support-group session's deck and handout (issue #18), read back as a volunteer meets them:
python-pptx for the slides, LibreOffice for how they render, poppler for the handout PDF."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.dates import format_date
from conftest import copy_project, pdf_text, tree_bytes
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from builder.builders.deck.paragraphs import visible as visible_text
from builder.errors import EXIT_CONFIG, EXIT_CONTENT, EXIT_OK, EXIT_USAGE
from builder.languages import language
from builder.verify import normalize

from .docs import soffice_pdf

SESSION = ("build", "--bundle", "support-group-session", "--level", "standard", "--date",
           "2026-12-03")
FLD = "{http://schemas.openxmlformats.org/drawingml/2006/main}fld"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The en and ar session deck and handout, for 3 December 2026, built once."""
    import os

    from builder.cli import main

    root = copy_project(tmp_path_factory.mktemp("session"))
    here = Path.cwd()
    os.chdir(root)
    try:
        code = main([*SESSION, "--lang", "en", "--lang", "ar", "--format", "pptx",
                     "--format", "handout", "--verify"])
    finally:
        os.chdir(here)
    assert code == EXIT_OK
    return root / "output"


def deck(out: Path, lang: str) -> Presentation:
    return Presentation(out / lang / "standard" / "support-group-session.pptx")


def titles(prs: Presentation) -> list[str]:
    return [s.shapes.title.text_frame.text if s.shapes.title is not None else ""
            for s in prs.slides]


def slide_text(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


@pytest.mark.slow
def test_a_session_deck_has_the_presenter_slides_in_order(built: Path) -> None:
    shown = titles(deck(built, "en"))
    assert shown[1] == "Welcome" and shown[2] == "What we will talk about"
    order = [shown.index(t) for t in ("Relapsed and refractory myeloma",
                                      "Supportive care and quality of life", "Break",
                                      "Watchful waiting and your outlook",
                                      "What we talked about", "Local information")]
    assert order == sorted(order)  # the break in the middle, recap and local slide after
    assert shown[-1] == "Thank you for coming"
    prs = deck(built, "en")
    welcome = slide_text(prs.slides[1])
    assert "What is said in the group stays in the group." in welcome
    assert "We don't give medical advice" in welcome
    agenda = slide_text(prs.slides[2])  # minutes from the bundle, the break's default
    assert "Relapsed and refractory myeloma · 20 min" in agenda
    assert "Break · 10 min" in agenda and "Questions to ask your care team · 15 min" in agenda


def test_the_disclaimer_is_said_once_on_the_thank_you_slide(built: Path) -> None:
    """A session ends on the thank-you slide, which carries the disclaimer; the contacts just
    before it do not repeat it (in large print it went alone onto a "(continued)" slide)."""
    for lang, disclaimer in (("en", "These slides give general information."),
                             ("ar", "تقدّم هذه الشرائح معلومات عامة.")):
        prs = deck(built, lang)
        having = [n for n, s in enumerate(prs.slides, 1) if disclaimer in slide_text(s)]
        assert having == [len(prs.slides)], (lang, having)


def test_the_notes_are_a_facilitators_script_above_the_full_text(built: Path) -> None:
    prs = deck(built, "en")
    talk = next(s for s in prs.slides if s.shapes.title.text_frame.text == "Questions for the group")
    notes = talk.notes_slide.notes_text_frame.text
    assert notes.startswith("Read each question aloud")
    assert "If someone is upset: pause" in notes
    assert "Read one question at a time, then wait" in notes  # the topic's `notes` block
    script, _, full = notes.partition("Full text, for reference:")
    assert "What helped you when you first heard about a relapse?" in full
    assert "Read one question at a time" in script


def test_every_slide_but_the_title_has_a_slide_number_field(built: Path) -> None:
    for lang in ("en", "ar"):
        slides = list(deck(built, lang).slides)
        fields = [[f for f in s._element.iter(FLD) if f.get("type") == "slidenum"]
                  for s in slides]
        assert fields[0] == []
        assert all(len(f) == 1 for f in fields[1:]), lang
        assert [f[0].findtext("{*}t") for f in fields[1:]] == \
            [str(n) for n in range(2, len(slides) + 1)]


def test_the_session_date_is_on_the_title_and_closing_slides_in_the_decks_language(
        built: Path) -> None:
    for lang in ("en", "ar"):
        language_ = language(lang)
        day = language_.digits(format_date(dt.date(2026, 12, 3), format="long",
                                           locale=language_.locale))
        slides = list(deck(built, lang).slides)
        assert day in slide_text(slides[0]) and day in slide_text(slides[-1]), lang
    assert "December 3, 2026" in slide_text(deck(built, "en").slides[0])


def test_sparse_slides_are_set_at_28_pt_or_more(built: Path) -> None:
    checked = 0
    for slide in deck(built, "en").slides:
        if slide.slide_layout.name in ("Title", "Closing"):
            continue
        for shape in slide.placeholders:
            if shape.placeholder_format.idx == 0 or not shape.has_text_frame:
                continue
            paras = [p for p in shape.text_frame.paragraphs if p.text.strip()]
            if 0 < len(paras) <= 3:
                checked += 1
                sizes = {r.font.size.pt for p in paras for r in p.runs if r.font.size}
                assert min(sizes) >= 28, (shape.text_frame.text, sizes)
    assert checked >= 10


def test_pictograms_carry_alt_text_in_the_decks_language(built: Path) -> None:
    for lang in ("en", "ar"):
        prs = deck(built, lang)
        welcome = prs.slides[1]
        pictures = [s for s in welcome.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        alt = pictures[0]._element.find(".//{*}cNvPr").get("descr")
        if lang == "en":
            assert alt == "Pictogram: a group of people"
        else:
            assert alt and alt != "Pictogram: a group of people"
        openers = [s for s in prs.slides if s.slide_layout.name == "Section"]
        assert all(any(p.shape_type == MSO_SHAPE_TYPE.PICTURE for p in s.shapes)
                   for s in openers)


def test_question_and_discussion_slides_look_apart(built: Path) -> None:
    prs = deck(built, "en")

    def band(slide) -> str:
        return next((s.name for s in slide.shapes if s.name.endswith(" band")), "")

    kinds = {band(s) for s in prs.slides if s.slide_layout.name == "Questions"}
    assert kinds == {"questions band", "discussion band"}


def test_the_handout_has_a_tick_sheet_and_one_thumbnail_per_slide(built: Path) -> None:
    for lang in ("en", "ar"):
        pdf = built / lang / "standard" / "support-group-session.handout.pdf"
        text = pdf_text(pdf)
        shown = titles(deck(built, lang))
        if lang == "en":
            assert "tick the ones you want to ask" in text
            assert "Is there a clinical trial I could join?" in text
        flat = " ".join(text.split())
        if lang == "ar":  # pdftotext gives right-to-left lines in its own order: letters of words
            letters = normalize(flat)
            for title in shown:
                assert all(normalize(word) in letters or normalize(word)[::-1] in letters
                           for word in title.split()), title
            continue
        position = 0
        for title in shown:  # every slide, in the deck's order
            found = flat.find(" ".join(title.split()), position)
            assert found >= 0, (lang, title)
            position = found
        # A thumbnail per slide: a title shown on n slides (a "(continued)" one too) n times
        for title in set(shown):
            assert flat.count(" ".join(title.split())) >= shown.count(title), title


def tick_boxes(page) -> list:
    """The tick-sheet's check boxes: small squares (MuPDF drawings)."""
    return [d["rect"] for d in page.get_drawings()
            if 8 < d["rect"].width < 16 and abs(d["rect"].width - d["rect"].height) < 1]


def ticked(page, question: str) -> bool:
    """A check box on the line of `question`."""
    (line,) = page.search_for(question)
    middle = (line.y0 + line.y1) / 2
    return any(abs((box.y0 + box.y1) / 2 - middle) < 8 for box in tick_boxes(page))


def test_the_handout_ticks_only_what_the_leaflet_ticks(built: Path) -> None:
    """A checklist with `boxes: false` (content/questions-to-ask.yaml: "What else would I like
    to ask?") has no check box on the handout, as in the leaflet; the questions before it do."""
    import pymupdf

    counts = {}
    for lang in ("en", "ar"):
        pdf = built / lang / "standard" / "support-group-session.handout.pdf"
        with pymupdf.open(pdf) as doc:
            counts[lang] = len(tick_boxes(doc[0]))
            if lang == "en":
                assert ticked(doc[0], "Is there a clinical trial I could join?")
                assert ticked(doc[0], "Who do I call if a symptom gets worse?")
                assert not ticked(doc[0], "What else would I like to ask?")
    assert counts["en"] == counts["ar"] == 13  # the 13 questions of the standard level


def test_the_handout_has_lines_to_write_on_under_the_prompt(built: Path) -> None:
    """"What else would I like to ask?" leads into write-in lines in the leaflet (`write_in: 6`):
    the handout gives the same 6 lines to write on, under the prompt, in en and ar."""
    import pymupdf

    for lang in ("en", "ar"):
        pdf = built / lang / "standard" / "support-group-session.handout.pdf"
        with pymupdf.open(pdf) as doc:
            page = doc[0]  # the tick-sheet; the slides start on a page of their own
            if lang == "en":  # Arabic is searched for in shaped, visual order: by the boxes
                (line,) = page.search_for("What else would I like to ask?")
                top = line.y1
            else:
                top = max(box.y1 for box in tick_boxes(page))
            below = sorted(r.y0 for r in write_lines(page) if r.y0 > top)
            assert len(below) == 6, (lang, below)
            gaps = [b - a for a, b in itertools.pairwise(below)]
            assert all(18 < gap < 40 for gap in gaps), (lang, gaps)  # a hand's line height


def write_lines(page) -> list:
    """Rules to write on, long and thin (MuPDF drawings). WeasyPrint draws a bottom border as
    the area between two rectangles that differ only at the bottom: the rule is that strip."""
    import pymupdf

    found = []
    for drawing in page.get_drawings():
        rects = [item[1] for item in drawing["items"] if item[0] == "re"]
        if len(rects) == 2 and drawing["rect"].width > page.rect.width * 0.5:
            inner, outer = sorted(rects, key=lambda r: r.y1)
            if inner.y0 == outer.y0 and 0 < outer.y1 - inner.y1 < 3:
                found.append(pymupdf.Rect(outer.x0, inner.y1, outer.x1, outer.y1))
    return found


def test_with_no_host_no_clinic_contacts_are_on_the_deck(project: Path, handout) -> None:
    run = handout(*SESSION, "--lang", "en", "--format", "pptx", "--no-host")
    assert run.code == EXIT_OK, run.err
    prs = Presentation(project / "output/en/standard/support-group-session.pptx")
    everything = "\n".join(slide_text(s) for s in prs.slides)
    for contact in ("Demo Myeloma Clinic", "+1 555 0100", "+1 555 0199", "example.org/myeloma",
                    "myeloma-nurse@example.org"):
        assert contact not in everything
    assert titles(prs)[-1] == "Thank you for coming"
    assert "When to call us urgently" not in titles(prs)


def test_the_profile_says_whether_the_clinic_hosts(project: Path, handout) -> None:
    demo = project / "templates/clinic/demo.yaml"
    own = demo.with_name("away.yaml")
    own.write_text(demo.read_text(encoding="utf-8") + "deck:\n  host: false\n", encoding="utf-8")
    run = handout(*SESSION, "--lang", "en", "--format", "pptx", "--clinic", str(own))
    assert run.code == EXIT_OK, run.err
    prs = Presentation(project / "output/en/standard/support-group-session.pptx")
    assert "+1 555 0100" not in "\n".join(slide_text(s) for s in prs.slides)
    own.write_text(demo.read_text(encoding="utf-8") + "deck:\n  host: sometimes\n",
                   encoding="utf-8")
    before = tree_bytes(project / "output")
    run = handout(*SESSION, "--lang", "en", "--format", "pptx", "--clinic", str(own), "--force")
    assert run.code == EXIT_CONFIG
    assert "away.yaml:" in run.err and "host" in run.err
    assert tree_bytes(project / "output") == before


def test_a_bad_session_date_is_a_usage_error_and_nothing_is_written(project: Path,
                                                                    handout) -> None:
    run = handout("build", "--bundle", "support-group-session", "--lang", "en", "--format",
                  "pptx", "--date", "2026-13-03")
    assert run.code == EXIT_USAGE
    assert "'2026-13-03' is not a date" in run.err and "YYYY-MM-DD" in run.err
    assert not (project / "output").exists() or not any((project / "output").rglob("*.pptx"))


def test_minutes_for_a_topic_not_in_the_bundle_are_a_content_error(project: Path,
                                                                   handout) -> None:
    bundles = project / "content/bundles.yaml"
    bundles.write_text(bundles.read_text(encoding="utf-8").replace(
        "      questions-to-ask: 15", "      questions-to-ask: 15\n      drug-classes: 5"),
        encoding="utf-8")
    run = handout(*SESSION, "--lang", "en", "--format", "pptx")
    assert run.code == EXIT_CONTENT
    assert "content/bundles.yaml:" in run.err and "drug-classes" in run.err


@pytest.mark.slow
@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_renders_every_slide_of_the_en_and_ar_deck(built: Path, tmp_path: Path) -> None:
    for lang in ("en", "ar"):
        source = built / lang / "standard" / "support-group-session.pptx"
        copy = tmp_path / f"{lang}.pptx"
        shutil.copy(source, copy)
        result = subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
             "--convert-to", "pdf", "--outdir", str(tmp_path), str(copy)],
            capture_output=True, text=True, timeout=300, check=False)
        pdf = copy.with_suffix(".pdf")
        assert result.returncode == 0 and pdf.is_file(), result.stderr
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                              check=True).stdout
        pages = int(next(line.split()[-1] for line in info.splitlines()
                         if line.startswith("Pages:")))
        assert pages == len(Presentation(source).slides)


@pytest.mark.slow
@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_keeps_the_arabic_large_print_decks_addresses_whole(
        project: Path, handout, tmp_path: Path) -> None:
    """Right to left, an address is a run of Latin letters whose ":" and "." the Arabic font
    also has. Set in two fonts, LibreOffice broke the web address there ("https://example." |
    "org/myeloma") on the large-print contacts slide. Read back as LibreOffice lays it out."""
    run = handout(*SESSION, "--lang", "ar", "--format", "pptx", "--large-print")
    assert run.code == EXIT_OK, run.err
    source = project / "output/ar/standard/support-group-session.pptx"
    contacts = next(n for n, s in enumerate(Presentation(source).slides, 1)
                    if "example.org/myeloma" in visible_text(slide_text(s)))
    pdf = soffice_pdf(Path(shutil.copy(source, tmp_path / "ar-large.pptx")))
    lines = subprocess.run(["pdftotext", "-f", str(contacts), "-l", str(contacts), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    for address in ("https://example.org/myeloma", "myeloma-nurse@example.org"):
        assert any(address in line for line in lines), (address, lines)
