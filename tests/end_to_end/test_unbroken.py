"""Web and e-mail addresses and phone numbers come out whole: a reader types what is printed.

Read back the way the world does — PDF text from poppler (pdftotext) and MuPDF, deck text from
python-pptx — every address and phone number must appear exactly as in the source: no
hyphen or soft hyphen inserted, not split over two lines, paragraphs or slides. In decks the
viewer breaks lines itself, so spaces inside them must be no-break spaces and a word joiner
(U+2060, invisible) must follow each hyphen and slash; the comparison reads those as the
space and nothing they stand for.
"""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from conftest import LANGS, built_once, each

from builder.markup import to_plain

# The test's own idea of an address or phone number (independent of builder.markup's).
UNBROKEN_RE = re.compile(
    r"https?://[A-Za-z0-9_.~:/?#@!$&*+,;=%-]*[A-Za-z0-9_~/#=%&-]"
    r"|[A-Za-z0-9_.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
    r"|\b(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+(?:gov|org|com|net)\b"
    r"|\+\d[\d ()./-]{4,}\d")

TOPICS = ["clinical-trials", "questions-to-ask"]  # addresses, links and {clinic_phone} in text


def visible(text: str) -> str:
    return text.replace("\u2060", "").replace("\u00a0", " ").replace("\u200e", "") \
        .replace("\u200f", "")


def known_values(doc) -> set[str]:
    """Every address and phone number the source of `doc` holds, whole."""
    profile = doc.clinic.profile
    urgent = doc.clinic.urgent.phone if doc.clinic.urgent else None
    values = {v for v in (profile.phone, profile.email, profile.web, profile.qr, urgent) if v}
    for topic in doc.topics:
        values |= {v for v in (topic.link_url,) if v}
        for source in topic.sources:
            for piece in (source.title, source.publisher, source.url, source.note):
                values |= {m.group() for m in UNBROKEN_RE.finditer(piece or "")}
    for block in doc.blocks():
        for piece in (block.text, block.caption, block.term, block.slide, *block.items):
            if piece:
                values |= {m.group() for m in UNBROKEN_RE.finditer(to_plain(piece, doc.values))}
    return values


def broken(lines: list[str], known: set[str], wanted: dict[str, int]) -> list[str]:
    """Fragments of addresses on `lines`, and known values found fewer times than `wanted`."""
    problems = [f"{m.group()!r} in {line.strip()[:70]!r} is not a whole address or number"
                for line in map(visible, lines) for m in UNBROKEN_RE.finditer(line)
                if m.group() not in known and not any(m.group() in k for k in known)]
    text = "\n".join(map(visible, lines))
    for value, count in wanted.items():
        if text.count(value) < count:
            problems.append(f"{value!r} appears whole {text.count(value)} times, not {count}")
    return problems


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory, font_subsets: Path) -> Path:
    return built_once(tmp_path_factory, "unbroken",
                      ["--format", "pdf", "--format", "html", "--format", "pptx", "--level",
                       "standard", "--jobs", "2", "--quiet", *each("--topic", TOPICS),
                       *each("--lang", LANGS)], fonts=font_subsets)


def _doc(root: Path, lang: str, topic: str):
    from builder.build import Job, Options, load_inputs, make_doc
    from builder.project import Project

    inputs = load_inputs(Options(project=Project.at(root)), [lang])
    return make_doc(inputs, Job("topic", topic, lang, "standard", "pdf"))


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("topic", TOPICS)
def test_addresses_and_phones_are_whole_in_the_pdf(outputs: Path, lang: str, topic: str):
    import pymupdf

    from builder.builders.html import document_text

    doc = _doc(outputs, lang, topic)
    known = known_values(doc)
    base = outputs / "out" / lang / "standard" / topic
    html_text = visible(document_text(base.with_suffix(".html").read_text()))
    wanted = {v: html_text.count(v) for v in known if v in html_text}
    assert wanted, "the leaflet should hold at least the clinic's phone and address"
    poppler = subprocess.run(["pdftotext", str(base.with_suffix(".pdf")), "-"], check=True,
                             capture_output=True, text=True).stdout
    with pymupdf.open(base.with_suffix(".pdf")) as pdf:
        mupdf = "\n".join(page.get_text() for page in pdf)
    assert broken(poppler.splitlines(), known, wanted) == []
    assert broken(mupdf.splitlines(), known, wanted) == []
    assert "\u00ad" not in poppler + mupdf


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("topic", TOPICS)
def test_addresses_and_phones_are_whole_in_the_deck(outputs: Path, lang: str, topic: str):
    from pptx import Presentation

    doc = _doc(outputs, lang, topic)
    known = known_values(doc)
    deck = Presentation(str(outputs / "out" / lang / "standard" / f"{topic}.pptx"))
    paragraphs = [p.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame
                  for p in shape.text_frame.paragraphs]
    assert broken(paragraphs, known, {doc.clinic.profile.phone: 1}) == []
    for text in paragraphs:
        for value in known:
            if value in visible(text):
                assert value not in text or (" " not in value and "-" not in value
                                             and "/" not in value), (
                    f"{value!r} can be broken by PowerPoint or LibreOffice in {text[:60]!r}")


def test_a_bullet_cut_over_two_slides_never_cuts_a_phone_number():
    from builders.deck.test_deck import build, make_doc
    from pptx import Presentation

    phone = "+1 555 0100"
    # Where the slide is full depends on the text before: shift it so some cut falls inside.
    for shift in range(4):
        doc = make_doc("en", texts={"bullet": "x" * shift + f" Ring {phone} or " * 120})
        deck = Presentation(BytesIO(build(doc)))
        paragraphs = [visible(p.text) for slide in deck.slides for shape in slide.shapes
                      if shape.has_text_frame for p in shape.text_frame.paragraphs]
        assert sum(p.count(phone) for p in paragraphs) >= 120
        for paragraph in paragraphs:  # a cut inside leaves "+1" on one slide and "0100" on the next
            text = paragraph.replace("+1 555 0199", "")  # the clinic's urgent number, whole elsewhere
            assert text.count("+1") == text.count("0100") == text.count(phone), text[-30:]
