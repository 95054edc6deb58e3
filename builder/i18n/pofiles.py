"""Writing PO/POT files: atomically, keeping the `X-` headers Babel drops, with `#|` previous ids."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import normalize, write_po

from builder.output import atomic_write

# Headers of ours that Babel's reader discards; we carry them over by hand.
KEPT_HEADERS = ("X-Review-Status", "X-Reviewed-By", "X-Reviewed-Date", "X-Source-Language")
_HEADER_RE = re.compile(r'^"([A-Za-z0-9-]+):\s*(.*?)(?:\\n)?"\s*$')


def raw_headers(text: str) -> dict[str, str]:
    """The header fields of a PO file as written, including the ones Babel drops."""
    headers: dict[str, str] = {}
    in_header = False
    for line in text.splitlines():
        if line.startswith('msgid ""'):
            in_header = True
            continue
        if in_header:
            if line.startswith("msgstr") or line.startswith('"'):
                match = _HEADER_RE.match(line.removeprefix("msgstr ").strip())
                if match:
                    headers[match.group(1)] = match.group(2).strip()
                continue
            break
    return headers


def render_catalog(catalog: Catalog, extra_headers: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    # Babel wraps long `#| msgid` lines into something neither it nor msgfmt reads back, so
    # the previous ids are written here, in GNU gettext's layout.
    write_po(buffer, catalog, width=100, include_previous=False, ignore_obsolete=False)
    text = buffer.getvalue().decode("utf-8")
    text = _insert_previous(text, catalog)
    extra = "".join(f'"{k}: {v}\\n"\n' for k, v in extra_headers.items() if v is not None)
    if extra:
        # The header entry ends at the first blank line; our fields go last in it.
        head, sep, rest = text.partition("\n\n")
        text = head + "\n" + extra.rstrip("\n") + sep + rest
    return text.encode("utf-8")


def write_catalog(path: Path, catalog: Catalog, extra_headers: dict[str, str]) -> None:
    atomic_write(path, render_catalog(catalog, extra_headers))


def _insert_previous(text: str, catalog: Catalog) -> str:
    previous = {m.context: m.previous_id[0] for m in catalog
                if m.id and m.context and m.previous_id and m.fuzzy}
    if not previous:
        return text
    out = []
    for line in text.splitlines(keepends=True):
        if line.startswith('msgctxt "'):
            context = _unquote(line[len("msgctxt "):].strip())
            if context in previous:
                out.append(f"#| msgctxt {normalize(context, prefix='#| ', width=100)}\n")
                out.append(f"#| msgid {normalize(previous[context], prefix='#| ', width=100)}\n")
        out.append(line)
    return "".join(out)


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)),
                  literal[1:-1])


def read_previous(text: str) -> dict[str, str]:
    """`#| msgid` of each fuzzy entry, by msgctxt: Babel's reader drops these lines."""
    found: dict[str, str] = {}
    context: str | None = None
    previous: str | None = None
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#|"):
            body = line[2:].strip()
            for keyword in ("msgctxt", "msgid"):
                if body.startswith(keyword + " "):
                    current = keyword
                    body = body[len(keyword) + 1:].strip()
                    if keyword == "msgid":
                        previous = ""
                    else:
                        context = ""
            if body.startswith('"') and body.endswith('"') and current:
                value = _unquote(body)
                if current == "msgid" and previous is not None:
                    previous += value
                elif current == "msgctxt" and context is not None:
                    context += value
            continue
        if line.startswith('msgctxt "') and previous is not None:
            found[_unquote(line[len("msgctxt "):].strip())] = previous
        if not line.startswith("#"):
            context = previous = current = None
    return found
