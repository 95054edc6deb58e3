"""The deck template: ours or a clinic's own, emptied, with its layouts found by our role names."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.exc import PackageNotFoundError

from builder import pptx_xml
from builder.builders import RenderContext
from builder.builders.deck.styles import Region, region_of
from builder.clinic import LAYOUT_ROLES
from builder.document import Doc
from builder.errors import ConfigError, Problem, display_path

DEFAULT_LAYOUTS = {"title": "Title", "section": "Section", "content": "Content",
                   "two-column": "Two Column", "questions": "Questions", "closing": "Closing"}
TITLE_TYPES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
BODY_TYPES = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.SUBTITLE)


@dataclass
class Layout:
    """One layout role of the template: the layout itself, its title and its text placeholders."""

    role: str
    layout: Any
    title: Region
    bodies: list[Region]


@dataclass
class Template:
    """The presentation slides are added to, and its layouts by role."""

    prs: Any
    layouts: dict[str, Layout]
    add_branding: bool  # our own template takes the clinic's accent and logo; a clinic's keeps its own

    @property
    def slide_width(self) -> int:
        return int(self.prs.slide_width)


def open_template(doc: Doc, ctx: RenderContext) -> Template:
    """The template a deck of `doc` is written into: loaded, emptied, its layouts checked."""
    custom = ctx.deck_template or doc.clinic.template
    path = custom or ctx.templates / "deck.pptx"
    names: dict[str, str] = dict(DEFAULT_LAYOUTS)
    if custom:  # layout names of a clinic's own apply to the clinic's own template only
        names.update(ctx.layout_names or {str(k): v for k, v in
                                          doc.clinic.profile.layouts.items()})
    prs = load_template(path)
    pptx_xml.remove_slides(prs)
    layouts = find_layouts(prs, path, names)
    if custom is None:  # a clinic's own template keeps its own theme colours
        accent = doc.clinic.profile.accent
        pptx_xml.set_theme(prs, colours={"accent1": accent, "hlink": accent})
    return Template(prs, layouts, add_branding=custom is None)


def load_template(path: Path) -> Any:
    shown = display_path(path)
    if not path.is_file():
        raise ConfigError([Problem(shown, None, "deck template not found")])
    try:
        return Presentation(BytesIO(pptx_xml.as_presentation(path.read_bytes())))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ConfigError([Problem(shown, None, f"not a PowerPoint template (.pptx/.potx): "
                                                f"{error}")]) from None


def find_layouts(prs: Any, path: Path, names: dict[str, str]) -> dict[str, Layout]:
    """Our layout roles -> the template's layouts, by name; every problem reported at once."""
    shown = display_path(path)
    found: dict[str, Any] = {}
    for master in prs.slide_masters:
        for layout in master.slide_layouts:
            found.setdefault(layout.name, (layout, master))
    problems: list[Problem] = []
    layouts: dict[str, Layout] = {}
    for role in LAYOUT_ROLES:
        name = names[role]
        if name not in found:
            have = ", ".join(f"'{n}'" for n in found) or "no layouts"
            problems.append(Problem(shown, None, f"layout '{name}' for {role} slides not found; "
                                                 f"the template has: {have}"))
            continue
        layout, master = found[name]
        titles = [ph for ph in layout.placeholders if ph.placeholder_format.type in TITLE_TYPES]
        bodies = sorted((ph for ph in layout.placeholders
                         if ph.placeholder_format.type in BODY_TYPES),
                        key=lambda ph: (int(ph.left or 0), int(ph.top or 0)))
        wanted = 2 if role == "two-column" else 1
        if not titles or len(bodies) < wanted:
            what = "a title placeholder" if not titles else \
                f"{wanted} text placeholder{'s' if wanted > 1 else ''}"
            problems.append(Problem(shown, None, f"layout '{name}' for {role} slides needs {what}"))
            continue
        layouts[role] = Layout(role, layout, region_of(titles[0], master, prs),
                               [region_of(ph, master, prs) for ph in bodies[:wanted]])
    if problems:
        raise ConfigError(problems)
    return layouts
