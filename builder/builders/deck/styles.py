"""Reading OOXML text styles as a shape inherits them, and the height its text needs.

A placeholder's text takes its size, spacing, bullets and fonts from the first of: its own list
style, its layout's placeholder, the master's text styles, the presentation's defaults. Both
fitting (before writing) and reading a saved deck back measure through these.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from pptx.enum.shapes import PP_PLACEHOLDER

from builder.builders.deck.measure import LATIN_FONT, LINE_PITCH, Char, Measure, Style
from builder.pptx_xml import A, P

EMU_PER_PT = 12700


@dataclass(frozen=True)
class Box:
    """Where a shape's text goes, in EMU: position, size and text insets."""

    left: int
    top: int
    width: int
    height: int
    insets: tuple[int, int, int, int]  # left, top, right, bottom

    @property
    def inner_width_pt(self) -> float:
        return (self.width - self.insets[0] - self.insets[2]) / EMU_PER_PT

    @property
    def inner_height_pt(self) -> float:
        return (self.height - self.insets[1] - self.insets[3]) / EMU_PER_PT

    def moved(self, left: int, width: int) -> Box:
        return replace(self, left=left, width=width)


@dataclass(frozen=True)
class Region:
    """A placeholder of a layout: where its text goes and the styles it inherits."""

    idx: int
    box: Box
    chain: list[Any]
    size: float
    bold: bool
    align: str | None


def _level_props(chain: list[Any], level: int) -> Iterator[Any]:
    for container in chain:
        if container is None:
            continue
        props = container.find(f"{A}lvl{level + 1}pPr")
        if props is not None:
            yield props


def inherited(chain: list[Any], level: int, name: str, run: bool = False) -> str | None:
    """A paragraph (or, with `run`, a default run) attribute from the first style that sets it."""
    for props in _level_props(chain, level):
        holder = props.find(f"{A}defRPr") if run else props
        if holder is not None and holder.get(name) is not None:
            return str(holder.get(name))
    return None


def _inherited_child(chain: list[Any], level: int, names: tuple[str, ...]) -> Any:
    for props in _level_props(chain, level):
        for child in props:
            if child.tag.split("}")[1] in names:
                return child
    return None


def _inherited_font(chain: list[Any], level: int, slot: str) -> str | None:
    for props in _level_props(chain, level):
        found = props.find(f"{A}defRPr/{A}{slot}")
        if found is not None and not found.get("typeface", "+").startswith("+"):
            return str(found.get("typeface"))
    return None


def truthy(value: str | None) -> bool:
    return value in ("1", "true")


def _spacing(element: Any) -> tuple[str, float] | None:
    """("pct", factor) or ("pts", points) from an a:lnSpc, a:spcBef or a:spcAft."""
    if element is None:
        return None
    pct = element.find(f"{A}spcPct")
    if pct is not None:
        return "pct", int(pct.get("val")) / 100000
    pts = element.find(f"{A}spcPts")
    if pts is not None:
        return "pts", int(pts.get("val")) / 100
    return None


def _space(element: Any, size: float) -> float:
    """Points of space before or after a paragraph; a percentage is of the line (1.2 x size)."""
    spacing = _spacing(element)
    if spacing is None:
        return 0.0
    kind, value = spacing
    return value * size * LINE_PITCH if kind == "pct" else value


def text_height(tx_body: Any, width_pt: float, chain: list[Any] | None = None,
                measure: Measure | None = None) -> float:
    """Points of height the paragraphs of `tx_body` need when set `width_pt` wide."""
    measure = measure or Measure()
    chain = chain or []
    total = 0.0
    for p in tx_body.findall(f"{A}p"):
        total += _paragraph_height(p, width_pt, chain, measure)
    return total


def _paragraph_height(p: Any, width_pt: float, chain: list[Any], measure: Measure) -> float:
    ppr = p.find(f"{A}pPr")
    level = int(ppr.get("lvl", "0")) if ppr is not None else 0

    def attr(name: str) -> str | None:
        value = ppr.get(name) if ppr is not None else None
        return value if value is not None else inherited(chain, level, name)

    def child(*names: str) -> Any:
        if ppr is not None:
            for element in ppr:
                if element.tag.split("}")[1] in names:
                    return element
        return _inherited_child(chain, level, names)

    margin = int(attr("marL") or 0) / EMU_PER_PT
    indent = int(attr("indent") or 0) / EMU_PER_PT
    bullet = child("buNone", "buChar", "buAutoNum", "buBlip")
    has_bullet = bullet is not None and not bullet.tag.endswith("buNone")
    first_start = margin if has_bullet and indent < 0 else margin + indent
    chars: list[Char] = []
    sizes: list[float] = []
    for element in p:
        tag = element.tag.split("}")[1]
        if tag == "br":
            text, rpr = "\n", element.find(f"{A}rPr")
        elif tag in ("r", "fld"):
            t = element.find(f"{A}t")
            text, rpr = (t.text or "") if t is not None else "", element.find(f"{A}rPr")
        else:
            continue
        style = _run_style(rpr, chain, level)
        sizes.append(style.size)
        chars += measure.chars(text, style)
    end = p.find(f"{A}endParaRPr")
    if not sizes:
        sizes.append(_run_style(end, chain, level).size)
    size = max(sizes)
    lines = measure.lines(chars, max(1.0, width_pt - first_start), max(1.0, width_pt - margin))
    spacing = _spacing(child("lnSpc"))
    if spacing is not None and spacing[0] == "pts":  # exact line height
        height = spacing[1] * len(lines)
    else:
        factor = spacing[1] if spacing is not None else 1.0
        height = sum(measure.line_height(line, size) for line in lines) * factor
    return _space(child("spcBef"), size) + height + _space(child("spcAft"), size)


def _run_style(rpr: Any, chain: list[Any], level: int) -> Style:
    def value(name: str) -> str | None:
        own = rpr.get(name) if rpr is not None else None
        return own if own is not None else inherited(chain, level, name, run=True)

    fonts: dict[str, str] = {}
    for slot in ("latin", "ea", "cs"):
        own = rpr.find(f"{A}{slot}") if rpr is not None else None
        face = own.get("typeface") if own is not None else None
        if not face or face.startswith("+"):
            face = _inherited_font(chain, level, slot) or LATIN_FONT
        fonts[slot] = face
    size = int(value("sz") or 1800) / 100
    return Style(size=size, bold=truthy(value("b")), italic=truthy(value("i")), fonts=fonts)



def _master_style(shape: Any, master: Any) -> Any:
    styles = master._element.find(f"{P}txStyles")
    if styles is None:
        return None
    if not shape.is_placeholder:
        return styles.find(f"{P}otherStyle")
    kind = shape.placeholder_format.type
    if kind in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE,
                PP_PLACEHOLDER.VERTICAL_TITLE):
        return styles.find(f"{P}titleStyle")
    if kind in (PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER):
        return styles.find(f"{P}otherStyle")
    return styles.find(f"{P}bodyStyle")


def _lst_style(shape: Any) -> Any:
    body = shape._element.find(f"{P}txBody")
    return body.find(f"{A}lstStyle") if body is not None else None


def style_chain(shape: Any, master: Any, presentation: Any) -> list[Any]:
    """The list styles a shape's text inherits, nearest first: shape, layout, master, defaults."""
    chain = [_lst_style(shape)]
    current = shape
    while current.is_placeholder and hasattr(current, "_base_placeholder"):
        try:
            base = current._base_placeholder
        except (KeyError, AttributeError, NotImplementedError):
            base = None
        if base is None:
            break
        chain.append(_lst_style(base))
        current = base
    chain.append(_master_style(shape, master))
    chain.append(presentation._element.find(f"{P}defaultTextStyle"))
    return chain


def _body_pr_chain(shape: Any) -> list[Any]:
    out = []
    current = shape
    while current is not None:
        body = current._element.find(f"{P}txBody")
        if body is not None:
            out.append(body.find(f"{A}bodyPr"))
        if not current.is_placeholder or not hasattr(current, "_base_placeholder"):
            break
        try:
            current = current._base_placeholder
        except (KeyError, AttributeError, NotImplementedError):
            break
    return out


def box_of(shape: Any) -> Box:
    """Where a shape's text goes: its (inherited) position and size and its text insets."""
    defaults = {"lIns": 91440, "tIns": 45720, "rIns": 91440, "bIns": 45720}
    insets = []
    for name, default in defaults.items():
        value = next((int(b.get(name)) for b in _body_pr_chain(shape)
                      if b is not None and b.get(name) is not None), default)
        insets.append(value)
    return Box(int(shape.left or 0), int(shape.top or 0), int(shape.width or 0),
               int(shape.height or 0), (insets[0], insets[1], insets[2], insets[3]))



def region_of(ph: Any, master: Any, prs: Any) -> Region:
    """A layout placeholder's box and the text styles it passes on."""
    chain = style_chain(ph, master, prs)
    size = float(int(inherited(chain, 0, "sz", run=True) or 1800) / 100)
    return Region(idx=ph.placeholder_format.idx, box=box_of(ph), chain=chain, size=size,
                  bold=truthy(inherited(chain, 0, "b", run=True)),
                  align=inherited(chain, 0, "algn"))
