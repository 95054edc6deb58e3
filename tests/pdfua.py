"""A small PDF/UA structure-tree checker (pypdf), for the rules our leaflets can break.

No PDF/UA checker on PyPI is a well-kept, independent library (veraPDF is Java); this walker
reads the tagged structure the way assistive technology does and covers these rules
(Matterhorn Protocol checkpoints in brackets):
- the document is tagged and the catalog has /Lang                         [01-004, 11-006]
- every Figure has /Alt or /ActualText                                        [13-004]
- lists are L > LI > (Lbl, LBody); an L holds only LI (and Caption, nested L) [ISO 32000 14.8.4.3]
- every structure element whose text is in a language other than the
  inherited one carries /Lang (checked against `expected_lang`, a callback
  that knows which text is in which language)                                 [11-001..11-005]
- headings nest: no level is skipped going down (H1 then H3)                  [14-003]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject


@dataclass
class Element:
    role: str
    lang: str | None  # the /Lang in effect (own or inherited)
    own_lang: str | None
    alt: str | None
    text: str  # the marked content's text, in reading order
    page: int | None = None  # 0-based index of the page the element is on (its /Pg)
    children: list[Element] = field(default_factory=list)
    parent: Element | None = None

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            yield from child.walk()


def _marked_text(reader: PdfReader) -> dict[tuple[int, int], str]:
    """The text of each marked-content sequence, by (page object number, MCID)."""
    texts: dict[tuple[int, int], str] = {}
    for page in reader.pages:
        _page_marked_text(page, texts)
    return texts


def _page_marked_text(page: object, texts: dict[tuple[int, int], str]) -> None:
    stack: list[int | None] = []
    number = page.indirect_reference.idnum  # type: ignore[attr-defined]

    def visitor(text: str, cm: object, tm: object, font: object, size: object) -> None:
        mcid = next((m for m in reversed(stack) if m is not None), None)
        if mcid is not None and text:
            texts[(number, mcid)] = texts.get((number, mcid), "") + text

    def before(op: bytes, args: list, cm: object, tm: object) -> None:
        if op in (b"BDC", b"BMC"):
            props = args[1] if op == b"BDC" and len(args) > 1 else None
            mcid = props.get("/MCID") if isinstance(props, DictionaryObject) else None
            stack.append(int(mcid) if mcid is not None else None)
        elif op == b"EMC" and stack:
            stack.pop()

    page.extract_text(visitor_text=visitor, visitor_operand_before=before)  # type: ignore[attr-defined]


def structure(pdf: Path) -> Element:
    reader = PdfReader(pdf)
    root = reader.trailer["/Root"]
    texts = _marked_text(reader)
    page_index = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}
    top = Element("StructTreeRoot", str(root.get("/Lang")) if "/Lang" in root else None,
                  None, None, "")

    def build(node: object, parent: Element, page: int | None) -> None:
        if isinstance(node, IndirectObject):
            node = node.get_object()
        if isinstance(node, int | float) and not isinstance(node, bool):  # an MCID
            if page is not None:
                parent.text += texts.get((page, int(node)), "")
            return
        if not isinstance(node, DictionaryObject):
            return
        if node.get("/Type") == "/MCR":
            pg = node.get("/Pg")
            build(node.get("/MCID"), parent, pg.idnum if pg is not None else page)
            return
        if node.get("/Type") == "/OBJR":
            return
        pg = node.get("/Pg")
        page = pg.idnum if isinstance(pg, IndirectObject) else page
        own = str(node["/Lang"]) if "/Lang" in node else None
        alt = node.get("/Alt") or node.get("/ActualText")
        element = Element(str(node.get("/S", "")).lstrip("/"), own or parent.lang, own,
                          str(alt) if alt is not None else None, "", page_index.get(page),
                          parent=parent)
        parent.children.append(element)
        kids = node.get("/K")
        for kid in kids if isinstance(kids, ArrayObject) else [kids] if kids is not None else []:
            build(kid, element, page)

    tree = root["/StructTreeRoot"]
    kids = tree.get("/K")
    for kid in kids if isinstance(kids, ArrayObject) else [kids]:
        build(kid, top, None)
    return top


def full_text(element: Element) -> str:
    return element.text + "".join(full_text(c) for c in element.children)


def problems(pdf: Path, expected_lang: Callable[[Element], str | None] | None = None) -> list[str]:  # noqa: C901, PLR0912 - one walk, one short check per PDF/UA rule
    """Every PDF/UA rule above that `pdf` breaks, as readable sentences."""
    reader = PdfReader(pdf)
    root = reader.trailer["/Root"]
    found: list[str] = []
    if "/StructTreeRoot" not in root or not root.get("/MarkInfo", {}).get("/Marked"):
        return [f"{pdf}: not a tagged PDF"]
    if not root.get("/Lang"):
        found.append(f"{pdf}: the catalog has no /Lang")
    top = structure(pdf)
    last_heading = 0
    for element in top.walk():
        role = element.role
        where = f"{pdf}: {role} {full_text(element)[:40]!r}"
        if role == "Figure" and not element.alt:
            found.append(f"{where}: Figure without /Alt")
        if role == "L":
            bad = [c.role for c in element.children if c.role not in ("LI", "Caption", "L")]
            if bad:
                found.append(f"{where}: L holds {', '.join(sorted(set(bad)))}, not LI")
        if role == "LI":
            bad = [c.role for c in element.children if c.role not in ("Lbl", "LBody")]
            if bad or (element.parent and element.parent.role != "L"):
                found.append(f"{where}: LI is not L > LI > (Lbl, LBody)")
        if role in ("Lbl", "LBody") and (element.parent is None or element.parent.role != "LI"):
            found.append(f"{where}: {role} outside an LI")
        if len(role) == 2 and role[0] == "H" and role[1].isdigit():
            level = int(role[1])
            if level > last_heading + 1:
                found.append(f"{where}: H{level} follows H{last_heading}: a heading level "
                             "is skipped")
            last_heading = level
        if expected_lang is not None and role != "StructTreeRoot":
            want = expected_lang(element)
            if want is not None and (element.lang or "").lower() != want.lower():
                found.append(f"{where}: text in {want!r} but /Lang says {element.lang!r}")
    return found


# -- page layout: what a reader sees broken over pages -----------------------------------------

def layout_atoms(pdf: Path) -> list[tuple[int | None, str, str, int]]:
    """(page, role, text, list number) of headings, paragraphs and list items in reading order."""
    atoms: list[tuple[int | None, str, str, int]] = []
    lists = [0]

    def walk(element, in_list: int) -> None:
        if element.role == "L":
            lists[0] += 1
            in_list = lists[0]
        if element.role in ("H1", "H2", "H3", "H4", "LI"):
            atoms.append((element.page, element.role, full_text(element).strip()[:50], in_list))
            if element.role != "LI" or not any(c.role == "L" for c in element.walk()):
                return
        elif element.role in ("P", "Figure", "Table") and (full_text(element).strip()
                                                          or element.role != "P"):
            atoms.append((element.page, element.role, full_text(element).strip()[:50], in_list))
            return
        for child in element.children:
            walk(child, in_list)

    walk(structure(pdf), 0)
    return atoms


def lonely_list_items(pdf: Path, atoms: list[tuple[int | None, str, str, int]] | None = None,
                      ) -> list[str]:
    """Page breaks inside a list that leave a single item of it on one side."""
    found = []
    items: dict[int, list[int]] = {}
    for page, role, _text, number in layout_atoms(pdf) if atoms is None else atoms:
        if role == "LI" and number and page is not None:
            items.setdefault(number, []).append(page)
    for pages in items.values():
        for page in sorted(set(pages))[:-1] if len(set(pages)) > 1 else []:
            before = sum(1 for p in pages if p <= page)
            after = sum(1 for p in pages if p > page)
            if before == 1 or after == 1:
                found.append(f"{pdf}: a list of {len(pages)} items breaks after page "
                                f"{page + 1} with {before} item(s) before and {after} after")
    return found
