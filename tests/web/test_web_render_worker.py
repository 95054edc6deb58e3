"""A render worker keeps WeasyPrint's fonts between documents; what it prints must not change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .web_helpers import REPO


@pytest.mark.slow
def test_kept_fonts_print_the_same_bytes_as_a_fresh_render(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Chinese kit whose title has characters no catalog has gets its own subset of the CJK
    font under the same family name; the topic rendered after it, by the same worker, must
    still be set in its own subset (one configuration holding both could drop a glyph)."""
    from builder.builders import leaflet
    from builder.web import renderer
    from builder.web.renderer import KIT_PREFIX, Renderer, Spec

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.setattr(leaflet, "KEPT_FONTS", None)
    monkeypatch.setattr(renderer, "_WORKER", {})
    root, clinic = str(REPO), str(REPO / "templates" / "clinic" / "demo.yaml")
    from builder.project import Project

    stamp = Renderer(Project(REPO), REPO / ".cache", 1).stamp()
    kit = Spec("kit", f"{KIT_PREFIX}1", "zh_Hans", "easy", kit_title="鳄鱼龘靐 复诊",
               kit_topics=("questions-to-ask",))
    topic = Spec("topic", "questions-to-ask", "zh_Hans", "easy")
    fresh = {spec: renderer._worker_render(root, clinic, stamp, spec) for spec in (kit, topic)}

    monkeypatch.setattr(leaflet, "KEPT_FONTS", leaflet.KeptFonts())  # as _worker_start does
    kept = [renderer._worker_render(root, clinic, stamp, spec) for spec in (kit, topic, kit)]
    assert kept == [fresh[kit], fresh[topic], fresh[kit]]
    assert os.environ["SOURCE_DATE_EPOCH"]  # the bytes are comparable: no wall-clock dates


def test_a_worker_forgets_kept_fonts_when_the_project_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    from builder.builders import leaflet
    from builder.web import renderer

    kept = leaflet.KeptFonts()
    kept.images["file:///x.png"] = object()
    first = kept.fonts_for("<style>@font-face { font-family: a; src: url(a.otf) }</style>")
    assert kept.fonts_for("<style>@font-face { font-family: a; src: url(a.otf) }</style>") is first
    assert kept.fonts_for("<style>@font-face { font-family: a; src: url(b.otf) }</style>") is not first
    monkeypatch.setattr(leaflet, "KEPT_FONTS", kept)
    monkeypatch.setattr(renderer, "_WORKER", {"old|0": object()})
    monkeypatch.setattr(renderer, "load_inputs", lambda *a, **k: object())
    renderer._worker_inputs(str(REPO), str(Path("clinic.yaml")), "1")
    assert not kept.images and kept.fonts_for("") is not first
