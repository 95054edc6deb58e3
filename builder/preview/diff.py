"""A word-level diff of the English an entry was translated from and the English it has now."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

# A word, a number, a run of punctuation or of space: "38 °C" changing to "39 °C" shows as one
# number replaced, not as a jumble of letters; spaces are tokens of their own, so a removed word
# keeps the space before it.
_TOKEN = re.compile(r"\w+|[^\w\s]+|\s+")

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

    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    # A lone space kept between two changes belongs to them: "some months" -> "a time" reads as
    # one phrase replaced, not as "some" -> "a", " ", "months" -> "time".
    spans: list[tuple[bool, int, int, int, int]] = []
    for index, (op, i1, i2, j1, j2) in enumerate(ops):
        between = 0 < index < len(ops) - 1 and ops[index - 1][0] != "equal" \
            and ops[index + 1][0] != "equal" and not "".join(a[i1:i2]).strip()
        changed = op != "equal" or between
        if changed and spans and spans[-1][0]:
            spans[-1] = (True, spans[-1][1], i2, spans[-1][3], j2)
        else:
            spans.append((changed, i1, i2, j1, j2))
    for changed, i1, i2, j1, j2 in spans:
        if changed:
            add("-", a[i1:i2])
            add("+", b[j1:j2])
        else:
            add("=", b[j1:j2])
    return out


__all__ = ["word_diff"]
