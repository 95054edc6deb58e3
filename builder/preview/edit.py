"""Edit one entry of a PO file on disk as a translator's editor saves it: for `make bench`, the
README pictures and the tests of the live preview."""

from __future__ import annotations

from pathlib import Path


def set_msgstr(path: Path, context: str, text: str, previous: str | None = None) -> int:
    """Give the entry `context` a one-line msgstr; with `previous`, mark it fuzzy with that old
    English as `#| msgid`. Returns the line of the entry's msgid (where QA reports it)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    start = lines.index(f'msgctxt "{context}"')
    at = next(n for n in range(start, len(lines)) if lines[n].startswith("msgstr"))
    end = next(n for n in range(at + 1, len(lines) + 1)
               if n == len(lines) or not lines[n].startswith('"'))
    lines[at:end] = [f"msgstr {quote(text)}"]
    if previous is not None:
        lines[start:start] = ["#, fuzzy", f"#| msgid {quote(previous)}"]
        start += 2
    path.write_text("\n".join(lines), encoding="utf-8")
    return start + 2  # 1-based line of the msgid, right after the msgctxt


def msgid_of(path: Path, context: str) -> str:
    """The English of an entry (its msgid, joined over continuation lines)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines.index(f'msgctxt "{context}"') + 1
    parts = [lines[at][len("msgid "):]]
    for line in lines[at + 1:]:
        if not line.startswith('"'):
            break
        parts.append(line)
    return "".join(p[1:-1] for p in parts).replace('\\"', '"').replace("\\\\", "\\")


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


__all__ = ["msgid_of", "set_msgstr"]
