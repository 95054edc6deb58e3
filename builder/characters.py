"""The characters no text may hold, in content, catalogs, profiles or outputs; one set of rules.

C0 controls except tab and newline, DEL and C1 controls never print (python-pptx writes them as
a visible "_x001B_", lxml refuses some); lone surrogates (from an escape such as "\\ud800") are
no character at all; bidi overrides can show "12" as "21" (a dose, a count).
"""

from __future__ import annotations

import re

FORBIDDEN_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
OVERRIDE_RE = re.compile(r"[\u202d\u202e]")  # isolates (U+2066-U+2069) are fine
SURROGATES = range(0xD800, 0xE000)  # UTF-16 halves: never a character of their own


def describe(char: str) -> str:
    """"control character U+001B" or "lone surrogate U+D800": what a forbidden character is."""
    code = ord(char)
    kind = "lone surrogate" if code in SURROGATES else "control character"
    return f"{kind} U+{code:04X}"


def show(value: object, limit: int = 40) -> str:
    """`value` quoted for a message: forbidden characters escaped, never printed."""
    text = str(value)[:limit]
    return "'" + FORBIDDEN_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "'"


def masked(text: str) -> str:
    """`text` with each forbidden character as "?" (a third-party message quoting our input)."""
    return FORBIDDEN_RE.sub("?", text)


def without_forbidden(text: str) -> str:
    """`text` without its forbidden characters (what may reach an output's XML)."""
    return FORBIDDEN_RE.sub("", text)
