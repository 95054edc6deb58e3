"""YAML 1.2 loading that keeps line numbers, and schema errors translated to `path:line: message`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from builder.errors import Problem, display_path

MAX_YAML_BYTES = 1_000_000


def load_yaml(path: Path, problems: list[Problem], max_bytes: int = MAX_YAML_BYTES) -> Any:
    """Parse one YAML file (YAML 1.2: `no` stays a string); on failure append a problem, return None."""
    shown = display_path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            problems.append(Problem(shown, None, f"file is {size / 1e6:.1f} MB; a file here may be "
                                    f"at most {max_bytes / 1e6:.1f} MB: split it into smaller files"))
            return None
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(shown, None, f"cannot read file: {exc.strerror}"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(shown, line, "not valid UTF-8 text (byte "
                                f"{raw[exc.start]:#04x}): save the file as UTF-8"))
        return None
    if not text.strip():
        problems.append(Problem(shown, None, "file is empty: write the content or delete the file"))
        return None
    yaml = YAML(typ="rt", pure=True)
    yaml.version = (1, 2)  # no YAML 1.1 booleans: the language code `no` must stay "no"
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = (exc.problem or exc.context or "invalid YAML").strip()
        problems.append(Problem(shown, line, f"YAML syntax error: {what}"))
    except YAMLError as exc:
        # ReaderError (control characters) carries a character position, not a mark.
        pos = getattr(exc, "position", None)
        line = text[:pos].count("\n") + 1 if isinstance(pos, int) else None
        reason = str(exc).splitlines()[-1] if str(exc) else "invalid YAML"
        if "special characters are not allowed" in str(exc) or getattr(exc, "character", None):
            char = getattr(exc, "character", None)
            code = f"U+{ord(char):04X}" if isinstance(char, str) else repr(char)
            reason = f"control character {code} is not allowed: delete it"
        problems.append(Problem(shown, line, reason))
    return None


def line_of(node: Any, loc: Sequence[int | str]) -> int | None:
    """The 1-based line of the deepest element of `loc` that exists in the loaded YAML tree."""
    line: int | None = getattr(getattr(node, "lc", None), "line", None)
    line = line + 1 if line is not None else None
    for key in loc:
        if isinstance(node, CommentedMap) and key in node:
            line = node.lc.key(key)[0] + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            line = node.lc.item(key)[0] + 1
            node = node[key]
        else:
            break
    return line


def plain(node: Any) -> Any:
    """ruamel's round-trip containers and scalar subclasses as plain Python values."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, str) else str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def validate(model: type[BaseModel], data: Any, path: Path, problems: list[Problem],
             loc_prefix: Sequence[int | str] = (), root: Any = None) -> BaseModel | None:
    """Validate `data` against `model`; translate each schema error to `path:line: message`."""
    try:
        return model.model_validate(plain(data))
    except ValidationError as exc:
        root = data if root is None else root
        for loc, err in _useful_errors(exc.errors(include_url=False)):
            loc = [*loc_prefix, *loc]
            if err["type"] == "union_tag_invalid":
                loc.append("type")  # point at the misspelt type, not the start of the block
            problems.append(Problem(display_path(path), line_of(root, loc), _explain(err, loc)))
        return None


_TYPE_LABEL = re.compile(r"^(str|int|bool|float|none|[a-z-]+\[.*\])$")
_TAGS: set[str] = set()


def register_union_tags(tags: set[str]) -> None:
    _TAGS.update(tags)


def _useful_errors(errors: list[Any]) -> list[tuple[list[int | str], Any]]:
    """Drop the noise of unions: pydantic reports every alternative; keep the one that applies."""
    rows = []
    for err in errors:
        raw = list(err["loc"])
        loc = [p for p in raw if not (isinstance(p, str) and (p in _TAGS or _TYPE_LABEL.match(p)))]
        union = len(loc) != len(raw) and not any(isinstance(p, str) and p in _TAGS for p in raw[-1:])
        rows.append((loc, err, union))
    kept: list[tuple[list[int | str], Any]] = []
    seen_mismatch: set[tuple[Any, ...]] = set()
    for loc, err, union in rows:
        if union and err["type"].endswith("_type"):
            others = [o for o, e, u in rows if u and e is not err and o[: len(loc)] == loc
                      and not e["type"].endswith("_type")]
            if others:
                continue
            if tuple(loc) in seen_mismatch:
                continue
            seen_mismatch.add(tuple(loc))
            err = {**err, "type": "union_mismatch"}
        kept.append((loc, err))
    return kept


def _where(loc: Sequence[int | str]) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else str(p) for p in loc if p != "[key]"]
    return ".".join(parts).replace(".[", "[") or "document"


def _explain(err: dict[str, Any], loc: Sequence[int | str]) -> str:
    kind = err["type"]
    where = _where(loc)
    if kind == "extra_forbidden":
        return f"unknown key '{loc[-1]}': check its spelling (see README, content format)"
    if kind == "union_mismatch":
        got = type(err["input"]).__name__
        return (f"{where}: expected text, or one text per level (easy/standard/detailed), "
                f"got {got}")
    if kind == "missing":
        return f"missing required field '{where}'"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        where = _where(loc[:-1])
        return (f"{where}: unknown block type {ctx.get('tag')!r}; "
                f"expected one of {ctx.get('expected_tags')}")
    if kind == "union_tag_not_found":
        return f"{where}: every block needs a 'type'"
    if kind == "literal_error" and loc and loc[-1] == "[key]":
        return f"{where}: unknown reading level {err['input']!r}; use easy, standard or detailed"
    if kind in ("literal_error", "enum"):
        return f"{where}: {err['input']!r} is not allowed; {err['msg'].lower()}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        got = type(err["input"]).__name__
        return f"{where}: {err['msg'].lower()} (got {got} {str(err['input'])[:40]!r})"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return f"{where}: {msg}"
