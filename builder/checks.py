"""`handout check`: content, catalogs, stale translations and reading levels, all in one run."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.content import Library, blocks_at, load_library
from builder.document import Fallback
from builder.errors import EXIT_CONTENT, EXIT_OK, EXIT_TRANSLATION, Problem, TranslationError
from builder.i18n.messages import SLIDE_BUDGET
from builder.localize import SOURCE_LANG, Catalogs, Localizer, load_catalogs, localize_topic
from builder.model import LEVELS, at_level
from builder.project import Project, locale_dirs
from builder.readability import Score, localized_prose, score

PAPERS = ("a4", "letter")


@dataclass(frozen=True)
class PageCount:
    """How many pages a leaflet with a page budget takes, in one language, level and paper."""

    kind: str
    id: str
    lang: str
    level: str
    paper: str
    pages: int
    budget: int
    where: str  # the `pages:` line

    @property
    def over(self) -> int:
        return self.pages - self.budget

    def __str__(self) -> str:
        return (f"{self.where}: {self.kind} {self.id} ({self.lang}, {self.level}, {self.paper}): "
                f"{self.pages} pages, {self.over} over its budget of {self.budget}: carry fewer "
                "blocks, shorten the translation or raise the budget")


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)  # errors: content or catalogs
    warnings: list[str] = field(default_factory=list)
    uncited: list[str] = field(default_factory=list)  # blocks with a medical claim and no source
    fallbacks: list[Fallback] = field(default_factory=list)
    scores: dict[tuple[str, str, str], Score] = field(default_factory=dict)  # topic, level, lang
    strict: bool = False
    where: dict[str, str] = field(default_factory=dict)  # topic id -> "content/x.yaml:LINE"
    pages: list[PageCount] = field(default_factory=list)  # leaflets with a page budget

    @property
    def overflows(self) -> list[PageCount]:
        return [p for p in self.pages if p.over > 0]

    @property
    def misses(self) -> list[tuple[str, str, str, Score]]:
        return [(t, lv, lang, s) for (t, lv, lang), s in self.scores.items() if not s.ok]

    @property
    def exit_code(self) -> int:
        """3 for content (above a reading-level target; uncited claims under --strict) before 4
        for translations."""
        if self.misses or (self.strict and (self.uncited or self.overflows)):
            return EXIT_CONTENT
        if self.problems or (self.strict and self.fallbacks):
            return EXIT_TRANSLATION
        return EXIT_OK

    @property
    def ok(self) -> bool:
        return not self.problems and not self.misses and not (
            self.strict and (self.fallbacks or self.uncited or self.overflows))

    def text(self) -> str:
        out = [f"error: {p}" for p in self.problems]
        out += [f"warning: {w}" for w in self.warnings]
        out += [f"{'error' if self.strict else 'warning'}: {u}" for u in self.uncited]
        out.append(f"uncited medical claims: {len(self.uncited)}")
        out += [f"{'error' if self.strict else 'warning'}: {f}" for f in self.fallbacks]
        out.append("")
        out.append(self.table())
        if self.pages:
            out.append("")
            out.append(self.pages_table())
            out += [f"{'error' if self.strict else 'warning'}: {p}" for p in self.overflows]
        if self.misses:
            out.append("")
            out += [f"error: {self.where.get(t, t)}: {t} ({lv}, {lang}): {s.measure} {s.value} "
                    f"is above the target {s.target:g}: shorter sentences and simpler words"
                    for t, lv, lang, s in self.misses]
        total = len(self.problems) + len(self.misses) + (
            len(self.fallbacks) + len(self.uncited) + len(self.overflows) if self.strict else 0)
        out.append("")
        out.append("check passed" if self.ok else f"check failed: {total} problem(s)")
        return "\n".join(out)

    def table(self) -> str:
        langs = sorted({k[2] for k in self.scores}, key=lambda x: (x != SOURCE_LANG, x))
        topics = sorted({k[0] for k in self.scores})
        header = f"{'topic':<30} {'level':<9}" + "".join(f"{lang:>10}" for lang in langs)
        lines = ["Readability (en: Flesch-Kincaid grade, target easy<=6, standard<=8, "
                 "detailed<=12; other languages: labelled measure, no target)", header]
        for lang in langs:
            sample = next((s for k, s in self.scores.items() if k[2] == lang), None)
            if sample:
                lines.append(f"  {lang}: {sample.measure}")
        for topic in topics:
            for level in LEVELS:
                row = f"{topic:<30} {level:<9}"
                for lang in langs:
                    s = self.scores.get((topic, level, lang))
                    cell = "" if s is None else f"{s.value:g}{'' if s.ok else '!'}"
                    row += f"{cell:>10}"
                lines.append(row)
        return "\n".join(lines)

    def pages_table(self) -> str:
        """Pages per language of every leaflet with a budget: "3 (+1)" where it is exceeded."""
        langs = sorted({p.lang for p in self.pages}, key=lambda x: (x != SOURCE_LANG, x))
        rows: dict[tuple[str, str, str, int], dict[str, PageCount]] = {}
        for count in self.pages:
            key = (f"{count.id} ({count.kind})", count.level, count.paper, count.budget)
            rows.setdefault(key, {})[count.lang] = count
        width = max(len(k[0]) for k in rows) + 1
        lines = ["Page budgets (leaflets in regular print, the demo clinic profile; pages, "
                 "and '(+N)' where a language exceeds its budget by N)",
                 f"{'document':<{width}} {'level':<9}{'paper':<8}{'budget':>6}"
                 + "".join(f"{lang:>9}" for lang in langs)]
        for (name, level, paper, budget), counts in rows.items():
            cells = ""
            for lang in langs:
                c = counts.get(lang)
                cell = "" if c is None else f"{c.pages} (+{c.over})" if c.over > 0 else str(c.pages)
                cells += f"{cell:>9}"
            lines.append(f"{name:<{width}} {level:<9}{paper:<8}{budget:>6}{cells}")
        over = self.overflows
        lines.append(f"over budget: {len(over)} of {len(self.pages)}")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": [str(p) for p in self.problems],
            "fallbacks": [str(f) for f in self.fallbacks],
            "uncited": list(self.uncited),
            "readability": [{"topic": t, "level": lv, "lang": lang, "value": s.value,
                             "measure": s.measure, "target": s.target, "ok": s.ok}
                            for (t, lv, lang), s in sorted(self.scores.items())],
            "pages": [{"kind": p.kind, "id": p.id, "lang": p.lang, "level": p.level,
                       "paper": p.paper, "pages": p.pages, "budget": p.budget, "over": p.over}
                      for p in self.pages],
        }


# Deck roles that put something on a slide without a `slide:` bullet.
SHOWN_ON_SLIDES = {"bullets", "questions", "discussion", "own-slide", "glossary", "picture"}


def slide_problems(lib: Library) -> list[str]:
    """Sections that would give an empty slide, and bullets over the length budget."""
    out = []
    for topic in lib.topics.values():
        for level in LEVELS:
            section: str | None = None
            bullets = 0
            for block in [*blocks_at(topic, level), None]:
                if block is None or block.kind.deck == "section":
                    if section is not None and bullets == 0:
                        where = lib.block_where(topic.id, section)
                        out.append(f"{where}: section '{section}' has no slide text at level "
                                   f"'{level}': give a block `slide:` text or a list")
                    section = block.id if block is not None else None
                    bullets = 0
                    continue
                slide = at_level(getattr(block, "slide", None), level)
                if slide or block.kind.deck in SHOWN_ON_SLIDES:
                    bullets += 1
                if slide and len(slide) > SLIDE_BUDGET:
                    where = lib.block_where(topic.id, block.id)
                    out.append(f"{where}: slide text at '{level}' has {len(slide)} characters "
                               f"(budget {SLIDE_BUDGET})")
    return out


# What makes a block a medical claim a reviewer must be able to trace to a source: a drug name
# (international nonproprietary name endings, or a name our content uses), an approval, or a
# number (a count, a threshold, a date).
_DRUG_RE = re.compile(
    r"\b[a-z]+(?:mib|mab|mide|leucel|vicleucel|cel|inexor|asone|dotin|tecan|clax)\b"
    r"|\bzoledronic acid\b|\bdaratumumab\b|\bselinexor\b|\bdexamethasone\b", re.I)
_APPROVAL_RE = re.compile(r"\bapprov", re.I)
_NUMBER_RE = re.compile(r"\d")


def claim_kinds(text: str) -> list[str]:
    """Why `text` is a medical claim: 'drug name', 'approval', 'number' (none: not a claim)."""
    kinds = []
    if _DRUG_RE.search(text):
        kinds.append("drug name")
    if _APPROVAL_RE.search(text):
        kinds.append("approval")
    if _NUMBER_RE.search(text):
        kinds.append("number")
    return kinds


def uncited_claims(lib: Library) -> list[str]:
    """Blocks whose English text (at any level) makes a medical claim but cites no source."""
    out = []
    for topic in lib.topics.values():
        for block in topic.blocks:
            if not block.kind.claim or block.cites:
                continue
            texts: list[str] = []
            for level in LEVELS:
                for name in ("text", "items", "slide", "caption"):
                    value = getattr(block, name, None)
                    at = value.get(level) if isinstance(value, dict) else value
                    if isinstance(at, list):
                        texts += at
                    elif isinstance(at, str):
                        texts.append(at)
            kinds = claim_kinds(" ".join(texts))
            if kinds:
                where = lib.block_where(topic.id, block.id)
                out.append(f"{where}: block '{block.id}' makes a medical claim "
                           f"({', '.join(kinds)}) but cites no source: add `cites:` with the "
                           "id of the topic source it rests on")
    return out


def run_check(project: Project, langs: list[str], strict: bool) -> Report:

    report = Report(strict=strict)
    lib = load_library(project.content)  # content errors raise: nothing else is meaningful
    report.warnings += slide_problems(lib)
    report.uncited += uncited_claims(lib)
    report.where = {t: str(lib.where[("topic", t)]) for t in lib.topics}
    codes = langs or [SOURCE_LANG, *[c for c in locale_dirs(project) if c != SOURCE_LANG]]
    loaded: list[str] = []
    for lang in codes:
        try:
            catalogs = load_catalogs(project, lang)
        except TranslationError as exc:
            report.problems += exc.problems
            continue
        loaded.append(lang)
        _check_language(lib, catalogs, report)
    if not report.problems:
        report.pages = page_counts(project, lib, loaded)
    return report


def page_counts(project: Project, lib: Library, langs: list[str],
                jobs: int | None = None) -> list[PageCount]:
    """Render every leaflet that has a page budget, in each language, level and paper, and
    count its pages (regular print, the demo clinic profile). Counts are cached by the
    leaflet's inputs, so an unchanged leaflet is not rendered again."""
    import os

    from builder.build import Job, Options, input_digest, load_inputs, make_doc, render_job
    from builder.cache import cache_key
    from builder.errors import BuilderError, RenderError
    from builder.executors import executor_for
    from builder.model import pages_at

    budgeted = [("topic", t.id, t.pages) for t in lib.topics.values() if t.pages is not None]
    budgeted += [("bundle", b.id, b.pages) for b in lib.bundles.values() if b.pages is not None]
    if not budgeted or not langs:
        return []
    store = project.cache / "page-counts.json"
    known = _read_counts(store)
    counts: list[PageCount] = []
    used: dict[str, int] = {}
    failed: list[BuilderError] = []
    for paper in PAPERS:
        inputs = load_inputs(Options(project=project, paper=paper), langs, lib)
        todo: dict[Job, tuple[str, int, str]] = {}
        for kind, doc_id, budget in sorted(budgeted):
            where = str(lib.where[("pages", kind, doc_id)])
            for lang in langs:
                for level in LEVELS:
                    pages = pages_at(budget, level)
                    if pages is None:
                        continue
                    job = Job(kind, doc_id, lang, level, "pdf")
                    key = cache_key("page-count;v1", input_digest(inputs, job,
                                                                  make_doc(inputs, job)))
                    if key in known:
                        used[key] = known[key]
                        counts.append(PageCount(kind, doc_id, lang, level, paper, known[key],
                                                pages, where))
                    else:
                        todo[job] = (key, pages, where)
        workers = jobs or min(os.cpu_count() or 1, len(todo))
        for job, outcome in executor_for(render_job, workers, None).run(inputs, list(todo), False):
            if isinstance(outcome, BuilderError):
                failed.append(outcome)
                continue
            key, pages, where = todo[job]
            used[key] = _pdf_pages(outcome.data)
            counts.append(PageCount(job.kind, job.id, job.lang, job.level, paper, used[key],
                                    pages, where))
    if failed:
        raise RenderError([p for exc in failed for p in exc.problems])
    _keep_counts(store, {**known, **used})
    order = {lang: n for n, lang in enumerate(langs)}
    return sorted(counts, key=lambda c: (c.kind, c.id, LEVELS.index(c.level),
                                         PAPERS.index(c.paper), order[c.lang]))


def _read_counts(store: Path) -> dict[str, int]:
    """The page counts an earlier check kept, by cache key (none when unreadable)."""
    import json

    try:
        known: dict[str, int] = json.loads(store.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    return known


def _keep_counts(store: Path, counts: dict[str, int]) -> None:
    """Keep the newest counts (the last of `counts`) for the next check; a few thousand at most."""
    import json

    from builder.errors import BuilderError
    from builder.output import atomic_write

    try:
        kept = dict(list(counts.items())[-4000:])
        atomic_write(store, json.dumps(kept).encode("utf-8"))
    except BuilderError:
        pass  # a cache that cannot be written only makes the next check slower


def _pdf_pages(data: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def _check_language(lib: Library, catalogs: Catalogs, report: Report) -> None:
    lang = catalogs.lang
    seen: set[Fallback] = set()
    for level in LEVELS:
        loc = Localizer(lib, catalogs, level)
        for topic_id in sorted(lib.topics):
            # Measure what the reader gets: the localized topic (English where it fell back).
            localized = localize_topic(loc, topic_id)
            report.scores[(topic_id, level, lang)] = score(localized_prose(localized), lang, level)
        for fallback in loc.fallbacks:
            if fallback not in seen:
                seen.add(fallback)
                report.fallbacks.append(fallback)
