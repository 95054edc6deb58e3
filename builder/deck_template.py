"""Generates templates/deck.pptx, the 16:9 deck master: `python -m builder.deck_template`."""

from __future__ import annotations

import datetime as dt
import sys
from io import BytesIO
from pathlib import Path
from typing import Any

from lxml import etree
from pptx import Presentation
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.packuri import PackURI
from pptx.util import Emu

from builder.pptx_xml import NSMAP, P, repack, set_theme

SLIDE_WIDTH, SLIDE_HEIGHT = 12192000, 6858000  # 13.333 in x 7.5 in
DEFAULT_ACCENT = "#1f5f8b"  # the demo clinic's; the deck builder puts the clinic's accent here
TEXT = "#1a1a1a"  # as the leaflet: 17:1 on white
SUBTLE = "#404040"  # 10:1 on white
STAMP = dt.date(2026, 1, 1)  # fixed, so regenerating gives the same bytes
OUTPUT = Path(__file__).resolve().parents[1] / "templates" / "deck.pptx"

# Our layout names, in the order they appear in PowerPoint's layout menu, and the default
# template's layout each one is rebuilt from (the rest are removed).
LAYOUTS = {
    "Title": ("Title Slide", "title"),
    "Section": ("Section Header", "secHead"),
    "Content": ("Title and Content", "obj"),
    "Two Column": ("Two Content", "twoObj"),
    "Questions": ("Title Only", "obj"),
    "Closing": ("Blank", "obj"),
}

MARGIN = 0.6  # in
WIDTH = 13.333 - 2 * MARGIN
TITLE_Y, TITLE_H = 0.2, 1.45  # two lines of a 36 pt title
BAR_Y, BAR_H = 1.7, 0.06
BODY_Y, BODY_H = 1.9, 5.05
GAP = 0.4


def emu(inches: float) -> int:
    return round(inches * 914400)


def _xfrm(x: float, y: float, w: float, h: float) -> str:
    return (f'<a:xfrm><a:off x="{emu(x)}" y="{emu(y)}"/>'
            f'<a:ext cx="{emu(w)}" cy="{emu(h)}"/></a:xfrm>')


def _placeholder(shape_id: int, name: str, ph: str, box: tuple[float, float, float, float],
                 prompt: str, *, anchor: str = "t", lst: str = "") -> str:
    return (f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="{name}"/><p:cNvSpPr>'
            f'<a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr>{ph}</p:nvPr></p:nvSpPr>'
            f'<p:spPr>{_xfrm(*box)}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr>'
            f'<p:txBody><a:bodyPr vert="horz" wrap="square" lIns="91440" tIns="45720" '
            f'rIns="91440" bIns="45720" rtlCol="0" anchor="{anchor}"><a:noAutofit/></a:bodyPr>'
            f'<a:lstStyle>{lst}</a:lstStyle><a:p><a:r><a:rPr lang="en-US"/><a:t>{prompt}</a:t>'
            f'</a:r></a:p></p:txBody></p:sp>')


def _rect(shape_id: int, name: str, box: tuple[float, float, float, float], fill: str) -> str:
    # Decoration only: PowerPoint and screen readers skip it (no text, marked decorative).
    return (f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="{name}"><a:extLst>'
            '<a:ext uri="{C183D7F6-B498-43B3-948B-1728B52AA6E4}">'
            '<adec:decorative xmlns:adec="http://schemas.microsoft.com/office/drawing/2017/'
            'decorative" val="1"/></a:ext></a:extLst></p:cNvPr><p:cNvSpPr/><p:nvPr userDrawn="1"/>'
            f'</p:nvSpPr><p:spPr>{_xfrm(*box)}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
            f'<a:solidFill>{fill}</a:solidFill><a:ln><a:noFill/></a:ln></p:spPr></p:sp>')


ACCENT = '<a:schemeClr val="accent1"/>'
TINT = '<a:schemeClr val="accent1"><a:lumMod val="12000"/><a:lumOff val="88000"/></a:schemeClr>'
TITLE_PH = '<p:ph type="title"/>'
BODY_PH = '<p:ph type="body" idx="1"/>'
SUBTITLE = ('<a:lvl1pPr marL="0" indent="0"><a:buNone/><a:defRPr sz="2200"><a:solidFill>'
            '<a:schemeClr val="tx2"/></a:solidFill></a:defRPr></a:lvl1pPr>')
NO_BULLETS = ('<a:lvl1pPr marL="0" indent="0"><a:buNone/></a:lvl1pPr>'
              '<a:lvl2pPr marL="0" indent="0"><a:buNone/></a:lvl2pPr>')


def _title(shape_id: int = 2) -> str:
    return _placeholder(shape_id, "Title", TITLE_PH, (MARGIN, TITLE_Y, WIDTH, TITLE_H), "Title",
                        anchor="b")


def _bar(shape_id: int, y: float = BAR_Y, x: float = MARGIN, w: float = WIDTH) -> str:
    return _rect(shape_id, "Accent bar", (x, y, w, BAR_H), ACCENT)


def _body(shape_id: int = 3, box: tuple[float, float, float, float] | None = None,
          ph: str = BODY_PH, lst: str = "", name: str = "Text") -> str:
    return _placeholder(shape_id, name, ph, box or (MARGIN, BODY_Y, WIDTH, BODY_H),
                        "Text", lst=lst)


def _layout_shapes(name: str) -> tuple[str, bool]:
    """The shapes of one layout, and whether it shows the master's shapes (the accent bar)."""
    band = _rect(10, "Accent band", (0, 0, 13.333, 0.3), ACCENT)
    inner_x, inner_w = MARGIN + 0.3, WIDTH - 0.6
    if name == "Title":
        return (band
                + _placeholder(2, "Title", '<p:ph type="ctrTitle"/>',
                               (inner_x, 0.8, inner_w, 2.5), "Title", anchor="b",
                               lst='<a:lvl1pPr><a:defRPr sz="4400"/></a:lvl1pPr>')
                + _bar(11, 3.38, inner_x, inner_w)
                + _placeholder(3, "Subtitle", '<p:ph type="subTitle" idx="1"/>',
                               (inner_x, 3.55, inner_w, 3.6), "Subtitle", lst=SUBTITLE)), False
    if name == "Section":
        return (band
                + _placeholder(2, "Title", TITLE_PH, (inner_x, 1.1, inner_w, 2.6), "Title",
                               anchor="b", lst='<a:lvl1pPr><a:defRPr sz="4000"/></a:lvl1pPr>')
                + _bar(11, 3.8, inner_x, inner_w)
                + _body(3, (inner_x, 4.0, inner_w, 3.0), lst=NO_BULLETS)), False
    if name == "Content":
        return _title() + _body(), True
    if name == "Two Column":
        column = (WIDTH - GAP) / 2
        return (_title()
                + _body(3, (MARGIN, BODY_Y, column, BODY_H),
                        '<p:ph type="body" sz="half" idx="1"/>', name="Left")
                + _body(4, (MARGIN + column + GAP, BODY_Y, column, BODY_H),
                        '<p:ph type="body" sz="half" idx="2"/>', name="Right")), True
    if name == "Questions":
        return (_title()
                + _rect(10, "Panel", (MARGIN, BODY_Y, WIDTH, BODY_H), TINT)
                + _body(3, (MARGIN + 0.2, BODY_Y + 0.15, WIDTH - 0.4, BODY_H - 0.3))), True
    if name == "Closing":
        return (_title() + _body(3, (MARGIN, BODY_Y, WIDTH, BODY_H - 0.1), lst=NO_BULLETS)
                + _rect(10, "Accent band", (0, 7.2, 13.333, 0.3), ACCENT)), True
    raise KeyError(name)


def _level(n: int, size: int, ppr: str = "", bullet: str = "") -> str:
    return (f'<a:lvl{n}pPr {ppr} algn="l" rtl="0" eaLnBrk="1" latinLnBrk="0" hangingPunct="0">'
            f'{bullet}<a:defRPr sz="{size * 100}" kern="0"><a:solidFill>'
            f'<a:schemeClr val="tx1"/></a:solidFill><a:latin typeface="+mn-lt"/>'
            f'<a:ea typeface="+mn-ea"/><a:cs typeface="+mn-cs"/></a:defRPr></a:lvl{n}pPr>')


def _text_styles() -> str:
    title = ('<p:titleStyle><a:lvl1pPr algn="l" rtl="0" eaLnBrk="1" latinLnBrk="0" '
             'hangingPunct="0"><a:lnSpc><a:spcPct val="100000"/></a:lnSpc><a:spcBef>'
             '<a:spcPts val="0"/></a:spcBef><a:buNone/><a:defRPr sz="3600" b="1" kern="0">'
             f'<a:solidFill>{ACCENT}</a:solidFill><a:latin typeface="+mj-lt"/>'
             '<a:ea typeface="+mj-ea"/><a:cs typeface="+mj-cs"/></a:defRPr></a:lvl1pPr>'
             '</p:titleStyle>')
    body = ["<p:bodyStyle>"]
    for n in range(1, 10):
        size = {1: 24, 2: 20}.get(n, 18)
        margin = emu(0.4 * n)
        bullet = ('<a:lnSpc><a:spcPct val="100000"/></a:lnSpc><a:spcBef><a:spcPts val="'
                  f'{1000 if n == 1 else 400}"/></a:spcBef><a:buFont typeface="Noto Sans"/>'
                  f'<a:buChar char="{"•" if n == 1 else "–"}"/>')
        body.append(_level(n, size, ppr=f'marL="{margin}" indent="-{emu(0.4)}"', bullet=bullet))
    body.append("</p:bodyStyle>")
    other = ['<p:otherStyle><a:defPPr><a:defRPr lang="en-US"/></a:defPPr>']
    other += [_level(n, 18, ppr=f'marL="{emu(0.4 * (n - 1))}"') for n in range(1, 10)]
    other.append("</p:otherStyle>")
    return f"<p:txStyles>{title}{''.join(body)}{''.join(other)}</p:txStyles>"


def _sp_tree(shapes: str) -> etree._Element:
    xml = (f'<p:spTree xmlns:p="{NSMAP["p"]}" xmlns:a="{NSMAP["a"]}" xmlns:r="{NSMAP["r"]}">'
           '<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
           '<p:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/><a:chOff x="0" y="0"/>'
           f'<a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr>{shapes}</p:spTree>')
    return etree.fromstring(xml)


def _replace(parent: etree._Element, old: etree._Element, new: etree._Element) -> None:
    parent.replace(old, new)


def _master(prs: Any) -> None:
    master = prs.slide_master._element
    c_sld = master.find(f"{P}cSld")
    slide_number = _placeholder(
        4, "Slide number", '<p:ph type="sldNum" sz="quarter" idx="4"/>',
        (13.333 - MARGIN - 1.5, 7.0, 1.5, 0.35), "‹#›",
        lst='<a:lvl1pPr algn="r"><a:defRPr sz="1200"><a:solidFill><a:schemeClr val="tx2"/>'
            '</a:solidFill></a:defRPr></a:lvl1pPr>')
    # The slide number placeholder holds a field, as PowerPoint's own masters do.
    slide_number = slide_number.replace(
        '<a:r><a:rPr lang="en-US"/><a:t>‹#›</a:t></a:r>',
        '<a:fld id="{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}" type="slidenum">'
        '<a:rPr lang="en-US"/><a:t>‹#›</a:t></a:fld>')
    shapes = _title() + _body() + slide_number + _bar(10)
    _replace(c_sld, c_sld.find(f"{P}spTree"), _sp_tree(shapes))
    styles = etree.fromstring(f'<root xmlns:p="{NSMAP["p"]}" xmlns:a="{NSMAP["a"]}">'
                              f'{_text_styles()}</root>')[0]
    _replace(master, master.find(f"{P}txStyles"), styles)


def _layouts(prs: Any) -> None:
    master = prs.slide_master
    by_name = {layout.name: layout for layout in master.slide_layouts}
    keep = []
    for ours, (theirs, kind) in LAYOUTS.items():
        layout = by_name[theirs]
        element = layout._element
        element.set("type", kind)
        element.set("preserve", "1")
        shapes, show_master = _layout_shapes(ours)
        if show_master:
            element.attrib.pop("showMasterSp", None)
        else:
            element.set("showMasterSp", "0")
        c_sld = element.find(f"{P}cSld")
        c_sld.set("name", ours)
        _replace(c_sld, c_sld.find(f"{P}spTree"), _sp_tree(shapes))
        keep.append(layout)
    id_list = master._element.find(f"{P}sldLayoutIdLst")
    for layout in list(master.slide_layouts):
        if layout not in keep:
            master.slide_layouts.remove(layout)
    # Menu order = our order.
    entries = {e.get(f"{{{NSMAP['r']}}}id"): e for e in id_list}
    rid_of = {id(master.part.related_part(rid).slide_layout): rid for rid in entries}
    for number, layout in enumerate(keep, 1):
        id_list.append(entries[rid_of[id(layout)]])
        layout.part.partname = PackURI(f"/ppt/slideLayouts/slideLayout{number}.xml")


def _package(prs: Any) -> None:
    """Drop the default template's 4:3 thumbnail and printer settings; fix the app properties."""
    package = prs.part.package
    for rid, rel in list(package._rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package.drop_rel(rid)
        elif rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part._blob = (
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                b'extended-properties"><Application>handout</Application><PresentationFormat>'
                b'Widescreen</PresentationFormat></Properties>')
    for rid, rel in list(prs.part.rels.items()):
        if rel.reltype == RT.PRINTER_SETTINGS:
            prs.part.drop_rel(rid)


def build_template() -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(SLIDE_WIDTH), Emu(SLIDE_HEIGHT)
    prs.part._element.find(f"{P}sldSz").attrib.pop("type", None)  # was "screen4x3"
    set_theme(prs, name="handout", latin="Noto Sans",
              colours={"dk1": TEXT, "dk2": SUBTLE, "accent1": DEFAULT_ACCENT,
                       "hlink": DEFAULT_ACCENT},
              scripts={"ea": "Noto Sans CJK SC", "cs": "Noto Naskh Arabic",
                       "Hans": "Noto Sans CJK SC", "Hant": "Noto Sans CJK TC",
                       "Jpan": "Noto Sans CJK JP", "Hang": "Noto Sans CJK KR",
                       "Arab": "Noto Naskh Arabic", "Hebr": "Noto Sans Hebrew"})
    _master(prs)
    _layouts(prs)
    _package(prs)
    prs.notes_master  # noqa: B018 - created now, so every deck shares the template's
    props = prs.core_properties
    props.title = "handout deck template"
    props.author = props.last_modified_by = "handout"
    props.comments = "Generated by python -m builder.deck_template; do not edit by hand."
    props.created = props.modified = props.last_printed = dt.datetime(2026, 1, 1)
    props.revision = 1
    out = BytesIO()
    prs.save(out)
    return repack(out.getvalue(), STAMP)


def main(argv: list[str] | None = None) -> int:
    target = Path((argv or sys.argv[1:] or [str(OUTPUT)])[0])
    target.write_bytes(build_template())
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
