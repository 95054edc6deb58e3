"""The build, top to bottom: load -> validate -> localize -> render -> verify -> write, manifest last.

Everything that can be wrong with the input is found before anything is rendered, and nothing
is written until every selected output has rendered (and, with --verify, been read back).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from builder import __version__
from builder.builders import EXTENSIONS, RenderContext, get, names
from builder.clinic import Clinic, load_clinic
from builder.content import Library, load_library
from builder.document import Doc, Fallback
from builder.errors import BuilderError, ConfigError, TranslationError, UsageError, display_path
from builder.i18n.workflow import locale_dirs, locale_name_or_usage, parse_locale
from builder.languages import catalog_chain, coverage_problems, language
from builder.localize import SOURCE_LANG, Catalogs, load_catalogs, localize
from builder.model import LEVELS, Level
from builder.output import (
    atomic_write_all,
    check_writable,
    read_manifest,
    sha256,
    write_manifest,
)
from builder.project import Project

DEFAULT_FORMATS = ("pdf", "pptx", "html")


@dataclass(frozen=True)
class Job:
    kind: str  # topic | bundle
    id: str
    lang: str
    level: Level
    fmt: str

    @property
    def path(self) -> str:
        return f"{self.lang}/{self.level}/{self.id}.{EXTENSIONS.get(self.fmt, self.fmt)}"


@dataclass
class Options:
    project: Project
    topics: list[str] = field(default_factory=list)
    bundles: list[str] = field(default_factory=list)
    all: bool = False
    langs: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    out: Path | None = None
    clinic: Path | None = None
    paper: str | None = None
    large_print: bool = False
    strict: bool = False
    verify: bool = False
    force: bool = False
    jobs: int = 1
    progress: bool = False

    @property
    def out_dir(self) -> Path:
        return (self.out or self.project.output).resolve()

    @property
    def clinic_path(self) -> Path:
        return self.clinic or self.project.templates / "clinic" / "demo.yaml"


@dataclass
class Summary:
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    fallbacks: list[Fallback] = field(default_factory=list)
    seconds: float = 0.0
    peak_rss_mb: float = 0.0  # the largest resident memory of any process that rendered


# -- selection -------------------------------------------------------------------------------

def available_langs(project: Project) -> list[str]:
    return [SOURCE_LANG, *[lang for lang in locale_dirs(project) if lang != SOURCE_LANG]]


def resolve_lang(code: str, known: list[str]) -> str:
    """The catalog folder a --lang value means: itself, or the nearest along its fallback chain
    (zh-TW -> zh_Hant, es-MX -> es when there is no es_MX); the code itself when none has one."""
    if code in known:
        return code
    name = locale_name_or_usage(code)
    chain = catalog_chain(name, [k for k in known if k != SOURCE_LANG])
    if chain:
        return chain[0]
    return SOURCE_LANG if name.split("_")[0] == SOURCE_LANG else name


def plan(lib: Library, options: Options, default_langs: list[str] | None = None) -> list[Job]:
    """The jobs the command line selects; unknown names are usage errors, all reported at once."""
    problems: list[str] = []
    docs: list[tuple[str, str]] = []
    if options.all:
        docs += [("topic", t) for t in sorted(lib.topics)]
        docs += [("bundle", b) for b in sorted(lib.bundles)]
    for topic in options.topics:
        if topic not in lib.topics:
            problems.append(f"--topic: unknown topic '{topic}'; known: {', '.join(sorted(lib.topics))}")
        elif ("topic", topic) not in docs:
            docs.append(("topic", topic))
    for bundle in options.bundles:
        if bundle not in lib.bundles:
            problems.append(f"--bundle: unknown bundle '{bundle}'; known: "
                            f"{', '.join(sorted(lib.bundles)) or 'none'}")
        elif ("bundle", bundle) not in docs:
            docs.append(("bundle", bundle))
    if not docs and not problems:
        problems.append("nothing selected: give --topic ID, --bundle ID or --all")
    known_langs = available_langs(options.project)
    langs = []
    for code in options.langs or default_langs or known_langs:
        try:
            lang = resolve_lang(code, known_langs)
        except UsageError as exc:
            problems.append(str(exc))
            continue
        if lang not in known_langs:
            problems.append(f"--lang: no catalog for '{code}' ({parse_locale(code).english_name}); "
                            f"available: {', '.join(known_langs)}; start one with "
                            f"'handout i18n init {code}'")
        elif lang not in langs:
            langs.append(lang)
    levels = []
    for level in options.levels or LEVELS:
        if level not in LEVELS:
            problems.append(f"--level: unknown level '{level}'; choose from {', '.join(LEVELS)}")
        elif level not in levels:
            levels.append(level)
    formats = []
    for fmt in options.formats or DEFAULT_FORMATS:
        if fmt not in names():
            problems.append(f"--format: unknown format '{fmt}'; choose from {', '.join(names())}")
        elif fmt not in formats:
            formats.append(fmt)
    if problems:
        raise UsageError("\n".join(problems))
    return [Job(kind, doc_id, lang, level, fmt)  # type: ignore[arg-type]
            for kind, doc_id in docs for lang in langs for level in levels for fmt in formats]


# -- rendering (runs in worker processes too) ---------------------------------------------------

@dataclass
class Inputs:
    """Everything a job reads, loaded once per process."""

    project: Project
    lib: Library
    clinic: Clinic
    catalogs: dict[str, Catalogs]
    ctx: RenderContext
    paper: str
    large_print: bool
    fixed: str  # digest of what every job depends on: tool versions, templates, clinic, fonts


_INPUTS: Inputs | None = None


def load_inputs(options: Options, langs: Iterable[str], lib: Library | None = None) -> Inputs:
    """Load and check content, clinic and every needed catalog; raise with every problem found."""
    project = options.project
    lib = lib or load_library(project.content, project.cache)
    clinic = load_clinic(options.clinic_path)
    catalogs: dict[str, Catalogs] = {}
    problems = []
    for lang in langs:
        try:
            catalogs[lang] = load_catalogs(project, lang)
        except TranslationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise TranslationError(problems)
    for lang, loaded in catalogs.items():
        # Every translation is set in an installed font, for decks and leaflets alike: a
        # character no font has is reported at its .po line, before anything is rendered.
        places = [(f"{display_path(c.path)}:{e.line}", e.msgstr) for c in loaded.files
                  for e in c.entries.values() if e.msgstr and not e.fuzzy]
        problems.extend(coverage_problems(language(lang), "", places))
    if problems:
        raise ConfigError(problems)
    ctx = RenderContext(templates=project.templates, content=project.content,
                        cache=project.cache, deck_template=clinic.template,
                        layout_names={str(k): v for k, v in clinic.profile.layouts.items()},
                        charsets={lang: c.charset() for lang, c in catalogs.items()})
    paper = options.paper or clinic.profile.paper
    return Inputs(project, lib, clinic, catalogs, ctx, paper, options.large_print,
                  _fixed_digest(project, clinic))


def _fixed_digest(project: Project, clinic: Clinic) -> str:
    digest = hashlib.sha256()
    from importlib.metadata import version

    for package in ("weasyprint", "python-pptx", "jinja2", "babel", "segno", "fonttools"):
        digest.update(f"{package}={version(package)};".encode())
    digest.update(f"handout={__version__};SDE={os.environ.get('SOURCE_DATE_EPOCH', '')}".encode())
    for path in sorted(project.templates.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(project.templates).as_posix().encode())
            digest.update(path.read_bytes())
    files: list[Path | None] = [clinic.path, clinic.logo, clinic.template]
    for used in files:
        if used is not None:
            digest.update(used.read_bytes())
    return digest.hexdigest()


def make_doc(inputs: Inputs, job: Job) -> Doc:
    return localize(inputs.lib, inputs.catalogs[job.lang], job.kind, job.id, job.level,
                    inputs.clinic, inputs.paper, inputs.large_print)


def input_digest(inputs: Inputs, job: Job, doc: Doc) -> str:
    """What this one output depends on: the strings it shows, its UI catalog, the fixed inputs.

    The localizer hashes exactly the strings it hands out, so editing one block, or one
    translation, rebuilds only the outputs that show it.
    """
    data = "|".join([job.kind, job.id, job.lang, job.level, job.fmt, inputs.fixed, inputs.paper,
                     str(inputs.large_print), doc.content_digest, str(doc.provenance.reviewed),
                     doc.date.isoformat(), _ui_digest(inputs, job.lang)])
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@lru_cache(maxsize=64)
def _ui_digest_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def _ui_digest(inputs: Inputs, lang: str) -> str:
    return _ui_digest_of(inputs.project.locales / lang / "LC_MESSAGES" / "ui.po")


@dataclass
class Result:
    job: Job
    data: bytes
    digest: str
    fallbacks: list[Fallback]
    ui_missing: list[str]
    seconds: float
    rss_mb: float = 0.0


def render_job(inputs: Inputs, job: Job, verify: bool) -> Result:
    start = time.perf_counter()
    doc = make_doc(inputs, job)
    digest = input_digest(inputs, job, doc)
    data = get(job.fmt).build(doc, inputs.ctx)
    if verify:
        from builder.verify import verify_output

        verify_output(doc, job.fmt, data)
    import resource

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    return Result(job, data, digest, list(doc.fallbacks), sorted(doc.ui_missing),
                  time.perf_counter() - start, rss_mb)


def _worker_init(options: Options, langs: list[str]) -> None:
    global _INPUTS
    if _INPUTS is None:  # not inherited (a start method other than fork): load them here
        _INPUTS = load_inputs(options, langs)


def _worker_render(job: Job, verify: bool) -> Result:
    assert _INPUTS is not None
    return render_job(_INPUTS, job, verify)


# -- the command --------------------------------------------------------------------------------

def build(options: Options, say: Callable[[str], None] = lambda m: print(m, file=sys.stderr)) -> Summary:
    start = time.perf_counter()
    summary = Summary()
    lib = load_library(options.project.content, options.project.cache)
    # Without --lang, a clinic's own profile says which languages it hands out.
    clinic_langs = load_clinic(options.clinic_path).profile.languages if options.clinic else None
    jobs = plan(lib, options, clinic_langs)
    langs = sorted({j.lang for j in jobs})
    inputs = load_inputs(options, langs, lib)
    out_dir = options.out_dir
    check_writable(out_dir)
    for leftover in out_dir.rglob(".*.tmp"):  # temp files of a build that was killed
        leftover.unlink(missing_ok=True)
    manifest = read_manifest(out_dir)
    previous = manifest["files"]

    # Localizing is cheap: do it for every job first, to report stale translations and skip
    # the outputs whose inputs have not changed.
    todo: list[Job] = []
    docs: dict[tuple[str, str, str, str], Doc] = {}
    seen_fallbacks: set[Fallback] = set()
    for job in jobs:
        key = (job.kind, job.id, job.lang, job.level)
        if key not in docs:
            docs[key] = make_doc(inputs, job)
            for fallback in docs[key].fallbacks:
                if fallback not in seen_fallbacks:
                    seen_fallbacks.add(fallback)
                    summary.fallbacks.append(fallback)
        digest = input_digest(inputs, job, docs[key])
        entry = previous.get(job.path)
        if not options.force and entry and entry.get("inputs") == digest \
                and _unchanged(out_dir / job.path, entry):
            summary.skipped.append(job.path)
        else:
            todo.append(job)
    if options.strict and summary.fallbacks:
        raise TranslationError([f.problem() for f in summary.fallbacks])

    results = _render_all(inputs, options, todo, langs)
    # Nothing has been written yet; now write each output atomically, the manifest last.
    # Every file is written to a temp file first and only then renamed over the real names,
    # so a full disk or a crash changes no output; the manifest is written last.
    atomic_write_all({out_dir / r.job.path: r.data for r in results})
    for result in results:
        summary.built.append(result.job.path)
        previous[result.job.path] = {
            "path": result.job.path, "kind": result.job.kind, "topic": result.job.id,
            "lang": result.job.lang, "level": result.job.level, "format": result.job.fmt,
            "sha256": sha256(result.data), "bytes": len(result.data), "inputs": result.digest,
        }
    summary.peak_rss_mb = max((r.rss_mb for r in results), default=0.0)
    ui_missing = sorted({m for r in results for m in r.ui_missing})
    for message in ui_missing:
        say(f"warning: ui: {message[:60]!r} has no current translation; printed in English")
    manifest = {"tool": f"handout {__version__}", "files": dict(sorted(previous.items()))}
    if results or not (out_dir / "manifest.json").exists():
        write_manifest(out_dir, manifest)
    summary.seconds = time.perf_counter() - start
    return summary


def _unchanged(path: Path, entry: dict[str, Any]) -> bool:
    """The output is still what the manifest says (someone may have edited or replaced it)."""
    try:
        if path.stat().st_size != entry.get("bytes"):
            return False
    except OSError:
        return False
    return hashlib.sha256(path.read_bytes()).hexdigest() == entry.get("sha256")


def _warm_font_cache(inputs: Inputs, jobs: list[Job]) -> None:
    """Subset the large fonts once, here, so workers do not all do it at the same time."""
    from builder.fonts import font_faces
    from builder.languages import language

    for lang in sorted({j.lang for j in jobs if j.fmt in ("pdf", "html")}):
        font_faces(language(lang), inputs.ctx.charsets.get(lang, ""), inputs.ctx.cache)


def _render_all(inputs: Inputs, options: Options, jobs: list[Job], langs: list[str]) -> list[Result]:
    from tqdm import tqdm

    results: list[Result] = []
    failures: list[BuilderError] = []
    bar = tqdm(total=len(jobs), unit="file", disable=not options.progress or not jobs,
               file=sys.stderr, dynamic_ncols=True)
    # Longest first (bundles, PDFs, CJK), so no worker is left with a long job at the end.
    jobs = sorted(jobs, key=lambda j: (j.kind != "bundle", j.fmt != "pdf",
                                       not j.lang.startswith(("zh", "ja", "ko")), j.path))
    if options.jobs <= 1 or len(jobs) <= 1:
        for job in jobs:
            try:
                results.append(render_job(inputs, job, options.verify))
            except BuilderError as exc:
                failures.append(exc)
            bar.update()
    else:
        global _INPUTS
        _INPUTS = inputs  # forked workers inherit what the parent already loaded and checked
        _warm_font_cache(inputs, jobs)
        context = multiprocessing.get_context("fork" if "fork" in
                                              multiprocessing.get_all_start_methods() else None)
        with ProcessPoolExecutor(max_workers=options.jobs, initializer=_worker_init,
                                 initargs=(options, langs), mp_context=context) as pool:
            futures = [pool.submit(_worker_render, job, options.verify) for job in jobs]
            for future in as_completed(futures):
                try:
                    results.append(future.result())
                except BuilderError as exc:
                    failures.append(exc)
                bar.update()
    bar.close()
    if failures:
        problems = [p for exc in failures for p in exc.problems]
        error = failures[0].__class__(problems)
        raise error
    results.sort(key=lambda r: r.job.path)
    return results


__all__ = ["Job", "Options", "Summary", "build", "plan", "render_job"]
