"""Building decks end to end: what the build warns about, and `--verify` checking that text fits."""

from __future__ import annotations

import os
import subprocess
import sys
from io import BytesIO
from pathlib import Path

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches

from builder.deck_template import build_template
from builder.errors import EXIT_BUILD_FAILED, EXIT_OK

REPO = Path(__file__).resolve().parents[3]
DECK = ("build", "--topic", "relapsed-refractory", "--level", "standard", "--format", "pptx")


def set_msgstr(po: Path, msgid: str, msgstr: str) -> None:
    text = po.read_text(encoding="utf-8")
    start = text.index(f'msgid "{msgid}"\nmsgstr "')
    end = text.index("\n", start + len(msgid) + 9)
    po.write_text(text[:start] + f'msgid "{msgid}"\nmsgstr "{msgstr}"' + text[end:],
                  encoding="utf-8")


def own_clinic(project: Path, **changes: str) -> Path:
    """The demo clinic profile with some keys changed, beside the demo's logo."""
    demo = project / "templates" / "clinic" / "demo.yaml"
    lines = demo.read_text(encoding="utf-8").splitlines()
    for key, value in changes.items():
        lines = [f"{key}: {value}" if line.startswith(f"{key}:") else line for line in lines]
        if not any(line.startswith(f"{key}:") for line in lines):
            lines.append(f"{key}: {value}")
    path = demo.with_name("own.yaml")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_deck_without_the_clinic_logo_says_so(project: Path, handout) -> None:
    # The profile names an SVG: leaflets show it, a deck needs the PNG beside it.
    (project / "templates" / "clinic" / "demo-logo.png").unlink()
    run = handout(*DECK, "--lang", "en")
    assert run.code == EXIT_OK, run.err
    assert "warning: templates/clinic/demo-logo.svg: decks show no logo" in run.err
    title = Presentation(project / "output/en/standard/relapsed-refractory.pptx").slides[0]
    assert not [s for s in title.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


def test_a_deck_string_whose_translation_cannot_be_filled_in_is_reported(project: Path,
                                                                         handout) -> None:
    # A lone "%" passes the catalog checks (every placeholder is kept) but is no format.
    po = project / "locales/de/LC_MESSAGES/ui.po"
    set_msgstr(po, "%(title)s (continued)", "%(title)s (Fortsetzung) %")
    run = handout("build", "--topic", "drug-classes", "--level", "standard", "--format", "pptx",
                  "--lang", "de")
    assert run.code == EXIT_OK, run.err
    assert "warning: ui: '%(title)s (continued)': the de translation" in run.err
    assert "decks show the English" in run.err
    deck = Presentation(project / "output/de/standard/drug-classes.pptx")
    titles = [s.shapes.title.text_frame.text for s in deck.slides if s.shapes.title is not None]
    assert any(t.endswith(" (continued)") for t in titles)  # the English, in full
    assert not any("Fortsetzung" in t for t in titles)


def test_a_font_the_deck_names_that_is_not_installed_is_reported(project: Path,
                                                                 tmp_path: Path) -> None:
    # A clinic name in Hebrew: its runs name the deck's complex-script font (Noto Naskh
    # Arabic), hidden here from fontconfig; Noto Sans Hebrew still covers the letters.
    clinic = own_clinic(project, name="Demo Myeloma Clinic מרפאה")
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                      "<include>/etc/fonts/fonts.conf</include><selectfont><rejectfont>"
                      "<glob>*/NotoNaskhArabic*</glob></rejectfont></selectfont></fontconfig>")
    env = dict(os.environ, FONTCONFIG_FILE=str(config),  # and this checkout's builder
               PYTHONPATH=os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH")))))
    run = subprocess.run([sys.executable, "-m", "builder", *DECK, "--lang", "en", "--clinic",
                          str(clinic), "--quiet"], cwd=project, env=env, capture_output=True,
                         text=True, check=False)
    assert run.returncode == EXIT_OK, run.stderr
    assert "warning: font 'Noto Naskh Arabic' is not installed: the deck's text was measured " \
           "with Noto Sans instead" in run.stderr


def test_verify_fails_a_deck_whose_text_overflows_its_box(project: Path, handout) -> None:
    # A clinic template whose title box holds one short line: the title cannot fit at 20 pt.
    prs = Presentation(BytesIO(build_template()))
    for layout in prs.slide_layouts:
        if layout.name == "Title":
            layout.placeholders[0].height = Inches(0.4)
    prs.save(project / "templates" / "clinic" / "tiny-title.pptx")
    clinic = own_clinic(project, template="tiny-title.pptx")
    args = (*DECK, "--lang", "de", "--clinic", str(clinic))
    run = handout(*args, "--verify")
    assert run.code == EXIT_BUILD_FAILED
    assert "relapsed-refractory (de, standard): text overflows its box on slide 1" in run.err
    assert not (project / "output" / "de").exists()  # nothing written
    assert handout(*args, "--no-verify").code == EXIT_OK  # without the check it is built
