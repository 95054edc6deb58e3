"""Fitting planned slides into our template: continued slides, sizes, notes, geometry."""

from __future__ import annotations

from dataclasses import replace

from builder.builders import RenderContext
from builder.builders.deck.fit import MAX_BULLETS, FittedSlide, Fitter
from builder.builders.deck.paragraphs import Setting
from builder.builders.deck.plan import Para, SlideSpec, plan
from builder.builders.deck.strings import Strings
from builder.builders.deck.template import open_template
from builder.document import Doc
from builder.markup import Span

from .docs import REPO, block, doc, text, topic

ITEMS = [f"Treatment option {n}, which your care team explains to you" for n in range(1, 16)]


def fitted(d: Doc, spec: SlideSpec) -> list[FittedSlide]:
    template = open_template(d, RenderContext(REPO / "templates", REPO / "content", REPO / ".cache"))
    strings = Strings.of(d)
    return Fitter(template.layouts, Setting.of(d), strings, template.slide_width).fit(spec)


def long_list(code: str = "en", ui: dict[str, str] | None = None) -> tuple[Doc, SlideSpec]:
    d = doc(topic([block("h", "heading", text="Options"),
                   block("l", "list", text="Your team may suggest:", items=ITEMS)]),
            code=code, ui=ui)
    spec = next(s for s in plan(d, Strings.of(d)) if s.kind == "content")
    return d, spec


def test_a_long_list_continues_on_slides_that_repeat_its_title() -> None:
    d, spec = long_list()
    slides = fitted(d, spec)
    assert len(slides) >= 3
    assert [s.title for s in slides] == ["Options"] + ["Options (continued)"] * (len(slides) - 1)
    assert [t for s in slides for t in text(s.paras)] == ["Your team may suggest:", *ITEMS]
    assert all(sum(p.level == 0 for p in s.paras) <= MAX_BULLETS for s in slides)
    assert all(s.size >= 20 for s in slides)


def test_the_continued_title_is_translated() -> None:
    d, spec = long_list("de", {"%(title)s (continued)": "%(title)s (Fortsetzung)"})
    assert [s.title for s in fitted(d, spec)][1] == "Options (Fortsetzung)"


def test_notes_before_go_on_the_first_slide_and_notes_after_on_the_last() -> None:
    d, spec = long_list()
    before, after = Para((Span("Said first."),)), Para((Span("Said last."),))
    slides = fitted(d, replace(spec, notes_before=(before,), notes_after=(after,)))
    assert text(slides[0].notes)[0] == "Said first."
    assert text(slides[-1].notes)[-1] == "Said last."
    every = [t for s in slides for t in text(s.notes)]
    assert every.count("Said first.") == every.count("Said last.") == 1
    assert every.index("Your team may suggest:") < every.index(ITEMS[-1])  # the list, in order


def test_a_picture_takes_the_right_column_left_to_right_and_the_left_one_right_to_left(
        tmp_path) -> None:
    from PIL import Image

    picture = tmp_path / "marrow.png"
    Image.new("RGB", (40, 30), "white").save(picture)
    for code, picture_left in (("en", True), ("ar", False)):
        d = doc(topic([block("im", "image", text="Marrow", caption="Marrow", src=picture)]),
                code=code)
        spec = next(s for s in plan(d, Strings.of(d)) if s.kind == "image")
        (slide,) = fitted(d, spec)
        assert slide.picture_box is not None
        assert (slide.picture_box.left < slide.text_box.left) is picture_left, code
