"""The deck planner: a Doc in, SlideSpecs out, as plain data; no python-pptx, no fonts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from builder.builders.deck.plan import LAYOUTS, Picture, SlideSpec, plan
from builder.builders.deck.strings import CONTINUED, NOT_YET, Strings
from builder.document import Doc, RTerm
from builder.errors import RenderError

from .docs import REPO, block, bullets, doc, notes, text, topic


def slides(d: Doc) -> list[SlideSpec]:
    return plan(d, Strings.of(d))


def test_the_planner_loads_without_python_pptx() -> None:
    code = ("import sys, builder.builders.deck.plan, builder.builders.deck.strings; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pptx'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO).stdout
    assert out.strip() == "[]"


def test_a_topic_gives_these_slide_kinds_in_this_order(tmp_path: Path) -> None:
    picture = tmp_path / "marrow.png"
    picture.write_bytes(b"not read by the planner")
    d = doc(topic([
        block("h1", "heading", text="What relapse means"),
        block("k1", "keypoint", text="Myeloma often comes back.", slide="It can come back"),
        block("k2", "keypoint", text="There are many treatments.", slide="Many treatments"),
        block("k3", "keypoint", text="Your team will help.", slide="Your team helps"),
        block("c1", "checklist", text="Questions for your team", items=["What next?"]),
        block("d1", "discussion", items=["What helped you?"]),
        block("s1", "slide", text="In short", items=["One", "Two"]),
        block("im", "image", text="Bone marrow", caption="Marrow", src=picture),
    ], link="https://example.org/relapse"))
    specs = slides(d)
    assert [s.kind for s in specs] == ["title", "content", "questions", "discussion", "slide",
                                       "image", "link", "urgent", "closing"]
    assert [s.layout for s in specs] == ["title", "content", "questions", "questions", "content",
                                         "two-column", "closing", "closing", "closing"]
    content = specs[1]
    assert content.title == "What relapse means"
    assert bullets(content) == ["It can come back", "Many treatments", "Your team helps"]
    assert [p.bold for item in content.items for p in item.paras] == [True] * 3  # key points
    assert "Myeloma often comes back." in notes(content)  # the full text is in the notes
    image = specs[5]
    assert image.title == "What relapse means" and image.continued  # after its section's bullets
    assert image.picture == Picture("Bone marrow", path=picture)
    assert specs[6].picture == Picture("QR code that opens https://example.org/relapse",
                                       qr="https://example.org/relapse")
    assert specs[-1].picture is not None and specs[-1].picture.qr == "https://example.org/myeloma"


def test_a_bundle_has_an_agenda_and_a_section_slide_per_topic() -> None:
    d = doc(topic([block("p", "paragraph", text="A.", slide="A")], "a", "First"),
            topic([block("p", "paragraph", text="B.", slide="B")], "b", "Second"), kind="bundle")
    specs = slides(d)
    assert [s.kind for s in specs][:6] == ["title", "agenda", "topic", "content", "topic",
                                           "content"]
    assert bullets(specs[1]) == ["First", "Second"]
    assert [specs[2].title, specs[4].title] == ["First", "Second"]
    assert bullets(specs[2]) == ["About First."]


def test_a_long_list_stays_one_spec_with_one_item_per_bullet() -> None:
    """Fitting splits it over continued slides: the planner keeps every bullet its own item."""
    items = [f"Treatment option {n}" for n in range(1, 16)]
    d = doc(topic([block("h", "heading", text="Options"),
                   block("l", "list", text="Your team may suggest:", items=items)]))
    content = [s for s in slides(d) if s.kind == "content"]
    assert len(content) == 1 and not content[0].continued
    assert bullets(content[0]) == ["Your team may suggest:", *items]
    assert len([i for i in content[0].items if i.paras]) == 15  # the lead moves with item 1


def test_text_without_bullets_goes_to_the_notes_of_the_slide_next_to_it() -> None:
    d = doc(topic([
        block("h1", "heading", text="Only notes"),
        block("p1", "paragraph", text="Said, not shown."),  # no slide text: notes only
        block("h2", "heading", text="Before a checklist"),
        block("p2", "paragraph", text="Said before the questions."),
        block("c1", "checklist", text="Questions", items=["What next?"]),
        block("n1", "notes", text="Said after the questions."),
    ]))
    specs = slides(d)
    section = next(s for s in specs if s.kind == "section")
    assert section.title == "Only notes" and not section.items  # a title slide for its notes
    assert "Said, not shown." in text(section.notes_before)
    questions = next(s for s in specs if s.kind == "questions")
    assert "Said before the questions." in text(questions.notes_before)
    assert text(questions.notes_after) == ["Said after the questions."]
    assert specs.index(section) < specs.index(questions)


def test_terms_are_collected_once_sorted_on_a_glossary_slide() -> None:
    d = doc(topic([block("t1", "term", term="Relapse", text="It comes back."),
                   block("t2", "term", term="relapse", text="Said twice."),
                   block("p", "paragraph", text="A.", slide="A")]),
            glossary=[RTerm("g", "Bone marrow", "Where blood is made.")])
    glossary = next(s for s in slides(d) if s.kind == "glossary")
    assert bullets(glossary) == ["Bone marrow: Where blood is made.", "Relapse: It comes back."]


def test_english_fallback_is_marked_before_what_it_labels() -> None:
    d = doc(topic([block("p", "paragraph", text="Not translated.", slide="Not translated",
                         fallback=True)]), code="de",
            ui={NOT_YET: "Noch nicht auf %(lang)s verfügbar. Auf Englisch:"})
    content = next(s for s in slides(d) if s.kind == "content")
    paras = [p for item in content.items for p in item.paras]
    assert text(tuple(paras)) == ["Noch nicht auf Deutsch verfügbar. Auf Englisch:",
                                  "Not translated"]
    assert [p.english for p in paras] == [False, True]


def test_a_broken_deck_string_is_shown_in_english_and_reported() -> None:
    broken = {CONTINUED: "%(title)s (Fortsetzung) %"}  # a lone "%": not a format
    strings = Strings.of(doc(code="de", ui=broken))
    assert strings(CONTINUED, title="Optionen") == "Optionen (continued)"
    problems = strings.problems()
    assert len(problems) == 1 and "(continued)" in str(problems[0])
    assert Strings.of(doc(code="de")).problems() == []


def test_an_svg_picture_without_a_png_stops_the_plan(tmp_path: Path) -> None:
    svg = tmp_path / "marrow.svg"
    svg.write_text("<svg/>")
    d = doc(topic([block("im", "image", text="Marrow", src=svg)]))
    with pytest.raises(RenderError, match=r"t.yaml:1: image '.*marrow.svg' cannot go on a slide"):
        slides(d)


def test_every_kind_has_a_layout_role_of_the_template() -> None:
    from builder.clinic import LAYOUT_ROLES

    assert set(LAYOUTS.values()) <= set(LAYOUT_ROLES)
