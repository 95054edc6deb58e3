"""Where a project's folders are: content/, locales/, templates/, output/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builder.errors import UsageError


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def locales(self) -> Path:
        return self.root / "locales"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def cache(self) -> Path:
        return self.root / ".cache"

    @classmethod
    def at(cls, root: Path | None = None) -> Project:
        """The project in `root`, or in the working directory or one of its parents."""
        if root is not None:
            root = root.resolve()
            if not (root / "content").is_dir():
                raise UsageError(f"{root}: not a handout project (no content/ folder)")
            return cls(root)
        here = Path.cwd().resolve()
        for candidate in (here, *here.parents):
            if (candidate / "content").is_dir() and (candidate / "templates").is_dir():
                return cls(candidate)
        raise UsageError(f"{here}: not inside a handout project (no content/ and templates/ "
                         "folders here or above); run from the project or pass --project DIR")


# The pseudo-locales of `handout i18n pseudo` (builder.i18n.pseudo makes them): never shipped,
# never offered. Data here, low in the imports, so languages.py can read it without a cycle.
@dataclass(frozen=True)
class PseudoLocale:
    code: str  # the catalog folder
    name: str  # printed where a language name goes ("This pseudo-translation version ...")
    tag: str  # BCP 47 for lang attributes and the PDF /Lang: CLDR's pseudo-locales (ar-XB: not
    # hyphenated, as right-to-left scripts are not)
    header: str  # the PO header's Language: Microsoft's pseudo-locale codes (Babel reads them)
    rtl: bool


PSEUDO_LOCALES = {
    "qps": PseudoLocale("qps", "pseudo-translation", "en-XA", "qps_ploc", rtl=False),
    "qps_rtl": PseudoLocale("qps_rtl", "pseudo-translation, right to left", "ar-XB", "qps_plocm",
                            rtl=True),
}
BASE_LOCALE = "en"  # dates, plural rules and number formats of every pseudo-locale
PSEUDO_DIRS = frozenset(PSEUDO_LOCALES)


def locale_dirs(project: Project, pseudo: bool = False) -> list[str]:
    """The language folders under locales/ that hold catalogs (LC_MESSAGES); the pseudo-locales
    (qps, qps_rtl) only when asked."""
    if not project.locales.is_dir():
        return []
    return sorted(p.name for p in project.locales.iterdir()
                  if (p / "LC_MESSAGES").is_dir() and (pseudo or p.name not in PSEUDO_DIRS))
