"""Writing PO/POT files: atomically, keeping the `X-` headers Babel drops, with `#|` previous ids."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

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
    write_po(buffer, catalog, width=100, include_previous=True, ignore_obsolete=False)
    text = buffer.getvalue().decode("utf-8")
    extra = "".join(f'"{k}: {v}\\n"\n' for k, v in extra_headers.items() if v is not None)
    if extra:
        # The header entry ends at the first blank line; our fields go last in it.
        head, sep, rest = text.partition("\n\n")
        text = head + "\n" + extra.rstrip("\n") + sep + rest
    return text.encode("utf-8")


def write_catalog(path: Path, catalog: Catalog, extra_headers: dict[str, str]) -> None:
    atomic_write(path, render_catalog(catalog, extra_headers))
