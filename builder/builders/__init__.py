"""Builders by output format: each turns a Doc into bytes; `--format` names come from here."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import quote

from builder.document import Doc
from builder.errors import ConfigError, Problem, UsageError

if TYPE_CHECKING:
    from builder.builders.leaflet import KeptFonts


@dataclass(frozen=True)
class Assets:
    """How rendered HTML names the project's own files (stylesheet, fonts, images, logo).

    `file`: absolute file:// URLs, for WeasyPrint on this machine. `server`: `/assets/<root>/…`,
    for a web server that serves `roots` under that prefix. `relative`: paths relative to `base`,
    the folder the HTML file is written to, so the HTML opens from the output folder.
    """

    roots: tuple[tuple[str, Path], ...] = ()  # (name, folder) a server may serve
    mode: Literal["file", "server", "relative"] = "file"
    base: Path | None = None
    prefix: str = "/assets/"

    def url(self, path: Path) -> str:
        path = path.resolve()
        if self.mode == "file":
            return path.as_uri()
        if self.mode == "relative":
            if self.base is None:
                raise ValueError("relative asset URLs need the folder the HTML is written to")
            return quote(Path(os.path.relpath(path, self.base.resolve())).as_posix())
        for name, folder in self.roots:
            root = folder.resolve()
            if path.is_relative_to(root):
                return f"{self.prefix}{name}/{quote(path.relative_to(root).as_posix())}"
        raise ConfigError.at(path, None, "this file is not under any folder the server serves "
                             f"({', '.join(name for name, _ in self.roots)}): move it into the project")

    def resolve(self, url_path: str) -> Path | None:
        """The file a server URL path (`/assets/<root>/<file>`) names, or None (never outside a root)."""
        if not url_path.startswith(self.prefix):
            return None
        name, _, rest = url_path[len(self.prefix):].partition("/")
        for root_name, folder in self.roots:
            if root_name == name and rest:
                root = folder.resolve()
                target = (root / rest).resolve()
                return target if target.is_relative_to(root) and target.is_file() else None
        return None

    def files(self) -> Assets:
        return dataclasses.replace(self, mode="file", base=None)

    def served(self, prefix: str = "/assets/") -> Assets:
        return dataclasses.replace(self, mode="server", base=None, prefix=prefix)

    def relative_to(self, base: Path) -> Assets:
        return dataclasses.replace(self, mode="relative", base=base)


@dataclass(frozen=True)
class RenderContext:
    """What every builder may read besides the document: the project's own assets.

    Plain, shared, never changed: builders run with it in threads, processes and cluster workers.
    The one exception is `kept`, which a process that renders one document at a time (a web
    render worker) sets on its own context: fonts and images it keeps between documents.
    """

    templates: Path
    content: Path
    cache: Path
    deck_template: Path | None = None
    layout_names: dict[str, str] = field(default_factory=dict)
    charsets: dict[str, str] = field(default_factory=dict)  # lang -> characters its text uses
    assets: Assets = field(default_factory=Assets)
    kept: KeptFonts | None = field(default=None, compare=False, repr=False)


class Builder(Protocol):
    name: str
    extension: str

    def build(self, doc: Doc, ctx: RenderContext) -> bytes: ...


@dataclass(frozen=True)
class Rendered:
    """An output's bytes and its builder's warnings (a font measured with another, a logo left out)."""

    data: bytes
    warnings: tuple[Problem, ...] = ()


_REGISTRY: dict[str, Builder] = {}
# Where each format's builder lives: imported only when that format is built, so a PDF build
# does not pay for python-pptx, nor a deck build for WeasyPrint.
_MODULES = {"html": "builder.builders.leaflet", "pdf": "builder.builders.leaflet",
            "pptx": "builder.builders.deck.render", "handout": "builder.builders.handout"}


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


def render(name: str, doc: Doc, ctx: RenderContext) -> Rendered:
    """`doc` built as `name`, with warnings: a builder that has some defines `render` as well."""
    builder = get(name)
    with_warnings = getattr(builder, "render", None)
    return with_warnings(doc, ctx) if with_warnings is not None else Rendered(builder.build(doc, ctx))


def names() -> list[str]:
    return sorted(set(_MODULES) | set(_REGISTRY))


EXTENSIONS = {"html": "html", "pdf": "pdf", "pptx": "pptx", "handout": "handout.pdf"}
