"""Per-language facts from Babel's locale data, and the fonts that must cover every character."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from builder.errors import ConfigError, Problem, TranslationError

# The fonts each script is set in, first choice first, and the Debian package that has them.
SCRIPT_FONTS: dict[str, tuple[str, ...]] = {
    "Latn": ("Noto Sans",),
    "Cyrl": ("Noto Sans",),
    "Grek": ("Noto Sans",),
    "Arab": ("Noto Naskh Arabic", "Noto Sans"),
    "Hebr": ("Noto Sans Hebrew", "Noto Sans"),
    "Deva": ("Noto Sans Devanagari", "Noto Sans"),
    "Beng": ("Noto Sans Bengali", "Noto Sans"),
    "Thai": ("Noto Sans Thai", "Noto Sans"),
    "Hans": ("Noto Sans CJK SC", "Noto Sans"),
    "Hant": ("Noto Sans CJK TC", "Noto Sans"),
    "Jpan": ("Noto Sans CJK JP", "Noto Sans"),
    "Kore": ("Noto Sans CJK KR", "Noto Sans"),
}
# Last in every stack: signs such as ≥ and arrows that text fonts lack (fonts-noto-core).
SYMBOL_FONTS = ("Noto Sans Math", "Noto Sans Symbols")
FONT_PACKAGES = {"CJK": "fonts-noto-cjk", "": "fonts-noto-core"}
# Characters every document uses that are not words: the check mark box, bullets, arrows.
ALWAYS_OK = set(" \n\t\u00a0\u200b\u200c\u200d\u200e\u200f\u2066\u2067\u2068\u2069")


def font_package(family: str) -> str:
    return FONT_PACKAGES["CJK"] if "CJK" in family else FONT_PACKAGES[""]


@dataclass(frozen=True)
class Language:
    code: str  # catalog folder name: es, zh_Hans, pt_BR
    tag: str  # BCP 47 for lang attributes and PDF /Lang: zh-Hans
    script: str
    rtl: bool
    native_name: str  # the language's name in itself
    english_name: str
    fonts: tuple[str, ...]

    @property
    def display_name(self) -> str:
        """The language's name on its own, as a label: "Español"."""
        return self.native_name[:1].upper() + self.native_name[1:]

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.code)


@lru_cache(maxsize=64)
def language(code: str) -> Language:
    try:
        locale = Locale.parse(code)
    except (UnknownLocaleError, ValueError, TypeError):
        # Reached with the name of a folder under locales/ (the command line is checked first).
        raise TranslationError.at(Path("locales") / code, None,
                                  f"'{code}' is not a language code: rename the folder to a "
                                  "code like es, fr, zh_Hans or pt_BR (no for Norwegian)") from None
    script = locale.script
    if not script:
        likely = get_global("likely_subtags").get(locale.language, "")
        parts = likely.split("_")
        script = next((p for p in parts[1:] if len(p) == 4), "Latn")
    tag = "-".join(p for p in (locale.language, locale.script, locale.territory) if p)
    native = locale.get_display_name(locale) or code  # as written mid-sentence: "español"
    return Language(code=code, tag=tag, script=script,
                    rtl=locale.character_order == "right-to-left",
                    native_name=native, english_name=locale.english_name or code,
                    fonts=(*SCRIPT_FONTS.get(script, ("Noto Sans",)), *SYMBOL_FONTS))


@lru_cache(maxsize=64)
def font_file(family: str, style: str = "Regular") -> tuple[Path, int] | None:
    """The installed file (and index in a collection) of a font family, via fontconfig."""
    try:
        out = subprocess.run(["fc-list", "-f", "%{file}|%{index}|%{family}|%{style}\n",
                              f"{family}:style={style}"], capture_output=True, text=True,
                             check=False, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in sorted(out.splitlines()):
        path, index, families, _styles = line.split("|", 3)
        if family in families.split(","):
            return Path(path), int(index or 0)
    return None


@lru_cache(maxsize=64)
def _cmap(path: Path, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(path), fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def check_coverage(lang: Language, text: str,
                   places: Iterable[tuple[str, str]] = ()) -> None:
    """Fail before rendering if an installed font of `lang` is missing or lacks a character.

    `places` are (`path:line`, text) pairs, e.g. each block's origin and its text: when given,
    the error names the first place that holds a character no font has.
    """
    problems = coverage_problems(lang, text, places)
    if problems:
        raise ConfigError(problems)


def coverage_problems(lang: Language, text: str,
                      places: Iterable[tuple[str, str]] = ()) -> list[Problem]:
    covered: set[int] = set()
    for family in lang.fonts:
        found = font_file(family)
        if found is None:
            return [Problem("", None, f"{lang.code}: font '{family}' for {lang.english_name} is "
                            f"not installed: install the Debian package {font_package(family)} "
                            "(make demo does this)")]
        covered |= _cmap(*found)
    places = list(places)
    everything = text + "".join(piece for _, piece in places)
    missing = sorted({c for c in everything if c not in ALWAYS_OK and ord(c) not in covered})
    if not missing:
        return []
    shown = " ".join(f"'{_printable(c)}' (U+{ord(c):04X})" for c in missing[:10])
    more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
    message = (f"{lang.code}: no installed {lang.english_name} font ({', '.join(lang.fonts)}) "
               f"has {shown}{more}: the text would print as boxes. Correct the text, or install "
               f"a font that covers it (e.g. Debian's {font_package(lang.fonts[0])})")
    lacking = set(missing)
    problems = []
    for where, piece in places:
        if lacking & set(piece):
            path, _, line = where.rpartition(":")
            if not line.isdigit():
                path, line = where, ""
            problems.append(Problem(path, int(line) if line else None, message))
            break
    return problems or [Problem("", None, message)]


def _printable(char: str) -> str:
    return char if char.isprintable() else "?"
