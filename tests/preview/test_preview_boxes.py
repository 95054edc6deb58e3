"""Boxes from WeasyPrint's layout: one per entry and page, inside the page, over the printed text.

Checked against the leaflet as `handout build` writes it: every `data-entry` of its HTML has a
box, and the text MuPDF reads inside each box of the built PDF is that entry's text.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from .test_preview_core import TOPIC, open_preview


@pytest.fixture
def hub(project: Path):  # type: ignore[no-untyped-def]
    from builder.preview.hub import Hub
    from builder.project import Project

    found = Hub(Project(project), watch=False)
    yield found
    found.close()


def built(handout, project: Path, lang: str, level: str, fmt: str) -> Path:  # type: ignore[no-untyped-def]
    run = handout("build", "--topic", TOPIC, "--lang", lang, "--level", level, "--format", fmt,
                  "--out", str(project / "out"), "--quiet", "--jobs", "1")
    assert run.code == 0, run.err
    return project / "out" / lang / level / f"{TOPIC}.{fmt}"


def squeeze(text: str) -> str:
    """Text as MuPDF and we may differ on it: no spaces, soft hyphens or line-end hyphens."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    return re.sub(r"-\s*\n|\s+", "", text)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "ar", "zh_Hans"])
def test_one_box_per_entry_and_page_inside_the_page(hub, project: Path, handout, lang: str) -> None:  # type: ignore[no-untyped-def]
    html = built(handout, project, lang, "standard", "html").read_text(encoding="utf-8")
    printed = set(re.findall(r'data-entry="([^"]+)"', html))
    _key, preview = open_preview(hub, lang)
    snapshot = preview.snapshot
    placed = {e["key"] for e in snapshot["entries"] if e["boxes"]}
    assert placed == printed  # every printed entry has a box; nothing else has one
    assert len(printed) > 20
    for item in snapshot["entries"]:
        pages = [b["page"] for b in item["boxes"]]
        assert len(pages) == len(set(pages)), item["ctx"]  # one box per page it is on
        for box in item["boxes"]:
            assert 0 <= box["page"] < len(snapshot["pages"])
            assert box["x"] >= 0 and box["x"] + box["w"] <= 1, item["ctx"]
            assert box["y"] >= 0 and box["y"] + box["h"] <= 1, item["ctx"]
            assert box["w"] > 0 and box["h"] > 0
    if lang != "fr":
        return
    # Without a box: what only the deck shows (slide bullets, slide, notes, discussion blocks).
    deck_only = {f"Block type: {kind}." for kind in ("slide", "notes", "discussion")}
    for item in snapshot["entries"]:
        if not item["boxes"]:
            assert item["key"].endswith("#slide") or deck_only & set(item["comments"]), item["ctx"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "zh_Hans"])
def test_each_box_covers_its_text_on_the_right_page_of_the_built_pdf(  # type: ignore[no-untyped-def]
        hub, project: Path, handout, lang: str) -> None:
    import pymupdf

    pdf = built(handout, project, lang, "standard", "pdf")
    _key, preview = open_preview(hub, lang)
    checked = 0
    with pymupdf.open(pdf) as document:
        assert document.page_count == len(preview.snapshot["pages"])
        for item in preview.snapshot["entries"]:
            if not item["boxes"] or item["key"].endswith("#alt"):
                continue
            box = item["boxes"][0]  # where the entry starts
            page = document[box["page"]]
            width, height = page.rect.width, page.rect.height
            clip = pymupdf.Rect(box["x"] * width, box["y"] * height,
                                (box["x"] + box["w"]) * width, (box["y"] + box["h"]) * height)
            inside = squeeze(page.get_text("text", clip=clip))
            start = squeeze(item["shown"])[:12]
            assert start and start in inside, (item["ctx"], start, inside[:200])
            checked += 1
    assert checked > 20


def test_a_title_shown_twice_in_a_bundle_has_a_box_each_time(hub) -> None:  # type: ignore[no-untyped-def]
    """A bundle's topic title is in its contents list and above the topic: two boxes, not one
    box over everything between them when both are on one page. (Not `new-relapse`: its page
    budget leaves no contents list.)"""
    _key, preview = open_preview(hub, "fr", "easy", "treatment-options")
    titles = [e for e in preview.snapshot["entries"] if e["ctx"].endswith("/@title/easy")
              and not e["ctx"].startswith("bundle/")]
    assert len(titles) >= 3
    for item in titles:
        assert len(item["boxes"]) == 2, item["ctx"]
        assert all(box["h"] < 0.06 for box in item["boxes"]), item["boxes"]  # a line or two


def test_the_same_entry_twice_on_a_page_gets_two_boxes_and_a_long_word_overflows() -> None:
    """Box extraction on a small document laid out by WeasyPrint: elements carrying the same
    data-entry on one page, a paragraph running onto a second page, a word wider than its column."""
    import hashlib

    from weasyprint import HTML

    from builder.preview.layout import Placed, _walk

    filler = "<p>" + "Some words of filler text. " * 6 + "</p>"
    html = (f'<style>@page {{ size: 400px 300px; margin: 20px }} body {{ margin: 0 }}</style>'
            f'<p data-entry="t/@title#text">A title</p>{filler}'
            f'<h2 data-entry="t/@title#text">A title</h2>'
            f'<p data-entry="t/b#text">{"Long running text. " * 60}</p>'
            f'<p data-entry="t/w#text">{"W" * 90}</p>')
    document = HTML(string=html).render()
    placed: dict[str, Placed] = {}
    for number, page in enumerate(document.pages):
        _walk(page._page_box, number, None, None, placed, hashlib.sha256())
    title = placed["t/@title#text"]
    assert len(title.rects) == 2 and all(r.h < 40 and r.page == 0 for r in title.rects)
    assert title.overflow == 0
    split = placed["t/b#text"]
    assert len({r.page for r in split.rects}) == len(split.rects) >= 2  # a box on each page
    assert split.lines > 10
    assert placed["t/w#text"].overflow > 100  # 90 W do not fit in 360 px
