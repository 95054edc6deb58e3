"""Builders by output format: each turns a Doc into bytes; `--format` names come from here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from builder.document import Doc
from builder.errors import UsageError


@dataclass(frozen=True)
class RenderContext:
    """What every builder may read besides the document: the project's own assets."""

    templates: Path
    content: Path
    cache: Path
    deck_template: Path | None = None
    layout_names: dict[str, str] = field(default_factory=dict)
    charsets: dict[str, str] = field(default_factory=dict)  # lang -> characters its text uses


class Builder(Protocol):
    name: str
    extension: str

    def build(self, doc: Doc, ctx: RenderContext) -> bytes: ...


_REGISTRY: dict[str, Builder] = {}
# Where each format's builder lives: imported only when that format is built, so a PDF build
# does not pay for python-pptx, nor a deck build for WeasyPrint.
_MODULES = {"html": "builder.builders.html", "pdf": "builder.builders.leaflet",
            "pptx": "builder.builders.deck"}


def register(builder: Builder) -> Builder:
    if builder.name in _REGISTRY:
        raise ValueError(f"a builder named {builder.name!r} is already registered")
    _REGISTRY[builder.name] = builder
    return builder


def get(name: str) -> Builder:
    if name not in _REGISTRY and name in _MODULES:
        import importlib

        importlib.import_module(_MODULES[name])
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UsageError(f"--format: unknown format '{name}'; choose from "
                         f"{', '.join(names())}") from None


def names() -> list[str]:
    return sorted(set(_MODULES) | set(_REGISTRY))


EXTENSIONS = {"html": "html", "pdf": "pdf", "pptx": "pptx"}
