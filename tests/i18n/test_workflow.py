"""Translators' workflow: extract, update (stale -> fuzzy), the stale gate, locale data, hazards."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import pdf_text

from builder.errors import EXIT_OK, EXIT_TRANSLATION
from builder.i18n.pofiles import KEPT_HEADERS, raw_headers, read_previous, write_catalog

SHIPPED = ["es", "fr", "de", "ar", "zh_Hans"]
CTX = "relapsed-refractory/relapse-common/standard"
OLD = ("Relapse is very common in multiple myeloma. Many treatments are available for people "
       "whose earlier treatments have stopped working, and new ones are being developed.")
NEW = ("Relapse is very common in multiple myeloma. Many treatments are available for people "
       "whose earlier treatments have stopped working.")


def read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def set_translation(po: Path, context: str, text: str) -> None:
    """What a translator does in Poedit: fill one entry (keeping our X- headers)."""
    source = po.read_text(encoding="utf-8")
    catalog = read_po(source.splitlines(keepends=True))
    for message in catalog:
        if message.context == context:
            message.string = text
            message.flags.discard("fuzzy")
    headers = raw_headers(source)
    write_catalog(po, catalog, {k: headers[k] for k in KEPT_HEADERS if k in headers})


def test_extract_writes_context_source_lines_and_translator_notes(project: Path, handout):
    assert handout("i18n", "extract").code == EXIT_OK
    pot = read(project / "locales" / "relapsed-refractory.pot")
    message = next(m for m in pot if m.context == CTX)
    assert message.id == OLD
    path, line = message.locations[0]
    assert path == "content/relapsed-refractory.yaml"
    source_lines = (project / "content/relapsed-refractory.yaml").read_text().splitlines()
    assert OLD in source_lines[line - 1]
    assert any("Level: standard" in c and "grade <= 8" in c for c in message.auto_comments)
    slide = next(m for m in pot if m.context == "relapsed-refractory/relapse-common/standard/slide")
    assert any("at most 60 characters" in c for c in slide.auto_comments)
    ui = read(project / "locales" / "ui.pot")
    assert any(m.id == "Medical words explained" for m in ui)
    assert any("python-format" in m.flags for m in ui)


@pytest.mark.slow
def test_changed_english_makes_exactly_that_entry_fuzzy_everywhere_and_the_build_falls_back(
        project: Path, handout):
    for lang in SHIPPED:  # make sure the entry is translated before the English changes
        po = project / "locales" / lang / "LC_MESSAGES" / "relapsed-refractory.po"
        set_translation(po, CTX, f"[{lang}] " + OLD.replace("multiple myeloma", "MM"))
    before = {lang: {(m.context, m.id): m.fuzzy for m in read(
        project / "locales" / lang / "LC_MESSAGES" / "relapsed-refractory.po")} for lang in SHIPPED}

    content = project / "content" / "relapsed-refractory.yaml"
    content.write_text(content.read_text().replace(OLD, NEW))
    assert handout("i18n", "extract").code == EXIT_OK
    assert handout("i18n", "update").code == EXIT_OK

    for lang in SHIPPED:
        po = project / "locales" / lang / "LC_MESSAGES" / "relapsed-refractory.po"
        catalog = read(po)
        newly_fuzzy = [m for m in catalog if m.id and m.fuzzy
                       and not before[lang].get((m.context, m.id), False)]
        assert [m.context for m in newly_fuzzy] == [CTX], lang
        assert newly_fuzzy[0].id == NEW
        assert read_previous(po.read_text())[CTX] == OLD  # `#| msgid`: what changed
        assert newly_fuzzy[0].string.startswith(f"[{lang}] ")  # the old work is kept
        assert "#| msgid" in po.read_text()

    status = json.loads(handout("i18n", "status", "--json", "--lang", "es").out)
    assert status["es"]["domains"]["relapsed-refractory"]["fuzzy"] >= 1

    run = handout("build", "--topic", "relapsed-refractory", "--lang", "es", "--level", "standard",
                  "--format", "pdf", "--format", "html")
    assert run.code == EXIT_OK, run.err
    assert CTX in run.err and "stale" in run.err  # the user is told
    html = (project / "output/es/standard/relapsed-refractory.html").read_text()
    block = re.search(r'<aside class="callout fallback" lang="en" dir="ltr">.*?</aside>', html, re.S)
    assert block and "Relapse is very common" in block.group()
    assert "fallback-mark" in block.group()
    text = " ".join(pdf_text(project / "output/es/standard/relapsed-refractory.pdf").split())
    assert "Relapse is very common in multiple myeloma" in text
    assert "[es]" not in text  # the stale translation never reaches the patient

    strict = handout("build", "--topic", "relapsed-refractory", "--lang", "es", "--level",
                     "standard", "--format", "pdf", "--strict", "--force")
    assert strict.code == EXIT_TRANSLATION
    assert "content/relapsed-refractory.yaml:" in strict.err and CTX in strict.err

    check = handout("check", "--lang", "es")
    assert CTX in check.out


def test_update_does_not_pair_unrelated_strings(project: Path, handout):
    """No fuzzy matching by similarity: a new entry starts empty, not with a neighbour's text."""
    content = project / "content" / "relapsed-refractory.yaml"
    text = content.read_text().replace(
        "  - id: feelings\n",
        "  - id: brand-new\n    type: paragraph\n    text: Relapse is very common in myeloma.\n"
        "  - id: feelings\n", 1)
    content.write_text(text)
    assert handout("i18n", "extract").code == EXIT_OK
    assert handout("i18n", "update", "--lang", "de").code == EXIT_OK
    catalog = read(project / "locales/de/LC_MESSAGES/relapsed-refractory.po")
    new = next(m for m in catalog if m.context == "relapsed-refractory/brand-new/all")
    assert new.string == "" and not new.fuzzy


@pytest.mark.slow
def test_new_language_needs_no_code_change(project: Path, handout):
    # pt_BR now ships a full catalog; start from none, as for a language nobody has begun.
    shutil.rmtree(project / "locales/pt_BR", ignore_errors=True)
    assert handout("i18n", "extract").code == EXIT_OK
    run = handout("i18n", "init", "pt_BR")
    assert run.code == EXIT_OK, run.err
    po = project / "locales/pt_BR/LC_MESSAGES/relapsed-refractory.po"
    headers = raw_headers(po.read_text())
    assert headers["Language"] == "pt_BR" and headers["X-Review-Status"] == "draft"
    set_translation(po, "relapsed-refractory/@title/easy", "Quando o mieloma volta")
    run = handout("build", "--topic", "relapsed-refractory", "--lang", "pt_BR", "--level", "easy",
                  "--format", "pdf")
    assert run.code == EXIT_OK, run.err
    text = pdf_text(project / "output/pt_BR/easy/relapsed-refractory.pdf")
    assert "Quando o mieloma volta" in text
    assert "untranslated" in run.err  # everything else is English, and the user is told


@pytest.mark.parametrize("lang, month, name", [
    ("es", "noviembre", "Español"), ("fr", "novembre", "Français"), ("de", "November", "Deutsch"),
    ("zh_Hans", "11月", "中文"), ("ar", "نوفمبر", "العربية")])
@pytest.mark.slow
def test_dates_and_language_names_come_from_babel(project: Path, handout, lang, month, name):
    run = handout("build", "--topic", "relapsed-refractory", "--lang", lang, "--level", "easy",
                  "--format", "html")
    assert run.code == EXIT_OK, run.err
    html = (project / f"output/{lang}/easy/relapsed-refractory.html").read_text()
    assert month in html and name in html
    assert f'dir="{"rtl" if lang == "ar" else "ltr"}"' in html


def test_translation_markup_is_escaped_even_past_the_qa_gate(project: Path):
    """Jinja marks a translated string safe; our gettext escapes it first (hazard: Templates)."""
    from builder.build import Job, Options, load_inputs, make_doc
    from builder.builders.html import render_html
    from builder.project import Project

    options = Options(project=Project.at(project))
    inputs = load_inputs(options, ["es"])
    doc = make_doc(inputs, Job("topic", "relapsed-refractory", "es", "easy", "html"))
    doc.gettext = lambda message: '<img src="file:///etc/passwd">'
    html = render_html(doc, inputs.ctx)
    assert '<img src="file:///etc/passwd">' not in html
    assert "&lt;img src=" in html


def test_every_template_is_autoescaped_and_strict(project: Path):
    from jinja2 import UndefinedError

    from builder.builders.html import environment

    env = environment(project / "templates")
    assert env.from_string("{{ x }}").render(x="<script>") == "&lt;script&gt;"
    assert env.get_template("leaflet.html.j2").environment.autoescape is True
    with pytest.raises(UndefinedError):
        env.from_string("{{ mispelt }}").render()


def test_shipped_catalogs_pass_msgfmt_and_are_complete(project: Path, handout):
    import subprocess

    for lang in SHIPPED:
        folder = project / "locales" / lang / "LC_MESSAGES"
        files = sorted(folder.glob("*.po"))
        assert len(files) >= 14, lang
        for po in files:
            result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)],
                                    capture_output=True, text=True, check=False)
            assert result.returncode == 0 and not result.stderr, (po, result.stderr)
            assert raw_headers(po.read_text())["X-Review-Status"] == "draft"  # drafts, and say so
    status = json.loads(handout("i18n", "status", "--json").out)
    for lang in SHIPPED:
        assert status[lang]["percent_translated"] == 100.0, lang
        assert status[lang]["fuzzy"] == 0 and status[lang]["untranslated"] == 0, lang
        assert status[lang]["reviewed"] is False


def test_translated_leaflet_says_it_is_an_unreviewed_translation(project: Path, handout):
    run = handout("build", "--topic", "supportive-care", "--lang", "de", "--level", "easy",
                  "--format", "pdf")
    assert run.code == EXIT_OK, run.err
    text = " ".join(pdf_text(project / "output/de/easy/supportive-care.pdf").split())
    catalog = read(project / "locales/de/LC_MESSAGES/ui.po")
    draft = next(m.string for m in catalog if m.id.startswith("This %(lang)s version is a draft"))
    assert draft.split("%(lang)s")[0].strip() in text
    assert "warning" not in run.err  # complete: nothing fell back to English


def test_stale_entries_are_listed_by_status(project: Path, handout):
    content = project / "content" / "relapsed-refractory.yaml"
    content.write_text(content.read_text().replace(OLD, NEW))
    run = handout("i18n", "status", "--stale", "--lang", "fr")
    assert run.code == EXIT_OK
    assert f"fr         stale: {CTX}" in run.out


def test_devanagari_is_shaped_with_its_own_font(project: Path, handout):
    """A language we do not ship: init, translate one entry, build; the right font is used."""
    import subprocess

    assert handout("i18n", "extract").code == EXIT_OK
    assert handout("i18n", "init", "hi").code == EXIT_OK
    set_translation(project / "locales/hi/LC_MESSAGES/relapsed-refractory.po",
                    "relapsed-refractory/@title/easy", "जब मायलोमा वापस आता है")
    run = handout("build", "--topic", "relapsed-refractory", "--lang", "hi", "--level", "easy",
                  "--format", "pdf")
    assert run.code == EXIT_OK, run.err
    pdf = project / "output/hi/easy/relapsed-refractory.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Devanagari" in fonts
    assert "जब मायलोमा वापस आता है" in pdf_text(pdf)


@pytest.mark.slow
def test_updating_twice_keeps_the_previous_english_once_and_leaves_no_stale_comments(
        project: Path, handout):
    """Babel reads `#| msgid` as a comment; a second update must not turn it into `# | msgid`."""
    content = project / "content" / "relapsed-refractory.yaml"
    content.write_text(content.read_text().replace(OLD, NEW))
    for _ in range(2):
        assert handout("i18n", "extract").code == EXIT_OK
        assert handout("i18n", "update").code == EXIT_OK
    po = project / "locales" / "fr" / "LC_MESSAGES" / "relapsed-refractory.po"
    text = po.read_text(encoding="utf-8")
    assert read_previous(text)[CTX] == OLD
    assert not [line for line in text.splitlines() if line.startswith("# |")]


def test_a_deck_only_entry_in_english_does_not_stop_a_strict_leaflet(project: Path, handout):
    """Speaker notes are never printed in a leaflet: their missing translation is the deck's
    problem (strict deck build fails), not the leaflet's (strict leaflet build passes)."""
    po = project / "locales/es/LC_MESSAGES/relapsed-refractory.po"
    text = po.read_text(encoding="utf-8")
    ctx = 'msgctxt "relapsed-refractory/talk-about-script/standard"'
    head, _, tail = text.partition(ctx)
    msgid, _sep, rest = tail.partition("msgstr ")
    rest = rest.split("\n\n", 1)[1] if "\n\n" in rest else ""
    po.write_text(f'{head}{ctx}{msgid}msgstr ""\n\n{rest}', encoding="utf-8")

    args = ("build", "--topic", "relapsed-refractory", "--lang", "es", "--level", "standard",
            "--strict", "--force")
    leaflet = handout(*args, "--format", "pdf")
    assert leaflet.code == EXIT_OK, leaflet.err
    assert "talk-about-script" not in leaflet.err
    deck = handout(*args, "--format", "pptx")
    assert deck.code == EXIT_TRANSLATION
    assert "relapsed-refractory/talk-about-script/standard" in deck.err
