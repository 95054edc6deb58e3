"""A word-level diff of the English an entry was translated from and the English it has now."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

# A word, a number or a run of punctuation, with the space after it: "38 °C" changing to "39 °C"
# shows as one word replaced, not as a jumble of letters.
_TOKEN = re.compile(r"\w+\s*|[^\w\s]+\s*|\s+")

Piece = tuple[str, str]  # ("=" same, "-" only in the old English, "+" only in the new; text)


def word_diff(old: str, new: str) -> list[Piece]:
    """The two texts as runs of unchanged, removed and added words, in reading order."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    out: list[Piece] = []

    def add(op: str, words: list[str]) -> None:
        if not words:
            return
        text = "".join(words)
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))

    # Compare words without their trailing space: "dose " and "dose." differ, "dose" and
    # "dose " do not.
    matcher = SequenceMatcher(None, [t.rstrip() for t in a], [t.rstrip() for t in b],
                              autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            add("=", b[j1:j2])
        else:
            add("-", a[i1:i2])
            add("+", b[j1:j2])
    return out


__all__ = ["word_diff"]
