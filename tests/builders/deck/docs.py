"""Small documents for the deck tests, built in code (no content files, no catalogs)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from builder.builders.deck.plan import Para, SlideSpec
from builder.clinic import load_clinic
from builder.document import Doc, Provenance, RBlock, RTerm, RTopic, UiStrings
from builder.languages import language
from builder.model import Review, Source

REPO = Path(__file__).resolve().parents[3]
DATE = dt.date(2026, 11, 21)
CLINIC = load_clinic(REPO / "templates" / "clinic" / "demo.yaml")


def block(block_id: str, kind: str, **fields: object) -> RBlock:
    return RBlock(id=block_id, type=kind, topic="t", where="t.yaml:1", **fields)  # type: ignore[arg-type]


def topic(blocks: list[RBlock], topic_id: str = "t", title: str = "The topic",
          link: str | None = None) -> RTopic:
    review = Review(status="draft", written=DATE, reviewer_role="haematologist",
                    next_review=DATE + dt.timedelta(days=180))
    return RTopic(id=topic_id, version="1.0", title=title, summary=f"About {title}.",
                  review=review, sources=[Source(title="Fixture")], blocks=blocks, terms=[],
                  link_url=link, link_label="More" if link else None)


def doc(*topics: RTopic, code: str = "en", kind: str = "topic", glossary: list[RTerm] | None = None,
        ui: dict[str, str] | None = None) -> Doc:
    return Doc(kind=kind, id="fixture", lang=language(code), level="standard",
               title="Relapsed myeloma", summary="What relapse means.", topics=list(topics),
               glossary=glossary or [], fallbacks=[],
               provenance=Provenance(code != "en", False, [("t", "1.0", DATE)]), clinic=CLINIC,
               paper="a4", large_print=False, date=DATE, ui=UiStrings(code, ui or {}))


def text(paras: tuple[Para, ...]) -> list[str]:
    return ["".join(s.text for s in p.spans) for p in paras]


def bullets(spec: SlideSpec) -> list[str]:
    return [t for item in spec.items for t in text(item.paras)]


def notes(spec: SlideSpec) -> list[str]:
    return text(spec.notes_before) + [t for item in spec.items for t in text(item.notes)] \
        + text(spec.notes_after)
