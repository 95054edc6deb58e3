"""Per-language facts from Babel's locale data, and the fonts that must cover every character."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from builder.errors import ConfigError, Problem, TranslationError, UsageError, Where

# The fonts a script is set in, first choice first, where the choice is ours to make (several
# Noto families cover the script, or the family is not named after the script). Every other
# script is set in the installed "Noto Sans <script name>" (or Noto Serif): see script_fonts().
SCRIPT_FONTS: dict[str, tuple[str, ...]] = {
    "Latn": ("Noto Sans",),
    "Cyrl": ("Noto Sans",),
    "Grek": ("Noto Sans",),
    "Arab": ("Noto Naskh Arabic",),
    "Hans": ("Noto Sans CJK SC",),
    "Hant": ("Noto Sans CJK TC",),
    "Jpan": ("Noto Sans CJK JP",),
    "Kore": ("Noto Sans CJK KR",),
    "Hani": ("Noto Sans CJK SC",),
    "Hira": ("Noto Sans CJK JP",),
    "Kana": ("Noto Sans CJK JP",),
    "Hang": ("Noto Sans CJK KR",),
}
# A language whose readers expect another style than the script's usual one.
LANGUAGE_FONTS: dict[str, tuple[str, ...]] = {
    "ur": ("Noto Nastaliq Urdu", "Noto Naskh Arabic"),  # Urdu is read in Nastaliq, not Naskh
}
# Last in every stack: signs such as ≥ and arrows that text fonts lack (fonts-noto-core).
SYMBOL_FONTS = ("Noto Sans Math", "Noto Sans Symbols")
BASE_FONT = "Noto Sans"  # Latin, Greek, Cyrillic, digits and punctuation for every script
FONT_PACKAGES = {"CJK": "fonts-noto-cjk", "": "fonts-noto-core"}
# Scripts whose fonts have no Latin letters, digits or punctuation of their own: these come
# from BASE_FONT. (Unicode's "Common" and "Inherited" are no script of their own.)
NO_SCRIPT = {"Zyyy", "Zinh", "Zzzz"}
SCRIPT_CODE_LENGTH = 4  # ISO 15924: Latn, Cyrl, Hans
SHOWN_MISSING = 10  # characters no font has, named in the message; the rest are counted
# Characters every document uses that are not words: the check mark box, bullets, arrows.
ALWAYS_OK = set(" \n\t\u00a0\u200b\u200c\u200d\u200e\u200f\u2060\u2066\u2067\u2068\u2069")


def font_package(family: str) -> str:
    return FONT_PACKAGES["CJK"] if "CJK" in family else FONT_PACKAGES[""]


def script_of(char: str) -> str:
    """The ISO 15924 code of the script `char` belongs to ("Taml"); "Zyyy" for digits etc."""
    from fontTools import unicodedata as ucd

    return str(ucd.script(char))


def script_fonts(script: str) -> tuple[str, ...]:
    """The families a script is set in: ours where we chose, else Noto's family for it.

    Noto names each script's family after Unicode's script name ("Noto Sans Tamil", "Noto
    Sans Ethiopic", "Noto Sans Canadian Aboriginal"); the first one installed is used, and when
    none is, the Sans one is named, so the coverage check says which package to install.
    """
    if script in SCRIPT_FONTS:
        return SCRIPT_FONTS[script]
    if script in NO_SCRIPT:
        return (BASE_FONT,)
    return _noto_family(script)


@lru_cache(maxsize=256)
def _noto_family(script: str) -> tuple[str, ...]:
    from fontTools import unicodedata as ucd

    name = str(ucd.script_name(script, default="")).replace("_", " ")
    if not name:
        return (BASE_FONT,)
    candidates = (f"Noto Sans {name}", f"Noto Serif {name}")
    installed = tuple(f for f in candidates if font_file(f) is not None)
    return installed[:1] or candidates[:1]


@dataclass(frozen=True)
class Language:
    code: str  # catalog folder name: es, zh_Hans, pt_BR
    tag: str  # BCP 47 for lang attributes and PDF /Lang: zh-Hans
    script: str
    rtl: bool
    native_name: str  # the language's name in itself
    english_name: str
    fonts: tuple[str, ...]
    numbering: str = "latn"  # CLDR's default numbering system: latn, arabext (fa), beng (bn)
    base: str = ""  # a pseudo-locale's: the locale whose dates and plural rules it uses

    def digits(self, text: str) -> str:
        """`text` with its ASCII digits written in the locale's own digits (fa: ۲۰۲۶)."""
        zero = NATIVE_ZERO.get(self.numbering)
        if zero is None:
            return text
        return text.translate({ord("0") + i: zero + i for i in range(10)})

    @property
    def counter_style(self) -> str:
        """The CSS counter style of page numbers: decimal, persian, bengali…"""
        return COUNTER_STYLES.get(self.numbering, "decimal")

    @property
    def display_name(self) -> str:
        """The language's name on its own, as a label: "Español"."""
        return self.native_name[:1].upper() + self.native_name[1:]

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"

    @property
    def locale(self) -> Locale:
        return Locale.parse(locale_name(self.base or self.code))


# CLDR numbering systems: the code point of their digit zero, and the CSS counter style.
NATIVE_ZERO = {"arab": 0x660, "arabext": 0x6F0, "beng": 0x9E6, "deva": 0x966, "mymr": 0x1040,
               "tibt": 0xF20, "khmr": 0x17E0, "thai": 0xE50, "laoo": 0xED0, "guru": 0xA66,
               "gujr": 0xAE6, "orya": 0xB66, "telu": 0xC66, "knda": 0xCE6, "mlym": 0xD66}
COUNTER_STYLES = {"arab": "arabic-indic", "arabext": "persian", "beng": "bengali",
                  "deva": "devanagari", "mymr": "myanmar", "tibt": "tibetan", "khmr": "khmer",
                  "thai": "thai", "laoo": "lao", "guru": "gurmukhi", "gujr": "gujarati",
                  "orya": "oriya", "telu": "telugu", "knda": "kannada", "mlym": "malayalam"}

# gettext's spelling of a script variant (sr@latin) and the script code it means.
MODIFIER_SCRIPTS = {"latin": "Latn", "cyrillic": "Cyrl", "devanagari": "Deva", "arabic": "Arab",
                    "adlam": "Adlm"}


def locale_name(code: str) -> str:
    """A language code in our folder spelling: zh-TW -> zh_TW, sr@latin -> sr_Latn, pt-br -> pt_BR.

    Only what the code says is kept (no script is added: zh-TW stays zh_TW, as gettext names
    it). Raises ValueError or UnknownLocaleError for what is not a language Babel knows.
    """
    from babel.core import parse_locale

    base, _, modifier = code.strip().replace("-", "_").partition("@")
    parts = parse_locale(base)
    lang, territory, script, variant = parts[0], parts[1], parts[2], parts[3]
    if modifier:
        script = script or MODIFIER_SCRIPTS.get(modifier.lower())
        if script is None:
            raise ValueError(f"unknown modifier @{modifier}")
    name = "_".join(p for p in (lang.lower(), script, territory, variant) if p)
    Locale.parse(name)  # a language Babel has data for, or UnknownLocaleError
    return name


def locale_name_or_usage(code: str) -> str:
    """`code` in our folder spelling (zh-TW -> zh_TW, sr@latin -> sr_Latn), or a UsageError."""
    try:
        return locale_name(code)
    except (UnknownLocaleError, ValueError, TypeError):
        raise UsageError(f"--lang: {code!r} is not a known language code; use a code like "
                         "es, fr, de, ar, zh_Hans or pt_BR") from None


def _language_and_script(locale: Locale) -> tuple[str, str | None]:
    """A locale's language and script, the script filled in from CLDR's likely subtags."""
    likely: Mapping[str, str] = get_global("likely_subtags")
    script = locale.script
    for key in (str(locale), f"{locale.language}_{locale.territory}" if locale.territory else "",
                locale.language):
        if script is None and key and key in likely:
            try:
                script = Locale.parse(likely[key]).script
            except (UnknownLocaleError, ValueError):  # e.g. no_Latn_NO: Babel has only nb, nn
                script = likely[key].split("_")[1] if "_" in likely[key] else None
    return locale.language, script


def matching_catalogs(code: str, available: Iterable[str]) -> list[str]:
    """The catalogs that serve `code` (`zh` -> `zh_Hans`, `zh_CN` -> `zh_Hans`): same language and
    script, the script inferred from CLDR's likely subtags when the code does not say it."""
    want = _language_and_script(parse_locale(code))
    found = []
    for name in available:
        try:
            if _language_and_script(parse_locale(name)) == want:
                found.append(name)
        except UsageError:
            continue
    return found
def parse_locale(code: str) -> Locale:
    """A language code as Babel knows it (`es`, `pt_BR`, `zh_Hans`), or a UsageError saying why not."""
    return Locale.parse(locale_name_or_usage(code))


def identity(code: str) -> tuple[str, str, str]:
    """(language, script, region) with the script filled in: zh_TW and zh_Hant_TW are the same."""
    locale = Locale.parse(locale_name(code))
    return locale.language, locale.script or likely_script(locale), locale.territory or ""


def fallback_chain(code: str) -> list[tuple[str, str, str]]:
    """The locales `code` falls back to, itself first: es_MX -> es_419 -> es; zh_TW -> zh_Hant.

    A script other than the language's usual one does not fall back to the language
    (sr_Latn is not sr, which is Cyrillic; zh_Hant is not zh): it goes to English, as in CLDR.
    """
    lang, script, region = identity(code)
    chain = [(lang, script, region)]
    while region:
        parents = get_global("parent_exceptions")
        parent = parents.get(f"{lang}_{script}_{region}") or parents.get(f"{lang}_{region}")
        if parent is None:
            region = ""
        else:
            lang, script, region = identity(parent)
        chain.append((lang, script, region))
    return list(dict.fromkeys(chain))


def catalog_chain(code: str, folders: Iterable[str]) -> list[str]:
    """The catalog folders `code` reads, nearest first (e.g. es_MX, es); English is not listed."""
    by_identity: dict[tuple[str, str, str], list[str]] = {}
    for folder in folders:
        try:
            by_identity.setdefault(identity(folder), []).append(folder)
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    try:
        chain = fallback_chain(code)
    except (UnknownLocaleError, ValueError, TypeError):
        return [code] if code in set().union(*by_identity.values()) else []
    out: list[str] = []
    for step in chain:
        # The folder spelt exactly as asked first, then the others naming the same locale.
        out += sorted(by_identity.get(step, []), key=lambda f: (f != code, f))
    return list(dict.fromkeys(out))


@lru_cache(maxsize=64)
def language(code: str) -> Language:
    from builder.project import BASE_LOCALE, PSEUDO_LOCALES

    pseudo = PSEUDO_LOCALES.get(code)
    if pseudo is not None:  # Latin letters, in English's locale data; qps_rtl set right to left
        return Language(code=code, tag=pseudo.tag, script="Latn", rtl=pseudo.rtl,
                        native_name=pseudo.name, english_name=pseudo.name,
                        fonts=(BASE_FONT, *SYMBOL_FONTS), base=BASE_LOCALE)
    try:
        locale = Locale.parse(locale_name(code))
    except (UnknownLocaleError, ValueError, TypeError):
        # Reached with the name of a folder under locales/ (the command line is checked first).
        raise TranslationError.at(Path("locales") / code, None,
                                  f"'{code}' is not a language code: rename the folder to a "
                                  "code like es, fr, zh_Hans or pt_BR (no for Norwegian)") from None
    script = locale.script or likely_script(locale)
    tag = "-".join(p for p in (locale.language, locale.script, locale.territory) if p)
    native = locale.get_display_name(locale) or code  # as written mid-sentence: "español"
    own = LANGUAGE_FONTS.get(locale.language, ()) if script == "Arab" else ()
    first = own or script_fonts(script)
    stack = tuple(dict.fromkeys((*first, BASE_FONT, *SYMBOL_FONTS)))
    return Language(code=code, tag=tag, script=script,
                    rtl=locale.character_order == "right-to-left",
                    native_name=native, english_name=locale.english_name or code,
                    fonts=stack, numbering=locale.default_numbering_system or "latn")


def likely_script(locale: Locale) -> str:
    """The script a locale is written in when its code does not say: sr -> Cyrl, zh_TW -> Hant."""
    likely: Mapping[str, str] = get_global("likely_subtags")
    for key in (f"{locale.language}_{locale.territory}" if locale.territory else "",
                locale.language):
        parts = likely.get(key, "").split("_") if key else []
        script = next((p for p in parts[1:] if len(p) == SCRIPT_CODE_LENGTH), None)
        if script:
            return script
    return "Latn"


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
                   places: Iterable[tuple[Where | str, str]] = ()) -> None:
    """Fail before rendering if an installed font of `lang` is missing or lacks a character.

    `places` are (where, text) pairs, e.g. each block's origin and its text: when given,
    the error names the first place that holds a character no font has.
    """
    problems = coverage_problems(lang, text, places)
    if problems:
        raise ConfigError(problems)


def stack_for(lang: Language, chars: Iterable[str]) -> tuple[str, ...]:
    """The language's fonts, plus the font of every other script its text uses (a Tamil word
    in a Hindi leaflet), before the symbol fonts."""
    own = set(lang.fonts)
    extra: list[str] = []
    for script in sorted({script_of(c) for c in set(chars)} - NO_SCRIPT - {lang.script}):
        extra += [f for f in script_fonts(script) if f not in own and f not in extra]
    if not extra:
        return lang.fonts
    head = tuple(f for f in lang.fonts if f not in SYMBOL_FONTS)
    return (*head, *extra, *(f for f in lang.fonts if f in SYMBOL_FONTS))


def coverage_problems(lang: Language, text: str,
                      places: Iterable[tuple[Where | str, str]] = ()) -> list[Problem]:
    covered: set[int] = set()
    places = list(places)
    everything = text + "".join(piece for _, piece in places)
    stack = stack_for(lang, everything)
    if font_file(lang.fonts[0]) is None:  # the language's own font: named in every deck run
        family = lang.fonts[0]
        return [Problem("", None, f"{lang.code}: font '{family}' for {lang.english_name} is "
                        f"not installed: install the Debian package {font_package(family)} "
                        "(make demo does this)")]
    for family in stack:
        found = font_file(family)
        if found is None:
            continue  # the characters it would have set are reported below, with its package
        covered |= _cmap(*found)
    missing = sorted({c for c in everything if c not in ALWAYS_OK and ord(c) not in covered})
    if not missing:
        return []
    shown = " ".join(f"'{_printable(c)}' (U+{ord(c):04X})" for c in missing[:SHOWN_MISSING])
    more = f" and {len(missing) - SHOWN_MISSING} more" if len(missing) > SHOWN_MISSING else ""
    message = (f"{lang.code}: no installed font for {lang.english_name} "
               f"({', '.join(stack)}) has {shown}{more}: the text would print as boxes. "
               f"{_remedy(missing)}")
    lacking = set(missing)
    problems = []
    for where, piece in places:
        if lacking & set(piece):
            problems.append(Problem(where, None, message))
            break
    return problems or [Problem("", None, message)]


def _remedy(missing: list[str]) -> str:
    """What to do about characters no font has: the Debian package with a font for their script."""
    wanted: dict[str, str] = {}
    for char in missing:
        script = script_of(char)
        if script in NO_SCRIPT:
            continue
        family = script_fonts(script)[0]
        if font_file(family) is None:
            wanted.setdefault(family, font_package(family))
    if wanted:
        fonts = ", ".join(f"{family} (Debian package {package})"
                          for family, package in wanted.items())
        return f"Install {fonts}, or correct the text"
    return ("Correct the text (a character in no font is often a typing slip), or install a "
            f"font that covers it (e.g. Debian's {FONT_PACKAGES['']} or {FONT_PACKAGES['CJK']})")


def _printable(char: str) -> str:
    return char if char.isprintable() else "?"
