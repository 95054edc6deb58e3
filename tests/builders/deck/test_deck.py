"""The deck builder: structure, scripts, overflow, templates, determinism, LibreOffice."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.util import Inches, Pt

from builder.builders import RenderContext, get
from builder.builders.deck.readback import measure_overflow
from builder.builders.deck.strings import CONTINUED, NOT_YET, QR_ALT
from builder.clinic import load_clinic
from builder.deck_template import build_template
from builder.document import Doc, LocalizedBlock, LocalizedTerm, LocalizedTopic, Provenance, UiStrings
from builder.errors import ConfigError
from builder.languages import language
from builder.model import Review, Source

from .docs import soffice_pdf

REPO = Path(__file__).resolve().parents[3]
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
DATE = dt.date(2026, 11, 21)

# Pseudo-translations: the same document in each script, German made longer than it would be.
TEXTS = {
    "en": {
        "title": "Relapsed and refractory myeloma", "summary": "What relapse means.",
        "heading": "What relapse means", "heading2": "Questions for your care team",
        "sentence": "Myeloma often comes back after treatment. This is called a relapse, and "
                    "there are still many treatments to try.",
        "bullet": "Myeloma can come back after treatment",
        "item": "A treatment option", "lead": "Your care team may suggest:",
        "term": "Relapse", "definition": "When myeloma becomes active again.",
        "question": "What can we try next?", "discuss": "What helped you most?",
        "alt": "A drawing of bone marrow with plasma cells", "caption": "Bone marrow",
        "note": "Ask the group to share only what they want to.",
    },
    "de": {
        "title": "Rezidiviertes und refraktäres multiples Myelom: Behandlungsmöglichkeiten, "
                 "Nebenwirkungsmanagement und Lebensqualität",
        "summary": "Was ein Rückfall bedeutet und welche Behandlungsmöglichkeiten es gibt.",
        "heading": "Was bedeuten „rezidiviert“ und „refraktär“ für Ihre weitere "
                   "Behandlungsplanung und Ihre Lebensqualität?",
        "heading2": "Fragen an Ihr Behandlungsteam zu Therapieentscheidungen",
        "sentence": "Die Behandlungsmöglichkeiten bei wiederkehrendem multiplem Myelom umfassen "
                    "Kombinationstherapien, Stammzelltransplantationen und zielgerichtete "
                    "Immuntherapien, über die Ihr Behandlungsteam ausführlich mit Ihnen spricht.",
        "bullet": "Stammzelltransplantationsvorbereitungsuntersuchungen und "
                  "Kombinationstherapieentscheidungen werden gemeinsam besprochen",
        "item": "Eine Behandlungsmöglichkeit mit Kombinationstherapie, deren Nebenwirkungen "
                "und Wechselwirkungen Ihr Behandlungsteam ausführlich erklärt",
        "lead": "Ihr Behandlungsteam schlägt möglicherweise folgende Behandlungen vor:",
        "term": "Rezidiv (Rückfall)",
        "definition": "Wenn das Myelom nach einer Phase des Ansprechens auf die Behandlung "
                      "wieder aktiv wird und eine erneute Therapieentscheidung nötig ist.",
        "question": "Welche Behandlungsmöglichkeiten kommen als Nächstes für mich infrage, und "
                    "wie werden Nebenwirkungen überwacht?",
        "discuss": "Was hat Ihnen nach der Diagnose eines Rückfalls am meisten geholfen?",
        "alt": "Eine Zeichnung des Knochenmarks mit Plasmazellen",
        "caption": "Knochenmark mit Plasmazellen", "note": "Bitten Sie die Gruppe, nur zu "
        "erzählen, was sie erzählen möchte.",
    },
    "ar": {
        "title": "الورم النقوي المتعدد المنتكس والمقاوم للعلاج", "summary": "معنى الانتكاس.",
        "heading": "ماذا يعني الانتكاس؟", "heading2": "أسئلة لفريق الرعاية",
        "sentence": "غالبًا ما يعود الورم النقوي بعد العلاج. يسمى هذا انتكاسًا، ولا تزال هناك "
                    "علاجات كثيرة يمكن تجربتها.",
        "bullet": "قد يعود الورم النقوي بعد العلاج",
        "item": "خيار علاجي", "lead": "قد يقترح فريق الرعاية:",
        "term": "الانتكاس", "definition": "عندما يصبح الورم النقوي نشطًا مرة أخرى.",
        "question": "ما الذي يمكن أن نجربه بعد ذلك؟", "discuss": "ما الذي ساعدك أكثر؟",
        "alt": "رسم لنخاع العظم مع خلايا البلازما", "caption": "نخاع العظم",
        "note": "اطلب من المجموعة أن تشارك فقط ما تريد.",
    },
    "zh_Hans": {
        "title": "复发和难治性多发性骨髓瘤", "summary": "复发是什么意思。",
        "heading": "复发是什么意思", "heading2": "可以问医疗团队的问题",
        "sentence": "骨髓瘤在治疗后常常会复发。这叫做复发，但仍有许多治疗方法可以尝试。",
        "bullet": "骨髓瘤可能在治疗后复发", "item": "一种治疗选择",
        "lead": "您的医疗团队可能会建议：",
        "term": "复发", "definition": "骨髓瘤再次变得活跃。",
        "question": "接下来我们可以尝试什么？", "discuss": "什么对您帮助最大？",
        "alt": "骨髓和浆细胞的示意图", "caption": "骨髓",
        "note": "请小组成员只分享他们愿意分享的内容。",
    },
}
UI = {
    "de": {CONTINUED: "%(title)s (Fortsetzung)", NOT_YET: "Noch nicht auf %(lang)s verfügbar. "
           "Auf Englisch:", QR_ALT: "QR-Code, der %(address)s öffnet"},
    "ar": {CONTINUED: "%(title)s (تابع)", NOT_YET: "غير متوفر بعد باللغة %(lang)s. معروض "
           "بالإنجليزية:", QR_ALT: "رمز QR يفتح %(address)s"},
    "zh_Hans": {CONTINUED: "%(title)s（续）", NOT_YET: "尚无%(lang)s版本。以下为英文：",
                QR_ALT: "打开 %(address)s 的二维码"},
}
ENGLISH_FALLBACK = "This paragraph has not been translated yet."
ENGLISH_FALLBACK_BULLET = "Not translated yet"


@pytest.fixture(scope="session")
def picture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("images") / "marrow.png"
    image = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(image).ellipse((50, 50, 350, 250), fill="#c94f6d")
    image.save(path)
    return path


def make_doc(code: str = "en", *, items: int = 8, picture: Path | None = None,
             texts: dict[str, str] | None = None, level: str = "standard",
             kind: str = "topic") -> Doc:
    """A document in `code` built from the strings above, with every block type in it."""
    t = dict(TEXTS[code], **(texts or {}))
    where = "fixture.yaml:1"

    def block(block_id: str, kind: str, **fields: object) -> LocalizedBlock:
        return LocalizedBlock(id=block_id, type=kind, topic="fixture", where=where, **fields)  # type: ignore[arg-type]

    blocks = [
        block("h1", "heading", text=t["heading"]),
        block("p1", "paragraph", text=t["sentence"] + " " + t["sentence"], slide=t["bullet"]),
        block("k1", "keypoint", text=t["sentence"], slide="**" + t["bullet"] + "**"),
        block("p2", "paragraph", text=t["sentence"]),  # no slide text: notes only
        block("l1", "list", text=t["lead"],
              items=[f"{t['item']} {n}" for n in range(1, items + 1)]),
        block("n1", "notes", text=t["note"]),
        block("fb", "paragraph", text=ENGLISH_FALLBACK, slide=ENGLISH_FALLBACK_BULLET,
              fallback=code != "en"),
        block("tm", "term", term=t["term"], text=t["definition"]),
        block("h2", "heading", text=t["heading2"]),
        block("c1", "checklist", text=t["heading2"], items=[t["question"]] * 3, write_in=3),
        block("d1", "discussion", items=[t["discuss"]] * 2),
        block("s1", "slide", text=t["heading"], items=[t["bullet"], t["item"]]),
        # A control character in translated text would show as "_x001B_" in PowerPoint.
        block("p3", "paragraph", text=t["sentence"] + "\x1b", slide=t["bullet"] + "\x07"),
    ]
    if picture is not None:
        blocks.append(block("im", "image", text=t["alt"], caption=t["caption"], src=picture))
    review = Review(status="draft", written=DATE, reviewer_role="haematologist",
                    next_review=DATE + dt.timedelta(days=180))
    topic = LocalizedTopic(id="fixture", version="1.0", title=t["title"], summary=t["summary"],
                   review=review, sources=[Source(title="Fixture")], blocks=blocks,
                   terms=[LocalizedTerm("tm2", t["term"] + " 2", t["definition"])])
    ui = UI.get(code, {})
    lang = language(code)
    return Doc(kind=kind, id="fixture", lang=lang, level=level, title=t["title"],  # type: ignore[arg-type]
               summary=t["summary"], topics=[topic] * (2 if kind == "bundle" else 1),
               glossary=[LocalizedTerm("g1", t["term"] + " 3", t["definition"])], fallbacks=[],
               provenance=Provenance(code != "en", False, [("fixture", "1.0", DATE)]),
               clinic=load_clinic(REPO / "templates" / "clinic" / "demo.yaml"), paper="a4",
               large_print=False, date=DATE, ui=UiStrings(code, ui))


def ctx(template: Path | None = None, names: dict[str, str] | None = None) -> RenderContext:
    return RenderContext(REPO / "templates", REPO / "content", REPO / ".cache",
                         deck_template=template, layout_names=names or {})


def build(doc: Doc, context: RenderContext | None = None) -> bytes:
    return get("pptx").build(doc, context or ctx())


def slides_text(data: bytes) -> tuple[list[str], list[str], list[str]]:
    """Per slide: its title, all its text (not notes), its notes."""
    prs = Presentation(BytesIO(data))
    titles, texts, notes = [], [], []
    for slide in prs.slides:
        title = slide.shapes.title
        titles.append(title.text_frame.text if title is not None else "")
        texts.append("\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame))
        notes.append(slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else "")
    return titles, texts, notes


def runs(data: bytes, notes: bool = True):
    """Every run element of every slide (and notes), with its paragraph."""
    prs = Presentation(BytesIO(data))
    for slide in prs.slides:
        frames = [s.text_frame for s in slide.shapes if s.has_text_frame]
        if notes and slide.has_notes_slide:
            frames.append(slide.notes_slide.notes_text_frame)
        for frame in frames:
            for p in frame._txBody.findall(f"{A}p"):
                for r in p.findall(f"{A}r"):
                    yield p, r


# -- structure --------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["en", "de", "ar", "zh_Hans"])
def test_every_slide_has_a_title_and_notes_hold_every_block(code: str, picture: Path) -> None:
    doc = make_doc(code, picture=picture)
    titles, _texts, notes = slides_text(build(doc))
    assert all(t.strip() for t in titles), titles
    all_notes = "\n".join(notes)
    for block in doc.blocks():
        for text in (block.text, block.term, block.caption, *block.items):
            if text:
                plain = re.sub(r"[\x00-\x1f*]", "", text)
                assert plain in all_notes, (block.id, plain)


def test_deck_structure_and_layouts(picture: Path) -> None:
    doc = make_doc("en", picture=picture, kind="bundle")
    data = build(doc)
    prs = Presentation(BytesIO(data))
    layouts = [s.slide_layout.name for s in prs.slides]
    titles, texts, notes = slides_text(data)
    assert layouts[0] == "Title" and layouts[-1] == "Closing"
    assert titles[1] == "What we will talk about" and layouts[1] == "Content"  # bundle agenda
    assert layouts.count("Section") >= 2  # one per topic of the bundle
    assert "Questions" in layouts and "Two Column" in layouts
    # title slide: title, language, level, date, clinic
    assert titles[0] == doc.title
    for piece in ("English · Standard", "November 21, 2026", "Demo Myeloma Clinic"):
        assert piece in texts[0]
    # bullets are the short slide text; the long text is only in the notes
    content = "\n".join(texts)
    assert TEXTS["en"]["bullet"] in content
    assert TEXTS["en"]["sentence"] not in content.replace("\n", " ")
    assert "What can we try next?" in content and "What helped you most?" in content
    glossary = [i for i, t in enumerate(titles) if t.startswith("Medical words explained")]
    assert glossary and "Relapse: When myeloma becomes active again." in texts[glossary[0]]
    # Addresses and phone numbers hold no-break spaces and word joiners (never broken by a viewer)
    closing = texts[-1].replace("\u00a0", " ").replace("\u2060", "")
    assert "+1 555 0100" in closing and "https://example.org/myeloma" in closing
    # the notes block and a notes-only paragraph reach the notes of the section's slide
    section = next(i for i, t in enumerate(titles) if t == TEXTS["en"]["heading"])
    assert TEXTS["en"]["note"] in notes[section] or TEXTS["en"]["note"] in notes[section + 1]
    # deck properties
    props = prs.core_properties
    assert (props.title, props.language, props.author) == (doc.title, "en", "Demo Myeloma Clinic")
    assert props.created == props.modified == dt.datetime(2026, 11, 21)
    assert props.revision == 1 and "multiple myeloma" in props.keywords


def test_fallback_blocks_are_marked_in_bullets_and_notes() -> None:
    data = build(make_doc("de"))
    _titles, texts, notes = slides_text(data)
    marker = "Noch nicht auf Deutsch verfügbar. Auf Englisch:"
    slide = next(i for i, t in enumerate(texts) if ENGLISH_FALLBACK_BULLET in t)
    assert marker in texts[slide]
    assert marker in notes[slide] and ENGLISH_FALLBACK in notes[slide]
    for _p, r in runs(data):
        if r.findtext(f"{A}t") in (ENGLISH_FALLBACK, ENGLISH_FALLBACK_BULLET):
            assert r.find(f"{A}rPr").get("lang") == "en"  # English text is marked English


def test_control_characters_never_reach_the_xml() -> None:
    data = build(make_doc("en"))
    prs = Presentation(BytesIO(data))
    xml = b"".join(s.part.blob + s.notes_slide.part.blob for s in prs.slides)
    assert b"_x001B_" not in xml and b"_x0007_" not in xml
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", xml)


def test_pictures_have_alt_text_in_the_deck_language(picture: Path) -> None:
    data = build(make_doc("de", picture=picture))
    prs = Presentation(BytesIO(data))
    alts = [shape._element.find(".//{*}cNvPr").get("descr") for slide in prs.slides
            for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert TEXTS["de"]["alt"] in alts
    assert "QR-Code, der https://example.org/myeloma öffnet" in alts
    assert all(a and not re.search(r"\.(png|jpe?g|svg)$", a) and a != "image" for a in alts)


# -- scripts ----------------------------------------------------------------------------------

def test_arabic_is_right_to_left_with_script_fonts(picture: Path) -> None:
    data = build(make_doc("ar", picture=picture))
    arabic = 0
    for p, r in runs(data):
        rpr = r.find(f"{A}rPr")
        text = r.findtext(f"{A}t")
        assert rpr.find(f"{A}ea") is not None and rpr.find(f"{A}cs") is not None
        # Arabic letters in Naskh; what Naskh lacks (Latin punctuation such as "(") in Noto Sans.
        expected = "Noto Naskh Arabic" if re.search("[\u0600-\u06ff]", text) else None
        assert rpr.find(f"{A}cs").get("typeface") in (expected or "Noto Naskh Arabic", "Noto Sans")
        whole = "".join(t.text or "" for t in p.iter(f"{A}t"))  # runs are cut by font coverage
        if re.search("[\u0600-\u06ff]", whole) and not re.search("[A-Za-z]", whole):
            arabic += 1
            assert rpr.get("lang") == "ar"
            ppr = p.find(f"{A}pPr")
            assert ppr.get("rtl") == "1" and ppr.get("algn") == "r", text
        elif text in (ENGLISH_FALLBACK, ENGLISH_FALLBACK_BULLET):
            assert p.find(f"{A}pPr").get("rtl") == "0"
    assert arabic > 20
    # mirrored: the picture stands in the right column, the QR code on the left
    prs = Presentation(BytesIO(data))
    half = prs.slide_width // 2
    pictures = [(s.shapes.title.text_frame.text, shape) for s in prs.slides for shape in s.shapes
                if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]
    qr = [shape for _, shape in pictures if "QR" in shape._element.find(".//{*}cNvPr").get(
        "descr")]
    image = [shape for _, shape in pictures if shape not in qr and shape.top > Inches(1.5)]
    assert qr and qr[0].left < half
    assert image and image[0].left >= half


def test_chinese_runs_name_the_east_asian_font_and_language() -> None:
    data = build(make_doc("zh_Hans"))
    chinese = 0
    for _p, r in runs(data):
        rpr = r.find(f"{A}rPr")
        assert rpr.find(f"{A}ea").get("typeface") == "Noto Sans CJK SC"
        assert rpr.find(f"{A}latin").get("typeface") == "Noto Sans"
        text = r.findtext(f"{A}t")
        if re.search("[\u4e00-\u9fff]", text) and not re.search("[A-Za-z]", text):
            chinese += 1
            assert rpr.get("lang") == "zh-Hans"
    assert chinese > 20


# -- overflow ---------------------------------------------------------------------------------

def small_box_template(tmp_path: Path) -> Path:
    """Our template with the content layout's text box shrunk to a quarter of the slide."""
    prs = Presentation(BytesIO(build_template()))
    for layout in prs.slide_layouts:
        for ph in layout.placeholders:
            if layout.name in ("Content", "Questions") and ph.placeholder_format.idx == 1:
                ph.width, ph.height = Inches(5), Inches(2.6)
    path = tmp_path / "small.pptx"
    prs.save(path)
    return path


def test_long_german_in_the_smallest_box_is_split_not_overflowing(tmp_path: Path) -> None:
    template = small_box_template(tmp_path)
    data = build(make_doc("de", items=12), ctx(template))
    assert measure_overflow(data) == []
    titles, _texts, _notes = slides_text(data)
    continued = [t for t in titles if t.endswith("(Fortsetzung)")]
    assert len(continued) >= 4, titles
    sizes = {r.find(f"{A}rPr").get("sz") for _p, r in runs(data, notes=False)}
    assert min(int(s) for s in sizes) >= 1800  # never below the 18 pt floor
    # and nothing is lost on the way: every list item is on a slide
    text = "\n".join(_texts)
    for n in range(1, 13):
        assert f"{TEXTS['de']['item']} {n}" in text


@pytest.mark.parametrize("code", ["en", "de", "ar", "zh_Hans"])
def test_default_template_never_overflows(code: str, picture: Path) -> None:
    assert measure_overflow(build(make_doc(code, items=15, picture=picture))) == []


def test_measure_overflow_finds_text_that_does_not_fit() -> None:
    prs = Presentation(BytesIO(build(make_doc("en"))))
    slide = prs.slides[1]
    box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(2), Inches(0.5))
    run = box.text_frame.paragraphs[0].add_run()
    run.text = TEXTS["de"]["sentence"]
    run.font.size = Pt(24)
    out = BytesIO()
    prs.save(out)
    problems = measure_overflow(out.getvalue())
    assert len(problems) == 1 and "slide 2" in problems[0]


def test_clinic_logo_on_the_title_slide_with_its_name_as_alt_text(tmp_path: Path,
                                                                   picture: Path) -> None:
    from builder.clinic import Clinic

    shutil.copy(picture, tmp_path / "logo.png")
    demo = load_clinic(REPO / "templates" / "clinic" / "demo.yaml")
    doc = make_doc("ar")
    doc.clinic = Clinic(demo.profile.model_copy(update={"logo": "logo.png"}),
                        tmp_path / "clinic.yaml")
    prs = Presentation(BytesIO(build(doc)))
    logos = [s for s in prs.slides[0].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert [s._element.find(".//{*}cNvPr").get("descr") for s in logos] == ["Demo Myeloma Clinic"]
    assert logos[0].left < prs.slide_width // 2  # right to left: the logo moves to the left


def test_an_english_title_below_the_logo_is_marked_english_and_left_to_right() -> None:
    # The demo clinic's logo moves the title slide's title down, and it is set again there.
    doc = make_doc("ar")
    doc.title, doc.english = "Relapsed myeloma", frozenset({"title"})  # not translated yet
    prs = Presentation(BytesIO(build(doc)))
    assert any(s.shape_type == MSO_SHAPE_TYPE.PICTURE for s in prs.slides[0].shapes)  # the logo
    p = prs.slides[0].shapes.title.text_frame._txBody.find(f"{A}p")
    assert p.find(f"{A}pPr").get("rtl") == "0"
    assert [r.find(f"{A}rPr").get("lang") for r in p.findall(f"{A}r")] == ["en"]


def test_an_svg_image_without_a_png_beside_it_is_a_clear_error(tmp_path: Path) -> None:
    from builder.errors import RenderError

    svg = tmp_path / "marrow.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    with pytest.raises(RenderError, match=r"marrow\.svg.*PNG"):
        build(make_doc("en", picture=svg))


def test_a_file_that_is_not_a_template_is_a_config_error(tmp_path: Path) -> None:
    broken = tmp_path / "clinic.pptx"
    broken.write_text("not a zip")
    with pytest.raises(ConfigError, match=r"clinic\.pptx: not a PowerPoint template"):
        build(make_doc("en"), ctx(broken))


# -- templates --------------------------------------------------------------------------------

RENAMED = {"Title": "Titelfolie", "Section": "Abschnitt", "Content": "Titel und Inhalt",
           "Two Column": "Zwei Inhalte", "Questions": "Fragen", "Closing": "Abschluss"}
ROLES = {"Title": "title", "Section": "section", "Content": "content",
         "Two Column": "two-column", "Questions": "questions", "Closing": "closing"}


def clinic_template(tmp_path: Path, drop: str | None = None, suffix: str = ".pptx") -> Path:
    prs = Presentation(BytesIO(build_template()))
    for layout in list(prs.slide_layouts):
        if layout.name == drop:
            prs.slide_layouts.remove(layout)
        else:
            layout.name = RENAMED[layout.name]
    prs.slides.add_slide(prs.slide_layouts[0])  # a template may come with slides
    path = tmp_path / f"clinic{suffix}"
    prs.save(path)
    if suffix == ".potx":  # a real template's main part has the template content type
        from zipfile import ZipFile

        from builder.pptx_xml import PRESENTATION_CT, TEMPLATE_CT
        source = ZipFile(path)
        entries = {i.filename: source.read(i.filename) for i in source.infolist()}
        entries["[Content_Types].xml"] = entries["[Content_Types].xml"].replace(
            PRESENTATION_CT.encode(), TEMPLATE_CT.encode())
        with ZipFile(path, "w") as target:
            for name, body in entries.items():
                target.writestr(name, body)
    return path


@pytest.mark.parametrize("suffix", [".pptx", ".potx"])
def test_clinic_template_with_renamed_layouts(tmp_path: Path, picture: Path, suffix: str) -> None:
    template = clinic_template(tmp_path, suffix=suffix)
    names = {ROLES[ours]: theirs for ours, theirs in RENAMED.items()}
    data = build(make_doc("en", picture=picture, kind="bundle"), ctx(template, names))
    prs = Presentation(BytesIO(data))
    used = {s.slide_layout.name for s in prs.slides}
    assert used == set(RENAMED.values())
    assert prs.slides[0].shapes.title.text_frame.text == TEXTS["en"]["title"]  # old slide gone
    assert measure_overflow(data) == []


def test_clinic_template_missing_a_layout_names_it(tmp_path: Path) -> None:
    template = clinic_template(tmp_path, drop="Questions")
    names = {ROLES[ours]: theirs for ours, theirs in RENAMED.items()}
    with pytest.raises(ConfigError) as error:
        build(make_doc("en"), ctx(template, names))
    message = str(error.value)
    assert "clinic.pptx" in message
    assert "layout 'Fragen' for questions slides not found" in message
    assert "'Titel und Inhalt'" in message  # and says what the template has


def test_our_template_is_up_to_date_and_16_9() -> None:
    committed = (REPO / "templates" / "deck.pptx").read_bytes()
    assert build_template() == committed, "run: python -m builder.deck_template"
    prs = Presentation(BytesIO(committed))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)  # 13.333 x 7.5 in
    assert [layout.name for layout in prs.slide_layouts] == list(ROLES)


def test_two_builds_give_the_same_bytes(picture: Path) -> None:
    assert build(make_doc("ar", picture=picture)) == build(make_doc("ar", picture=picture))


# -- the real content ---------------------------------------------------------------------

SHIPPED = ["en", *sorted(p.parent.name for p in (REPO / "locales").glob("*/LC_MESSAGES"))]


def content_decks(lang: str, level: str, kinds: tuple[str, ...] = ("bundle", "topic")):
    """(doc, deck bytes) for every bundle and topic of the content in `lang` at `level`."""
    from builder.content import load_library
    from builder.localize import load_catalogs, localize
    from builder.project import Project

    project = Project.at(REPO)
    lib = load_library(project.content)
    catalogs = load_catalogs(project, lang)
    clinic = load_clinic(REPO / "templates" / "clinic" / "demo.yaml")
    for kind in kinds:
        for doc_id in sorted(lib.bundles if kind == "bundle" else lib.topics):
            if kind == "topic" and level not in lib.topic_levels(doc_id):
                continue
            doc = localize(lib, catalogs, kind, doc_id, level, clinic, "a4")
            yield doc, build(doc)


def check_content_deck(doc: Doc, data: bytes) -> None:
    from builder.verify import missing_blocks

    titles, _texts, _notes = slides_text(data)
    assert all(t.strip() for t in titles), doc.id
    assert measure_overflow(data) == [], doc.id
    assert missing_blocks(doc, "pptx", data) == [], doc.id  # notes and bullets hold every block


@pytest.mark.parametrize("level", [pytest.param("easy", marks=pytest.mark.slow), "standard",
                                   pytest.param("detailed", marks=pytest.mark.slow)])
@pytest.mark.slow
def test_every_content_deck_in_english(level: str) -> None:
    for doc, data in content_decks("en", level):
        check_content_deck(doc, data)


@pytest.mark.slow
@pytest.mark.parametrize("level", ["easy", "standard", "detailed"])
@pytest.mark.parametrize("lang", [code for code in SHIPPED if code != "en"])
def test_every_content_deck_in_every_shipped_language(lang: str, level: str) -> None:
    for doc, data in content_decks(lang, level):
        check_content_deck(doc, data)


# -- LibreOffice ---------------------------------------------------------------------------

def words_outside_their_boxes(deck: Path, pdf: Path) -> list[str]:
    """Words LibreOffice set outside the text box they belong to: overflow as rendered."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = bbox.split("<page ")[1:]
    prs = Presentation(deck)
    assert len(pages) == len(prs.slides)
    outside = []
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                      r"(.*?)</word>")
    for number, (page, slide) in enumerate(zip(pages, prs.slides, strict=True), 1):
        boxes = [(s.text_frame.text, s.left / 12700, s.top / 12700,
                  (s.left + s.width) / 12700, (s.top + s.height) / 12700)
                 for s in slide.shapes if s.has_text_frame]
        for match in word.finditer(page):
            x0, y0, x1, y1 = (float(v) for v in match.groups()[:4])
            text = html.unescape(match.group(5))
            # The boxes whose text has the word (extractors may reverse right-to-left words).
            owners = [b for b in boxes if text in b[0] or text[::-1] in b[0]] or boxes
            middle = (y0 + y1) / 2  # a glyph's box is taller than its line: test its middle
            if not any(left - 2 <= x0 and x1 <= right + 2 and top - 2 <= middle <= bottom
                       for _text, left, top, right, bottom in owners):
                outside.append(f"slide {number}: {text!r}")
    return outside


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
@pytest.mark.parametrize("code", ["en", "de", "ar", "zh_Hans"])
def test_libreoffice_converts_and_keeps_text_in_its_boxes(code: str, tmp_path: Path,
                                                          picture: Path) -> None:
    deck = tmp_path / f"deck-{code}.pptx"
    deck.write_bytes(build(make_doc(code, items=12, picture=picture, kind="bundle")))
    pdf = soffice_pdf(deck)
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                               check=True).stdout
        # No boxes: the text is set in the fonts the deck names, not a fallback without glyphs.
        wanted = {"en": "NotoSans-", "de": "NotoSans-", "ar": "NotoNaskhArabic",
                  "zh_Hans": "NotoSansCJK"}[code]
        assert wanted in fonts, fonts
    if shutil.which("pdftotext"):
        assert words_outside_their_boxes(deck, pdf) == []


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) or pdftotext not installed")
def test_the_rendered_overflow_check_sees_overflow(tmp_path: Path) -> None:
    prs = Presentation(BytesIO(build(make_doc("en"))))
    box = prs.slides[1].shapes.add_textbox(Inches(1), Inches(3), Inches(3), Inches(0.5))
    box.text_frame.word_wrap = True
    box.text_frame.auto_size = MSO_AUTO_SIZE.NONE
    run = box.text_frame.paragraphs[0].add_run()
    run.text = "Overflowing words that cannot fit in this small box at this size"
    run.font.size = Pt(24)
    deck = tmp_path / "overflow.pptx"
    prs.save(deck)
    assert len(words_outside_their_boxes(deck, soffice_pdf(deck))) >= 3


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_keeps_long_german_inside_the_smallest_box(tmp_path: Path) -> None:
    deck = tmp_path / "small.pptx"
    deck.write_bytes(build(make_doc("de", items=12), ctx(small_box_template(tmp_path))))
    pdf = soffice_pdf(deck)
    if shutil.which("pdftotext"):
        assert words_outside_their_boxes(deck, pdf) == []


@pytest.mark.slow
@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) or pdftotext not installed")
@pytest.mark.parametrize("lang", SHIPPED)
def test_libreoffice_renders_every_bundle_inside_its_boxes(lang: str, tmp_path: Path) -> None:
    decks = []
    for level in ("easy", "standard", "detailed"):
        for doc, data in content_decks(lang, level, kinds=("bundle",)):
            decks.append(tmp_path / f"{level}-{doc.id}.pptx")
            decks[-1].write_bytes(data)
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, decks)],
        capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    for deck in decks:
        assert deck.with_suffix(".pdf").is_file(), deck.name
        assert words_outside_their_boxes(deck, deck.with_suffix(".pdf")) == [], deck.name
