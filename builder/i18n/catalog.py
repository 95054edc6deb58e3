"""Read a PO file strictly (what Babel lets through, we refuse) and check every translation."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po

from builder.characters import show
from builder.errors import Problem, TranslationError, display_path
from builder.i18n.pofiles import raw_headers
from builder.i18n.termbase import Termbase, load_termbase, termbase_path
from builder.markup import PLACEHOLDER_RE, check_markup, markup_signature

_STRING = r'"(?:[^"\\]|\\.)*"'
_KEYWORD_RE = re.compile(r"^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(.*)$")
_STRING_RE = re.compile(rf"^{_STRING}\s*$")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_URL_RE = re.compile(r"(?:https?|file|ftp|data|javascript):[^\s\"')\]]*", re.IGNORECASE)
_PYFORMAT_RE = re.compile(r"%\((\w+)\)[sd]|%[sd]")
# Babel reads only these escapes; msgfmt would turn \x1b or \033 into control characters.
_ESCAPE_RE = re.compile(r"\\(.)")
_ESCAPES_OK = set('ntr"\\')
_HEADER_RE = re.compile(r'^msgid\s+""\s*\n(?:\s*"[^\n]*\n)*?\s*msgstr\s', re.MULTILINE)


@dataclass(frozen=True)
class Entry:
    context: str | None
    msgid: str
    msgstr: str
    fuzzy: bool
    line: int
    previous_id: str | None = None
    forms: tuple[str, ...] = ()  # every plural form, for an entry with msgid_plural


@dataclass
class LoadedCatalog:
    """One PO file, checked; `current()` answers only for translations that may be printed."""

    path: Path
    lang: str
    domain: str
    headers: dict[str, str]
    entries: dict[tuple[str | None, str], Entry] = field(default_factory=dict)
    by_context: dict[str, Entry] = field(default_factory=dict)

    @property
    def reviewed(self) -> bool:
        return self.headers.get("X-Review-Status", "draft").strip().lower() == "reviewed"

    @property
    def reviewed_by(self) -> str:
        """Who reviewed it (`X-Reviewed-By`), without an e-mail address: that is for translators."""
        return re.sub(r"\s*<[^>]*>\s*$", "", self.headers.get("X-Reviewed-By", "")).strip()

    def current(self, context: str | None, msgid: str) -> str | None:
        """The translation of `msgid`, or None when it is missing, empty or fuzzy (stale)."""
        entry = self.entries.get((context, msgid))
        if entry is None or entry.fuzzy or not entry.msgstr:
            return None
        return entry.msgstr


def lex_po(text: str, shown: str) -> list[Problem]:
    """Syntax problems Babel's reader silently accepts: unterminated strings, stray text, duplicates."""
    lexer = _PoLexer(shown)
    for number, raw in enumerate(text.splitlines(), start=1):
        lexer.read(number, raw.strip())
    return lexer.finish()


class _PoLexer:
    """`lex_po`, line by line: the entry being read and the keyword its continuation lines extend."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.problems: list[Problem] = []
        self.seen: dict[tuple[str | None, str], int] = {}
        self.context: str | None = None
        self.msgid: str | None = None
        self.msgid_line = 0
        self.current: str | None = None  # which keyword the continuation lines belong to

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.shown, line, message))

    def close_entry(self) -> None:
        if self.msgid is not None:
            key = (self.context, self.msgid)
            if key in self.seen and self.msgid != "":
                where = f"msgctxt {self.context!r} " if self.context else ""
                self.problem(self.msgid_line, f"duplicate {where}msgid {self.msgid[:50]!r} "
                             f"(first defined on line {self.seen[key]}): delete one")
            else:
                self.seen.setdefault(key, self.msgid_line)
        self.context, self.msgid = None, None

    def read(self, number: int, line: str) -> None:
        """One stripped line of the file."""
        if not line or line.startswith("#"):
            if line.startswith("#") and self.current == "msgstr":
                self.close_entry()
                self.current = None
            return
        match = _KEYWORD_RE.match(line)
        literal = self.literal(number, line, match)
        if literal is None:
            return
        value = _unescape(literal)
        if match:
            self.keyword(number, match.group(1), value)
        elif self.current == "msgctxt" and self.context is not None:
            self.context += value
        elif self.current == "msgid" and self.msgid is not None:
            self.msgid += value

    def literal(self, number: int, line: str, match: re.Match[str] | None) -> str | None:
        """The line's quoted string. A malformed one is reported and read as "", so one mistake
        gives one message; None: a line that is neither a keyword nor a string, skipped."""
        literal = match.group(2) if match else line
        if not _STRING_RE.match(literal):
            if match or line.startswith('"'):
                backslashes = len(literal[:-1]) - len(literal[:-1].rstrip("\\"))
                if not literal.endswith('"') or backslashes % 2 or literal.count('"') % 2:
                    why = ("unterminated string (missing closing quote): end the line with \" "
                           "(write a quote inside the text as \\\")")
                else:
                    why = "malformed string: write one quoted string per line"
                self.problem(number, f"{why}: {show(line, 60)}")
            else:
                self.problem(number, f"unexpected text {show(line, 60)}: "
                             "every line is a comment (#), a keyword (msgid, "
                             "msgstr, …) or a quoted string")
            if not match:
                return None
            literal = '""'  # keep following the entry
        escape = next((m for m in _ESCAPE_RE.finditer(literal[1:-1])
                       if m.group(1) not in _ESCAPES_OK), None)
        if escape:
            self.problem(number, f"escape sequence {show(escape.group())} is "
                         "not allowed: write the character itself (only \\n, "
                         "\\t, \\\" and \\\\ are escapes here)")
            literal = '""'
        return literal

    def keyword(self, number: int, keyword: str, value: str) -> None:
        """A line that starts with a keyword: it may end the entry before it."""
        if keyword in ("msgctxt", "msgid") and self.current in ("msgid", "msgid_plural"):
            self.problem(self.msgid_line, "msgid without msgstr: add "
                         "msgstr \"\" (empty until translated) after it")
            self.context, self.msgid = None, None
        if keyword in ("msgctxt", "msgid") and self.current == "msgstr":
            self.close_entry()
        plural_form = keyword.startswith("msgstr[")
        if keyword.startswith("msgstr") and (
                self.current not in (("msgid_plural", "msgstr") if plural_form else ("msgid",))):
            self.problem(number, "msgstr without a msgid before it: "
                         "every translation follows the msgid it translates; "
                         "delete the extra msgstr")
        if keyword == "msgctxt":
            self.context, self.current = value, "msgctxt"
        elif keyword == "msgid":
            self.msgid, self.msgid_line, self.current = value, number, "msgid"
        elif keyword == "msgid_plural":
            self.current = "msgid_plural"
        else:
            self.current = "msgstr"

    def finish(self) -> list[Problem]:
        """The problems, once the last line is read."""
        if self.current in ("msgid", "msgid_plural") and self.msgid is not None:
            self.problem(self.msgid_line, "msgid without msgstr: add msgstr \"\" "
                         "(empty until translated) after it")
        self.close_entry()
        return self.problems


def _unescape(literal: str) -> str:
    body = literal.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _termbase_for(path: Path) -> tuple[Termbase | None, list[Problem]]:
    """The termbase of the language whose catalog `path` is (locales/<lang>/termbase.yaml)."""
    target = termbase_path(path.parent.parent)
    try:
        stat = target.stat()
    except OSError:
        return None, []
    return _cached_termbase(str(target), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _cached_termbase(target: str, _mtime: int, _size: int) -> tuple[Termbase | None, list[Problem]]:
    return load_termbase(Path(target))


def read_po_text(path: Path) -> tuple[str | None, list[Problem]]:
    """The text of a PO file, or None and why it cannot be parsed: unreadable, not UTF-8,
    empty, or a syntax error Babel would let through (`lex_po`)."""
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, None, f"cannot read: {exc.strerror}: check the file's "
                              "permissions")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(shown, line, f"not valid UTF-8 (byte {raw[exc.start]:#04x}): save "
                              "the PO file as UTF-8")]
    if not text.strip():
        return None, [Problem(shown, None, "the PO file is empty: delete it, or create it again "
                              "with 'handout i18n init' / 'handout i18n update'")]
    problems = lex_po(text, shown)
    return (None, problems) if problems else (text, [])


def read_catalog(path: Path, lang: str) -> tuple[LoadedCatalog | None, list[Problem]]:
    """Parse and check one PO file; return the catalog and every problem found in it."""
    shown = display_path(path)
    termbase, termbase_problems = _termbase_for(path)
    if termbase_problems:
        return None, list(termbase_problems)
    text, problems = read_po_text(path)
    if text is None:
        return None, problems
    if not _HEADER_RE.search(text):
        problems.append(Problem(shown, 1, "no header entry (msgid \"\" with Content-Type: "
                                "text/plain; charset=UTF-8): add one, as 'handout i18n init' "
                                "writes it"))
    if problems:
        return None, problems
    try:
        babel_catalog: Catalog = read_po(text.splitlines(keepends=True), locale=None,
                                         abort_invalid=True)
    except PoFileError as exc:
        return None, [Problem(shown, getattr(exc, "lineno", None), f"invalid PO file: {exc}")]
    headers = {k: str(v) for k, v in babel_catalog.mime_headers}
    headers.update(raw_headers(text))  # Babel drops the `X-` fields (X-Review-Status)
    if babel_catalog.fuzzy:
        header_line = _header_line(text)
        problems.append(Problem(shown, header_line, "the header is marked '#, fuzzy': gettext "
                                "tools then ignore the whole catalog; fill in the header and "
                                "delete the fuzzy flag"))
    catalog = LoadedCatalog(path, lang, path.stem, headers)
    for message in babel_catalog:
        if not message.id:
            continue
        entry = _entry(message)
        catalog.entries[(entry.context, entry.msgid)] = entry
        if entry.context:
            catalog.by_context[entry.context] = entry
        problems += [Problem(shown, entry.line, reason) for reason in _qa(entry, message, termbase)]
    return catalog, problems


def _entry(message: Message) -> Entry:
    """A Babel message as an entry: a plural's first forms are its msgid and msgstr."""
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    msgstr = message.string if isinstance(message.string, str) else (message.string or ("",))[0]
    previous = message.previous_id[0] if message.previous_id else None
    forms: tuple[str, ...] = ()
    if message.pluralizable and isinstance(message.string, (tuple, list)):
        forms = tuple(s or "" for s in message.string)
    return Entry(message.context, msgid, msgstr or "", message.fuzzy,
                 message.lineno or 0, previous, forms)


def _qa(entry: Entry, message: Message, termbase: Termbase | None) -> list[str]:
    """What is wrong with a current translation, each reason led by the entry's label."""
    if not entry.msgstr or entry.fuzzy:
        return []
    label = f"{show(entry.context, 80)[1:-1]}: " if entry.context else f"{show(entry.msgid)}: "
    reasons = [*check_translation(entry.msgid, entry.msgstr),
               *(termbase.check(entry.msgid, entry.msgstr) if termbase else ())]
    # Plural forms beyond the first are printed too: the same markup rules apply.
    others = message.string[1:] if isinstance(message.string, (list, tuple)) else ()
    reasons += [why for why in (check_markup(form) if form else None for form in others) if why]
    return [label + reason for reason in reasons]


def _header_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#,") and "fuzzy" in line:
            return number
    return 1


def check_translation(source: str, translation: str) -> list[str]:
    """QA of one translation against its English source, as reasons a reviewer can act on."""
    reasons: list[str] = []
    base = check_markup(translation)
    if base:
        reasons.append(base)
    want = Counter(m.group() for m in PLACEHOLDER_RE.finditer(source))
    got = Counter(m.group() for m in PLACEHOLDER_RE.finditer(translation))
    want += Counter(m.group() for m in _PYFORMAT_RE.finditer(source))
    got += Counter(m.group() for m in _PYFORMAT_RE.finditer(translation))
    if want != got:
        missing = sorted((want - got).elements())
        extra = sorted((got - want).elements())
        parts = []
        if missing:
            parts.append("drops placeholder " + ", ".join(missing))
        if extra:
            parts.append("adds placeholder " + ", ".join(extra))
        reasons.append("; ".join(parts) + ": keep every placeholder of the source exactly")
    if sorted(markup_signature(source), key=repr) != sorted(markup_signature(translation), key=repr):
        reasons.append("inline markup differs from the source (**strong**, *emphasis*, links): "
                       "keep the same markup and link addresses")
    src_numbers = Counter(_numbers(source))
    tr_numbers = Counter(_numbers(translation))
    if src_numbers != tr_numbers:
        missing = sorted((src_numbers - tr_numbers).elements())
        extra = sorted((tr_numbers - src_numbers).elements())
        what = []
        if missing:
            what.append("missing " + ", ".join(missing))
        if extra:
            what.append("not in the source " + ", ".join(extra))
        reasons.append("numbers differ from the source (" + "; ".join(what) + "): doses, counts "
                       "and percentages must match exactly, written in digits")
    src_urls = set(_URL_RE.findall(source))
    for url in _URL_RE.findall(translation):
        if url not in src_urls and not base:
            reasons.append(f"address {url[:60]!r} is not in the source: translations may not add links")
    return reasons


def _numbers(text: str) -> list[str]:
    # Arabic-Indic and other decimal digits count as the same numbers as ASCII digits.
    ascii_text = "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c
                         for c in text)
    ascii_text = ascii_text.replace("٫", ".").replace("٬", ",")
    return [n.replace(",", ".") for n in _NUMBER_RE.findall(ascii_text)]


def raise_if(problems: list[Problem]) -> None:
    if problems:
        raise TranslationError(problems)
