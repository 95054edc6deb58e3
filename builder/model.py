"""The content schema: topics, blocks, glossary, bundles. Unknown keys are errors."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from builder.markup import check_markup

Level = Literal["easy", "standard", "detailed"]
LEVELS: tuple[Level, ...] = ("easy", "standard", "detailed")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _clean(value: str) -> str:
    problem = check_markup(value)
    if problem:
        raise ValueError(problem)
    return value


# A per-level field is one value for every level, or {level: value} for some levels.

def at_level(value: str | dict[Level, str] | None, level: Level) -> str | None:
    """The value of a per-level field at `level` (None: not given at that level)."""
    if value is None or isinstance(value, str):
        return value
    return value.get(level)


def levels_of(value: object) -> set[Level]:
    """The levels a per-level field is given for."""
    if value is None:
        return set()
    if isinstance(value, dict):
        return set(value)
    return set(LEVELS)


PerLevel = str | dict[Level, str]
PerLevelList = list[str] | dict[Level, list[str]]


def _check_per_level(value: object) -> object:
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("text is empty: write the text or delete the line")
        _clean(value)
    elif isinstance(value, dict):
        if not value:
            raise ValueError("give the text for at least one level (easy, standard, detailed)")
        for item in value.values():
            _check_per_level(item)
    elif isinstance(value, list):
        if not value:
            raise ValueError("list is empty: add items or delete the line")
        for item in value:
            _check_per_level(item)
    return value


class BlockBase(Strict):
    id: Annotated[str, Field(pattern=ID_PATTERN)]
    type: str  # each block type narrows it to its Literal name (the union's discriminator)
    # Ids of the topic's `sources` this block's facts rest on (printed as numbered references in
    # the detailed leaflet; `handout check` lists medical claims that cite none).
    cites: list[Annotated[str, Field(pattern=ID_PATTERN)]] = []

    @field_validator("*", mode="after")
    @classmethod
    def _texts(cls, value: object, info: object) -> object:
        name = getattr(info, "field_name", "")
        if name in {"text", "slide", "items", "alt", "caption", "term"} and value is not None:
            _check_per_level(value)
        return value

    @property
    def kind(self) -> BlockKind:
        return BLOCK_KINDS[self.type]

    def levels(self) -> set[Level]:
        """The reading levels this block exists at: those its main text is given for."""
        return levels_of(getattr(self, self.kind.levels_from))

    @model_validator(mode="after")
    def _slide_levels(self) -> BlockBase:
        slide = getattr(self, "slide", None)
        if isinstance(slide, dict):
            extra = set(slide) - self.levels()
            if extra:
                raise ValueError(f"slide text given for {sorted(extra)} where the block has no "
                                 "text: add the text at that level or delete the slide text")
        return self


class Heading(BlockBase):
    type: Literal["heading"]
    text: PerLevel


class Paragraph(BlockBase):
    type: Literal["paragraph"]
    text: PerLevel
    slide: PerLevel | None = None


class ListBlock(BlockBase):
    type: Literal["list"]
    text: PerLevel | None = None  # optional lead-in sentence
    items: PerLevelList
    ordered: bool = False


class KeyPoint(BlockBase):
    type: Literal["keypoint"]
    text: PerLevel
    slide: PerLevel | None = None


class Checklist(BlockBase):
    type: Literal["checklist"]
    text: PerLevel | None = None  # heading of the checklist
    items: PerLevelList
    write_in: Annotated[int, Field(ge=0, le=12)] = 3


class Term(BlockBase):
    type: Literal["term"]
    term: PerLevel
    text: PerLevel


class Image(BlockBase):
    type: Literal["image"]
    src: str
    alt: PerLevel
    caption: PerLevel | None = None

    @property
    def text(self) -> PerLevel:
        return self.alt


class SlideOnly(BlockBase):
    type: Literal["slide"]
    text: PerLevel  # slide title
    items: PerLevelList


class NotesOnly(BlockBase):
    type: Literal["notes"]
    text: PerLevel


class Discussion(BlockBase):
    type: Literal["discussion"]
    text: PerLevel | None = None
    items: PerLevelList


# How a deck shows a block (builders/deck reads it): the first slide of a section and its title;
# a bullet from the block's `slide:` text (its text in the notes); its lead-in and items as
# bullets; a slide of its own ("questions": checklist, "discussion": prompts, "own-slide");
# the glossary slide; a picture slide; the speaker notes only.
DeckRole = Literal["section", "bullet", "bullets", "questions", "discussion", "own-slide",
                   "glossary", "picture", "notes"]


@dataclass(frozen=True)
class BlockKind:
    """What one block type is, and what every part of the builder does with it.

    The one place a block type is described: extraction and localization read `strings`, the
    schema `levels_from`, `--verify` `page_text`, `handout check` `claim` (and `deck` for the
    slide warnings), readability `prose`, the leaflet `leaflet`, the deck `deck`. A new type is a
    model class above, an entry in BLOCK_KINDS and its template `templates/<leaflet>`.
    """

    model: type[BlockBase]
    strings: tuple[str, ...]  # its translatable fields, in the order the catalogs list them
    levels_from: str  # the field whose levels are the block's levels ("items" for lists)
    page_text: tuple[str, ...]  # what a reader must find on the page (`--verify`)
    leaflet: str | None  # its leaflet template, under templates/ (None: shown on slides only)
    deck: DeckRole
    prose: bool  # readability counts its text as sentences (headings, titles, bullets are not)
    claim: bool  # `handout check` looks in it for a medical claim that cites no source
    text_from: str = "text"  # the field a localized block shows as its `text` (an image: alt)

    @property
    def name(self) -> str:
        """The block's `type:` in content files."""
        return str(get_args(self.model.model_fields["type"].annotation)[0])


def _kinds(*kinds: BlockKind) -> dict[str, BlockKind]:
    return {kind.name: kind for kind in kinds}


# In the order the schema lists them (error messages name the types in this order).
BLOCK_KINDS: dict[str, BlockKind] = _kinds(
    BlockKind(Heading, ("text",), "text", ("text", "items"), "blocks/heading.html.j2", "section",
              prose=False, claim=False),
    BlockKind(Paragraph, ("text", "slide"), "text", ("text", "items"),
              "blocks/paragraph.html.j2", "bullet", prose=True, claim=True),
    BlockKind(ListBlock, ("text", "items"), "items", ("text", "items"), "blocks/list.html.j2",
              "bullets", prose=True, claim=True),
    BlockKind(KeyPoint, ("text", "slide"), "text", ("text", "items"), "blocks/keypoint.html.j2",
              "bullet", prose=True, claim=True),
    BlockKind(Checklist, ("text", "items"), "items", ("text", "items"),
              "blocks/checklist.html.j2", "questions", prose=True, claim=False),
    BlockKind(Term, ("term", "text"), "text", ("term", "text"), "blocks/term.html.j2", "glossary",
              prose=True, claim=True),
    BlockKind(Image, ("alt", "caption"), "alt", ("caption",), "blocks/image.html.j2", "picture",
              prose=False, claim=True, text_from="alt"),
    BlockKind(SlideOnly, ("text", "items"), "items", ("text", "items"), None, "own-slide",
              prose=False, claim=False),
    BlockKind(NotesOnly, ("text",), "text", ("text", "items"), None, "notes", prose=True,
              claim=False),
    BlockKind(Discussion, ("text", "items"), "items", ("text", "items"), None, "discussion",
              prose=True, claim=False),
)


def _block_union() -> object:
    """The models of BLOCK_KINDS as one union, told apart by `type:`."""
    return Annotated[Union[tuple(k.model for k in BLOCK_KINDS.values())],  # noqa: UP007
                     Field(discriminator="type")]


if TYPE_CHECKING:
    Block = BlockBase  # what the type checker needs to know of every block
else:
    Block = _block_union()


class Source(Strict):
    id: Annotated[str, Field(pattern=ID_PATTERN)] | None = None  # what blocks' `cites` name
    title: str
    descriptive_title: bool = False  # the article has no title: `title` is our description of it
    publisher: str | None = None
    date: str | None = None  # publication date
    last_reviewed: str | None = None  # the publisher's "last reviewed" date
    url: Annotated[str, Field(pattern=r"^https://\S+$")] | None = None
    note: str | None = None

    @field_validator("title", "publisher", "note")
    @classmethod
    def _texts(cls, value: str | None) -> str | None:
        # Printed in the leaflet like any other text: the same rules (no HTML, no file: links).
        return value if value is None else str(_check_per_level(value))

    @field_validator("date", "last_reviewed", mode="before")
    @classmethod
    def _date_text(cls, value: object) -> object:
        return value.isoformat() if isinstance(value, dt.date) else value


class Review(Strict):
    status: Literal["draft", "reviewed"]
    written: dt.date
    last_reviewed: dt.date | None = None
    reviewer_role: str
    next_review: dt.date

    @field_validator("reviewer_role")
    @classmethod
    def _role(cls, value: str) -> str:
        return str(_check_per_level(value))

    @model_validator(mode="after")
    def _dates(self) -> Review:
        if self.status == "reviewed" and self.last_reviewed is None:
            raise ValueError("a reviewed topic needs 'last_reviewed': add the date of the review "
                             "(YYYY-MM-DD) or set status: draft")
        start = self.last_reviewed or self.written
        if self.next_review <= start:
            raise ValueError("'next_review' must come after the last review (or the written date): "
                             "correct the dates")
        return self


class Link(Strict):
    url: Annotated[str, Field(pattern=r"^https://\S+$")]
    label: PerLevel


class Topic(Strict):
    id: Annotated[str, Field(pattern=ID_PATTERN)]
    version: Annotated[str, Field(pattern=r"^\d+(\.\d+){0,2}$")]
    title: PerLevel
    summary: PerLevel
    review: Review
    sources: Annotated[list[Source], Field(min_length=1)]
    terms: PerLevelList | list[str] = []  # glossary ids; per level: only the words that level uses
    link: Link | None = None  # printed as a QR code with the address beside it
    blocks: Annotated[list[Block], Field(min_length=1)]

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: object) -> object:
        return str(value) if isinstance(value, (int, float)) else value

    @field_validator("title", "summary")
    @classmethod
    def _texts(cls, value: object) -> object:
        return _check_per_level(value)

    def terms_at(self, level: Level) -> list[str]:
        """The glossary ids printed at `level`."""
        if isinstance(self.terms, dict):
            return list(self.terms.get(level, []))
        return list(self.terms)

    def all_terms(self) -> list[str]:
        if isinstance(self.terms, dict):
            return list(dict.fromkeys(t for level in LEVELS for t in self.terms.get(level, [])))
        return list(self.terms)

    def source_number(self) -> dict[str, int]:
        """Source id -> its 1-based number in this topic's list."""
        return {s.id: n for n, s in enumerate(self.sources, start=1) if s.id}


class GlossaryEntry(Strict):
    """One entry of content/glossary.yaml; a topic lists the ids it uses under `terms`."""

    id: Annotated[str, Field(pattern=ID_PATTERN)]
    term: PerLevel
    text: PerLevel

    @field_validator("term", "text")
    @classmethod
    def _texts(cls, value: object) -> object:
        return _check_per_level(value)


class GlossaryFile(Strict):
    terms: list[GlossaryEntry]


class Bundle(Strict):
    id: Annotated[str, Field(pattern=ID_PATTERN)]
    title: PerLevel
    summary: PerLevel
    topics: Annotated[list[str], Field(min_length=1)]
    audience: Literal["clinic", "support-group"] = "clinic"

    @field_validator("title", "summary")
    @classmethod
    def _texts(cls, value: object) -> object:
        return _check_per_level(value)


class BundlesFile(Strict):
    bundles: list[Bundle]


def slug_ok(value: str) -> bool:
    return re.match(ID_PATTERN, value) is not None
