"""`--format html`: the exact HTML handed to WeasyPrint, for preview and debugging."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import segno
from babel.dates import format_date
from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    pass_context,
)
from jinja2.runtime import Context
from markupsafe import Markup, escape

from builder.builders import RenderContext
from builder.document import Doc
from builder.errors import ConfigError
from builder.fonts import font_faces
from builder.markup import to_html, to_plain, unbroken_html

TEMPLATE = "leaflet.html.j2"
BODY_PT = {"easy": 12.5, "standard": 11.0, "detailed": 11.0}
LARGE_PRINT_PT = 16.0
FOOTER_PT = {False: 8.0, True: 12.0}  # the running footer; large print: at least 12 pt


@lru_cache(maxsize=4)
def environment(templates: Path, cache: Path | None = None) -> Environment:
    """Jinja with autoescape on for every template whatever its extension, and StrictUndefined.

    Shared by every render in the process and never changed after it is made: the gettext
    functions of each document are passed with that document's render call, not installed here.
    """
    bytecode = None
    if cache is not None:  # compiled templates, so a one-leaflet build does not recompile
        (cache / "jinja").mkdir(parents=True, exist_ok=True)
        bytecode = FileSystemBytecodeCache(str(cache / "jinja"))
    env = Environment(
        loader=FileSystemLoader(str(templates)),
        bytecode_cache=bytecode,
        autoescape=True,  # not select_autoescape: it looks only at the last extension (.j2)
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # Compile {% trans %} as new-style gettext calls; the real functions come with each render.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


def template_gettext(doc: Doc) -> dict[str, Any]:
    """`gettext`, `ngettext` and `_` for one document's render, as Jinja's new-style i18n calls them.

    The translation itself is escaped before it becomes markup: Jinja would trust a translator's
    `<img src=...>` (hazard: Templates); the variables are escaped by Markup's `%`.
    """

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> str:
        text = escape(doc.gettext(message))
        return text % variables

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        text = escape(doc.ngettext(singular, plural, num))
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}


def N_(message: str) -> str:
    """Mark a UI string for extraction; it is translated where it is used."""
    return message


PAGE_OF = N_("Page %(page)s of %(pages)s")
VERSION = N_("Version %(version)s")
# The personal panel on page 1: written in by hand on paper; the tool never stores patient data.
PANEL_LABELS = (N_("Name:"), N_("Key nurse:"), N_("Next appointment:"), N_("Hospital number:"))

# Page margins (top, right, bottom, left; mm) of each fit tier: the tighter layouts
# the build tries in turn until a leaflet meets its page budget (`leaflet.fit`). The bottom
# margin holds the running footer. The tiers also tighten spacing (leaflet.css, `body.fit-N`)
# and, from tier 2, set easy-read text at 12 pt; no tier goes below a level's floor. Tier 4
# keeps tier 3's margins and sizes and sets the glossary and the end matter in two columns.
FIT_MARGINS_MM = ((18, 17, 20, 17), (14, 15, 17, 15), (12, 14, 16, 14), (10, 13, 14, 13),
                  (10, 13, 14, 13))
FIT_BODY_PT = {"easy": 12.0}  # from tier 2; the other levels are at their floor already
TIGHT_TIER = 2  # from this fit tier: easy-read text at FIT_BODY_PT, no contents box
ONE_SHEET = 2  # pages: a leaflet this short needs no contents box
SPACE = 0x20  # below it: control characters
SHORT_LIST = 4  # a list of at most this many items is never broken over two pages
NOTE_LINE_MM = 9.0  # a write-in line (leaflet.css .write-line)
PAPER_HEIGHT_MM = {"a4": 297.0, "letter": 279.4}


def notes_line_count(paper: str, fit: int) -> int:
    """Write-in lines that fill a "My notes" page under its heading, at fit tier `fit`."""
    top, _end, bottom, _start = FIT_MARGINS_MM[fit]
    return int((PAPER_HEIGHT_MM[paper] - top - bottom - 22) // NOTE_LINE_MM)


def css_string(text: str) -> str:
    """`text` as a CSS string literal that cannot end the string or the <style> element."""
    out = []
    for char in text:
        if char in '"\\<>&' or ord(char) < SPACE:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def footer_content(template: str, counters: dict[str, str]) -> Markup:
    """A CSS `content` value from a translated "Page %(page)s of %(pages)s" and CSS counters."""
    parts: list[str] = []
    rest = template
    while rest:
        positions = [(rest.find(f"%({name})s"), name) for name in counters if f"%({name})s" in rest]
        if not positions:
            parts.append(css_string(rest))
            break
        index, name = min(positions)
        if index:
            parts.append(css_string(rest[:index]))
        parts.append(counters[name])
        rest = rest[index + len(f"%({name})s"):]
    return Markup(" ".join(parts) or '""')


QR_ALT = N_("QR code that opens %(address)s")


@lru_cache(maxsize=32)  # the same few addresses on every leaflet of a batch
def _qr_svg(url: str, colour: str, alt: str) -> Markup:
    qr = segno.make(url, error="m")
    # Inline SVG we generate ourselves; segno escapes the title. WeasyPrint makes the SVG's
    # <title> the /Alt of its Figure: without it the QR code is a Figure with no alternate text.
    svg = qr.svg_inline(scale=3, dark=colour, border=2, omitsize=False, title=alt)
    return Markup(svg)


def text_direction(text: str) -> str:
    """"rtl" or "ltr" by the first strongly directional character, as HTML's dir="auto" does
    (which WeasyPrint does not implement)."""
    import unicodedata

    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def document_text(html: str) -> str:
    """Every character the reader will see, for the font coverage check."""
    from html.parser import HTMLParser

    chunks: list[str] = []

    class Text(HTMLParser):
        skip = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("style", "script", "svg", "title"):
                self.skip += 1

        def handle_endtag(self, tag: str) -> None:
            if tag in ("style", "script", "svg", "title"):
                self.skip -= 1

        def handle_data(self, data: str) -> None:
            if not self.skip:
                chunks.append(data)

    Text(convert_charrefs=True).feed(html)
    return "".join(chunks)


def render_html(doc: Doc, ctx: RenderContext, fit: int = 0, notes_lines: int = 0) -> str:
    """The leaflet's HTML, with large fonts pre-subset to the characters it needs (cached).

    `fit`: the fit tier (0: the normal layout); `notes_lines`: a "My notes" page of that many
    lines at the end (duplex printing), or none.
    """
    base = ctx.charsets.get(doc.lang.code, "")
    chars = base
    for _attempt in range(2):
        faces, stack = font_faces(doc.lang, chars, ctx.cache, ctx.assets.url)
        html = _render_html(doc, ctx, faces, stack, fit, notes_lines)
        if not faces:
            return html
        extra = set(document_text(html)) - set(chars)
        if not extra:
            return html
        chars = "".join(sorted(set(chars) | extra))  # a character the catalogs did not have
    return html


def _render_html(doc: Doc, ctx: RenderContext, font_faces_css: str,
                 font_stack: tuple[str, ...], fit: int = 0, notes_lines: int = 0) -> str:
    env = environment(ctx.templates, ctx.cache)
    try:
        template = env.get_template(TEMPLATE)
        return _render(template, doc, ctx, doc.values, doc.lang.locale, font_faces_css,
                       font_stack, fit, notes_lines)
    except TemplateError as exc:
        raise template_error(exc, ctx.templates) from None


def template_error(exc: TemplateError, templates: Path) -> ConfigError:
    """A Jinja error as `templates/<file>:<line>: message`, never a traceback."""
    name = getattr(exc, "name", None) or getattr(exc, "filename", None)
    line = getattr(exc, "lineno", None)
    if line is None:  # UndefinedError: the line is in the traceback frame of the template
        tb = exc.__traceback__
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.endswith(".j2"):
                name, line = Path(filename).name, tb.tb_lineno
            tb = tb.tb_next
    path = templates / (name or TEMPLATE)
    return ConfigError.at(path, line, f"{exc.message or exc}: fix the template")


def _render(template: Any, doc: Doc, ctx: RenderContext, values: dict[str, str], locale: Any,  # noqa: PLR0913, PLR0917 - the template's inputs, each computed once by the caller
            font_faces_css: str, font_stack: tuple[str, ...], fit: int = 0,
            notes_lines: int = 0) -> str:
    def md(text: str | None) -> Markup:
        return Markup(to_html(text or "", values))

    def date(value: dt.date | None, form: str = "long") -> str:
        if not value:
            return ""
        text = doc.lang.digits(format_date(value, format=form, locale=locale))
        # ru "2026 г." and sr "2026." end in a full stop: the sentence's own stop after it is
        # dropped (see end_after_date); the mark is removed in any case.
        return text + DATE_END if text.endswith(".") else text

    clinic = doc.clinic
    body_pt = LARGE_PRINT_PT if doc.large_print else BODY_PT[doc.level]
    if fit >= TIGHT_TIER and not doc.large_print:
        body_pt = FIT_BODY_PT.get(doc.level, body_pt)
    references, numbers = _references(doc)
    numbered = doc.level == "detailed"

    def cite(topic: Any, block: Any) -> Markup:
        """" [1, 2]" after a block's text in the detailed leaflet: its numbered sources."""
        if not numbered or not block.cites:
            return Markup("")
        cited = sorted({numbers[(topic.id, source_id)] for source_id in block.cites})
        return Markup(' <span class="cite" dir="ltr">[{}]</span>').format(
            ", ".join(str(n) for n in cited))

    signs, default = clinic.urgent_signs
    # The contact box always points to the clinic; a topic's own link gets its own code.
    qr_url = clinic.profile.qr or clinic.profile.web
    links: list[dict[str, Any]] = []
    for topic in doc.topics:
        if topic.link_url and topic.link_url not in {qr_url, *(x["url"] for x in links)}:
            links.append({"url": topic.link_url, "svg": _qr_svg(topic.link_url, "#000000",
                                                 doc.gettext(QR_ALT) % {"address": topic.link_url}),
                          "label": topic.link_label or "",
                          "owner": f"{topic.id}/@link",  # its catalog entry, for the preview
                          "english": "link_label" in topic.english})
    context: dict[str, Any] = {
        "doc": doc,
        "clinic": clinic.profile,
        **template_gettext(doc),
        "asset": ctx.assets.url,
        "logo_url": ctx.assets.url(clinic.logo) if clinic.logo else None,
        "md": md,
        "plain": lambda text: to_plain(text or "", values),
        "date": date,
        "text_direction": text_direction,
        "unbroken": lambda text: Markup(unbroken_html(text or "", ())),
        "body_pt": body_pt,
        "footer_pt": FOOTER_PT[doc.large_print],
        "english_versions": list(dict.fromkeys((version, when) for _topic, version, when
                                               in doc.provenance.source_versions)),
        "accent": clinic.profile.accent,
        "qr_svg": _qr_svg(qr_url, "#000000", doc.gettext(QR_ALT) % {"address": qr_url}),
        "qr_url": qr_url,
        "references": references,
        "numbered": numbered,
        "cite": cite,
        "urgent": clinic.urgent,
        "urgent_signs": [(doc.gettext(s), doc.gettext(s) == s and not doc.lang.code.startswith("en"))
                         for s in signs],
        "urgent_default": default,
        "links": links,
        "fit": fit,
        "margins": " ".join(f"{mm}mm" for mm in FIT_MARGINS_MM[fit]),
        # A contents box helps a reader find a topic in a long leaflet: not on one sheet, nor
        # where a bundle carries only a few blocks of its topics.
        "contents": doc.kind == "bundle" and fit < TIGHT_TIER
                    and not (doc.pages and doc.pages <= ONE_SHEET)
                    and not any(topic.omitted for topic in doc.topics),
        "panel_labels": [doc.gettext(label) for label in PANEL_LABELS],
        "notes_lines": notes_lines,
        "review_groups": review_groups(doc),
        "SHORT_LIST": SHORT_LIST,
        "stylesheet": ctx.assets.url(ctx.templates / "leaflet.css"),
        "paper": "A4" if doc.paper == "a4" else "letter",
        "font_faces": Markup(font_faces_css),
        "font_stack": font_stack,
        "footer_right": footer_content(doc.gettext(PAGE_OF),
                                       {"page": f"counter(page, {doc.lang.counter_style})",
                                        "pages": f"counter(pages, {doc.lang.counter_style})"}),
        "caps": lambda text: greek_caps(str(text)) if doc.lang.script == "Grek" else text,
        "footer_left": Markup(css_string(to_plain(doc.title, values) + " · " + doc.gettext(VERSION)
                                         % {"version": doc.provenance.source_versions[0][1]})),
    }
    html = end_after_date(template.render(context))
    return keep_words(html) if doc.lang.script == "Kore" else html


DATE_END = "\u2063"  # INVISIBLE SEPARATOR: marks a date that ends in a full stop, never printed


def end_after_date(html: str) -> str:
    """One full stop after a date that has its own: "2026 г.." -> "2026 г."."""
    return html.replace(DATE_END + ".", "").replace(DATE_END, "")


def greek_caps(text: str) -> str:
    """Greek in capitals as Greek writes them: without the tonos ("ΒΑΣΙΚΟ ΣΗΜΕΙΟ").

    CSS `text-transform: uppercase` keeps the accents (ΒΑΣΙΚΌ), which is wrong in Greek.
    The dialytika stays (ΪΫ), as does the text of every other script.
    """
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text.upper())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed
                                                if c not in "\u0301\u0342\u0313\u0314"))


_HANGUL_WORD = re.compile(r"[^\s<>]*[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f][^\s<>]*")


def keep_words(html: str) -> str:
    """Korean breaks lines at spaces, not between syllables (CSS `word-break: keep-all`,
    which WeasyPrint does not support): each word of the body's text in a no-wrap span."""
    head, sep, body = html.partition("<body")
    if not sep:
        return html

    def text_node(match: re.Match[str]) -> str:
        return ">" + _HANGUL_WORD.sub(lambda w: f'<span class="nowrap">{w.group()}</span>',
                                      match.group(1)) + "<"

    return head + sep + re.sub(r">([^<>]+)<", text_node, body)


def review_groups(doc: Doc) -> list[list[Any]]:
    """The document's topics, grouped where their review lines would read the same."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for topic in doc.topics:
        key = (topic.review, topic.version, topic.reviewer_role, "reviewer_role" in topic.english)
        groups.setdefault(key, []).append(topic)
    return list(groups.values())


def _references(doc: Doc) -> tuple[list[Any], dict[tuple[str, str], int]]:
    """Every source of the document once (by title), numbered in order of first mention."""
    references: list[Any] = []
    by_title: dict[str, int] = {}
    numbers: dict[tuple[str, str], int] = {}
    for topic in doc.topics:
        for source in topic.sources:
            if source.title not in by_title:
                references.append(source)
                by_title[source.title] = len(references)
            if source.id:
                numbers[(topic.id, source.id)] = by_title[source.title]
    return references, numbers
