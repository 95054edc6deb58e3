"""Pseudo-locales: every English string accented, 40 % longer and bracketed (`qps`), or set right to
left (`qps_rtl`), so layout problems show in a leaflet or deck before any translation exists.

They are catalogs like any other (`locales/qps/LC_MESSAGES/*.po`), written from the templates by
`handout i18n pseudo`, built with `--lang qps`; never part of `--all`, never offered to clinic staff.
Placeholders, markup, addresses and numbers are copied unchanged, so the catalogs pass our QA.
"""

from __future__ import annotations

import re

from builder.markup import UNBROKEN_RE
from builder.project import BASE_LOCALE, PSEUDO_LOCALES, PseudoLocale  # noqa: F401

GROWTH = 0.4  # a pseudo-translation is this much longer than its English
RLM = "\u200f"  # a strong right-to-left character: words then run right to left

ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ")
VOWELS = set("aeiouyAEIOUY")
# What must reach the translation exactly as in the English: markup escapes, placeholders,
# printf-style fields, link targets, and what a reader types (addresses, e-mail, phone numbers).
_KEPT_RE = re.compile(r"\\.|\{[^{}\s]*\}|%\(\w+\)[sd]|%[sd%]|\]\([^)\s]*\)|"
                      + UNBROKEN_RE.pattern)


def is_pseudo(code: str) -> bool:
    return code in PSEUDO_LOCALES


def _pieces(text: str) -> list[tuple[bool, str]]:
    """`text` as (kept unchanged?, piece) pairs, in order."""
    out: list[tuple[bool, str]] = []
    at = 0
    for match in _KEPT_RE.finditer(text):
        if match.start() > at:
            out.append((False, text[at:match.start()]))
        out.append((True, match.group()))
        at = match.end()
    if at < len(text):
        out.append((False, text[at:]))
    return out


def accented(text: str) -> str:
    """[Ŵĥééţĥéŕ ...]: letters accented, letters doubled (vowels first, then ~) until 40 % longer,
    in brackets."""
    pieces = _pieces(text)
    quota = round(GROWTH * sum(len(p) for kept, p in pieces if not kept))
    letters = [(i, j) for i, (kept, piece) in enumerate(pieces) if not kept
               for j, char in enumerate(piece) if char.isascii() and char.isalpha()]
    vowels = [at for at in letters if pieces[at[0]][1][at[1]] in VOWELS]
    others = [at for at in letters if pieces[at[0]][1][at[1]] not in VOWELS]
    doubled = set(vowels[:quota])
    more = min(quota - len(doubled), len(others))  # spread over the text, not all in one word
    doubled |= {others[k * len(others) // more] for k in range(more)} if more > 0 else set()
    quota -= len(doubled)
    out = []
    for i, (kept, piece) in enumerate(pieces):
        if kept:
            out.append(piece)
            continue
        for j, char in enumerate(piece):
            out.append(char.translate(ACCENTED) * (2 if (i, j) in doubled else 1))
    return "[" + "".join(out) + (" " + "~" * quota if quota else "") + "]"


def right_to_left(text: str) -> str:
    """[words right to left]: a right-to-left mark between words, so a right-to-left paragraph
    orders the words as Arabic or Hebrew would, with its punctuation and brackets mirrored;
    letters stay readable. (Bidi overrides, which would reverse numbers, are not used.)"""
    pieces = _pieces(text)
    # Each kept piece stands in as one private-use character: no mark inside a phone number.
    kept = {chr(_TOKEN + n): piece for n, (is_kept, piece) in enumerate(pieces) if is_kept}
    shape = "".join(chr(_TOKEN + n) if is_kept else piece
                    for n, (is_kept, piece) in enumerate(pieces))
    marked = _SPACE_RE.sub(_marked_space, shape)
    return "[" + "".join(kept.get(char, char) for char in marked) + "]" + RLM


_TOKEN = 0xE000
_SPACE_RE = re.compile(r"(?<=\S)\s+(?=\S)")
_DELIMITERS = "*_"


def _marked_space(match: re.Match[str]) -> str:
    # On the side away from an emphasis delimiter: `**Note:**` must stay a closing `**`.
    before = match.string[match.start() - 1]
    after = match.string[match.end()]
    if before not in _DELIMITERS:
        return RLM + match.group()
    if after not in _DELIMITERS:
        return match.group() + RLM
    return match.group()


def pseudo_text(text: str, code: str) -> str:
    """The pseudo-translation of `text`; leading and trailing white space (a script's final line
    break) stays outside the brackets, where gettext's checks expect it."""
    core = text.strip()
    if not core:
        return text
    start = text.index(core)
    made = right_to_left(core) if PSEUDO_LOCALES[code].rtl else accented(core)
    return text[:start] + made + text[start + len(core):]
