"""Pictograms for slides and handouts: Bootstrap Icons (MIT), from the Debian package.

`apt-get install bootstrap-icons` puts the SVG files under /usr/share/bootstrap-icons/svg; we
copy none into the repository. PowerPoint before 2016 and some viewers cannot show SVG, so
slides get a PNG drawn by MuPDF (PyMuPDF, already a dependency) in the deck's accent colour.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from builder.errors import ConfigError, Problem

ICON_DIR = Path("/usr/share/bootstrap-icons/svg")
PIXELS = 256  # a pictogram is at most ~1 in on a slide: 256 px is sharp when projected


def svg(name: str, colour: str) -> str:
    """The icon's SVG text, drawn in `colour` (#rrggbb) instead of the page's text colour."""
    path = ICON_DIR / f"{name}.svg"
    if not path.is_file():
        raise ConfigError([Problem(str(path), None, "pictogram not found: install the Debian "
                                   "package bootstrap-icons (make sysdeps)")])
    return path.read_text(encoding="utf-8").replace("currentColor", colour)


@lru_cache(maxsize=64)
def png(name: str, colour: str) -> bytes:
    """The icon as a square PNG with a transparent background."""
    import pymupdf

    with pymupdf.open(stream=svg(name, colour).encode(), filetype="svg") as doc:  # type: ignore[no-untyped-call]
        page = doc[0]
        zoom = PIXELS / max(page.rect.width, page.rect.height)
        pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=True)  # type: ignore[no-untyped-call]
        image: bytes = pixmap.tobytes("png")
        return image
