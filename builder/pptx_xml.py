"""The raw DrawingML/OPC edits python-pptx has no API for: script fonts, RTL, bullets, alt text."""

from __future__ import annotations

import datetime as dt
import zipfile
from io import BytesIO
from typing import Any

from lxml import etree

from builder.characters import FORBIDDEN_RE

A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NSMAP = {"a": A_NS, "p": P_NS, "r": R_NS}
A = f"{{{A_NS}}}"
P = f"{{{P_NS}}}"

# What must not reach the XML (python-pptx would write a control character as a visible
# "_x001B_"; lxml refuses lone surrogates): the rules of builder/characters.py.
CONTROL_RE = FORBIDDEN_RE

# Schema order of the children of a:rPr after the fonts (CT_TextCharacterProperties).
_AFTER_FONTS = ("sym", "hlinkClick", "hlinkMouseOver", "rtl", "extLst")
# Schema order of the children of a:pPr (CT_TextParagraphProperties).
_PPR_ORDER = ("lnSpc", "spcBef", "spcAft", "buClrTx", "buClr", "buSzTx", "buSzPct", "buSzPts",
              "buFontTx", "buFont", "buNone", "buAutoNum", "buChar", "buBlip", "tabLst", "defRPr",
              "extLst")
_BULLETS = ("buFontTx", "buFont", "buNone", "buAutoNum", "buChar", "buBlip")

_PML = "application/vnd.openxmlformats-officedocument.presentationml"
PRESENTATION_CT = f"{_PML}.presentation.main+xml"
TEMPLATE_CT = f"{_PML}.template.main+xml"


def clean(text: str) -> str:
    """`text` without the characters that must not reach the XML."""
    return CONTROL_RE.sub("", text)


def _insert_in_order(parent: Any, child: Any, order: tuple[str, ...]) -> None:
    name = etree.QName(child).localname
    later = order[order.index(name) + 1:]
    for sibling in parent:
        if etree.QName(sibling).localname in later:
            sibling.addprevious(child)
            return
    parent.append(child)


def set_run_fonts(rpr: Any, *, latin: str, ea: str, cs: str, lang: str,
                  alt_lang: str | None = None) -> None:
    """Name the Latin, East Asian and complex-script typefaces and the language of one run.

    `font.name` in python-pptx sets only `<a:latin>`; without `<a:ea>` and `<a:cs>` LibreOffice,
    Mac PowerPoint and Google Slides fall back to fonts without CJK or Arabic glyphs (boxes).
    """
    rpr.set("lang", lang)
    if alt_lang:
        rpr.set("altLang", alt_lang)
    else:
        rpr.attrib.pop("altLang", None)
    for name in ("latin", "ea", "cs"):
        for old in rpr.findall(f"{A}{name}"):
            rpr.remove(old)
    anchor = next((c for c in rpr if etree.QName(c).localname in _AFTER_FONTS), None)
    for name, face in (("latin", latin), ("ea", ea), ("cs", cs)):
        element = etree.SubElement(rpr, f"{A}{name}", typeface=face)
        if anchor is not None:
            anchor.addprevious(element)


def set_paragraph(p: Any, *, rtl: bool | None = None, align: str | None = None,  # noqa: PLR0913 - keyword-only, one per <a:pPr> setting
                  margin_left: int | None = None, indent: int | None = None,
                  space_before_pt: float | None = None, line_pct: float | None = None,
                  bullet: str | None = None, bullet_font: str | None = None,
                  start_at: int | None = None, hanging_punctuation: bool | None = None) -> None:
    """Paragraph direction, alignment, hanging indent, spacing and bullet of an `<a:p>`.

    `bullet` is "none", "number" (1. 2. 3., from `start_at`) or a bullet character. There is
    no python-pptx API for right-to-left paragraphs (python-pptx #851), indents or bullets.
    With `hanging_punctuation` on, PowerPoint and LibreOffice let a CJK comma or full stop hang
    past the right edge of the box.
    """
    ppr = p.find(f"{A}pPr")
    if ppr is None:
        ppr = etree.Element(f"{A}pPr")
        p.insert(0, ppr)
    for name, value in (("rtl", _flag(rtl)), ("algn", align), ("marL", _whole(margin_left)),
                        ("indent", _whole(indent)), ("hangingPunct", _flag(hanging_punctuation))):
        if value is not None:
            ppr.set(name, value)
    if line_pct is not None:
        _set_spacing(ppr, "lnSpc", "spcPct", round(line_pct * 1000))
    if space_before_pt is not None:
        _set_spacing(ppr, "spcBef", "spcPts", round(space_before_pt * 100))
    if bullet is not None:
        _set_bullet(ppr, bullet, bullet_font, start_at)


def _flag(value: bool | None) -> str | None:
    return None if value is None else "1" if value else "0"


def _whole(value: int | None) -> str | None:
    return None if value is None else str(int(value))


def _set_spacing(ppr: Any, name: str, unit: str, value: int) -> None:
    """`<a:lnSpc>` or `<a:spcBef>` of a `<a:pPr>`, in place of any there."""
    spacing = etree.Element(f"{A}{name}")
    etree.SubElement(spacing, f"{A}{unit}", val=str(value))
    for old in ppr.findall(f"{A}{name}"):
        ppr.remove(old)
    _insert_in_order(ppr, spacing, _PPR_ORDER)


def _set_bullet(ppr: Any, bullet: str, font: str | None, start_at: int | None) -> None:
    """The bullet of a `<a:pPr>` ("none", "number" or a character), in place of any there."""
    for name in _BULLETS:
        for old in ppr.findall(f"{A}{name}"):
            ppr.remove(old)
    if bullet == "none":
        _insert_in_order(ppr, etree.Element(f"{A}buNone"), _PPR_ORDER)
        return
    if font:
        _insert_in_order(ppr, etree.Element(f"{A}buFont", typeface=font), _PPR_ORDER)
    if bullet == "number":
        mark = etree.Element(f"{A}buAutoNum", type="arabicPeriod")
        if start_at and start_at != 1:
            mark.set("startAt", str(start_at))
    else:
        mark = etree.Element(f"{A}buChar", char=bullet)
    _insert_in_order(ppr, mark, _PPR_ORDER)


def set_end_size(p: Any, size_pt: float, lang: str) -> None:
    """The size of the paragraph mark, so an empty paragraph is as tall as the text around it."""
    end = p.find(f"{A}endParaRPr")
    if end is None:
        end = etree.SubElement(p, f"{A}endParaRPr")
    end.set("lang", lang)
    end.set("sz", str(round(size_pt * 100)))


def set_alt_text(shape_element: Any, text: str, name: str | None = None) -> None:
    """Alt text (`descr`) of a picture; python-pptx sets it to the image's file name."""
    cnvpr = shape_element.find(f".//{P}cNvPr")
    cnvpr.set("descr", clean(text))
    if name is not None:
        cnvpr.set("name", clean(name))


def theme_part(prs: Any) -> Any:
    # Imported here: the rest of this module is plain lxml, so the deck planner that uses
    # `clean` loads without python-pptx.
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    return prs.slide_master.part.part_related_by(RT.THEME)


def set_theme(prs: Any, *, colours: dict[str, str] | None = None,
              latin: str | None = None, scripts: dict[str, str] | None = None,
              name: str | None = None) -> None:
    """Theme colours (#rrggbb by slot: accent1, dk2…), theme fonts and the theme's name."""
    part = theme_part(prs)
    root = etree.fromstring(part.blob)
    if name is not None:
        root.set("name", name)
    for slot, colour in (colours or {}).items():
        holder = root.find(f".//{A}clrScheme/{A}{slot}")
        for child in list(holder):
            holder.remove(child)
        etree.SubElement(holder, f"{A}srgbClr", val=colour.lstrip("#").upper())
    for font in root.findall(f".//{A}fontScheme/*"):
        if latin is not None:
            font.find(f"{A}latin").set("typeface", latin)
        for script, face in (scripts or {}).items():
            if script in ("ea", "cs"):
                font.find(f"{A}{script}").set("typeface", face)
                continue
            entry = font.find(f"{A}font[@script='{script}']")
            if entry is None:
                entry = etree.SubElement(font, f"{A}font", script=script)
            entry.set("typeface", face)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def remove_slides(prs: Any) -> None:
    """Drop the slides a template came with; we only use its masters, layouts and theme."""
    id_list = prs.slides._sldIdLst
    for sld_id in list(id_list):
        prs.part.drop_rel(sld_id.rId)
        id_list.remove(sld_id)


def as_presentation(data: bytes) -> bytes:
    """A .potx template's bytes with the content type python-pptx opens (.pptx)."""
    source = zipfile.ZipFile(BytesIO(data))
    types = source.read("[Content_Types].xml")
    if TEMPLATE_CT.encode() not in types:
        return data
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                body = body.replace(TEMPLATE_CT.encode(), PRESENTATION_CT.encode())
            target.writestr(info, body)
    return out.getvalue()


def repack(data: bytes, when: dt.date) -> bytes:
    """The same package with fixed entry times and a fixed order, so equal input gives equal bytes.

    python-pptx stamps every zip entry with the current time.
    """
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    source = zipfile.ZipFile(BytesIO(data))
    names = sorted(source.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, source.read(name), compresslevel=6)
    return out.getvalue()
