"""The project as the live preview holds it: loaded once, then re-read piece by piece on save.

A build reads everything and refuses a language with one bad entry. A preview must keep showing
the document while a translator types, so each PO file is read on its own: an entry that fails
QA is printed in English (a build would refuse it) and pinned with its problem, and a file that
no longer parses keeps its last version that did, with the syntax error shown above the pages.
A content, template or clinic profile edit that breaks is shown the same way, over the last
version that loaded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from builder.clinic import Clinic, load_clinic
from builder.content import BUNDLES_FILE, Library, load_library
from builder.errors import BuilderError, Problem, Where, display_path
from builder.i18n.catalog import Entry, LoadedCatalog, read_catalog
from builder.i18n.pofiles import read_previous
from builder.i18n.termbase import TERMBASE_FILE
from builder.languages import catalog_chain, coverage_problems, language
from builder.localize import SOURCE_LANG, Catalogs
from builder.project import Project

PoKey = tuple[str | None, str]  # (msgctxt, msgid)


@dataclass
class PoFile:
    """One catalog file: the last version that parsed, and what is wrong with it now."""

    path: Path
    lang: str  # the folder it is in
    catalog: LoadedCatalog | None = None  # as written: what the panel shows
    shown: LoadedCatalog | None = None  # what localize reads: entries that fail QA left out
    qa: dict[PoKey, list[Problem]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # of the whole file, as it is now
    previous: dict[str, str] = field(default_factory=dict)  # msgctxt -> `#| msgid` (old English)
    broken: bool = False  # it does not parse now: `catalog` is its last version that did
    reads: int = 0  # how often it was parsed: only a changed file is read again

    def read(self) -> None:
        self.reads += 1
        catalog, problems = read_catalog(self.path, self.lang)
        if catalog is None:
            self.broken, self.problems = True, problems
            return
        by_line = {entry.line: key for key, entry in catalog.entries.items()}
        qa: dict[PoKey, list[Problem]] = {}
        whole: list[Problem] = []
        for problem in [*problems, *_coverage(catalog, self.lang)]:
            key = by_line.get(problem.line or -1)
            if key is None:
                whole.append(problem)
            else:
                qa.setdefault(key, []).append(problem)
        self.catalog, self.qa, self.problems, self.broken = catalog, qa, whole, False
        # Babel's reader drops `#| msgid`: the English the fuzzy translation was made from.
        self.previous = read_previous(self.path.read_text(encoding="utf-8", errors="replace"))
        self.shown = _without(catalog, qa) if qa else catalog


def _coverage(catalog: LoadedCatalog, lang: str) -> list[Problem]:
    """Translations with a character no installed font has, each at its entry's line."""
    try:
        lang_info = language(lang)
    except BuilderError as exc:
        return list(exc.problems)
    shown = display_path(catalog.path)
    places: list[tuple[str | Where, str]] = [(f"{shown}:{e.line}", e.msgstr)
                                             for e in catalog.entries.values()
                                             if e.msgstr and not e.fuzzy]
    if not coverage_problems(lang_info, "", places):
        return []
    found: list[Problem] = []
    for place in places:  # rare: name every entry, not only the first as a build does
        found += coverage_problems(lang_info, "", [place])
    return found


def _without(catalog: LoadedCatalog, qa: dict[PoKey, list[Problem]]) -> LoadedCatalog:
    """The catalog with the entries that fail QA untranslated: they print in English."""
    entries = {key: dataclasses.replace(entry, msgstr="", forms=()) if key in qa else entry
               for key, entry in catalog.entries.items()}
    by_context = {entry.context: entry for entry in entries.values() if entry.context}
    return dataclasses.replace(catalog, entries=entries, by_context=by_context)


@dataclass
class Changed:
    """What one batch of saved files changed."""

    folders: set[str] = field(default_factory=set)  # locale folders whose catalogs changed
    everything: bool = False  # content, templates or the clinic profile: every page may change

    def touches(self, chain: Iterable[str]) -> bool:
        return self.everything or bool(self.folders & set(chain))


class Workspace:
    """Content, clinic profile and catalogs of one project, each re-read only when it changes.

    Not thread-safe: the hub calls it under one lock.
    """

    def __init__(self, project: Project, clinic_path: Path):
        self.project = project
        self.clinic_path = clinic_path.resolve()
        self.lib: Library = load_library(project.content, project.cache)
        self.clinic: Clinic = load_clinic(self.clinic_path)
        self.files: dict[Path, PoFile] = {}
        self.folders: set[str] = set()  # locale folders read so far
        self.problems: dict[str, list[Problem]] = {}  # "content", "clinic": what a save broke
        self.generation = 0  # counts content, template and profile changes
        self._merged: dict[str, Catalogs] = {}
        self._chains: dict[str, list[str]] = {}

    # -- catalogs ---------------------------------------------------------------------------
    def chain(self, lang: str) -> list[str]:
        """The locale folders `lang` reads, its own first (as `load_catalogs` reads them)."""
        if lang == SOURCE_LANG:
            return []
        if lang not in self._chains:
            from builder.project import locale_dirs

            parents = [p for p in catalog_chain(lang, locale_dirs(self.project))[1:]
                       if p not in (lang, SOURCE_LANG)]
            self._chains[lang] = [lang, *parents]
        return self._chains[lang]

    def _folder(self, folder: str) -> list[PoFile]:
        if folder not in self.folders:
            self.folders.add(folder)
            for path in sorted((self.project.locales / folder / "LC_MESSAGES").glob("*.po")):
                po = PoFile(path.resolve(), folder)
                po.read()
                self.files[po.path] = po
        return sorted((f for f in self.files.values() if f.lang == folder), key=lambda f: f.path)

    def catalogs(self, lang: str) -> Catalogs:
        """What `localize` reads for `lang`: the merge `load_catalogs` makes, from our files."""
        if lang in self._merged:
            return self._merged[lang]
        from builder.localize import _ui_strings

        merged = Catalogs(lang)
        if lang != SOURCE_LANG:
            merged.folder = self.project.locales / lang / "LC_MESSAGES"
            for index, folder in enumerate(self.chain(lang)):
                part = Catalogs(folder)
                for po in self._folder(folder):
                    if po.shown is None:
                        continue
                    part.files.append(po.shown)
                    for key, entry in po.shown.entries.items():
                        part.entries[key] = (po.shown, entry)
                        if key[0]:
                            part.contexts[key[0]] = (po.shown, entry)
                if index == 0:
                    merged.files, merged.entries, merged.contexts = (part.files, part.entries,
                                                                     part.contexts)
                    continue
                merged.files += part.files
                for ctx, found in part.contexts.items():
                    merged.contexts.setdefault(ctx, found)
                for key, (catalog, entry) in part.entries.items():
                    own = merged.entries.get(key)
                    if entry.msgstr and not entry.fuzzy and (
                            own is None or not own[1].msgstr or own[1].fuzzy):
                        merged.entries[key] = (catalog, entry)
            merged.ui = _ui_strings(self.project, merged)
        self._merged[lang] = merged
        return merged

    def written(self, catalog: LoadedCatalog | None, key: PoKey) -> tuple[PoFile | None, Entry | None]:
        """The file an entry was found in and the entry as the translator wrote it."""
        if catalog is None:
            return None, None
        po = self.files.get(catalog.path)
        if po is None or po.catalog is None:
            return po, None
        return po, po.catalog.entries.get(key)

    def file_problems(self, lang: str) -> list[Problem]:
        """Problems of whole files of `lang`'s catalogs, and of content and profile edits."""
        found = [p for problems in self.problems.values() for p in problems]
        for folder in self.chain(lang):
            for po in self._folder(folder):
                found += po.problems
        return found

    # -- changes ----------------------------------------------------------------------------
    def watched(self) -> tuple[list[Path], list[Path]]:
        """The folders whose changes matter: the project's (with their subfolders), and the
        folders of a clinic profile and logo kept elsewhere (those alone: a profile in a home
        folder must not make us watch the whole home folder)."""
        tree = [p.resolve() for p in (self.project.content, self.project.locales,
                                      self.project.templates) if p.is_dir()]
        flat = sorted({p.resolve().parent for p in (self.clinic_path, self.clinic.logo)
                       if p is not None and not any(p.resolve().is_relative_to(t) for t in tree)})
        return tree, flat

    def apply(self, paths: Iterable[Path]) -> Changed:
        """Re-read what the saved `paths` change, and nothing else."""
        changed = Changed()
        content: set[Path] = set()
        clinic = False
        locales = self.project.locales.resolve()
        logo = self.clinic.logo.resolve() if self.clinic.logo else None
        for path in {Path(p).resolve() for p in paths}:
            if path in (self.clinic_path, logo):
                clinic = True
            elif path.is_relative_to(self.project.content.resolve()):
                content.add(path)
            elif path.is_relative_to(self.project.templates.resolve()):
                changed.everything = True  # Jinja and WeasyPrint read templates afresh
            elif path.is_relative_to(locales):
                self._apply_locale(path, path.relative_to(locales).parts, changed)
        if content:
            self._reload_content(content)
            changed.everything = True
        if clinic:
            try:
                self.clinic = load_clinic(self.clinic_path)
                self.problems.pop("clinic", None)
            except BuilderError as exc:
                self.problems["clinic"] = list(exc.problems)
            changed.everything = True
        if changed.everything:
            self.generation += 1
        for folder in changed.folders:
            for lang in [lang for lang in self._merged if folder in self.chain(lang)]:
                del self._merged[lang]
        return changed

    def _apply_locale(self, path: Path, parts: tuple[str, ...], changed: Changed) -> None:
        match parts:
            case (_,) if path.suffix == ".pot":  # ui.pot: which UI strings exist
                changed.folders |= self.folders
            case (folder, name) if name == TERMBASE_FILE and folder in self.folders:
                for po in self._folder(folder):  # the termbase is part of every entry's QA
                    po.read()
                changed.folders.add(folder)
            case (folder, "LC_MESSAGES", _) if path.suffix == ".po" and folder in self.folders:
                if not path.is_file():
                    self.files.pop(path, None)
                else:
                    po = self.files.setdefault(path, PoFile(path, folder))
                    po.read()
                changed.folders.add(folder)

    def _reload_content(self, paths: set[Path]) -> None:
        """A topic file is parsed again on its own; anything else reloads the content base."""
        from builder.content import _cross_check, _load_topic

        root = self.project.content.resolve()
        topics = [p for p in paths if p.parent == root and p.suffix == ".yaml" and p.is_file()
                  and p.name != BUNDLES_FILE and not p.name.startswith("glossary")
                  and p.stem in self.lib.topics]
        problems: list[Problem] = []
        try:
            if len(topics) == len(paths):
                lib = dataclasses.replace(
                    self.lib, topics=dict(self.lib.topics), where=dict(self.lib.where),
                    file_digest=dict(self.lib.file_digest), invalid=set(self.lib.invalid))
                for path in topics:
                    lib.topics.pop(path.stem, None)
                    lib.where = {k: v for k, v in lib.where.items()
                                 if not (k[0] in ("topic", "block") and k[1] == path.stem)}
                    _load_topic(path, lib, problems)
                _cross_check(lib, problems)
                if problems:
                    raise BuilderError(problems)
            else:
                lib = load_library(self.project.content, self.project.cache)
        except BuilderError as exc:
            self.problems["content"] = list(exc.problems)
            return
        self.lib = lib
        self.problems.pop("content", None)


__all__ = ["Changed", "PoFile", "Workspace"]
