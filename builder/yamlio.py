"""YAML 1.2 loading that keeps line numbers, and schema errors translated to `path:line: message`."""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from builder.characters import FORBIDDEN_RE, SURROGATES, describe, masked, show
from builder.errors import Problem, display_path

MAX_YAML_BYTES = 1_000_000
# A document expanding to more values than this is an alias bomb ("billion laughs"), not content.
MAX_YAML_VALUES = 200_000
# The only explicit tags a content file may use (`!!str 1.0`); `!!python/…`, `!custom` are refused.
PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in
              ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")}


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip constructor, but a value it cannot build (a date like 2026-13-45)
    becomes a YAML error with a line number instead of a bare ValueError."""

    def construct_non_recursive_object(self, node: Any, tag: str | None = None) -> Any:
        try:
            return super().construct_non_recursive_object(node, tag)
        except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:
            raise ConstructorError(None, None, f"cannot read the value {node.value!r}"[:120]
                                   if isinstance(node.value, str) else "cannot read this value",
                                   node.start_mark) from exc


def char_problem(char: str) -> str:
    if ord(char) in SURROGATES:
        return (f"{describe(char)} (from an escape such as \"\\ud800\") is not "
                "allowed: delete it, or write the character itself")
    return f"{describe(char)} is not allowed: delete it"


def load_yaml(path: Path, problems: list[Problem], max_bytes: int = MAX_YAML_BYTES) -> Any:
    """Parse one YAML file (YAML 1.2: `no` stays a string); on failure append a problem, return None."""
    shown = display_path(path)
    text = _read_text(path, shown, problems, max_bytes)
    if text is None:
        return None
    data = _parse(text, shown, problems)
    if data is None:
        return None
    before = len(problems)
    _check_tree(data, shown, problems)
    return None if len(problems) > before else data


def _read_text(path: Path, shown: str, problems: list[Problem], max_bytes: int) -> str | None:
    """The file's text; None (and a problem) when it is too large, unreadable, not UTF-8 or empty."""
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
    return text


def _parse(text: str, shown: str, problems: list[Problem]) -> Any:
    """The YAML 1.2 document in `text`; None (and a problem) when it is invalid or has no content."""
    yaml = YAML(typ="rt", pure=True)
    yaml.version = (1, 2)  # no YAML 1.1 booleans: the language code `no` must stay "no"
    yaml.Constructor = _Constructor
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        problems.append(_marked_problem(exc, shown))
        return None
    except YAMLError as exc:
        problems.append(_reader_problem(exc, text, shown))
        return None
    except RecursionError:
        problems.append(Problem(shown, None, "the YAML is nested too deeply: a content file "
                                "needs only a few levels of indentation"))
        return None
    if data is None:
        problems.append(Problem(shown, None, "file has no content (only comments): write the "
                                "content or delete the file"))
    return data


def _marked_problem(exc: MarkedYAMLError, shown: str) -> Problem:
    """A parser error with a place: a duplicate key, a value that cannot be read, bad syntax."""
    mark = exc.problem_mark or exc.context_mark
    at: int | None = mark.line + 1 if mark is not None else None
    what = (exc.problem or exc.context or "invalid YAML").strip()
    what = masked(what)
    if "duplicate key" in what:
        message = f"{what}: each key may appear once: delete or rename one"
    elif isinstance(exc, ConstructorError):
        message = f"{what}: check the value (dates are YYYY-MM-DD; put other text in quotes)"
    else:
        message = (f"YAML syntax error: {what}: check the indentation and quotes on this "
                   "line and the line before")
    return Problem(shown, at, message)


def _reader_problem(exc: YAMLError, text: str, shown: str) -> Problem:
    """A reader error: it carries a character position, not a mark (control characters)."""
    pos = getattr(exc, "position", None)
    at = text[:pos].count("\n") + 1 if isinstance(pos, int) else None
    char = getattr(exc, "character", None)
    if isinstance(char, int):
        char = chr(char)
    if isinstance(char, str) and len(char) == 1:
        reason = char_problem(char)
    else:
        reason = f"invalid YAML ({masked(str(exc).splitlines()[-1][:80])}): " \
                 "save the file as plain UTF-8 text"
    return Problem(shown, at, reason)


def _check_tree(root: Any, shown: str, problems: list[Problem]) -> None:
    """Refuse what no content file needs: alias bombs, custom tags, control characters."""
    count = 0
    stack: list[tuple[Any, int | None]] = [(root, 1)]
    while stack:
        node, line = stack.pop()
        count += 1
        if count > MAX_YAML_VALUES:
            problems.append(Problem(shown, None, f"the file expands to more than "
                                    f"{MAX_YAML_VALUES} values (YAML aliases such as *name "
                                    "repeated?): write the content out without aliases"))
            return
        tag = getattr(getattr(node, "tag", None), "value", None)
        if isinstance(tag, str) and tag not in PLAIN_TAGS:
            shown_tag = show(tag.replace("tag:yaml.org,2002:", "!!"), 60)
            problems.append(Problem(shown, line, f"YAML tag {shown_tag} is not allowed: "
                                    "remove it (content is plain text, lists and mappings)"))
            continue
        if isinstance(node, CommentedMap):
            for key, value in node.items():
                key_line = node.lc.key(key)[0] + 1 if key in node.lc.data else line
                if not isinstance(key, (str, int)):
                    problems.append(Problem(shown, key_line, f"key {show(key)} is not allowed: "
                                            "a key is a plain word such as 'title'"))
                    continue
                stack.append((value, key_line))
                stack.append((key, key_line))
        elif isinstance(node, CommentedSeq):
            for index, value in enumerate(node):
                item_line = node.lc.item(index)[0] + 1 if index in node.lc.data else line
                stack.append((value, item_line))
        elif isinstance(node, (str, TaggedScalar)):
            text = str(node.value) if isinstance(node, TaggedScalar) else node
            bad = FORBIDDEN_RE.search(text)
            if bad:
                problems.append(Problem(shown, line, char_problem(bad.group())))


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


def plain(node: Any) -> Any:  # noqa: PLR0911 - one return per kind of YAML value
    """ruamel's round-trip containers and scalar subclasses as plain Python values."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, TaggedScalar):
        return str(node.value)  # only standard tags get here (`!!str 1.0`): the text itself
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
        for err_loc, err in _useful_errors(exc.errors(include_url=False), union_tags(model)):
            loc = [*loc_prefix, *err_loc]
            if err["type"] == "union_tag_invalid":
                loc.append("type")  # point at the misspelt type, not the start of the block
            problems.append(Problem(display_path(path), line_of(root, loc),
                                    _explain(err, loc, model)))
        return None


_TYPE_LABEL = re.compile(r"^(str|int|bool|float|none|[a-z-]+\[.*\])$")


def union_tags(annotation: Any, seen: set[type] | None = None) -> set[str]:
    """The tags of every discriminated union in `annotation` (a model: its blocks' "paragraph",
    "image", …). Pydantic puts the tag in an error's location, where the user wrote no key."""
    seen = set() if seen is None else seen
    if get_origin(annotation) is Annotated:
        inner, *metadata = get_args(annotation)
        tags = union_tags(inner, seen)
        key = next((m.discriminator for m in metadata
                    if isinstance(getattr(m, "discriminator", None), str)), None)
        for member in _members(inner) if key else []:
            field = getattr(member, "model_fields", {}).get(key)
            if field is not None:
                tags.update(str(tag) for tag in get_args(field.annotation))
        return tags
    tags = set()
    for member in _members(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            if member not in seen:
                seen.add(member)
                for field in member.model_fields.values():
                    tags |= union_tags(field.annotation, seen)
        else:
            for arg in get_args(member):
                tags |= union_tags(arg, seen)
    return tags


def _useful_errors(errors: list[Any], tags: set[str]) -> list[tuple[list[int | str], Any]]:
    """Drop the noise of unions: pydantic reports every alternative; keep the one that applies."""
    rows = []
    for err in errors:
        raw = list(err["loc"])
        loc = [p for p in raw if not (isinstance(p, str) and (p in tags or _TYPE_LABEL.match(p)))]
        union = len(loc) != len(raw) and not any(isinstance(p, str) and p in tags for p in raw[-1:])
        rows.append((loc, err, union))
    kept: list[tuple[list[int | str], Any]] = []
    seen_mismatch: set[tuple[Any, ...]] = set()
    for loc, err, union in rows:
        shown = err
        if union and err["type"].endswith("_type"):
            others = [o for o, e, u in rows if u and e is not err and o[: len(loc)] == loc
                      and not e["type"].endswith("_type")]
            if others:
                continue
            if tuple(loc) in seen_mismatch:
                continue
            seen_mismatch.add(tuple(loc))
            shown = {**err, "type": "union_mismatch"}
        kept.append((loc, shown))
    return kept


def _where(loc: Sequence[int | str]) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else str(p) for p in loc if p != "[key]"]
    return ".".join(parts).replace(".[", "[") or "document"


# What to write instead, by field name, when a value does not have the required form.
_PATTERN_HINTS = {
    "id": "use lower-case letters, digits and hyphens, e.g. 'side-effects'",
    "version": 'write it as "1.0", in quotes',
    "url": "write a full https:// address",
    "web": "write a full https:// address",
    "qr": "write a full https:// address",
    "accent": 'write the colour as "#rrggbb" in quotes, e.g. "#1f5f8b"',
    "phone": "use digits, spaces and + ( ) - . / only",
    "email": "write an address such as nurse@example.org",
}
_TYPE_HINTS = {
    "int": "write a whole number",
    "bool": "write true or false",
    "date": "write the date as YYYY-MM-DD",
    "list": "write a list (one '- ' line per item)",
    "dict": "write keys and values (key: value)",
    "model": "write keys and values (key: value)",
    "string": "write the text (in quotes if it starts with a special character)",
}


def _explain(err: dict[str, Any], loc: Sequence[int | str],  # noqa: PLR0911 - one return per kind of schema error
             model: type[BaseModel] | None = None) -> str:
    """A schema error as a sentence an author can act on, led by where it is."""
    kind = err["type"]
    where = _where(loc)
    value = err.get("input")
    if kind == "extra_forbidden":
        return _unknown_key(err, loc, model)
    if value is None and kind != "missing" and (kind.endswith("_type") or kind == "union_mismatch"
                                                or kind.endswith("_parsing")):
        return (f"{where}: no value given: write one after the colon (a value starting with # "
                "must be in quotes, or YAML reads it as a comment)")
    if kind == "union_mismatch":
        got = type(value).__name__
        return (f"{where}: expected text, or one text per level (easy/standard/detailed), "
                f"got {got}: write the text, or easy:/standard:/detailed: with one text each")
    if kind == "missing":
        return f"missing required field '{where}': add it (see README, content format)"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        where = _where(loc[:-1])
        return (f"{where}: unknown block type {show(ctx.get('tag'))}; "
                f"expected one of {ctx.get('expected_tags')}")
    if kind == "union_tag_not_found":
        return f"{where}: every block needs a 'type': add one, e.g. 'type: paragraph'"
    if kind == "literal_error" and loc and loc[-1] == "[key]":
        return f"{where}: unknown reading level {show(value)}; use easy, standard or detailed"
    if kind in ("literal_error", "enum"):
        return f"{where}: {show(value)} is not allowed; {err['msg'].lower()}"
    if kind == "string_pattern_mismatch":
        field = next((p for p in reversed(loc) if isinstance(p, str)), "")
        hint = _PATTERN_HINTS.get(field, "check the spelling")
        return f"{where}: {show(value)} is not valid here: {hint}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return _wrong_type(err, loc, where)
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return f"{where}: {masked(msg)}"


def _unknown_key(err: dict[str, Any], loc: Sequence[int | str],
                 model: type[BaseModel] | None) -> str:
    """A key the schema does not have: the nearest allowed key, and all of them."""
    key = str(loc[-1]) if loc else ""
    allowed = _allowed_keys(model, err["loc"][:-1]) if model is not None else None
    message = f"unknown key {show(key)}: check its spelling"
    if allowed:
        close = difflib.get_close_matches(key, allowed, n=1)
        if close:
            message += f" (did you mean '{close[0]}'?)"
        message += "; allowed here: " + ", ".join(allowed)
    return message


def _wrong_type(err: dict[str, Any], loc: Sequence[int | str], where: str) -> str:
    """A value of the wrong type, and what to write instead."""
    kind, value = err["type"], err.get("input")
    got = type(value).__name__
    if not loc and isinstance(value, (list, str, int, float)):
        return (f"the file must hold keys and values (id:, title:, …), not a {got}: see "
                "README, content format")
    expected = next((hint for name, hint in _TYPE_HINTS.items() if kind.startswith(name)),
                    "check the value")
    return f"{where}: {err['msg'].lower()} (got {got} {show(value)}): {expected}"


def _allowed_keys(model: type[BaseModel], raw_loc: Sequence[int | str]) -> list[str] | None:
    """The keys allowed in the mapping at `raw_loc` (pydantic's location, union tags included)."""
    current: Any = model
    for part in raw_loc:
        current = _step(current, part)
        if current is None:
            return None
    for candidate in _members(current):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return sorted(candidate.model_fields)
    return None


def _members(annotation: Any) -> list[Any]:
    """The alternatives of a (possibly Annotated or Optional) type annotation."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in _members(arg)]
    return [annotation]


def _step(annotation: Any, part: int | str) -> Any:
    for member in _members(annotation):
        origin = get_origin(member)
        if isinstance(member, type) and issubclass(member, BaseModel):
            if isinstance(part, str) and part in member.model_fields:
                return member.model_fields[part].annotation
            tag = member.model_fields.get("type")
            if tag is not None and part in get_args(tag.annotation):
                return member  # a discriminated union member, selected by its type tag
        elif origin is list and isinstance(part, int):
            return get_args(member)[0]
        elif origin is dict and isinstance(part, str):
            return get_args(member)[1]
    return None
