"""The small inline markup of content text: **strong**, *emphasis*, [links](https://…), {placeholders}.

One parser (markdown-it-py, every block rule and raw HTML off) feeds every output format:
HTML for the PDF, styled runs for the deck, plain text for readability and verification.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from markdown_it import MarkdownIt

from builder.characters import FORBIDDEN_RE, OVERRIDE_RE, describe

PLACEHOLDERS = ("clinic_name", "clinic_phone", "clinic_web")
PLACEHOLDER_RE = re.compile(r"\{([^{}\s]*)\}")
HTML_RE = re.compile(r"<\s*/?\s*[A-Za-z!?][^>]*>?")
LINK_SCHEMES = ("https://", "mailto:", "tel:")
URL_RE = re.compile(r"\b(?:[a-z][a-z0-9+.-]*):(?://)?[^\s)\]]+", re.IGNORECASE)
# What a reader types exactly as printed: web addresses, e-mail addresses, domain names and
# international phone numbers. No output may hyphenate them or break a line inside them.
_URL_TAIL = r"[A-Za-z0-9_.~:/?#@!$&*+,;=%-]*[A-Za-z0-9_~/#=%&-]"
UNBROKEN_RE = re.compile(
    rf"(?:https?|mailto|tel):{_URL_TAIL}"
    r"|[A-Za-z0-9_.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
    r"|\b(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+(?:gov|org|com|net|edu|int|info|eu|uk|de|fr|es)\b"
    rf"(?:/{_URL_TAIL})?"
    r"|\+\d[\d ()./\u00a0-]{4,}\d")


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None
    lang: str | None = None  # a run in another language than its paragraph (English fallback)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False})
    return md.enable(["emphasis", "link", "escape"])


def check_markup(text: str) -> str | None:
    """Why `text` may not be used as content or translation text, or None when it is fine."""
    return _character_problem(text) or _reference_problem(text)


def _character_problem(text: str) -> str | None:
    """Characters and markup no text may hold: control characters, bidi overrides, raw HTML."""
    bad = FORBIDDEN_RE.search(text)
    if bad:
        return f"{describe(bad.group())} is not allowed in text: delete it"
    bad = OVERRIDE_RE.search(text)
    if bad:
        return (f"bidi override U+{ord(bad.group()):04X} is not allowed: it can reverse how "
                "numbers and words are shown; delete it (isolates U+2066-U+2069 are fine)")
    html = HTML_RE.search(text)
    if html:
        return (f"raw HTML {html.group()[:40]!r} is not allowed: use **strong**, "
                "*emphasis* or [text](https://…)")
    return None


def _reference_problem(text: str) -> str | None:
    """Addresses, placeholders and links a text may not use."""
    for match in URL_RE.finditer(text):
        url = match.group()
        if url.lower().startswith(("file:", "http:", "ftp:", "data:", "javascript:")):
            return (f"address {url[:60]!r} is not allowed: only https:// links may appear in "
                    "text; use the https:// address or remove it")
    for match in PLACEHOLDER_RE.finditer(text):
        if match.group(1) not in PLACEHOLDERS:
            return (f"unknown placeholder {match.group()!r}: use one of "
                    + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + ", or drop the braces")
    for span in parse(text, {}):
        if span.href and not span.href.startswith(LINK_SCHEMES):
            return (f"link {span.href[:60]!r} is not allowed: only https://, mailto: and tel: "
                    "links; correct the address or remove the link")
    return None


@lru_cache(maxsize=8192)
def _parse(text: str) -> tuple[Span, ...]:
    tokens = _parser().parseInline(text)
    spans: list[Span] = []
    bold = italic = 0
    href: str | None = None
    for token in tokens[0].children or [] if tokens else []:
        kind = token.type
        if kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind == "em_open":
            italic += 1
        elif kind == "em_close":
            italic -= 1
        elif kind == "link_open":
            href = str(token.attrGet("href") or "")
        elif kind == "link_close":
            href = None
        elif kind in ("text", "softbreak", "hardbreak"):
            content = token.content if kind == "text" else " "
            spans.append(Span(content, bold > 0, italic > 0, href))
    return tuple(_merge(spans))


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for span in spans:
        if out and (out[-1].bold, out[-1].italic, out[-1].href) == (span.bold, span.italic, span.href):
            out[-1] = Span(out[-1].text + span.text, span.bold, span.italic, span.href)
        else:
            out.append(span)
    return out


def parse(text: str, values: dict[str, str]) -> list[Span]:
    """Spans of `text` with placeholders filled from `values` (unknown ones are kept visible)."""
    spans = _parse(text)
    if not values:
        return list(spans)
    return [Span(PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group()), s.text),
                 s.bold, s.italic, s.href) for s in spans]


def unbroken_ranges(text: str, extra: tuple[str, ...] = ()) -> list[tuple[int, int]]:
    """Where `text` holds an address or phone number (UNBROKEN_RE, or one of `extra`)."""
    ranges = [m.span() for m in UNBROKEN_RE.finditer(text)]
    for value in extra:
        start = text.find(value) if value else -1
        while start >= 0:
            ranges.append((start, start + len(value)))
            start = text.find(value, start + len(value))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def unbroken_html(text: str, extra: tuple[str, ...]) -> str:
    """`text` escaped, each address or phone number in a left-to-right span kept on one line."""
    out, position = [], 0
    for start, end in unbroken_ranges(text, extra):
        out.append(escape(text[position:start], quote=False))
        out.append(f'<span class="unbroken" dir="ltr">{escape(text[start:end], quote=False)}</span>')
        position = end
    out.append(escape(text[position:], quote=False))
    return "".join(out)


def to_html(text: str, values: dict[str, str]) -> str:
    out = []
    extra = tuple(v for k, v in values.items() if k == "clinic_phone")
    for span in parse(text, values):
        piece = unbroken_html(span.text, extra)
        if span.italic:
            piece = f"<em>{piece}</em>"
        if span.bold:
            piece = f"<strong>{piece}</strong>"
        if span.href:
            piece = f'<a href="{escape(span.href)}">{piece}</a>'
        out.append(piece)
    return "".join(out)


def to_plain(text: str, values: dict[str, str] | None = None) -> str:
    return "".join(span.text for span in parse(text, values or {}))


def markup_signature(text: str) -> tuple[tuple[bool, bool, str | None], ...]:
    """The shape of the markup (styles and link targets, in order), to compare a translation."""
    return tuple((s.bold, s.italic, s.href) for s in _parse(text) if s.text.strip()
                 and (s.bold or s.italic or s.href))


def normalize(text: str) -> str:
    return unicodedata.normalize("NFC", text)
