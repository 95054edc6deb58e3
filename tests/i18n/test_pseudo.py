"""Pseudo-locales: qps (accented, 40 % longer, bracketed) and qps_rtl (right to left) pass our QA,
build as leaflets and decks that say "pseudo-translation", and are never shipped or offered."""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import pdf_text

from builder.errors import EXIT_OK
from builder.i18n.catalog import check_translation, read_catalog
from builder.i18n.pseudo import RLM, _pieces, accented, pseudo_text, right_to_left

TRICKY = [
    "**Important:** call {clinic_phone} at 38 °C (100.4 °F) or see [our site](https://example.org/x).",
    "This %(lang)s version was translated from the English original and reviewed by %(reviewer)s.",
    "Search ClinicalTrials.gov, or write to myeloma-nurse@example.org or call +1 555 0100.",
    "*Emphasis* and **strong**, then 2 doses of 1.5 mg, 10% of people, CAR-T.",
    "A \\*literal\\* star; [a link](mailto:team@example.org) and [tel](tel:+15550100).",
    "Line one.\nLine two",
]


def letters(text: str) -> str:
    return "".join(piece for kept, piece in _pieces(text) if not kept)


@pytest.mark.parametrize("source", TRICKY)
def test_pseudo_text_keeps_placeholders_markup_addresses_and_numbers(source: str) -> None:
    for code in ("qps", "qps_rtl"):
        text = pseudo_text(source, code)
        assert check_translation(source, text) == [], (code, text)
        assert text.startswith("[") and text.rstrip(RLM).endswith("]")
    # the kept pieces are the same, in the same order
    assert [p for kept, p in _pieces(source) if kept] == \
        [p for kept, p in _pieces(accented(source)) if kept]


@pytest.mark.parametrize("source", TRICKY)
def test_accented_is_forty_percent_longer_with_no_plain_letter_left(source: str) -> None:
    text = accented(source)
    assert len(letters(text)) - 2 >= round(1.4 * len(letters(source))) - 1
    plain = [c for c in letters(text) if c.isascii() and c.isalpha()]
    assert plain == [], text


def test_right_to_left_marks_every_word_boundary_but_not_inside_a_phone_number() -> None:
    text = right_to_left("Call us on +1 555 0100 now, please.")
    assert text == f"[Call{RLM} us{RLM} on{RLM} +1 555 0100{RLM} now,{RLM} please.]{RLM}"
    # a closing ** keeps its place: the mark goes on the far side of the space
    assert right_to_left("**Note:** read") == f"[**Note:** {RLM}read]{RLM}"


@pytest.fixture
def pseudo(project: Path, handout) -> Path:
    result = handout("i18n", "pseudo")
    assert result.code == EXIT_OK, result.err
    return project


def test_i18n_pseudo_writes_both_catalogs_fully_translated_and_qa_clean(pseudo: Path) -> None:
    templates = sorted(p.stem for p in (pseudo / "locales").glob("*.pot"))
    for code in ("qps", "qps_rtl"):
        folder = pseudo / "locales" / code / "LC_MESSAGES"
        assert sorted(p.stem for p in folder.glob("*.po")) == templates
        for path in folder.glob("*.po"):
            catalog, problems = read_catalog(path, code)
            assert problems == [] and catalog is not None, problems[:3]
            assert catalog.entries and all(e.msgstr and not e.fuzzy
                                           for e in catalog.entries.values())
            assert catalog.headers["X-Review-Status"] == "draft"


def test_pseudo_leaflets_and_decks_build_strict_and_verified_and_say_so(pseudo: Path, handout,
                                                                        tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = handout("build", "--topic", "relapsed-refractory", "--lang", "qps", "--lang", "qps_rtl",
                     "--level", "standard", "--format", "pdf", "--format", "pptx", "--format",
                     "html", "--out", str(out), "--strict", "--verify", "--jobs", "1", "--quiet")
    assert result.code == EXIT_OK, result.err
    text = " ".join(unicodedata.normalize("NFC", pdf_text(out / "qps" / "standard" /
                                                          "relapsed-refractory.pdf")).split())
    assert "Pseudo-translation · [" in text  # the badge: the language's name
    assert "pseudo-translation ṽéé" in text  # "This pseudo-translation version is a draft ..."
    assert "[Ŕééļååþšééð ååñð ŕééƒŕååçţööŕýý ɱýýééļööɱåå]" in text
    english_pages = subprocess.run(["pdfinfo", str(out / "qps" / "standard" /
                                                   "relapsed-refractory.pdf")],
                                   capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+[3-9]", english_pages)  # 40 % longer: a page more than English
    from pptx import Presentation

    deck = Presentation(str(out / "qps_rtl" / "standard" / "relapsed-refractory.pptx"))
    title_slide = "\n".join(s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame)
    assert "Pseudo-translation, right to left" in title_slide
    rtl_html = (out / "qps_rtl" / "standard" / "relapsed-refractory.html").read_text("utf-8")
    assert re.search(r'<html[^>]* lang="ar-XB"', rtl_html) and 'dir="rtl"' in rtl_html
    assert "pseudo-translation, right to left" in rtl_html


def test_pseudo_locales_are_never_selected_by_default(pseudo: Path) -> None:
    from builder.build import Options, available_langs, plan
    from builder.content import load_library
    from builder.i18n.workflow import locale_dirs
    from builder.project import Project

    project = Project(pseudo)
    lib = load_library(project.content)
    every = {job.lang for job in plan(lib, Options(project=project, all=True, formats=["pdf"]))}
    assert "es" in every and not every & {"qps", "qps_rtl"}
    assert "qps" not in available_langs(project) and "qps" not in locale_dirs(project)
    asked = {job.lang for job in plan(lib, Options(project=project, topics=["questions-to-ask"],
                                                   langs=["qps_rtl"], formats=["pdf"]))}
    assert asked == {"qps_rtl"}


@pytest.mark.slow
def test_i18n_update_writes_pseudo_catalogs_again_from_the_changed_english(pseudo: Path,
                                                                             handout) -> None:
    topic = pseudo / "content" / "relapsed-refractory.yaml"
    topic.write_text(topic.read_text("utf-8").replace(
        "standard: No single plan works for everyone.", "standard: No one plan works for all."),
        encoding="utf-8")
    assert handout("i18n", "extract").code == EXIT_OK
    result = handout("i18n", "update")
    assert result.code == EXIT_OK, result.err
    po = pseudo / "locales" / "qps" / "LC_MESSAGES" / "relapsed-refractory.po"
    catalog = read_po(io.BytesIO(po.read_bytes()))
    entry = catalog.get(next(m.id for m in catalog
                             if m.context == "relapsed-refractory/options/standard"),
                        "relapsed-refractory/options/standard")
    assert entry.id.startswith("No one plan works for all.") and not entry.fuzzy
    assert entry.string.startswith("[ÑÑöö ööñéé þļååñ") and entry.string == accented(entry.id)
