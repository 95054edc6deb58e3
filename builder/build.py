"""The build, top to bottom: load -> validate -> localize -> render -> verify -> write, manifest last.

Everything that can be wrong with the input is found before anything is rendered, and nothing
is written until every selected output has rendered (and, with --verify, been read back).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from builder import __version__
from builder.builders import EXTENSIONS, Assets, RenderContext, names, render
from builder.clinic import Clinic, load_clinic
from builder.content import Library, load_library
from builder.document import Doc, Fallback, Session
from builder.errors import (
    BuilderError,
    ConfigError,
    Problem,
    TranslationError,
    UsageError,
    Where,
    display_path,
)
from builder.languages import (
    catalog_chain,
    coverage_problems,
    language,
    locale_name_or_usage,
    matching_catalogs,
    parse_locale,
)
from builder.localize import SOURCE_LANG, Catalogs, build_date, load_catalogs, localize
from builder.model import LEVELS, Level
from builder.output import (
    atomic_write_all,
    check_writable,
    read_manifest,
    sha256,
    write_manifest,
)
from builder.project import Project, locale_dirs

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
    duplex: bool = False  # leaflets: an even number of pages, a "My notes" page filling the last
    strict: bool = False
    verify: bool = False
    force: bool = False
    jobs: int = 1
    scheduler: str | None = None  # a Dask scheduler address, or "local"; None: this machine
    progress: bool = False
    session_date: dt.date | None = None  # --date: a support-group meeting's day, on its deck
    host: bool | None = None  # --host/--no-host; None: the clinic profile's `deck: host`

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
    warnings: list[Problem] = field(default_factory=list)  # the builders', each once
    seconds: float = 0.0
    peak_rss_mb: float = 0.0  # the largest resident memory of any process that rendered


# -- selection -------------------------------------------------------------------------------

_Name = TypeVar("_Name", bound=str)  # a level or a format name

def available_langs(project: Project, pseudo: bool = False) -> list[str]:
    """English and every catalog; the pseudo-locales only when asked (never shipped by default)."""
    return [SOURCE_LANG, *[lang for lang in locale_dirs(project, pseudo) if lang != SOURCE_LANG]]


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
    docs = _selected_docs(lib, options, problems)
    langs = _selected_langs(options, default_langs, problems)
    levels = _chosen(options.levels or LEVELS, LEVELS, "level", problems)
    formats = _chosen(options.formats or DEFAULT_FORMATS, names(), "format", problems)
    if problems:
        raise UsageError("\n".join(problems))
    return [Job(kind, doc_id, lang, level, fmt)
            for kind, doc_id in docs for lang in langs for level in levels for fmt in formats]


def _selected_docs(lib: Library, options: Options, problems: list[str]) -> list[tuple[str, str]]:
    """The topics and bundles selected, in order and each once; unknown ids go to `problems`."""
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
    return docs


def _selected_langs(options: Options, default_langs: list[str] | None,
                    problems: list[str]) -> list[str]:
    """The catalog folders the --lang values mean, each once; unknown codes go to `problems`."""
    known_langs = available_langs(options.project, pseudo=True)  # --lang qps, never by default
    langs: list[str] = []
    for code in options.langs or default_langs or available_langs(options.project):
        try:
            lang = resolve_lang(code, known_langs)
        except UsageError as exc:
            problems.append(str(exc))
            continue
        if lang not in known_langs:
            problems.append(_no_catalog(code, known_langs))
        elif lang not in langs:
            langs.append(lang)
    return langs


def _no_catalog(code: str, known_langs: list[str]) -> str:
    """Why --lang `code` cannot be built, and the catalog (or command) to use instead."""
    name = parse_locale(code).english_name
    matches = matching_catalogs(code, known_langs)
    if matches:
        shown = ", ".join(f"{m} ({parse_locale(m).english_name})" for m in matches)
        return (f"--lang: no catalog named '{code}' ({name}); the catalog for "
                f"it is {shown}: use --lang {matches[0]}"
                + (f" (or start a catalog of its own with 'handout i18n init "
                   f"{code}')" if parse_locale(code).territory else ""))
    return (f"--lang: no catalog for '{code}' ({name}); available: "
            f"{', '.join(known_langs)}; start one with "
            f"'handout i18n init {code}'")


def _chosen(given: Iterable[str], allowed: Sequence[_Name], option: str,
            problems: list[str]) -> list[_Name]:
    """The `given` values of --`option`, in order and each once; unknown ones go to `problems`."""
    by_name = {str(name): name for name in allowed}
    chosen: list[_Name] = []
    for value in given:
        if value not in by_name:
            problems.append(f"--{option}: unknown {option} '{value}'; "
                            f"choose from {', '.join(allowed)}")
        elif by_name[value] not in chosen:
            chosen.append(by_name[value])
    return chosen


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
    shared_digest: str  # digest of what every job depends on: tool versions, templates, clinic, fonts
    date: dt.date  # the print date of every file of this build (SOURCE_DATE_EPOCH, else today)
    html_base: str = "."  # where `--format html` files are, relative to the project root
    # The meeting a deck or handout is for (--date, --host/--no-host; a web form may set it).
    session: Session = field(default_factory=Session)
    duplex: bool = False


def load_inputs(options: Options, langs: Iterable[str], lib: Library | None = None,
                broken: dict[str, list[Problem]] | None = None) -> Inputs:
    """Load and check content, clinic and every needed catalog; raise with every problem found.

    With `broken` (a server that serves every language), a language whose catalogs have a
    problem is left out of the inputs and its problems put in `broken` instead of raised."""
    project = options.project
    date = build_date()  # first: a malformed SOURCE_DATE_EPOCH is reported before any work
    lib = lib or load_library(project.content, project.cache)
    clinic = load_clinic(options.clinic_path)
    catalogs: dict[str, Catalogs] = {}
    problems = []
    for lang in langs:
        try:
            catalogs[lang] = load_catalogs(project, lang)
        except TranslationError as exc:
            if broken is None:
                problems.extend(exc.problems)
            else:
                broken[lang] = list(exc.problems)
    if problems:
        raise TranslationError(problems)
    for lang, loaded in list(catalogs.items()):
        # Every translation is set in an installed font, for decks and leaflets alike: a
        # character no font has is reported at its .po line, before anything is rendered.
        places = [(Where(shown, e.line), e.msgstr)
                  for c, shown in ((c, display_path(c.path)) for c in loaded.files)
                  for e in c.entries.values() if e.msgstr and not e.fuzzy]
        found = coverage_problems(language(lang), "", places)
        if found and broken is not None:
            broken[lang] = list(found)
            del catalogs[lang]
        else:
            problems.extend(found)
    if problems:
        raise ConfigError(problems)
    roots = [("templates", project.templates), ("content", project.content),
             ("fonts", project.cache / "fonts")]
    if clinic.logo:
        roots.append(("clinic", clinic.logo.parent))
    ctx = RenderContext(templates=project.templates, content=project.content,
                        cache=project.cache, deck_template=clinic.template,
                        layout_names={str(k): v for k, v in clinic.profile.layouts.items()},
                        charsets={lang: c.charset() for lang, c in catalogs.items()},
                        assets=Assets(roots=tuple(roots)))
    paper = options.paper or clinic.profile.paper
    html_base = os.path.relpath(options.out_dir, project.root)
    session = Session(options.session_date, clinic.host if options.host is None else options.host)
    return Inputs(project, lib, clinic, catalogs, ctx, paper, options.large_print,
                  _shared_digest(project, clinic), date, html_base, session, options.duplex)


def _shared_digest(project: Project, clinic: Clinic) -> str:
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


LEAFLET_FORMATS = ("pdf", "html")  # what a bundle's `carry` and a page budget apply to


def make_doc(inputs: Inputs, job: Job) -> Doc:
    return localize(inputs.lib, inputs.catalogs[job.lang], job.kind, job.id, job.level,
                    inputs.clinic, inputs.paper, inputs.large_print, inputs.date, inputs.session,
                    leaflet=job.fmt in LEAFLET_FORMATS, duplex=inputs.duplex)


def input_digest(inputs: Inputs, job: Job, doc: Doc) -> str:
    """What this one output depends on: the strings it shows, its UI catalog, the fixed inputs.

    The localizer hashes exactly the strings it hands out, so editing one block, or one
    translation, rebuilds only the outputs that show it.

    The print date counts only when SOURCE_DATE_EPOCH sets it (it is in `shared_digest`): without it,
    an unchanged output is not rebuilt just because the day changed, and keeps the date it was
    really made on; whatever is rebuilt carries the day it was rebuilt.
    """
    data = "|".join([job.kind, job.id, job.lang, job.level, job.fmt, inputs.shared_digest, inputs.paper,
                     str(inputs.large_print), str(inputs.duplex and job.fmt in LEAFLET_FORMATS),
                     doc.content_digest, str(doc.provenance.reviewed),
                     ",".join(doc.provenance.reviewers), _ui_digest(inputs, job.lang),
                     inputs.html_base if job.fmt == "html" else "",
                     str(inputs.session.date), str(inputs.session.host)])
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@lru_cache(maxsize=64)
def _ui_digest_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def _ui_digest(inputs: Inputs, lang: str) -> str:
    return _ui_digest_of(inputs.project.locales / lang / "LC_MESSAGES" / "ui.po")


@dataclass
class Result:
    """What a render sends back, from a thread, a process or a cluster worker: bytes and facts."""

    job: Job
    data: bytes
    digest: str
    fallbacks: list[Fallback]
    seconds: float
    rss_mb: float = 0.0
    warnings: list[Problem] = field(default_factory=list)  # the builder's (a font measured with another)


def render_context(inputs: Inputs, job: Job) -> RenderContext:
    """The context of one job: `--format html` names assets relative to where the file goes."""
    if job.fmt != "html":
        return inputs.ctx
    folder = inputs.project.root / inputs.html_base / job.lang / job.level
    return dataclasses.replace(inputs.ctx, assets=inputs.ctx.assets.relative_to(folder))


def render_job(inputs: Inputs, job: Job, verify: bool) -> Result:
    """The render core: one job from checked inputs to bytes; reads only `inputs`, changes nothing.

    The command line, a server and cluster workers all call this, in threads or processes.
    """
    start = time.perf_counter()
    doc = make_doc(inputs, job)
    digest = input_digest(inputs, job, doc)
    rendered = render(job.fmt, doc, render_context(inputs, job))
    data = rendered.data
    if verify:
        from builder.verify import verify_output

        verify_output(doc, job.fmt, data)
    import resource

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    return Result(job, data, digest, doc.fallbacks_in(job.fmt), time.perf_counter() - start, rss_mb,
                  list(rendered.warnings))


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
    manifest = read_manifest(out_dir, warn=lambda problem: say(f"warning: {problem}"))
    previous = manifest["files"]

    todo = _outdated(inputs, options, jobs, previous, summary)
    if options.strict and summary.fallbacks:
        raise TranslationError([f.problem() for f in summary.fallbacks])

    try:
        results = _render_all(inputs, options, todo, langs)
    except BuilderError as exc:  # nothing written; the summary says how many failed
        summary.failed = list(getattr(exc, "failed", []))
        summary.seconds = time.perf_counter() - start
        exc.summary = summary
        raise
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
    built_langs = sorted({r.job.lang for r in results})
    ui_missing = sorted({m for lang in built_langs for m in inputs.catalogs[lang].ui.missing})
    for message in ui_missing:
        say(f"warning: ui: {message[:60]!r} has no current translation; printed in English")
    for warning in dict.fromkeys(w for r in results for w in r.warnings):  # each once
        summary.warnings.append(warning)
        say(f"warning: {warning}")
    manifest = {"tool": f"handout {__version__}", "files": dict(sorted(previous.items()))}
    if results or not (out_dir / "manifest.json").exists():
        write_manifest(out_dir, manifest)
    summary.seconds = time.perf_counter() - start
    return summary


def _outdated(inputs: Inputs, options: Options, jobs: list[Job], previous: dict[str, Any],
              summary: Summary) -> list[Job]:
    """The jobs whose output must be (re)built; the others go to `summary.skipped`.

    Localizing is cheap: it is done for every job first, to report stale translations (into
    `summary.fallbacks`, each once) and to skip the outputs whose inputs have not changed.
    """
    todo: list[Job] = []
    docs: dict[tuple[str, str, str, str, bool], Doc] = {}
    seen_fallbacks: set[Fallback] = set()
    for job in jobs:
        key = (job.kind, job.id, job.lang, job.level, job.fmt in LEAFLET_FORMATS)
        if key not in docs:
            docs[key] = make_doc(inputs, job)
        for fallback in docs[key].fallbacks_in(job.fmt):
            if fallback not in seen_fallbacks:
                seen_fallbacks.add(fallback)
                summary.fallbacks.append(fallback)
        digest = input_digest(inputs, job, docs[key])
        entry = previous.get(job.path)
        if not options.force and entry and entry.get("inputs") == digest \
                and _unchanged(options.out_dir / job.path, entry):
            summary.skipped.append(job.path)
        else:
            todo.append(job)
    return todo


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

    from builder.executors import executor_for

    results: list[Result] = []
    failures: list[tuple[int, Job, BuilderError]] = []
    order = {job: index for index, job in enumerate(jobs)}  # the selection's order
    bar = tqdm(total=len(jobs), unit="file", disable=not options.progress or not jobs,
               file=sys.stderr, dynamic_ncols=True)
    # Longest first (bundles, PDFs, CJK), so no worker is left with a long job at the end.
    jobs = sorted(jobs, key=lambda j: (j.kind != "bundle", j.fmt != "pdf",
                                       not j.lang.startswith(("zh", "ja", "ko")), j.path))
    executor = executor_for(render_job, options.jobs if len(jobs) > 1 else 1, options.scheduler)
    if options.jobs > 1 or options.scheduler:
        _warm_font_cache(inputs, jobs)
    for job, outcome in executor.run(inputs, jobs, options.verify):
        if isinstance(outcome, BuilderError):
            failures.append((order[job], job, outcome))
        else:
            results.append(outcome)
        bar.update()
    bar.close()
    if failures:
        # Whatever order the workers finished in: problems in selection order, and the exit
        # code of the first failed output in that order (the same with --jobs 1 and --jobs N).
        failures.sort(key=lambda f: f[0])
        problems: list[Any] = []
        for _index, _job, failure in failures:
            problems += [p for p in failure.problems if p not in problems]
        error = failures[0][2].__class__(problems)
        error.failed = [job.path for _index, job, _exc in failures]
        raise error
    results.sort(key=lambda r: r.job.path)
    return results


__all__ = ["Job", "Options", "Summary", "build", "plan", "render_job"]
