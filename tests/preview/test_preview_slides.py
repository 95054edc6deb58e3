"""The slides of the live preview: the deck writer's own plan and fit, flagged by measurement."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from builder.preview.edit import set_msgstr

from .test_preview_core import TOPIC, entry, open_preview, po


@pytest.fixture
def hub(project: Path):  # type: ignore[no-untyped-def]
    from builder.preview.hub import Hub
    from builder.project import Project

    found = Hub(Project(project), watch=False)
    yield found
    found.close()


def titles_of(data: bytes) -> list[str]:
    from pptx import Presentation

    deck = Presentation(io.BytesIO(data))
    return [slide.shapes.title.text_frame.text for slide in deck.slides]


def test_the_slides_are_those_of_the_built_deck(hub, project: Path, handout) -> None:  # type: ignore[no-untyped-def]
    key, preview = open_preview(hub)
    deck, data = hub.deck(key)
    run = handout("build", "--topic", TOPIC, "--lang", "fr", "--level", "standard", "--format",
                  "pptx", "--out", str(project / "out"), "--quiet", "--jobs", "1")
    assert run.code == 0, run.err
    built = (project / "out" / "fr" / "standard" / f"{TOPIC}.pptx").read_bytes()
    assert [s["title"] for s in deck["slides"]] == titles_of(built) == titles_of(data)
    bullets = [p for s in deck["slides"] for p in s["paras"] if p.get("ctx", "").endswith("/slide")]
    slide_entries = [e for e in preview.snapshot["entries"] if e["key"].endswith("#slide")]
    assert {p["ctx"] for p in bullets} == {e["ctx"] for e in slide_entries}
    for slide in deck["slides"]:
        assert not slide["overflow"] and not slide["notes"], slide
        for name in ("title_box", "box"):
            box = slide[name]
            assert box["x"] >= 0 and box["x"] + box["w"] <= 1.0001
            assert box["y"] >= 0 and box["y"] + box["h"] <= 1.0001


def test_a_slide_bullet_over_its_budget_is_flagged_and_the_deck_follows_a_save(hub, project: Path) -> None:  # type: ignore[no-untyped-def]
    key, preview = open_preview(hub)
    before, _data = hub.deck(key)
    ctx = f"{TOPIC}/myeloma-basics/standard/slide"
    long = " ".join(["Un cancer du sang des plasmocytes de la moelle osseuse"] * 45)
    set_msgstr(po(project), ctx, long)
    hub.apply([po(project)])
    after, data = hub.deck(key)
    assert entry(preview.snapshot, ctx)["over_budget"] == len(long)  # said in the entry's panel
    notes = [n for s in after["slides"] for n in s["notes"]]
    assert any(n.startswith(f"{ctx}: {len(long)} characters, over the budget of 60") for n in notes)
    assert any(n.startswith(f"{ctx}: cut over two slides") or "shrunk" in n for n in notes), notes
    assert len(after["slides"]) > len(before["slides"])  # continued on another slide
    assert len(titles_of(data)) == len(after["slides"])
    assert not [s for s in after["slides"] if s["overflow"]]  # measured: it still fits its boxes


def test_the_real_deck_is_a_click_away(project: Path) -> None:
    from fastapi.testclient import TestClient

    from builder.preview.hub import Hub
    from builder.preview.server import create_app
    from builder.project import Project

    proj = Project(project)
    app = create_app(proj, proj.templates / "clinic" / "demo.yaml", hub=Hub(proj, watch=False))
    with TestClient(app, base_url="http://127.0.0.1:8001") as client:
        base = f"/preview/fr/{TOPIC}/easy"
        page = client.get(base)
        assert f'href="{base}/deck.pptx"' in page.text
        slides = client.get(base + "/slides.json").json()
        answer = client.get(base + "/deck.pptx")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.presentationml")
        assert f'filename="{TOPIC}-fr-easy.pptx"' in answer.headers["content-disposition"]
        assert titles_of(answer.content) == [s["title"] for s in slides["slides"]]
