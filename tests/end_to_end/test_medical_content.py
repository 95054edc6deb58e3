"""What a clinical reviewer signs off: faithful wording, cited claims, the urgent box, terms."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import REPO, pdf_text
from pptx import Presentation

from builder.errors import EXIT_CONFIG, EXIT_CONTENT, EXIT_OK, EXIT_TRANSLATION

LANGS = ["en", "es", "fr", "de", "ar", "zh_Hans"]
URGENT = "When to call us urgently"
URGENT_PHONE = "+1 555 0199"  # the demo clinic's urgent number


def ui(lang: str, msgid: str) -> str:
    """The shipped translation of a UI string (English for en)."""
    if lang == "en":
        return msgid
    with (REPO / "locales" / lang / "LC_MESSAGES" / "ui.po").open("rb") as handle:
        message = read_po(handle).get(msgid)
    assert message is not None and message.string and not message.fuzzy, (lang, msgid)
    return str(message.string)


BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                  "\u2066\u2067\u2068\u2069"))


def flat(text: str) -> str:
    """Text with runs of white space as one space and no bidi controls (pdftotext adds them)."""
    return " ".join(text.translate(BIDI_CONTROLS).split())


def english_texts() -> str:
    """Every English string of the content, all levels."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "content").glob("*.yaml")))


# -- wording a medical editor flagged ----------------------------------------------------------

@pytest.mark.parametrize("phrase", [
    "fast route to approval", "near approval", "the newest is from December 2024",
    "the newest is from 2024", "leaving healthy cells unharmed", "repair themselves",
    "short-term use only", "used only for a short time", "In most cases your health insurance",
    "six classes", "Most people take two or more", "kills all fast-growing cells",
    "Many people have times when the myeloma is quiet", "Only if myeloma causes you no problems",
    "MRD status is used to adjust plans", "after 4+ treatments", "after ≥4",
])
def test_flagged_distortions_are_gone_from_the_content(phrase: str) -> None:
    assert phrase not in english_texts()


@pytest.mark.slow
@pytest.mark.parametrize("level", ["easy", "standard", "detailed"])
def test_steroid_text_says_never_stop_it_yourself(project: Path, handout, level: str) -> None:
    run = handout("build", "--topic", "drug-classes", "--lang", "en", "--level", level,
                  "--format", "pdf")
    assert run.code == EXIT_OK, run.err
    text = flat(pdf_text(project / f"output/en/{level}/drug-classes.pdf")).replace("- ", "")
    assert re.search(r"Never stop or change a steroid (yourself|on your own)", text)
    assert "your care team decides how long you take it" in text.lower()


def test_sources_are_described_as_they_are(project: Path, handout) -> None:
    run = handout("build", "--topic", "car-t-and-bispecifics", "--lang", "en", "--level",
                  "standard", "--format", "pdf")
    assert run.code == EXIT_OK, run.err
    text = flat(pdf_text(project / "output/en/standard/car-t-and-bispecifics.pdf"))
    sources = text[text.index("Sources"):]
    assert "Last reviewed: 2024-12" in sources  # the one dated article: a review date
    assert "[untitled article; descriptive title]" in sources  # the title is ours
    assert "(current drug options" not in sources  # no description glued to a real title
    assert "ClinicalTrials.gov" not in sources  # a link, not a source


def test_glossary_lists_only_words_the_level_uses() -> None:
    from builder.content import load_library
    from builder.model import LEVELS

    lib = load_library(REPO / "content")
    assert "remission" not in lib.topics["relapsed-refractory"].terms_at("easy")
    assert "remission" in lib.topics["relapsed-refractory"].terms_at("standard")
    assert "combination-therapy" not in lib.topics["choosing-treatment"].all_terms()
    easy = lib.topics["questions-to-ask"].terms_at("easy")
    assert "expanded-access" not in easy and "support-group" not in easy
    listed = {t for topic in lib.topics.values() for level in LEVELS for t in topic.terms_at(level)}
    assert set(lib.glossary) <= listed, set(lib.glossary) - listed  # SLAMF7 and every other


def test_new_relapse_easy_leaflet_explains_no_unused_words(project: Path, handout) -> None:
    run = handout("build", "--bundle", "new-relapse", "--lang", "en", "--level", "easy",
                  "--format", "pdf")
    assert run.code == EXIT_OK, run.err
    text = flat(pdf_text(project / "output/en/easy/new-relapse.pdf"))
    glossary = text[text.index("Medical words explained"):text.index("About this leaflet")]
    assert glossary.count(":") >= 2  # the glossary itself, not an empty slice
    for word in ("Remission:", "Expanded access:", "Support group:", "Combination treatment:"):
        assert word not in glossary, word


# -- citations -----------------------------------------------------------------------------------

@pytest.mark.slow
def test_check_lists_no_uncited_medical_claims(project: Path, handout) -> None:
    run = handout("check", "--lang", "en")
    assert run.code == EXIT_OK, run.err
    assert "uncited medical claims: 0" in run.out + run.err


@pytest.mark.slow
def test_check_lists_a_claim_without_a_source(project: Path, handout) -> None:
    path = project / "content/drug-classes.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    cites: [trials-article, drug-options]\n    text:\n"
                                 "      easy: Some proteins", "    text:\n      easy: Some proteins"),
                    encoding="utf-8")
    line = next(n for n, row in enumerate(path.read_text().splitlines(), 1)
                if row == "  - id: nuclear-export")
    run = handout("check", "--lang", "en")
    out = run.out + run.err
    assert f"content/drug-classes.yaml:{line}: block 'nuclear-export' makes a medical claim " \
           "(drug name) but cites no source" in out
    assert "uncited medical claims: 1" in out
    assert handout("check", "--lang", "en", "--strict").code != EXIT_OK


def test_a_citation_of_an_unknown_source_is_a_content_error(project: Path, handout) -> None:
    path = project / "content/drug-classes.yaml"
    text = path.read_text(encoding="utf-8").replace("cites: [trials-article]\n",
                                                     "cites: [no-such-source]\n", 1)
    path.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "no-such-source" in row)
    run = handout("check", "--lang", "en")
    assert run.code == EXIT_CONTENT
    assert f"content/drug-classes.yaml:{line}: block 'groups' cites unknown source " \
           "'no-such-source'" in run.err


def test_detailed_leaflet_prints_numbered_references(project: Path, handout) -> None:
    run = handout("build", "--topic", "newer-treatments", "--lang", "en", "--format", "pdf")
    assert run.code == EXIT_OK, run.err
    detailed = flat(pdf_text(project / "output/en/detailed/newer-treatments.pdf"))
    # The belantamab paragraph rests on the undated trials article, source 1 of this topic.
    assert re.search(r"available to you now\. \[1\]", detailed), detailed[:3000]
    sources = detailed[detailed.index("Sources"):]
    assert re.search(r"1\. Relapsed/refractory multiple myeloma and clinical trials", sources)
    standard = flat(pdf_text(project / "output/en/standard/newer-treatments.pdf"))
    assert "[1]" not in standard  # numbered references only at the detailed level


# -- when to call urgently -----------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_urgent_box_on_page_one_and_on_the_closing_slides(project: Path, handout,
                                                           lang: str) -> None:
    run = handout("build", "--topic", "questions-to-ask", "--lang", lang, "--level", "easy",
                  "--format", "pdf", "--format", "pptx", "--strict")
    assert run.code == EXIT_OK, run.err
    out = project / "output" / lang / "easy"
    first_page = flat(__import__("subprocess").run(
        ["pdftotext", "-f", "1", "-l", "1", str(out / "questions-to-ask.pdf"), "-"],
        capture_output=True, text=True, check=True).stdout)
    heading = flat(ui(lang, URGENT))
    fever = ui(lang, "A temperature of 38 °C (100.4 °F) or higher, or shivering and feeling cold")
    assert heading in first_page
    assert URGENT_PHONE in first_page
    assert "38" in first_page and fever.split()[0][:6] in first_page
    assert flat(ui(lang, "This list of warning signs is a default. Your clinic should check it "
                         "and set its own."))[:20] in first_page

    prs = Presentation(BytesIO((out / "questions-to-ask.pptx").read_bytes()))
    slides = list(prs.slides)
    texts = [flat(" ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame))
             for s in slides]
    urgent = next(i for i, s in enumerate(slides)
                  if s.shapes.title is not None and s.shapes.title.text == ui(lang, URGENT))
    assert URGENT_PHONE in texts[urgent] and flat(fever) in texts[urgent]
    assert slides[-1].slide_layout.name == "Closing" and urgent == len(slides) - 2
    assert flat(ui(lang, "Urgent, day or night:")) in texts[-1] and URGENT_PHONE in texts[-1]


def test_a_profile_without_an_urgent_number_is_refused(project: Path, handout) -> None:
    profile = project / "templates/clinic/demo.yaml"
    text = profile.read_text(encoding="utf-8")
    profile.write_text(text.replace('urgent:\n  phone: "+1 555 0199"\n', ""), encoding="utf-8")
    run = handout("build", "--topic", "questions-to-ask", "--lang", "en", "--level", "easy",
                  "--format", "pdf")
    assert run.code == EXIT_CONFIG
    assert "templates/clinic/demo.yaml:1: no 'urgent' section" in run.err
    assert not (project / "output/en").exists()

    profile.write_text(text.replace('  phone: "+1 555 0199"\n', "  signs: [A fever]\n"),
                       encoding="utf-8")
    line = text.splitlines().index("urgent:") + 1
    run = handout("build", "--topic", "questions-to-ask", "--lang", "en", "--level", "easy",
                  "--format", "pdf")
    assert run.code == EXIT_CONFIG
    assert f"templates/clinic/demo.yaml:{line}: " in run.err and "no urgent number" in run.err


def test_a_clinic_can_opt_out_or_set_its_own_signs(project: Path, handout) -> None:
    profile = project / "templates/clinic/demo.yaml"
    text = profile.read_text(encoding="utf-8")
    profile.write_text(text.replace('urgent:\n  phone: "+1 555 0199"\n',
                                    "urgent: {opt_out: true}\n"), encoding="utf-8")
    args = ("build", "--topic", "questions-to-ask", "--lang", "en", "--level", "easy",
            "--format", "pdf", "--force")
    assert handout(*args).code == EXIT_OK
    assert URGENT not in flat(pdf_text(project / "output/en/easy/questions-to-ask.pdf"))

    profile.write_text(text.replace('  phone: "+1 555 0199"\n',
                                    '  phone: "+1 555 0142"\n  signs:\n'
                                    "    - A temperature of 37.8 °C or higher\n"), encoding="utf-8")
    assert handout(*args).code == EXIT_OK
    page = flat(pdf_text(project / "output/en/easy/questions-to-ask.pdf"))
    assert "+1 555 0142" in page and "37.8 °C" in page
    assert "is a default" not in page and "38 °C" not in page


# -- termbase ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_termbase_refuses_another_rendering_of_a_term(project: Path, handout) -> None:
    po = project / "locales/de/LC_MESSAGES/glossary.po"
    text = po.read_text(encoding="utf-8")
    bad = text.replace('msgstr "Härtefallprogramm (Compassionate Use)"',
                       'msgstr "Erweiterter Zugang (Compassionate Use)"', 1)
    assert bad != text
    po.write_text(bad, encoding="utf-8")
    line = bad.splitlines().index('msgstr "Erweiterter Zugang (Compassionate Use)"') + 1
    run = handout("i18n", "compile")
    assert run.code == EXIT_TRANSLATION
    # The entry's line is its msgid's, the line above the msgstr.
    assert (f"error: locales/de/LC_MESSAGES/glossary.po:{line - 1}: glossary/expanded-access/"
            "standard/term: term 'expanded access' should be rendered as 'Härtefallprogramm' "
            "(termbase locales/de/termbase.yaml): use the preferred term") in run.err, run.err
    # Without a termbase a language simply has no term checks.
    (project / "locales/de/termbase.yaml").unlink()
    assert handout("i18n", "compile").code == EXIT_OK


def test_a_broken_termbase_is_reported_once_with_its_line(project: Path, handout) -> None:
    (project / "locales/fr/termbase.yaml").write_text("terms:\n  - en: [relapsed]\n    use: 3\n",
                                                       encoding="utf-8")
    run = handout("i18n", "compile", "--lang", "fr")
    assert run.code == EXIT_TRANSLATION
    lines = [row for row in run.err.splitlines() if "locales/fr/termbase.yaml:3" in row]
    assert len(lines) == 1, run.err


def test_shipped_catalogs_follow_their_termbases() -> None:
    from builder.i18n.catalog import read_catalog

    for lang in ("es", "fr", "de", "ar", "zh_Hans"):
        assert (REPO / "locales" / lang / "termbase.yaml").is_file()
        for path in sorted((REPO / "locales" / lang / "LC_MESSAGES").glob("*.po")):
            _catalog, problems = read_catalog(path, lang)
            assert problems == [], problems
