"""Small documents for the deck tests, built in code (no content files, no catalogs), and how
the tests read a deck back through LibreOffice."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from builder.builders.deck.plan import Para, SlideSpec
from builder.clinic import load_clinic
from builder.document import Doc, LocalizedBlock, LocalizedTerm, LocalizedTopic, Provenance, UiStrings
from builder.languages import language
from builder.model import Review, Source

REPO = Path(__file__).resolve().parents[3]
DATE = dt.date(2026, 11, 21)
CLINIC = load_clinic(REPO / "templates" / "clinic" / "demo.yaml")


def block(block_id: str, kind: str, **fields: object) -> LocalizedBlock:
    return LocalizedBlock(id=block_id, type=kind, topic="t", where="t.yaml:1", **fields)  # type: ignore[arg-type]


def topic(blocks: list[LocalizedBlock], topic_id: str = "t", title: str = "The topic",
          link: str | None = None) -> LocalizedTopic:
    review = Review(status="draft", written=DATE, reviewer_role="haematologist",
                    next_review=DATE + dt.timedelta(days=180))
    return LocalizedTopic(id=topic_id, version="1.0", title=title, summary=f"About {title}.",
                  review=review, sources=[Source(title="Fixture")], blocks=blocks, terms=[],
                  link_url=link, link_label="More" if link else None)


def doc(*topics: LocalizedTopic, code: str = "en", kind: str = "topic",
        glossary: list[LocalizedTerm] | None = None, ui: dict[str, str] | None = None) -> Doc:
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


def soffice_pdf(deck: Path) -> Path:
    """`deck` converted by LibreOffice, with a profile of its own (parallel runs don't clash)."""
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{deck.parent}/lo-profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(deck.parent), str(deck)],
        capture_output=True, text=True, timeout=180, check=False)
    pdf = deck.with_suffix(".pdf")
    assert result.returncode == 0 and pdf.is_file(), result.stderr
    return pdf
