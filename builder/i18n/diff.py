"""A word-level diff of the English an entry was translated from and the English it has now:
what the translators' dashboard and the live preview show beside a stale translation."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

# A word, a number, a run of punctuation or of space: "38 °C" changing to "39 °C" shows as one
# number replaced, not as a jumble of letters; spaces are tokens of their own, so a removed word
# keeps the space before it. Scripts written without spaces between words (Chinese, Japanese,
# Thai, Lao, Khmer, Myanmar) are compared character by character: as one \w+ run, a sentence
# with one character changed would show as wholly replaced.
_UNSPACED = ("\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
             "\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f")
_TOKEN = re.compile(rf"[{_UNSPACED}]|[^\W{_UNSPACED}]+|[^\w\s]+|\s+")

SAME, REMOVED, ADDED = "same", "del", "ins"
Piece = tuple[str, str]  # (SAME | REMOVED | ADDED, text)


def word_diff(old: str, new: str) -> tuple[Piece, ...]:
    """The two texts as runs of unchanged, removed and added words, in reading order: the
    unchanged and removed runs read as `old`, the unchanged and added runs as `new`."""
    a, b = _tokens(old), _tokens(new)
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
            add(REMOVED, a[i1:i2])
            add(ADDED, b[j1:j2])
        else:
            add(SAME, b[j1:j2])
    return tuple(out)


def _tokens(text: str) -> list[str]:
    """`text` cut into tokens, a combining mark (an accent, a Thai vowel sign) kept with the
    letter it sits on: never shown as removed or added apart from it."""
    out: list[str] = []
    for found in _TOKEN.findall(text):
        marks = 0
        while out and marks < len(found) and unicodedata.category(found[marks]).startswith("M"):
            marks += 1
        if marks:
            out[-1] += found[:marks]
        if found[marks:]:
            out.append(found[marks:])
    return out


__all__ = ["ADDED", "REMOVED", "SAME", "Piece", "word_diff"]
