"""Documents for the web app: the render core in a pool of warm worker processes, cached on disk.

Each worker calls `load_inputs` once per clinic profile and `render_job` per document. The server
process keeps its own inputs too, only to localize (cheap) and compute `input_digest`: the name of
the cached file, so a document rendered once is served at once, by any request. A document is
localized and hashed once per state of the project's files (`Prepared`, remembered), so a request
for a cached file costs a dictionary look-up and a file read.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import gc
import hashlib
import multiprocessing
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.build import Inputs, Job, Options, available_langs, input_digest, load_inputs, make_doc
from builder.content import Library
from builder.document import Doc
from builder.errors import BuilderError, Problem, TranslationError, Where
from builder.localize import SOURCE_LANG
from builder.model import LEVELS, Bundle
from builder.output import atomic_write_all
from builder.project import Project

KIT_PREFIX = "kit-"
STAMP_SECONDS = 2.0
CACHE_KEPT = 4000  # rendered files and previews kept on disk, the most recently used
PRUNE_EVERY = 50  # renders between two looks at the cache's size
KEPT_INPUTS = 2  # loaded inputs per clinic profile state: the newest, and the one before
MEMORY_BYTES = 64_000_000  # rendered files also kept in the server's memory, the most recently used
TOUCH_SECONDS = 60.0  # a file served from memory marks its cache file "used" at most this often
PREPARED_KEPT = 512  # localized documents remembered by the server: bounded memory
RENDERS_FIRST = 4  # nice steps between the request threads and the render workers (yield_to_renders)
GROUP_RENDERS_FIRST = 5  # the same between the server's scheduling group and each worker's
SWITCH_SECONDS = 0.0005  # how long one server thread keeps the interpreter (share_the_interpreter)


@dataclass(frozen=True)
class Spec:
    """One document as a staff member or script asks for it."""

    kind: str  # topic | bundle | kit
    id: str  # a topic or bundle id, or kit-<number>
    lang: str
    level: str
    fmt: str = "pdf"
    paper: str | None = None  # None: the clinic profile's
    large_print: bool = False
    kit_title: str = ""
    kit_topics: tuple[str, ...] = ()

    def job(self) -> Job:
        return Job("bundle" if self.kind == "kit" else self.kind, self.id, self.lang,
                   self.level, self.fmt)  # type: ignore[arg-type]


def inputs_for(base: Inputs, spec: Spec) -> Inputs:
    """The inputs of one request: paper and print size, and a kit as an ad-hoc bundle."""
    inputs = dataclasses.replace(base, paper=spec.paper or base.clinic.profile.paper,
                                 large_print=spec.large_print)
    if spec.kind == "kit":
        bundle = Bundle(id=spec.id, title=spec.kit_title, summary=spec.kit_title,
                        topics=list(spec.kit_topics))
        where = dict(base.lib.where)
        where[("bundle", spec.id)] = Where(f"kit:{spec.kit_title}", None)
        lib = dataclasses.replace(base.lib, bundles={**base.lib.bundles, spec.id: bundle},
                                  where=where)
        inputs = dataclasses.replace(inputs, lib=lib)
    return inputs


def real_fallbacks(doc: Doc) -> list[Any]:
    """Fallbacks that are content: a kit's own title is typed by staff and never translated."""
    return [f for f in doc.fallbacks_in("pdf") if not f.context.startswith(f"bundle/{KIT_PREFIX}")]


# -- in a worker process ----------------------------------------------------------------------

_WORKER: dict[str, Inputs] = {}


def _worker_inputs(root: str, clinic: str, stamp: str) -> Inputs:
    key = f"{clinic}|{stamp}"
    if key not in _WORKER:
        _WORKER.clear()  # one profile and one state of the project at a time: bounded memory
        from builder.builders.leaflet import KeptFonts

        project = Project(Path(root))
        with frozen_after():
            inputs = load_inputs(Options(project=project, clinic=Path(clinic)),
                                 available_langs(project), broken={})
            # this process renders one document at a time: it keeps fonts and images between
            # documents, and forgets them with the inputs when the project's files change
            _WORKER[key] = dataclasses.replace(
                inputs, ctx=dataclasses.replace(inputs.ctx, kept=KeptFonts()))
    return _WORKER[key]


class Settler:
    """Garbage collection at a time of the worker's choosing: after each render, not during one.

    After a render, its garbage is collected and what is left (kept fonts and images) frozen
    (gc.freeze), so Python's own full collections, which scanned the whole heap for ~100-180 ms
    every few renders, no longer land in the middle of a render (measured under load: about 1
    render in 3 took 1.5-1.9x the CPU of the same render alone). Collecting what one render
    left takes ~15 ms. Every FULL_EVERY renders everything is thawed and collected, so garbage
    that was frozen while still alive (a font configuration dropped from the kept ones later)
    is freed: memory stays bounded, and ~2 % of renders pay for a full collection."""

    FULL_EVERY = 50

    def __init__(self) -> None:
        self.renders = 0

    def settle(self) -> None:
        self.renders += 1
        if self.renders % self.FULL_EVERY == 0:
            gc.unfreeze()
        gc.collect()
        gc.freeze()


_SETTLER: Settler | None = None  # set by _worker_start: a process that only renders


@contextlib.contextmanager
def frozen_after() -> Iterator[None]:
    """Load what a process keeps for long (every language's inputs) inside this: the objects
    it made are then left out of Python's full garbage collections (gc.freeze). Scanning them
    took ~180 ms of CPU, once every few renders, landing on whichever render was running.
    What was frozen before is thawed first and collected once, so inputs dropped when the
    project's files change are freed, not kept for ever.

    The collector is off while loading: the ~230,000 objects a load makes all stay, and Python
    scanned them again and again as they grew (four full collections, ~0.8 s, in the server's
    first request)."""
    gc.unfreeze()
    gc.collect()
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
    gc.freeze()


def _worker_start(server: int, nice: int, own_session: bool) -> None:
    """End this worker when the server is gone. uvicorn re-raises SIGTERM after its shutdown, and
    kill -9 runs no shutdown at all: either way the pool never sends its "stop", and a spawned
    worker holds both ends of its task queue, so it would wait on it for ever.

    Also run at the server's own priority, above its request threads (`yield_to_renders`): a
    worker started again after a crash is spawned from a request thread; going back up needs
    the privilege to, and without it the worker stays level with the requests, as before."""
    with contextlib.suppress(OSError, AttributeError):
        if os.getpriority(os.PRIO_PROCESS, 0) != nice:
            os.setpriority(os.PRIO_PROCESS, 0, nice)
    if own_session:  # see yield_to_renders: a scheduling group of its own, level with the others
        with contextlib.suppress(OSError):
            os.setsid()
        with contextlib.suppress(OSError, AttributeError):  # Linux: throughput, not wake-up speed
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))

    global _SETTLER  # noqa: PLW0603 - this worker process's own, like _WORKER
    _SETTLER = Settler()

    def watch() -> None:
        while os.getppid() == server:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="watch-server", daemon=True).start()


def _worker_warm(root: str, clinic: str, stamp: str) -> bool:
    _worker_inputs(root, clinic, stamp)
    return True


def _worker_render(root: str, clinic: str, stamp: str, spec: Spec) -> bytes:
    from builder.build import render_job

    inputs = inputs_for(_worker_inputs(root, clinic, stamp), spec)
    data = render_job(inputs, spec.job(), verify=False).data
    if _SETTLER is not None:
        _SETTLER.settle()
    return data


# -- in the server ----------------------------------------------------------------------------

@dataclass
class Prepared:
    """One document localized, with the digest that names its cached file; one per project state."""

    spec: Spec
    inputs: Inputs
    doc: Doc
    digest: str
    stamp: str = ""  # the state of the project's files it was made from: the workers use the same
    _info: tuple[dt.date, dict[str, Any]] | None = dataclasses.field(default=None, repr=False)
    _sha256: str = dataclasses.field(default="", repr=False)

    @property
    def info(self) -> dict[str, Any]:
        """What staff must know before handing it out (`cell`), worked out once a day."""
        today = dt.date.today()
        if self._info is None or self._info[0] != today:
            self._info = (today, cell(self.doc, self.inputs, today))
        return self._info[1]

    def sha256(self, data: bytes) -> str:
        """The file's hash for the print log, computed once (the file never changes: same digest)."""
        if not self._sha256:
            self._sha256 = hashlib.sha256(data).hexdigest()
        return self._sha256


class Renderer:
    """Renders documents in worker processes, never in the server's event loop; caches by digest."""

    def __init__(self, project: Project, cache: Path, workers: int = 2):
        self.project = project
        self.cache = cache
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._inputs: OrderedDict[str, tuple[Inputs, dict[str, list[Problem]]]] = OrderedDict()
        self._lock = threading.Lock()
        self._loading = threading.Lock()  # one load at a time: a second caller waits for it
        self._inflight: dict[str, Future[bytes]] = {}
        self._availability: dict[str, dict[Any, Any]] = {}
        self._stamp: tuple[float, str] = (-1e9, "")
        self._stored = 0
        self._prepared: OrderedDict[tuple[str, Spec], Prepared] = OrderedDict()
        self._memory: OrderedDict[Path, tuple[bytes, float]] = OrderedDict()  # file, last touch
        self._memory_bytes = 0
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="handout-cache")
        self._nice = os.getpriority(os.PRIO_PROCESS, 0) if hasattr(os, "getpriority") else 0
        self._langs: tuple[str, list[str]] = ("", [])
        self._checked: tuple[str, set[tuple[Any, ...]]] = ("", set())

    # inputs ---------------------------------------------------------------------------------
    def stamp(self) -> str:
        """Changes when content, catalogs or templates change on disk (looked at every 2 s).

        Walks the folders, so call it from a thread, never in the event loop."""
        now = time.monotonic()
        if now - self._stamp[0] > STAMP_SECONDS:
            latest = 0
            for folder in (self.project.content, self.project.locales, self.project.templates):
                latest = max(latest, _latest_mtime(str(folder)))
            self._stamp = (now, str(latest))
        return self._stamp[1]

    def inputs(self, clinic: Path) -> Inputs:
        """The checked inputs for this profile, loaded again when the project's files change."""
        return self._loaded(clinic)[0]

    def broken(self, clinic: Path) -> dict[str, list[Problem]]:
        """The languages whose catalogs have a problem, with the problems: they are left out
        of the inputs, so one broken file marks its own language and no other."""
        return self._loaded(clinic)[1]

    def _loaded(self, clinic: Path) -> tuple[Inputs, dict[str, list[Problem]]]:
        key = f"{clinic}|{self.stamp()}"
        loaded = self._known(key)
        if loaded is not None:
            return loaded
        with self._loading:  # a request during the start-up's load waits for it, not loads again
            loaded = self._known(key)
            if loaded is not None:
                return loaded
            broken: dict[str, list[Problem]] = {}
            with frozen_after():  # kept for as long as the project's files stay as they are
                inputs = load_inputs(Options(project=self.project, clinic=clinic),
                                     available_langs(self.project), broken=broken)
            with self._lock:
                self._inputs[key] = (inputs, broken)
                while len(self._inputs) > KEPT_INPUTS:
                    self._inputs.popitem(last=False)
        return inputs, broken

    def _known(self, key: str) -> tuple[Inputs, dict[str, list[Problem]]] | None:
        with self._lock:
            if key in self._inputs:
                self._inputs.move_to_end(key)
                return self._inputs[key]
        return None

    def inputs_lib(self) -> Library:
        """The checked content (the same for every clinic profile)."""
        with self._lock:
            if self._inputs:
                return next(reversed(self._inputs.values()))[0].lib
        from builder.content import load_library

        return load_library(self.project.content, self.project.cache)

    def known_stamp(self) -> str:
        """The last `stamp` seen, without walking: safe in the event loop. Requests refresh it
        (in `prepare`, in a thread), so it is never more than one request behind."""
        return self._stamp[1]

    def langs(self) -> list[str]:
        stamp = self.known_stamp()
        if self._langs[0] != stamp or not self._langs[1]:
            self._langs = (stamp, available_langs(self.project))
        return self._langs[1]

    def checked(self, key: tuple[Any, ...], check: Callable[[], object]) -> None:
        """Run `check` (it raises on a bad request) once per request shape and project state."""
        stamp = self.known_stamp()
        known = self._checked
        if known[0] == stamp and key in known[1]:
            return
        check()
        if known[0] != stamp:
            known = self._checked = (stamp, set())
        if len(known[1]) < PREPARED_KEPT * 4:
            known[1].add(key)

    def prepare(self, clinic: Path, spec: Spec) -> Prepared:
        """The document localized and its digest; remembered, as its inputs never change."""
        stamp = self.stamp()
        key = (f"{clinic}|{stamp}", spec)
        with self._lock:
            if key in self._prepared:
                self._prepared.move_to_end(key)
                return self._prepared[key]
        base, broken = self._loaded(clinic)
        if spec.lang in broken:
            raise TranslationError(broken[spec.lang])
        inputs = inputs_for(base, spec)
        doc = make_doc(inputs, spec.job())
        prepared = Prepared(spec, inputs, doc, input_digest(inputs, spec.job(), doc), stamp)
        with self._lock:
            self._prepared[key] = prepared
            while len(self._prepared) > PREPARED_KEPT:
                self._prepared.popitem(last=False)
        return prepared

    # rendering ------------------------------------------------------------------------------
    @property
    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: a fresh interpreter, not a fork of a server with threads and sockets
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_worker_start,
                                             initargs=(os.getpid(), self._nice,
                                                       leads_own_session()))
        return self._pool

    def warm(self, clinic: Path) -> None:
        """Start the workers and load their inputs now, not on the first request; the server's
        own inputs load meanwhile in a thread (the server answers at once; a request that needs
        them waits for that load)."""
        for _ in range(self.workers):
            self.pool.submit(_worker_warm, str(self.project.root), str(clinic), self.stamp())
        threading.Thread(target=self._warm_quietly, args=(clinic,), name="warm-inputs",
                         daemon=True).start()

    def _warm_quietly(self, clinic: Path) -> None:
        with contextlib.suppress(BuilderError):  # the first request that needs them says why
            self._loaded(clinic)

    def cached_path(self, prepared: Prepared) -> Path:
        ext = prepared.spec.fmt
        return self.cache / prepared.digest[:2] / f"{prepared.digest}.{ext}"

    def cached(self, prepared: Prepared) -> bytes | None:
        """The file's bytes if it was rendered before: from memory (`remembered`), else from the
        disk cache (blocks: call it in a thread)."""
        data = self.remembered(prepared)
        if data is not None:
            return data
        path = self.cached_path(prepared)
        try:
            data = path.read_bytes()
        except OSError:  # not rendered yet, or just pruned
            return None
        self._remember(path, data)
        _touch(path)
        return data

    def _remember(self, path: Path, data: bytes) -> None:
        """Keep a rendered file in memory, within MEMORY_BYTES (least recently used out)."""
        if len(data) > MEMORY_BYTES // 8:
            return
        with self._lock:
            old = self._memory.pop(path, None)
            self._memory_bytes -= len(old[0]) if old else 0
            self._memory[path] = (data, time.monotonic())
            self._memory_bytes += len(data)
            while self._memory_bytes > MEMORY_BYTES:
                _path, (dropped, _touched) = self._memory.popitem(last=False)
                self._memory_bytes -= len(dropped)

    def remembered(self, prepared: Prepared) -> bytes | None:
        """The file's bytes if they are in memory: no I/O, safe in the event loop (the cache
        file's "last used" mark is handed to the cache's thread)."""
        path = self.cached_path(prepared)
        now = time.monotonic()
        with self._lock:
            kept = self._memory.get(path)
            if kept is None:
                return None
            self._memory.move_to_end(path)
            if now - kept[1] >= TOUCH_SECONDS:
                self._memory[path] = (kept[0], now)
                self._writer.submit(_touch, path)
        return kept[0]

    def submit(self, clinic: Path, prepared: Prepared) -> Future[bytes]:
        """The file's bytes: from a render already running (or just finished), or a new one.
        Look in the disk cache first (`cached`, in a thread): this does no I/O."""
        path = self.cached_path(prepared)
        with self._lock:
            running = self._inflight.get(prepared.digest)
            if running is not None:
                return running
            kept = self._memory.get(path)
            if kept is not None:
                done: Future[bytes] = Future()
                done.set_result(kept[0])
                return done
            future = self.pool.submit(_worker_render, str(self.project.root), str(clinic),
                                      prepared.stamp, prepared.spec)
            self._inflight[prepared.digest] = future

        def store(f: Future[bytes]) -> None:
            # runs before the waiting request gets its file: hand the write to another thread
            if f.cancelled() or f.exception() is not None:
                with self._lock:
                    self._inflight.pop(prepared.digest, None)
            else:
                self._writer.submit(self._store, path, prepared.digest, f.result())

        future.add_done_callback(store)
        return future

    def _store(self, path: Path, digest: str, data: bytes) -> None:
        """Write a rendered file to the cache, off the response path (it is synced to disk, and
        every 50th write prunes the cache). Until it is written, requests for it get the bytes
        from the finished render, which stays in `_inflight`."""
        self._remember(path, data)
        try:
            atomic_write_all({path: data})
            self._stored += 1
            if self._stored % PRUNE_EVERY == 0:
                prune(self.cache, CACHE_KEPT)
        except (OSError, BuilderError):
            pass  # a cache that cannot be written only costs a render next time
        finally:
            with self._lock:
                self._inflight.pop(digest, None)

    async def render(self, clinic: Path, prepared: Prepared) -> bytes:
        """The file: from memory, the disk cache (read in a thread) or a render in a worker."""
        data = self.remembered(prepared)
        if data is None:
            data = await asyncio.to_thread(self.cached, prepared)
        if data is not None:
            return data
        try:
            return await asyncio.wrap_future(self.submit(clinic, prepared))
        except BrokenProcessPool:
            # a worker died (killed, out of memory): start a fresh pool and try once more
            with self._lock:
                broken, self._pool = self._pool, None
            if broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
            return await asyncio.wrap_future(self.submit(clinic, prepared))

    async def preview(self, clinic: Path, prepared: Prepared, page: int) -> bytes | None:
        """Page `page` (1-based) as a PNG, or None past the last page."""
        pdf = await self.render(clinic, prepared)
        png = self.cached_path(prepared).with_name(f"{prepared.digest}-p{page}.png")
        data = await asyncio.to_thread(_read_or_rasterize, png, pdf, page)
        if data is not None and not data[1]:  # written (and synced) in the cache's thread
            self._writer.submit(_write_quietly, png, data[0])
        return None if data is None else data[0]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self._writer.shutdown(wait=True)  # files being written are finished

    # the library's availability grid --------------------------------------------------------
    def availability(self, clinic: Path) -> dict[Any, Any]:
        """Per document, language and level: what a printed copy would show (see `cell`)."""
        inputs, broken = self._loaded(clinic)
        key = f"{clinic}|{self.stamp()}"
        if key in self._availability:
            return self._availability[key]
        grid: dict[Any, Any] = {}
        today = dt.date.today()
        langs = [lang for lang in self.langs() if lang not in broken]
        for kind, ids in (("topic", inputs.lib.topics), ("bundle", inputs.lib.bundles)):
            for doc_id in sorted(ids):
                for lang in langs:
                    for level in LEVELS:
                        doc = make_doc(inputs, Job(kind, doc_id, lang, level, "pdf"))
                        grid[(kind, doc_id, lang, level)] = cell(doc, inputs, today)
                for lang, problems in broken.items():
                    for level in LEVELS:
                        grid[(kind, doc_id, lang, level)] = broken_cell(
                            grid[(kind, doc_id, SOURCE_LANG, level)], problems)
        self._availability = {key: grid}
        return grid


def cell(doc: Doc, inputs: Inputs, today: dt.date) -> dict[str, Any]:
    """What staff must know before handing this document out."""
    fallbacks = real_fallbacks(doc)
    topics = [inputs.lib.topics[t] for t, _v, _d in doc.provenance.source_versions]
    overdue = [t.id for t in topics if t.review.next_review < today]
    drafts = [t.id for t in topics if t.review.status == "draft"]
    unreviewed = doc.provenance.translated and not doc.provenance.reviewed
    return {
        "english": len({f.where for f in fallbacks}),
        "stale": sum(1 for f in fallbacks if f.reason == "stale"),
        "unreviewed": unreviewed,
        "overdue": overdue,
        "draft": drafts,
        "current": not fallbacks and not unreviewed and not overdue and not drafts,
        "title": doc.title,
        "summary": doc.summary,
        "terms": [t.term for t in doc.glossary],
        "version": ", ".join(f"{t} {v}" for t, v, _d in doc.provenance.source_versions),
        "broken": [],  # the problems of a language whose catalogs cannot be used (broken_cell)
    }


def broken_cell(english: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    """A language whose catalogs cannot be used: not printable, and why, at `path:line`; the
    names and words of the English document, so the library still lists and finds it."""
    return {**english, "english": 0, "stale": 0, "unreviewed": False, "current": False,
            "broken": [str(p) for p in problems]}


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.utime(path)  # "last used", for prune


def _write_quietly(path: Path, data: bytes) -> None:
    with contextlib.suppress(OSError, BuilderError):  # a cache that cannot be written costs time only
        atomic_write_all({path: data})


def yield_to_renders() -> None:
    """Put the calling thread (the server's event loop; call it after `warm`) RENDERS_FIRST nice
    steps below the render workers. The threads it starts later (request threads) inherit that;
    the workers, already started, keep the server's priority. On a saturated machine a person
    waits for a render (a second or more); a file from the cache costs about a millisecond of
    CPU, so renders go first. Linux sets priority per thread; elsewhere this lowers the whole
    process, workers started later included, which leaves them level as before.

    Per thread is not enough on Linux: a flood of cached requests keeps several request threads
    runnable at once, each weighing as much as a render, and with autogroup scheduling (on by
    default) CPU is shared between sessions before threads. So a server in a session of its own
    (a service) also puts each worker in a session of its own and lowers its own session's
    group GROUP_RENDERS_FIRST steps (/proc/self/autogroup, see sched(7)): whatever its number
    of threads, the server then weighs less than one render; the workers run as SCHED_BATCH, so
    a request thread that wakes is not kept waiting behind a render's time slice. A server
    started in a terminal's session leaves that session's priority alone."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, 0, os.getpriority(os.PRIO_PROCESS, 0) + RENDERS_FIRST)
    if leads_own_session():
        with contextlib.suppress(OSError, ValueError, IndexError):
            group = Path("/proc/self/autogroup")  # "/autogroup-42 nice 0"
            nice = int(group.read_text().split()[-1])
            group.write_text(str(min(19, nice + GROUP_RENDERS_FIRST)))


def share_the_interpreter() -> None:
    """Let the server's threads take turns with Python's interpreter lock every SWITCH_SECONDS
    (Python's default is 5 ms). Localizing an uncached document is a few ms of CPU in a request
    thread; the cached answers waiting meanwhile in the event loop got in only when its turn
    ran out, and with the server's group lowered (GROUP_RENDERS_FIRST) it has about a fifth of
    a busy CPU, so one 5 ms turn was a 25 ms wait. Measured with `python -m builder.bench
    --load-only`, group lowered 6 steps, a thread per API request: cached p95 60 ms with 5 ms
    turns, 40-45 ms with 0.5 ms turns, at the same server CPU per request. Process-wide: call it
    in the server's process."""
    sys.setswitchinterval(SWITCH_SECONDS)


def leads_own_session() -> bool:
    """The server was started in a session of its own (a service; `setsid handout serve`), not
    in a terminal's, whose other programs must keep their share of the machine."""
    return hasattr(os, "getsid") and os.getsid(0) == os.getpid()


def _latest_mtime(folder: str) -> int:
    """The newest modification time of anything under `folder` (os.scandir: a fraction of the
    cost of Path.rglob and stat, which matters as it runs every 2 s under load)."""
    latest = 0
    pending = [folder]
    while pending:
        with contextlib.suppress(OSError), os.scandir(pending.pop()) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    latest = max(latest, entry.stat(follow_symlinks=False).st_mtime_ns)
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
    return latest


def prune(cache: Path, keep: int) -> None:
    """Delete all but the `keep` most recently used files of the render cache."""
    files = []
    for path in cache.glob("*/*"):
        with contextlib.suppress(OSError):
            files.append((path.stat().st_mtime, path))
    for _mtime, path in sorted(files, reverse=True)[keep:]:
        path.unlink(missing_ok=True)


def _read_or_rasterize(png: Path, pdf: bytes, page: int) -> tuple[bytes, bool] | None:
    """Page `page` as PNG: (bytes, True) from the cache, (bytes, False) drawn now, None past
    the last page. In a thread: both read or draw."""
    with contextlib.suppress(OSError):
        return png.read_bytes(), True
    data = rasterize(pdf, page)
    return None if data is None else (data, False)


def rasterize(pdf: bytes, page: int, dpi: int = 60) -> bytes | None:
    import pymupdf as fitz

    with fitz.open(stream=pdf, filetype="pdf") as document:  # type: ignore[no-untyped-call]
        if not 1 <= page <= document.page_count:
            return None
        png: bytes = document[page - 1].get_pixmap(dpi=dpi).tobytes("png")
        return png


def page_count(pdf: bytes) -> int:
    import pymupdf as fitz

    with fitz.open(stream=pdf, filetype="pdf") as document:  # type: ignore[no-untyped-call]
        return int(document.page_count)
