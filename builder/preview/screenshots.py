"""`handout i18n screenshots`: each page of a leaflet as a PNG with the box of every catalog entry
drawn and labelled, and an index (JSON) of which msgctxt is where, for Weblate's screenshots.

Weblate shows a translator the screenshots that are linked to the string being translated; the
index says, per picture, the entries it shows (msgctxt, English, .po file and line) and their
boxes in pixels, so a script can upload each picture and link it to those strings.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from builder.build import Options, plan
from builder.output import atomic_write_all
from builder.preview.layout import PREVIEW_DPI, rasterize
from builder.preview.session import Preview, Target
from builder.preview.workspace import Workspace
from builder.project import Project

COLOURS = {"qa": (176, 0, 32), "stale": (138, 75, 0), "untranslated": (31, 95, 139),
           "overflow": (106, 27, 154), "ok": (30, 107, 58)}


def make_screenshots(project: Project, lang: str, topics: list[str], bundles: list[str],
                     levels: list[str], out: Path, clinic: Path | None = None,
                     dpi: int = 110) -> list[Path]:
    """Write the pictures and `index.json` under `out` (nothing is written if any render fails);
    without topics or bundles, every topic."""
    clinic = clinic or project.templates / "clinic" / "demo.yaml"
    workspace = Workspace(project, clinic)
    lib = workspace.lib
    options = Options(project=project, topics=topics or ([] if bundles else sorted(lib.topics)),
                      bundles=bundles, langs=[lang], levels=levels, formats=["pdf"])
    files: dict[Path, bytes] = {}
    index: list[dict[str, Any]] = []
    for job in plan(lib, options):
        preview = Preview(workspace, Target(job.kind, job.id, job.lang, job.level))
        snapshot = preview.refresh() or preview.snapshot
        layout = preview.layout
        if layout is None:  # the template could not be rendered: say why, write nothing
            from builder.errors import RenderError

            raise RenderError("; ".join(snapshot["problems"][:1]) or f"{job.id}: not laid out")
        pictures = rasterize(layout, list(range(len(layout.sizes))), dpi)
        for number, png in sorted(pictures.items()):
            name = f"{job.lang}/{job.level}/{job.id}-p{number + 1}.png"
            drawn, shown = _draw(png, snapshot, number, dpi / PREVIEW_DPI, job.id)
            files[out / name] = drawn
            index.append({"file": name, "kind": job.kind, "document": job.id, "lang": job.lang,
                          "level": job.level, "page": number + 1, "entries": shown})
    files[out / "index.json"] = json.dumps(
        {"tool": "handout i18n screenshots", "lang": lang, "dpi": dpi, "screenshots": index},
        ensure_ascii=False, indent=1).encode("utf-8")
    atomic_write_all(files)
    return sorted(files)


def _draw(png: bytes, snapshot: dict[str, Any], page: int, scale: float,
          doc_id: str) -> tuple[bytes, list[dict[str, Any]]]:
    """The page with each entry's box and a label; the entries and their boxes in pixels."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.open(io.BytesIO(png)).convert("RGBA")
    width, height = image.size
    marks = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(marks)
    font = ImageFont.load_default(size=max(9, round(8 * scale)))
    rtl = snapshot.get("dir") == "rtl"
    shown = []
    for entry in snapshot["entries"]:
        for box in entry["boxes"]:
            if box["page"] != page:
                continue
            left, top = round(box["x"] * width), round(box["y"] * height)
            right = round((box["x"] + box["w"]) * width)
            bottom = round((box["y"] + box["h"]) * height)
            colour = COLOURS.get(entry["state"], COLOURS["ok"])
            draw.rectangle((left, top, right, bottom), outline=(*colour, 255), width=2)
            # The label sits on the box's top edge at the end where lines end (right in a
            # left-to-right page): it covers the least text there.
            label = entry["ctx"].removeprefix(doc_id + "/")
            _x0, _y0, label_w, label_h = draw.textbbox((0, 0), label, font=font)
            x = left + 2 if rtl else max(left, right - label_w - 6)
            y = max(0, top - label_h - 3)
            draw.rectangle((x, y, x + label_w + 4, y + label_h + 3), fill=(255, 255, 255, 215),
                           outline=(*colour, 255))
            draw.text((x + 2, y + 1), label, fill=(*colour, 255), font=font)
            shown.append({"msgctxt": entry["ctx"], "source": entry["source"],
                          "po": entry["po"], "line": entry["line"], "state": entry["state"],
                          "box": [left, top, right - left, bottom - top]})
    image = Image.alpha_composite(image, marks).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue(), shown


__all__ = ["make_screenshots"]
