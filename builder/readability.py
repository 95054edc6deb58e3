"""Reading-level measurement: Flesch-Kincaid grade for English, labelled measures elsewhere."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from builder.model import Level, Topic

if TYPE_CHECKING:
    from builder.document import LocalizedTopic

TARGETS: dict[Level, float] = {"easy": 6.0, "standard": 8.0, "detailed": 12.0}


@dataclass(frozen=True)
class Score:
    value: float
    measure: str  # what the number is, shown in the table header
    target: float | None  # None: no target for this language (reported, not judged)

    @property
    def ok(self) -> bool:
        return self.target is None or self.value <= self.target


def _sentences(texts: list[str]) -> str:
    # Each block is its own sentence, even a list item without a full stop.
    out = []
    for block in texts:
        text = block.strip()
        if text and text[-1] not in ".!?。！？؟:":
            text += "."
        out.append(text)
    return " ".join(out)


def score(texts: list[str], lang: str, level: Level) -> Score:
    import textstat  # slow to import (loads dictionaries); only `check` needs it

    body = _sentences(texts)
    base = lang.split("_", maxsplit=1)[0]
    if base == "en":
        textstat.set_lang("en")
        return Score(round(textstat.flesch_kincaid_grade(body), 1), "FK grade", TARGETS[level])
    if base == "es":
        textstat.set_lang("es")
        return Score(round(textstat.fernandez_huerta(body), 1), "Fernández-Huerta ease", None)
    if base == "de":
        textstat.set_lang("de")
        return Score(round(textstat.wiener_sachtextformel(body, 1), 1), "Wiener Sachtextformel", None)
    if base in ("fr", "it", "nl"):
        textstat.set_lang(base)
        return Score(round(textstat.flesch_reading_ease(body), 1), f"Flesch ease ({base})", None)
    if base in ("zh", "ja"):
        parts = [p for p in re.split(r"[。！？!?\n]+", body) if p.strip()]
        chars = sum(len(re.sub(r"\s", "", p)) for p in parts)
        return Score(round(chars / max(len(parts), 1), 1), "proxy: chars/sentence", None)
    parts = [p for p in re.split(r"[.!?؟。\n]+", body) if p.strip()]
    words = sum(len(p.split()) for p in parts)
    return Score(round(words / max(len(parts), 1), 1), "proxy: words/sentence", None)


PROSE_FIELDS = ("text", "items", "caption")  # slide bullets are not sentences


def topic_prose(topic: Topic, level: Level) -> list[str]:
    """The English sentences a reader of `topic` at `level` reads: summary and every prose block."""
    from builder.markup import to_plain
    from builder.model import at_level

    texts = [at_level(topic.summary, level)]
    for block in topic.blocks:
        if level not in block.levels() or not block.kind.prose:
            continue
        for name in PROSE_FIELDS:
            value = at_level(getattr(block, name, None), level)
            if value is None:
                continue
            texts += value if isinstance(value, list) else [value]
    return [to_plain(t) for t in texts if t]


def localized_prose(topic: LocalizedTopic) -> list[str]:
    """The same sentences as `topic_prose`, from a localized topic (builder.document.LocalizedTopic)."""
    from builder.markup import to_plain

    texts = [topic.summary]
    for block in topic.blocks:
        if not block.kind.prose:
            continue
        texts += [t for t in (block.text, *block.items, block.caption) if t]
    return [to_plain(t) for t in texts]
