"""What goes on a deck's slides, planned from a Doc as plain data: `plan(doc, strings)`.

No python-pptx and no fonts here: a SlideSpec says what a slide holds (its kind, title, bullets
and speaker notes, pictures with alt text). Fitting (fit.py) may set one spec on several slides;
writing (write.py) puts them in the template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from babel.dates import format_date

from builder import pptx_xml
from builder.builders.deck.measure import char_slot
from builder.builders.deck.strings import (
    AGENDA,
    BREAK,
    BREAK_TEXT,
    CONTACT,
    DISCLAIMER,
    DISCUSSION,
    DRAFT,
    EMAIL,
    GLOSSARY,
    GROUND_RULES,
    ICON_ALTS,
    LEVEL_LABELS,
    LOCAL,
    LOCAL_HINT,
    MINUTES,
    NEXT_MEETING,
    NOT_YET,
    PHONE,
    QR_ALT,
    QUESTIONS,
    RECAP,
    SCAN,
    SCRIPT_AGENDA,
    SCRIPT_BREAK,
    SCRIPT_CLOSING,
    SCRIPT_DISCUSSION,
    SCRIPT_HELPLINES,
    SCRIPT_LOCAL,
    SCRIPT_QUESTIONS,
    SCRIPT_RECAP,
    SCRIPT_UPSET,
    SCRIPT_WELCOME,
    SOME_ENGLISH,
    THANKS,
    TRANSLATED_DRAFT,
    TRANSLATED_REVIEWED,
    TRANSLATED_REVIEWED_BY,
    URGENT,
    URGENT_CALL,
    URGENT_DEFAULT,
    URGENT_EMERGENCY,
    URGENT_LINE,
    WELCOME,
    Strings,
)
from builder.document import Doc, LocalizedBlock, LocalizedTopic
from builder.errors import Problem, RenderError, display_path
from builder.markup import Span, parse, to_plain

LRM = "\u200e"

# Each kind of slide and the template layout (its role) it is set in.
LAYOUTS = {
    "title": "title",  # the deck's title, language, level, date, clinic, review status
    "agenda": "content",  # a bundle's topics
    "topic": "section",  # a bundle's topic: its title and summary
    "section": "section",  # a heading whose text has no bullets: its title, for its notes
    "content": "content",  # a section's bullets
    "slide": "content",  # a `slide` block: bullets written for the deck
    "questions": "questions",  # a checklist
    "discussion": "questions",
    "image": "two-column",  # a picture beside its caption
    "glossary": "content",
    "link": "closing",  # a topic's own address, with its QR code
    "urgent": "closing",  # when to call the clinic urgently
    "closing": "closing",  # the clinic's contacts, with its QR code
    # A support-group session's presenter slides (issue #18):
    "welcome": "content",  # welcome and ground rules
    "break": "section",
    "recap": "content",  # what we talked about
    "local": "content",  # a titled slide for the group's own local information
    "thanks": "closing",  # thank you, the meeting's date, the next meeting
}

# A pictogram per section (Bootstrap Icons names, see icons.py): a bundle's topics by id, and
# the presenter's slides and question/discussion slides by kind.
TOPIC_ICONS = {"relapsed-refractory": "arrow-repeat", "supportive-care": "heart-pulse-fill",
               "watchful-waiting-and-outlook": "hourglass-split",
               "questions-to-ask": "journal-check"}
TOPIC_ICON = "info-circle-fill"  # a topic not in the table
KIND_ICONS = {"welcome": "people-fill", "agenda": "list-check", "questions": "question-circle-fill",
              "discussion": "chat-dots-fill", "break": "cup-hot-fill", "recap": "list-check",
              "local": "geo-alt-fill", "thanks": "people-fill"}
BREAK_MINUTES = 10  # the break in the middle of a session


@dataclass(frozen=True)
class Para:
    """One paragraph of a text box or of the speaker notes."""

    spans: tuple[Span, ...]
    level: int = 0
    bullet: str = "none"  # "bullet", "number" or "none"
    number: int = 1
    english: bool = False  # fallback text: English, left to right
    bold: bool = False
    italic: bool = False
    script: bool = False  # the facilitator's script (a `notes` block): first in the notes


@dataclass(frozen=True)
class Item:
    """What moves together onto a slide: its bullets and the full text for the notes."""

    paras: tuple[Para, ...] = ()
    notes: tuple[Para, ...] = ()

    @property
    def bullets(self) -> int:
        return sum(1 for p in self.paras if p.level == 0)


@dataclass(frozen=True)
class Picture:
    """A picture and its alt text: a file (PNG or JPEG), or a QR code of an address."""

    alt: str
    path: Path | None = None
    qr: str | None = None
    icon: str | None = None  # a pictogram's name (icons.py draws it)


@dataclass(frozen=True)
class SlideSpec:
    """One planned slide; fitting may continue its items over more slides of the same title."""

    kind: str  # a key of LAYOUTS
    title: str
    title_english: bool = False
    items: tuple[Item, ...] = ()
    continued: bool = False  # the section's previous content slide is out: "(continued)"
    picture: Picture | None = None
    logo: Picture | None = None  # the clinic's, above the title
    icon: Picture | None = None  # a pictogram beside the title
    script: tuple[Para, ...] = ()  # the facilitator's script: first in the notes
    notes_before: tuple[Para, ...] = ()  # notes of text before it that had no slide of its own
    notes_after: tuple[Para, ...] = ()  # notes of text after it that had no slide of its own
    boxes: bool = True  # a checklist's questions are ticked on the handout (`boxes: false`: not)
    write_in: int = 0  # lines to write on under the handout's prompts (`boxes: false`), as the leaflet

    @property
    def layout(self) -> str:
        return LAYOUTS[self.kind]


def raster(path: Path | None) -> Path | None:
    """A PNG/JPEG for a picture: the file itself, or for an SVG the PNG beside it."""
    if path is None:
        return None
    if path.suffix.lower() in (".png", ".jpg", ".jpeg"):
        return path if path.is_file() else None
    sibling = path.with_suffix(".png")
    return sibling if sibling.is_file() else None


def clinic_logo(doc: Doc) -> tuple[Picture | None, list[Problem]]:
    """The clinic's logo for the title slide, or why it has none (decks need a PNG or JPEG)."""
    logo = doc.clinic.logo
    if logo is None:
        return None, []
    found = raster(logo)
    if found is None:
        return None, [Problem(display_path(logo), None, "decks show no logo: python-pptx cannot "
                              "embed an SVG; put a PNG of the same name beside it")]
    return Picture(doc.clinic.profile.name, path=found), []


@dataclass(frozen=True)
class Wording:
    """How one deck words things: content as runs, plain titles, UI strings, English marks."""

    doc: Doc
    ui: Strings

    def spans(self, text: str | None, bold: bool = False) -> tuple[Span, ...]:
        spans = parse(text or "", self.doc.values)
        return tuple(replace(s, bold=True) for s in spans) if bold else tuple(spans)

    def plain(self, text: str | None) -> str:
        return pptx_xml.clean(to_plain(text or "", self.doc.values)).replace("\n", " ")

    def ui_para(self, message: str, **values: str) -> Para:
        return Para((Span(self.ui(message, **values)),), english=self.ui.untranslated(message),
                    italic=True)

    def ltr(self, text: str) -> str:
        """A Latin-script value (phone, address) kept left to right in a right-to-left deck.

        In a right-to-left paragraph "1 Example Road" would read "Example Road 1".
        """
        if not self.doc.lang.rtl or any(char_slot(c) == "cs" for c in text):
            return text
        return f"{LRM}{text}{LRM}"

    def marker_para(self, level: int = 0) -> Para:
        """The mark "Not yet available in … Shown in English:", before what it labels."""
        return Para((Span(self.ui(NOT_YET, lang=self.doc.lang.native_name)),), level=level,
                    italic=True, english=self.ui.untranslated(NOT_YET))

    def lang_spans(self, spans: tuple[Span, ...], english: bool) -> tuple[Span, ...]:
        """Spans tagged English when they are (a run inside a paragraph of the deck's language)."""
        if not english or not spans:
            return spans
        out = [replace(s, lang="en") for s in spans]
        if self.doc.lang.rtl:  # isolated left to right inside a right-to-left paragraph
            out[0] = replace(out[0], text=LRM + out[0].text)
            out[-1] = replace(out[-1], text=out[-1].text + LRM)
        return tuple(out)

    def block_notes(self, block: LocalizedBlock) -> tuple[Para, ...]:
        """The full text of a block, at the document's level, for the speaker notes.

        Each entry falls back on its own: English runs are tagged English and follow the mark.
        """
        out: list[Para] = []
        whole = block.all_english
        if whole:
            out.append(self.marker_para())

        def add(text: str | None, name: str, **options: Any) -> None:
            if text:
                english = block.en(name)
                if english and not whole and not (out and out[-1].english):
                    out.append(self.marker_para())
                out.append(Para(self.spans(text), english=english, **options))

        kind = block.type
        if kind == "notes":  # the facilitator's script, a paragraph per line
            lines = [line for line in (block.text or "").split("\n") if line.strip()]
            out += [Para(self.spans(line), english=block.en("text")) for line in lines]
            return tuple(replace(p, script=True) for p in out)
        if kind == "heading":
            add(block.text, "text", bold=True)
        elif kind == "term":
            if block.fallback and not whole:
                out.append(self.marker_para())
            out.append(Para((*self.lang_spans(self.spans(block.term, bold=True), block.en("term")),
                             Span(": "),
                             *self.lang_spans(self.spans(block.text), block.en("text"))),
                            english=whole))
        elif kind == "image":
            add(block.text, "text", italic=True)
            add(block.caption, "caption")
        else:
            add(block.text, "text", bold=kind in ("checklist", "discussion", "slide"))
            for number, item in enumerate(block.items, 1):
                add(item, f"items/{number - 1}", bullet="number" if block.ordered else "bullet",
                    number=number)
        return tuple(out)

    def block_items(self, block: LocalizedBlock) -> list[Item]:
        """A block's bullets, one Item per bullet so long lists can continue on the next slide.

        The mark "Not yet available … Shown in English:" comes before what it labels.
        """
        notes = self.block_notes(block)
        if block.type in ("paragraph", "keypoint"):
            if not block.slide:
                return [Item((), notes)]
            english = block.en("slide")
            marker = (self.marker_para(),) if english else ()
            return [Item((*marker, Para(self.spans(block.slide), bullet="bullet", english=english,
                                        bold=block.type == "keypoint")), notes)]
        if block.type == "list":
            whole = block.all_english
            lead_en = block.en("text")
            lead = ((self.marker_para(),) if lead_en else ()) + \
                ((Para(self.spans(block.text), english=lead_en),) if block.text else ())
            if whole and not block.text:
                lead = (self.marker_para(),)
            items = []
            for number, text in enumerate(block.items, 1):
                english = block.en(f"items/{number - 1}")
                marker = (self.marker_para(),) if english and not whole else ()
                items.append(Item((*marker, Para(self.spans(text), english=english, number=number,
                                                 bullet="number" if block.ordered else "bullet"))))
            if not items:
                return [Item(lead, notes)]
            items[0] = Item(lead + items[0].paras, notes)
            return items
        return [Item((), notes)]

    def own_items(self, block: LocalizedBlock) -> tuple[Item, ...]:
        """The bullets of a block that has a slide of its own (checklist, discussion, slide)."""
        whole = block.all_english
        items = []
        for number, text in enumerate(block.items):
            english = block.en(f"items/{number}")
            marker = (self.marker_para(),) if english and not whole else ()
            items.append(Item((*marker, Para(self.spans(text), english=english, bullet="bullet"))))
        first = Item((self.marker_para(),) if whole else (), self.block_notes(block))
        return (first, *items)

    def term(self, term: str, text: str, term_english: bool,
             text_english: bool) -> tuple[str, Item]:
        """A glossary bullet and the key it is sorted and found by."""
        both = term_english and text_english
        spans = (*self.lang_spans(self.spans(term, bold=True), term_english), Span(": "),
                 *self.lang_spans(self.spans(text), text_english))
        paras: tuple[Para, ...] = (Para(spans, english=both, bullet="bullet"),)
        if term_english or text_english:  # the mark first, above what it labels
            paras = (self.marker_para(), *paras)
        return self.plain(term).casefold(), Item(paras, paras)


def icon(w: Wording, name: str) -> Picture:
    """A pictogram with its alt text in the deck's language."""
    return Picture(w.ui(ICON_ALTS[name]), icon=name)


def presenting(doc: Doc) -> bool:
    """A support-group session's deck: presenter slides, a script in the notes, pictograms."""
    return doc.audience == "support-group"


def session_day(w: Wording) -> str:
    """The meeting's day (--date), else the print date, in the deck's language and digits."""
    doc = w.doc
    return doc.lang.digits(format_date(doc.session.date or doc.date, format="long",
                                       locale=doc.lang.locale))


# -- the parts of a deck ---------------------------------------------------------------------

def title_slide(w: Wording, logo: Picture | None) -> SlideSpec:
    doc = w.doc
    level = w.ui(LEVEL_LABELS[doc.level])
    paras = [Para((Span(f"{doc.lang.display_name} · {level}"),)),
             Para((Span(w.ltr(doc.clinic.profile.name)),), bold=True),
             Para((Span(session_day(w)),))]
    if not doc.session.host:  # a group that meets outside the clinic: not the clinic's name
        del paras[1]
        logo = None
    status = []
    if any(t.review.status == "draft" for t in doc.topics):
        status.append(w.ui_para(DRAFT))
    if doc.provenance.translated:
        if doc.provenance.reviewed and doc.provenance.reviewers:
            status.append(w.ui_para(TRANSLATED_REVIEWED_BY, lang=doc.lang.native_name,
                                    reviewer=", ".join(doc.provenance.reviewers)))
        else:
            message = TRANSLATED_REVIEWED if doc.provenance.reviewed else TRANSLATED_DRAFT
            status.append(w.ui_para(message, lang=doc.lang.native_name))
    if doc.fallbacks:
        status.append(w.ui_para(SOME_ENGLISH, lang=doc.lang.native_name))
    title_en = "title" in doc.english
    if title_en:  # the title above is English: say so first
        paras.insert(0, w.marker_para())
    notes = (Para(w.spans(doc.title), bold=True, english=title_en),
             Para(w.spans(doc.summary), english="summary" in doc.english),
             *paras, *status)
    return SlideSpec("title", w.plain(doc.title), title_en, (Item(tuple(paras + status), notes),),
                     logo=logo)


def agenda_slide(w: Wording) -> SlideSpec:
    """A bundle's topics; in a session, each with its minutes, and the break where it falls."""
    doc = w.doc

    def minutes(n: int) -> tuple[Span, ...]:
        return (Span(" · "), Span(doc.lang.digits(w.ui(MINUTES, minutes=str(n)))),) \
            if presenting(doc) else ()

    items = [Item(((w.marker_para(),) if "title" in t.english else ())
                  + (Para(w.spans(t.title) + minutes(doc.minutes.get(t.id, 0)), bullet="bullet",
                          english="title" in t.english),),
                  (Para(w.spans(t.title), bold=True, english="title" in t.english),
                   Para(w.spans(t.summary), english="summary" in t.english)))
             for t in doc.topics]
    if presenting(doc) and len(doc.topics) > 1:
        items.insert(break_after(doc) + 1, Item((Para((Span(w.ui(BREAK)), *minutes(BREAK_MINUTES)),
                                                      bullet="bullet",
                                                      english=w.ui.untranslated(BREAK)),)))
    spec = SlideSpec("agenda", w.ui(AGENDA), w.ui.untranslated(AGENDA), tuple(items))
    if presenting(doc):
        spec = replace(spec, icon=icon(w, KIND_ICONS["agenda"]),
                       script=(script(w, SCRIPT_AGENDA),))
    return spec


def break_after(doc: Doc) -> int:
    """The index of the topic the session's break follows: the middle of the session."""
    return (len(doc.topics) - 1) // 2


def script(w: Wording, message: str) -> Para:
    return Para((Span(w.ui(message)),), english=w.ui.untranslated(message), script=True)


def upset_script(w: Wording) -> tuple[Para, ...]:
    """What to do if someone is upset; the helplines only when the clinic's profile names them."""
    out = [script(w, SCRIPT_UPSET)]
    helplines = w.doc.clinic.profile.deck.helplines
    if helplines:
        out.append(script(w, SCRIPT_HELPLINES))
        out += [Para((Span(w.ltr(h.name)), Span(" "), Span(w.ltr(h.phone), bold=True)),
                     bullet="bullet", script=True) for h in helplines]
    return tuple(out)


def welcome_slide(w: Wording) -> SlideSpec:
    """Welcome, and the group's ground rules."""
    items = tuple(Item((Para((Span(w.ui(rule)),), bullet="bullet",
                             english=w.ui.untranslated(rule)),)) for rule in GROUND_RULES)
    return SlideSpec("welcome", w.ui(WELCOME), w.ui.untranslated(WELCOME), items,
                     icon=icon(w, KIND_ICONS["welcome"]),
                     script=(script(w, SCRIPT_WELCOME), *upset_script(w)))


def break_slide(w: Wording) -> SlideSpec:
    text = Para((Span(w.ui(BREAK_TEXT)),), english=w.ui.untranslated(BREAK_TEXT))
    return SlideSpec("break", w.ui(BREAK), w.ui.untranslated(BREAK), (Item((text,)),),
                     icon=icon(w, KIND_ICONS["break"]), script=(script(w, SCRIPT_BREAK),))


def recap_slide(w: Wording) -> SlideSpec:
    """What we talked about: each topic's summary."""
    items = tuple(Item(((w.marker_para(),) if "summary" in t.english else ())
                       + (Para(w.spans(t.summary), bullet="bullet",
                               english="summary" in t.english),)) for t in w.doc.topics)
    return SlideSpec("recap", w.ui(RECAP), w.ui.untranslated(RECAP), items,
                     icon=icon(w, KIND_ICONS["recap"]), script=(script(w, SCRIPT_RECAP),))


def local_slide(w: Wording) -> SlideSpec:
    """A titled slide the group fills in: where it meets, transport, local services."""
    hint = Para((Span(w.ui(LOCAL_HINT)),), english=w.ui.untranslated(LOCAL_HINT), italic=True)
    return SlideSpec("local", w.ui(LOCAL), w.ui.untranslated(LOCAL), (Item((hint,)),),
                     icon=icon(w, KIND_ICONS["local"]), script=(script(w, SCRIPT_LOCAL),))


def thanks_slide(w: Wording) -> SlideSpec:
    """Thank you, the meeting's day, a line for the next meeting; the disclaimer."""
    paras = [Para((Span(session_day(w)),), bold=True),
             Para((Span(f"{w.ui(NEXT_MEETING)} "), Span("…" * 12)),
                  english=w.ui.untranslated(NEXT_MEETING)),
             w.ui_para(DISCLAIMER)]
    return SlideSpec("thanks", w.ui(THANKS), w.ui.untranslated(THANKS),
                     (Item(tuple(paras), tuple(paras)),), icon=icon(w, KIND_ICONS["thanks"]),
                     script=(script(w, SCRIPT_CLOSING),))


def presenter_slides(w: Wording, topics: list[list[SlideSpec]], head: list[SlideSpec],
                     tail: list[SlideSpec]) -> list[SlideSpec]:
    """A session: title, welcome, agenda, the topics with a break in the middle, recap, local
    information, the clinic's closing slides (when it hosts), thank you.

    Discussion and question slides get the facilitator's script for running them.
    """
    doc = w.doc
    out = [head[0], welcome_slide(w), *head[1:]]
    for number, slides in enumerate(topics):
        out += slides
        if number == break_after(doc) and len(topics) > 1:
            out.append(break_slide(w))
    out = [_run_script(w, s) for s in out]
    last = [s for s in tail if doc.session.host or s.kind not in ("urgent", "closing")]
    closing = [s for s in last if s.kind in ("urgent", "closing")]
    return [*out, recap_slide(w), *[s for s in last if s not in closing], local_slide(w),
            *closing, thanks_slide(w)]


def _run_script(w: Wording, spec: SlideSpec) -> SlideSpec:
    if spec.kind == "discussion":
        return replace(spec, script=(script(w, SCRIPT_DISCUSSION), *upset_script(w)))
    if spec.kind == "questions":
        return replace(spec, script=(script(w, SCRIPT_QUESTIONS),))
    return spec


def topic_opener(w: Wording, topic: LocalizedTopic) -> SlideSpec:
    """A bundle's topic begins with a section slide: its title, and its summary."""
    summary_en = "summary" in topic.english
    title_en = "title" in topic.english
    return SlideSpec("topic", w.plain(topic.title), title_en,
                     (Item(((w.marker_para(),) if summary_en else ())
                           + (Para(w.spans(topic.summary), english=summary_en),),
                           (Para(w.spans(topic.title), bold=True, english=title_en),
                            Para(w.spans(topic.summary), english=summary_en))),),
                     icon=icon(w, TOPIC_ICONS.get(topic.id, TOPIC_ICON)))


@dataclass(frozen=True)
class Section:
    """Where planning a topic stands: the slides so far, and the open section's state.

    Each block gives a new Section (see `_STEPS`); nothing is changed in place.
    """

    slides: tuple[SlideSpec, ...]
    title: str  # the section's heading (the topic's title before the first heading)
    english: bool = False
    run: tuple[Item, ...] = ()  # the section's items not on a slide yet
    shown: bool = False  # a content slide of this section is out: the next one "continues"
    used: bool = False  # any slide of this section is out (content or its own)
    pending: SlideSpec | None = None  # notes of a section with no slide yet, for its next one
    terms: tuple[tuple[str, Item], ...] = ()


def _emit(s: Section, spec: SlideSpec) -> Section:
    if s.pending is not None:  # the notes of text before it that had no slide
        spec = replace(spec, notes_before=s.pending.notes_before)
    return replace(s, slides=(*s.slides, spec), pending=None)


def _add_notes(s: Section, notes: tuple[Para, ...]) -> Section:
    """`notes` added to the notes of the slide last out."""
    last = s.slides[-1]
    return replace(s, slides=(*s.slides[:-1], replace(last, notes_after=last.notes_after + notes)))


def _flush(s: Section) -> Section:
    """The section's items so far on a content slide; text without bullets to the notes."""
    if any(item.paras for item in s.run):
        s = _emit(s, SlideSpec("content", s.title, s.english, s.run, continued=s.shown))
        return replace(s, run=(), shown=True, used=True)
    notes = tuple(n for item in s.run for n in item.notes)
    if s.run and s.used:  # text without bullets after a section's slide: its notes
        return replace(_add_notes(s, notes), run=())
    if s.run:  # before any slide of the section: the notes of its next slide
        pending = SlideSpec("section", s.title, s.english) if s.pending is None else s.pending
        return replace(s, run=(), pending=replace(pending,
                                                  notes_before=pending.notes_before + notes))
    return s


def _close(s: Section) -> Section:
    """The section ends: its items on a slide; a section with nothing to show gets a slide with
    its title, for its notes."""
    s = _flush(s)
    if s.pending is not None:
        s = _emit(s, SlideSpec("section", s.pending.title, s.pending.title_english))
    return s


def _own(s: Section, spec: SlideSpec) -> Section:
    """A slide of its own (checklist, discussion, `slide`, picture) after the items so far."""
    return replace(_emit(_flush(s), spec), used=True)


def _heading(w: Wording, s: Section, block: LocalizedBlock) -> Section:
    marker = (w.marker_para(),) if block.fallback else ()
    return replace(_close(s), title=w.plain(block.text), english=block.en("text"),
                   shown=False, used=False, run=(Item(marker, w.block_notes(block)),))


def _bullets(w: Wording, s: Section, block: LocalizedBlock) -> Section:
    return replace(s, run=(*s.run, *w.block_items(block)))


def _term(w: Wording, s: Section, block: LocalizedBlock) -> Section:
    term = w.term(block.term or "", block.text or "", block.en("term"), block.en("text"))
    return replace(s, run=(*s.run, Item((), w.block_notes(block))), terms=(*s.terms, term))


def _notes(w: Wording, s: Section, block: LocalizedBlock) -> Section:
    if s.run or not s.slides:
        return replace(s, run=(*s.run, Item((), w.block_notes(block))))
    return _add_notes(s, w.block_notes(block))  # right after a slide of its own: its notes


def _questions(w: Wording, s: Section, block: LocalizedBlock) -> Section:
    return _own(s, questions_slide(w, block))


def _slide(w: Wording, s: Section, block: LocalizedBlock) -> Section:
    return _own(s, SlideSpec("slide", w.plain(block.text), block.en("text"), w.own_items(block)))


def _image(w: Wording, s: Section, block: LocalizedBlock) -> Section:
    s = _flush(s)
    return replace(_own(s, image_slide(w, block, s.title, s.english, s.shown)), shown=True)


# What each block kind does to the topic's plan; other kinds show nothing on a deck.
_STEPS: dict[str, Callable[[Wording, Section, LocalizedBlock], Section]] = {
    "heading": _heading, "paragraph": _bullets, "keypoint": _bullets, "list": _bullets,
    "term": _term, "notes": _notes, "checklist": _questions, "discussion": _questions,
    "slide": _slide, "image": _image,
}


def topic_slides(w: Wording, topic: LocalizedTopic,
                 before: list[SlideSpec]) -> tuple[list[SlideSpec], list[tuple[str, Item]]]:
    """`before` followed by a topic's slides, section by section; and the topic's terms.

    A section's bullets go on content slides under its heading; checklists, discussions,
    `slide` blocks and pictures get slides of their own. Text with no bullets goes to the notes:
    of the slide before it in its section, else of the section's next slide, else of a section
    slide with just its title.
    """
    s = Section(tuple(before), w.plain(topic.title))
    for block in topic.blocks:
        step = _STEPS.get(block.type)
        if step is not None:
            s = step(w, s, block)
    s = _close(s)
    return list(s.slides), list(s.terms)


def questions_slide(w: Wording, block: LocalizedBlock) -> SlideSpec:
    """A checklist ("Questions to ask") or a discussion ("Let's talk"), titled by the block."""
    kind = "questions" if block.type == "checklist" else "discussion"
    default = QUESTIONS if block.type == "checklist" else DISCUSSION
    mark = icon(w, KIND_ICONS[kind])  # a question mark or speech bubbles: the two look apart
    write_in = 0 if block.boxes else block.write_in  # ticked questions have the slides' lines
    if block.text:
        return SlideSpec(kind, w.plain(block.text), block.en("text"), w.own_items(block),
                         icon=mark, boxes=block.boxes, write_in=write_in)
    return SlideSpec(kind, w.ui(default), w.ui.untranslated(default), w.own_items(block),
                     icon=mark, boxes=block.boxes, write_in=write_in)


def image_slide(w: Wording, block: LocalizedBlock, title: str, english: bool,
                continued: bool) -> SlideSpec:
    source = raster(block.src)
    if source is None:
        raise RenderError([Problem(block.where, None,
                                   f"image '{block.src}' cannot go on a slide: decks need a "
                                   "PNG or JPEG (for an SVG, put a PNG of the same name "
                                   "beside it)")])
    paras: tuple[Para, ...] = (w.marker_para(),) if block.caption and block.en("caption") else ()
    if block.caption:
        paras += (Para(w.spans(block.caption), english=block.en("caption")),)
    alt = w.plain(block.text) or w.plain(block.caption) or title
    return SlideSpec("image", title, english, (Item(paras, w.block_notes(block)),),
                     continued=continued, picture=Picture(alt, path=source))


def glossary_slide(w: Wording, found: list[tuple[str, Item]]) -> SlideSpec | None:
    """The terms met in the topics, then the document's glossary: each once, sorted."""
    terms: dict[str, Item] = {}
    for key, item in found + [w.term(t.term, t.text, "term" in t.english, "text" in t.english)
                              for t in w.doc.glossary]:
        terms.setdefault(key, item)
    if not terms:
        return None
    return SlideSpec("glossary", w.ui(GLOSSARY), w.ui.untranslated(GLOSSARY),
                     tuple(terms[key] for key in sorted(terms)))


def link_slides(w: Wording) -> list[SlideSpec]:
    """A topic's own address (`link:`), labelled, with its own QR code."""
    profile = w.doc.clinic.profile
    seen = {profile.qr or profile.web}
    out = []
    for topic in w.doc.topics:
        url = topic.link_url
        if not url or url in seen:
            continue
        seen.add(url)
        label = topic.link_label or url
        english = "link_label" in topic.english
        paras = ((w.marker_para(),) if english else ()) + \
            (Para(w.spans(label), english=english),
             Para((Span(w.ltr(url), href=url),), english=True))
        out.append(SlideSpec("link", w.plain(label), english, (Item(paras, paras),),
                             picture=Picture(w.ui(QR_ALT, address=url), qr=url)))
    return out


def urgent_slide(w: Wording) -> SlideSpec | None:
    """The clinic's "When to call us urgently" box, on a closing slide of its own."""
    urgent = w.doc.clinic.urgent
    if urgent is None or not urgent.phone:
        return None
    signs, default = w.doc.clinic.urgent_signs
    paras = [Para((Span(f"{w.ui(URGENT_CALL)} "), Span(w.ltr(urgent.phone), bold=True)),
                  english=w.ui.untranslated(URGENT_CALL))]
    paras += [Para((Span(w.ui(sign)),), level=1, bullet="bullet",
                   english=w.ui.untranslated(sign)) for sign in signs]
    paras.append(Para((Span(w.ui(URGENT_EMERGENCY)),),
                      english=w.ui.untranslated(URGENT_EMERGENCY)))
    if default:
        paras.append(w.ui_para(URGENT_DEFAULT))
    return SlideSpec("urgent", w.ui(URGENT), w.ui.untranslated(URGENT),
                     (Item(tuple(paras), tuple(paras)),))


def closing_slide(w: Wording) -> SlideSpec:
    """The clinic's contacts beside its QR code, and the disclaimer, unless a thank-you slide
    follows that says it (a session's deck): once is enough, and in large print the second
    copy went alone onto a "(continued)" slide."""
    profile = w.doc.clinic.profile
    url = profile.qr or profile.web  # the clinic's own: a topic's link has its own slide
    paras = [Para((Span(w.ltr(profile.name)),), bold=True),
             Para((Span(f"{w.ui(PHONE)} "), Span(w.ltr(profile.phone))),
                  english=w.ui.untranslated(PHONE))]
    if profile.email:
        paras.append(Para((Span(f"{w.ui(EMAIL)} "),
                           Span(w.ltr(profile.email), href=f"mailto:{profile.email}")),
                          english=w.ui.untranslated(EMAIL)))
    address = profile.address if isinstance(profile.address, list) else [profile.address]
    paras.append(Para((Span(w.ltr(", ".join(address))),)))
    paras.append(Para((Span(w.ui(SCAN)), Span(" "), Span(w.ltr(url), href=url)),
                      english=w.ui.untranslated(SCAN)))
    urgent = w.doc.clinic.urgent
    if urgent is not None and urgent.phone:
        paras.insert(0, Para((Span(f"{w.ui(URGENT_LINE)} "),
                              Span(w.ltr(urgent.phone), bold=True)),
                             bold=True, english=w.ui.untranslated(URGENT_LINE)))
    text = (*paras, *(() if presenting(w.doc) else (w.ui_para(DISCLAIMER),)))
    return SlideSpec("closing", w.ui(CONTACT), w.ui.untranslated(CONTACT), (Item(text, text),),
                     picture=Picture(w.ui(QR_ALT, address=url), qr=url))


def plan(doc: Doc, strings: Strings, logo: Picture | None = None) -> list[SlideSpec]:
    """The slides of `doc`, in order: title, agenda, topics, glossary, links, urgent, contacts.

    A support-group session's deck adds the presenter's slides (see `presenter_slides`).
    """
    w = Wording(doc, strings)
    head = [title_slide(w, logo)]
    if doc.kind == "bundle":
        head.append(agenda_slide(w))
    terms: list[tuple[str, Item]] = []
    topics: list[list[SlideSpec]] = []
    for topic in doc.topics:
        opener = [topic_opener(w, topic)] if doc.kind == "bundle" else []
        slides, found = topic_slides(w, topic, opener)
        topics.append(slides)
        terms += found
    last = [glossary_slide(w, terms), *link_slides(w), urgent_slide(w), closing_slide(w)]
    tail = [s for s in last if s is not None]
    if presenting(doc):
        return presenter_slides(w, topics, head, tail)
    return head + [s for slides in topics for s in slides] + tail
