"""A catalog uploaded by a translator: refused with its line when it is not a text PO file for a
known catalog and language, QA-checked by `read_catalog` (the build's own check), and previewed
as the leaflet would print with it. `locales/` is never written: the preview renders a temporary
project whose `locales/<lang>/` holds the upload beside links to the other catalogs.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from builder.errors import BuilderError, Problem
from builder.project import Project

MAX_PO_BYTES = 1_000_000  # our largest catalog is under 100 kB
_MO_MAGIC = (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde")
_LANGUAGE_RE = re.compile(r'^"Language:\s*([^"\\]*)', re.MULTILINE)
_UNSAFE_NAME_RE = re.compile(r"[^\w.\- ]")


class UploadRefused(BuilderError):
    """Not a PO file we can check: `kind` says why (size, type, language, catalog)."""

    def __init__(self, kind: str, problems: list[Problem]):
        super().__init__(problems)
        self.kind = kind


def shown_name(filename: str | None) -> str:
    """The uploaded file's name as shown in messages: its last part, harmless characters only.
    It is never used as a path."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    name = _UNSAFE_NAME_RE.sub("_", name).strip(" .")[:80]
    return name or "upload.po"


def domains(project: Project) -> list[str]:
    """The catalogs a language has: one per template (locales/<domain>.pot)."""
    return sorted(p.stem for p in project.locales.glob("*.pot"))


def check_upload(project: Project, lang: str, filename: str | None, data: bytes,
                 domain: str = "") -> tuple[str, str]:
    """(catalog domain, text) of an upload that may be QA-checked, or UploadRefused with its line.

    Cheap checks only (no parsing), so a server can run them on its event loop.
    """
    name = shown_name(filename)
    if len(data) > MAX_PO_BYTES:
        raise UploadRefused("size", [Problem(name, None, f"larger than {MAX_PO_BYTES // 1000} kB: "
                                             "upload one catalog (.po file) at a time")])
    if data[:4] in _MO_MAGIC:
        raise UploadRefused("type", [Problem(name, 1, "a compiled .mo file: upload the .po file "
                                             "it was made from")])
    if b"\0" in data:
        line = data[:data.index(b"\0")].count(b"\n") + 1
        raise UploadRefused("type", [Problem(name, line, "binary data (a NUL byte), not a text "
                                             "PO file: upload the .po file from your editor")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise UploadRefused("type", [Problem(name, line, f"not valid UTF-8 (byte "
                                             f"{data[exc.start]:#04x}): save the PO file as "
                                             "UTF-8")]) from None
    if not name.lower().endswith(".po"):
        raise UploadRefused("type", [Problem(name, None, "not a .po file: upload the .po file "
                                             "from your editor (Poedit, Weblate: download as "
                                             "gettext PO)")])
    known = domains(project)
    stem = PurePosixPath(name).stem
    chosen = domain or (stem if stem in known else "")
    if chosen not in known:
        raise UploadRefused("catalog", [Problem(name, None, "which catalog is it? Choose one "
                                                f"({', '.join(known)}), or name the file after "
                                                "it (relapsed-refractory.po)")])
    header = re.split(r"\r?\n[ \t]*\r?\n", text, maxsplit=1)[0]  # ends at the first blank line
    found = _LANGUAGE_RE.search(header)
    line = text[:found.start()].count("\n") + 1 if found else 1
    said = found.group(1).strip() if found else ""
    if not _same_language(said, lang):
        why = (f"the header says Language: {said[:20]!r}" if said else
               "the header has no Language: field")
        raise UploadRefused("language", [Problem(name, line, f"{why}, but this page is for "
                                                 f"'{lang}': upload the {lang} catalog, or open "
                                                 "the page of its language")])
    return chosen, text


def _same_language(said: str, lang: str) -> bool:
    from babel import UnknownLocaleError

    from builder.languages import locale_name

    if said.replace("-", "_") == lang:
        return True
    try:
        return locale_name(said) == lang
    except (UnknownLocaleError, ValueError, TypeError):  # not a code Babel knows: not `lang`
        return False


@dataclass
class UploadPreview:
    """What a translator sees: the QA problems, or the pages and what printed in English."""

    name: str
    domain: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pages: list[bytes] = field(default_factory=list)  # PNG per page
    pdf: bytes = b""  # the leaflet itself (for a download, or to read its text back)
    counts: dict[str, int] = field(default_factory=dict)  # translated, fuzzy, untranslated


def preview_upload(root: str, lang: str, domain: str, name: str, text: str, clinic: str,  # noqa: PLR0913, PLR0917 - plain picklable arguments for a worker process
                   kind: str, doc_id: str, level: str, dpi: int = 60) -> UploadPreview:
    """QA the upload as `locales/<lang>/LC_MESSAGES/<domain>.po`, then render `doc_id` with it.

    Pure: reads the project, writes only a temporary folder it deletes. Runs in a worker
    process (plain arguments, a plain result).
    """
    project = Project(Path(root))
    result = UploadPreview(name, domain)
    work = Path(tempfile.mkdtemp(prefix="handout-upload-"))
    try:
        temp = _temporary_project(project, work, lang, domain, text)
        target = temp.locales / lang / "LC_MESSAGES" / f"{domain}.po"

        def shown(message: str) -> str:
            for form in (str(target), str(target.resolve())):
                message = message.replace(form, name)
            return message.replace(str(work.resolve()) + "/", "").replace(str(work) + "/", "")

        problems = _qa(project, temp, lang, domain, target, result)
        if problems:
            result.problems = [shown(str(p)) for p in problems]
            return result
        try:
            _render(project, temp, lang, clinic, kind, doc_id, level, dpi, result)
        except BuilderError as exc:
            result.problems = [shown(str(p)) for p in exc.problems]
        result.warnings = [shown(w) for w in result.warnings]
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _temporary_project(project: Project, work: Path, lang: str, domain: str, text: str) -> Project:
    """content/ and templates/ linked; locales/ linked but for the upload, a real file."""
    (work / "content").symlink_to(project.content.resolve(), target_is_directory=True)
    (work / "templates").symlink_to(project.templates.resolve(), target_is_directory=True)
    locales = work / "locales"
    locales.mkdir()
    for item in project.locales.iterdir():
        if item.name != lang:
            (locales / item.name).symlink_to(item.resolve())
    mine = project.locales / lang
    folder = locales / lang / "LC_MESSAGES"
    folder.mkdir(parents=True)
    for item in mine.iterdir():  # the termbase
        if item.name != "LC_MESSAGES":
            (locales / lang / item.name).symlink_to(item.resolve())
    for item in (mine / "LC_MESSAGES").glob("*.po"):
        if item.stem != domain:
            (folder / item.name).symlink_to(item.resolve())
    (folder / f"{domain}.po").write_text(text, encoding="utf-8")
    # Font subsets are costly (CJK): share them; checked catalogs are cached apart.
    fonts = project.cache / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    (work / ".cache").mkdir()
    (work / ".cache" / "fonts").symlink_to(fonts.resolve(), target_is_directory=True)
    return Project(work)


def _qa(project: Project, temp: Project, lang: str, domain: str, target: Path,
        result: UploadPreview) -> list[Problem]:
    """The build's own QA of the catalog; and that its entries are this catalog's."""
    from babel.messages.pofile import read_po

    from builder.i18n.catalog import read_catalog

    catalog, problems = read_catalog(target, lang)
    if problems or catalog is None:
        return problems
    with (project.locales / f"{domain}.pot").open("rb") as handle:
        template = {(m.context, m.id if isinstance(m.id, str) else m.id[0])
                    for m in read_po(handle) if m.id}
    foreign = [e for key, e in catalog.entries.items() if key not in template]
    if catalog.entries and len(foreign) == len(catalog.entries):
        first = min(foreign, key=lambda e: e.line)
        return [Problem(str(target), first.line, f"none of its entries are in {domain}.pot "
                        f"(this one is {first.context or first.msgid[:40]!r}): is it the "
                        "catalog of another topic? Choose that catalog")]
    entries = [catalog.entries.get(key) for key in template]
    result.counts = {
        "translated": sum(1 for e in entries if e and e.msgstr and not e.fuzzy),
        "fuzzy": sum(1 for e in entries if e and e.msgstr and e.fuzzy),
        "untranslated": sum(1 for e in entries if not e or not e.msgstr),
    }
    return []


def _render(project: Project, temp: Project, lang: str, clinic: str, kind: str, doc_id: str,  # noqa: PLR0913, PLR0917 - preview_upload's arguments, passed on
            level: str, dpi: int, result: UploadPreview) -> None:
    import pymupdf as fitz

    from builder.build import Job, Options, load_inputs, render_job
    from builder.content import load_library

    lib = load_library(project.content, project.cache)  # the real project's: cached, unchanged
    inputs = load_inputs(Options(project=temp, clinic=Path(clinic)), [lang], lib)
    rendered = render_job(inputs, Job(kind, doc_id, lang, level, "pdf"), verify=False)  # type: ignore[arg-type]
    result.warnings = [str(f) for f in rendered.fallbacks]
    result.pdf = rendered.data
    with fitz.open(stream=rendered.data, filetype="pdf") as document:  # type: ignore[no-untyped-call]
        result.pages = [page.get_pixmap(dpi=dpi).tobytes("png") for page in document]
