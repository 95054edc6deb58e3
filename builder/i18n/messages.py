"""The translatable strings of the content, each with a stable msgctxt `owner/level[/field]`.

Extraction (writing the .pot) and localization (looking translations up) both walk the content
through this module, so the two can never disagree on a context.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from builder.model import LEVELS, Bundle, GlossaryEntry, Level, Topic
from builder.readability import TARGETS

SLIDE_BUDGET = 60  # characters for a slide bullet, told to translators
ALL = "all"  # level key of a string that is the same at every level


@dataclass(frozen=True)
class Msg:
    context: str
    text: str
    loc: tuple[str | int, ...]  # where the string sits in the YAML document, for its line
    comments: tuple[str, ...]


def context(owner: str, level: str, field: str | None = None, index: int | None = None) -> str:
    parts = [owner, level]
    if field:
        parts.append(field if index is None else f"{field}{index + 1}")
    elif index is not None:
        parts.append(f"item{index + 1}")
    return "/".join(parts)


def _level_note(level: str) -> str:
    if level == ALL:
        return "Level: all (the same text at every reading level)."
    target = TARGETS[level]  # type: ignore[index]
    return f"Level: {level} (English target: Flesch-Kincaid grade <= {target:g})."


def _walk(owner: str, value: object, loc: tuple[str | int, ...], field: str | None,
          notes: tuple[str, ...]) -> Iterator[Msg]:
    if value is None:
        return
    per_level = value if isinstance(value, dict) else {ALL: value}
    for level, text in per_level.items():
        level_loc = loc if not isinstance(value, dict) else (*loc, level)
        comments = (_level_note(level), *notes)
        if isinstance(text, list):
            for index, item in enumerate(text):
                yield Msg(context(owner, level, field or "item", index), item,
                          (*level_loc, index), comments)
        else:
            yield Msg(context(owner, level, field), str(text), level_loc, comments)


FIELD_NOTES = {
    "slide": (f"Slide bullet: at most {SLIDE_BUDGET} characters, no full stop.",),
    "term": ("Glossary term (a word or short phrase).",),
    "alt": ("Alternative text of an image, read aloud by screen readers.",),
    "title": ("Title.",),
}
KEEP = "Keep {placeholders}, **markup**, links and every number (in digits) exactly."


def topic_messages(topic: Topic) -> Iterator[Msg]:
    for name in ("title", "summary"):
        yield from _walk(f"{topic.id}/@{name}", getattr(topic, name), (name,), None,
                         FIELD_NOTES.get(name, ()))
    yield from _walk(f"{topic.id}/@reviewer_role", topic.review.reviewer_role,
                     ("review", "reviewer_role"), None,
                     ("Who reviews the topic: a medical specialty, printed in the review note.",))
    if topic.link:
        yield from _walk(f"{topic.id}/@link", topic.link.label, ("link", "label"), None,
                         ("Label printed beside a QR code.",))
    for index, block in enumerate(topic.blocks):
        owner = f"{topic.id}/{block.id}"
        base = ("blocks", index)
        note = (f"Block type: {block.type}.", KEEP)
        for name in block.kind.strings:
            field = None if name in ("text", "items") else name
            yield from _walk(owner, getattr(block, name), (*base, name), field,
                             (*note, *FIELD_NOTES.get(name, ())))


def glossary_messages(entry: GlossaryEntry, index: int) -> Iterator[Msg]:
    owner = f"glossary/{entry.id}"
    yield from _walk(owner, entry.term, ("terms", index, "term"), "term", FIELD_NOTES["term"])
    yield from _walk(owner, entry.text, ("terms", index, "text"), None, (KEEP,))


def bundle_messages(bundle: Bundle, index: int) -> Iterator[Msg]:
    for name in ("title", "summary"):
        yield from _walk(f"bundle/{bundle.id}/@{name}", getattr(bundle, name),
                         ("bundles", index, name), None, ())


def level_key(value: object, level: Level) -> str:
    return level if isinstance(value, dict) else ALL


__all__ = ["LEVELS", "Msg", "bundle_messages", "context", "glossary_messages", "level_key",
           "topic_messages"]
