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
)
from markupsafe import Markup

from builder.builders import RenderContext, register
from builder.document import Doc
from builder.errors import ConfigError
from builder.fonts import font_faces
from builder.localize import escaped
from builder.markup import to_html, to_plain

TEMPLATE = "leaflet.html.j2"
BODY_PT = {"easy": 12.5, "standard": 11.0, "detailed": 11.0}
LARGE_PRINT_PT = 16.0


@lru_cache(maxsize=4)
def environment(templates: Path, cache: Path | None = None) -> Environment:
    """Jinja with autoescape on for every template whatever its extension, and StrictUndefined."""
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
    return env


def N_(message: str) -> str:
    """Mark a UI string for extraction; it is translated where it is used."""
    return message


PAGE_OF = N_("Page %(page)s of %(pages)s")
VERSION = N_("Version %(version)s")


def css_string(text: str) -> str:
    """`text` as a CSS string literal that cannot end the string or the <style> element."""
    out = []
    for char in text:
        if char in '"\\<>&' or ord(char) < 0x20:
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


@lru_cache(maxsize=32)  # the same few addresses on every leaflet of a batch
def _qr_svg(url: str, colour: str) -> Markup:
    qr = segno.make(url, error="m")
    # Inline SVG we generate ourselves; nothing of the user's reaches it but the URL's modules.
    svg = qr.svg_inline(scale=3, dark=colour, border=2, omitsize=False)
    return Markup(svg)


def render_html(doc: Doc, ctx: RenderContext) -> str:
    """The leaflet's HTML, with large fonts pre-subset to the characters it needs (cached)."""
    base = ctx.charsets.get(doc.lang.code, "")
    chars = base
    for _attempt in range(2):
        faces, stack = font_faces(doc.lang, chars, ctx.cache)
        html = _render_html(doc, ctx, faces, stack)
        if not faces:
            return html
        from builder.builders.leaflet import document_text

        extra = set(document_text(html)) - set(chars)
        if not extra:
            return html
        chars = "".join(sorted(set(chars) | extra))  # a character the catalogs did not have
    return html


def _render_html(doc: Doc, ctx: RenderContext, font_faces_css: str,
                 font_stack: tuple[str, ...]) -> str:
    env = environment(ctx.templates, ctx.cache)
    env.install_gettext_callables(escaped(doc.gettext), escaped(doc.ngettext),  # type: ignore[attr-defined]
                                  newstyle=True)
    try:
        template = env.get_template(TEMPLATE)
        return _render(template, doc, ctx, doc.values, doc.lang.locale, font_faces_css,
                       font_stack)
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


def _render(template: Any, doc: Doc, ctx: RenderContext, values: dict[str, str], locale: Any,
            font_faces_css: str, font_stack: tuple[str, ...]) -> str:
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
    qr_url = next((t.link_url for t in doc.topics if t.link_url), None) or clinic.profile.qr \
        or clinic.profile.web
    qr_label = next((t.link_label for t in doc.topics if t.link_url), None)
    context: dict[str, Any] = {
        "doc": doc,
        "clinic": clinic.profile,
        "logo_url": clinic.logo.as_uri() if clinic.logo else None,
        "md": md,
        "plain": lambda text: to_plain(text or "", values),
        "date": date,
        "body_pt": body_pt,
        "accent": clinic.profile.accent,
        "qr_svg": _qr_svg(qr_url, "#000000"),
        "qr_url": qr_url,
        "qr_label": qr_label,
        "stylesheet": (ctx.templates / "leaflet.css").as_uri(),
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


class HtmlBuilder:
    name = "html"
    extension = "html"

    def build(self, doc: Doc, ctx: RenderContext) -> bytes:
        return render_html(doc, ctx).encode("utf-8")


register(HtmlBuilder())
