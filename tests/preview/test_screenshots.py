"""`handout i18n screenshots`: a PNG per page with every msgctxt boxed and labelled, and an index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_preview_core import TOPIC


@pytest.mark.slow
def test_a_png_per_page_with_each_entry_boxed_and_an_index(project: Path, handout) -> None:  # type: ignore[no-untyped-def]
    import pymupdf
    from PIL import Image

    out = project / "shots"
    run = handout("i18n", "screenshots", "--lang", "fr", "--topic", TOPIC, "--level", "easy",
                  "--out", str(out))
    assert run.code == 0, run.err
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    built = handout("build", "--topic", TOPIC, "--lang", "fr", "--level", "easy", "--format",
                    "pdf", "--out", str(project / "out"), "--quiet", "--jobs", "1")
    assert built.code == 0
    with pymupdf.open(project / "out" / "fr" / "easy" / f"{TOPIC}.pdf") as pdf:
        pages = pdf.page_count
    shots = index["screenshots"]
    assert [s["page"] for s in shots] == list(range(1, pages + 1))
    contexts = set()
    for shot in shots:
        image = Image.open(out / shot["file"]).convert("RGB")
        assert shot["file"] == f"fr/easy/{TOPIC}-p{shot['page']}.png"
        assert abs(image.width - 210 / 25.4 * index["dpi"]) < 2  # A4 at the chosen resolution
        for item in shot["entries"]:
            left, top, width, height = item["box"]
            assert left >= 0 and left + width <= image.width and top >= 0
            assert top + height <= image.height
            assert item["po"] == f"locales/fr/LC_MESSAGES/{TOPIC}.po" or \
                item["msgctxt"].startswith("glossary/")
            # The box is drawn: its left edge, half-way down, has the outline colour.
            red, green, blue = image.getpixel((left, top + height // 2))
            assert green > red and green > blue, (item["msgctxt"], (red, green, blue))
            contexts.add(item["msgctxt"])
    assert f"{TOPIC}/@title/easy" in contexts and len(contexts) > 20


def test_nothing_is_written_for_an_unknown_topic(project: Path, handout) -> None:  # type: ignore[no-untyped-def]
    run = handout("i18n", "screenshots", "--lang", "fr", "--topic", "nope", "--out",
                  str(project / "shots"))
    assert run.code == 2 and "unknown topic 'nope'" in run.err
    assert not (project / "shots").exists()
