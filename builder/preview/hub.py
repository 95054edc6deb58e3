"""Open previews of one project, the file watcher, and the browsers waiting for new snapshots.

One thread watches `content/`, `locales/`, `templates/` and the clinic profile (watchfiles,
inotify); another applies each batch of saved files to the workspaces and refreshes the previews
they touch, one at a time, in this warm process. Browsers wait on asyncio queues, fed from the
render thread with `call_soon_threadsafe`.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from builder.build import Options, plan
from builder.preview.session import Preview, Target
from builder.preview.workspace import Workspace
from builder.project import Project

MAX_PREVIEWS = 8  # documents kept laid out (each holds fonts, a layout and its page images)
MAX_WORKSPACES = 2  # clinic profiles (the web app's profile changes make a new one)
STEP_MS = 30  # a batch of changes is handed over once no new change came for this long
# How long the render thread leaves the edited page's images to the browsers before it goes on
# (checking the fit tier, drawing pushed pages), holding the render lock and the GIL.
FETCH_WAIT_S = 0.3
IGNORED_SUFFIXES = (".tmp", ".swp", ".swx", "~", ".mo", ".pyc", ".pickle")

Key = tuple[Path, Target, str | None]
Subscriber = tuple[asyncio.AbstractEventLoop, "asyncio.Queue[dict[str, Any]]"]


def relevant(path: str) -> bool:
    """Only saved project files: no editor swap files, temporary files or compiled catalogs."""
    name = Path(path).name
    return not name.startswith((".", "#")) and not name.endswith(IGNORED_SUFFIXES)


class Hub:
    def __init__(self, project: Project, watch: bool = True):
        self.project = project
        self.watch = watch
        self.default_lang = "en"  # what the stand-alone server's index links to
        self.lock = threading.RLock()  # workspaces and previews: held while rendering
        self._sub_lock = threading.Lock()  # browsers: never waits for a render
        self._workspaces: OrderedDict[Path, Workspace] = OrderedDict()
        self._previews: OrderedDict[Key, Preview] = OrderedDict()
        self._subscribers: dict[Key, list[Subscriber]] = {}
        self._pending: queue.SimpleQueue[tuple[float, set[Path]] | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._watcher: tuple[list[threading.Thread], list[threading.Event],
                             tuple[tuple[Path, ...], tuple[Path, ...]]] | None = None
        self._worker: threading.Thread | None = None
        self._unfetched: set[tuple[Key, str]] = set()  # new page images browsers are to fetch
        self._fetched = threading.Event()

    # -- previews ---------------------------------------------------------------------------
    def target(self, lang: str, doc: str, level: str) -> Target:
        """The document a URL or the command line names, checked by the build's own `plan`."""
        with self.lock:
            lib = next(iter(self._workspaces.values())).lib if self._workspaces else None
        if lib is None:
            from builder.content import load_library

            lib = load_library(self.project.content, self.project.cache)
        kind = "bundle" if doc in lib.bundles and doc not in lib.topics else "topic"
        chosen = [doc[:100]]
        options = Options(project=self.project, langs=[lang[:40]], levels=[level[:20]],
                          formats=["pdf"], topics=chosen if kind == "topic" else [],
                          bundles=chosen if kind == "bundle" else [])
        job = plan(lib, options)[0]
        return Target(job.kind, job.id, job.lang, job.level)

    def workspace(self, clinic: Path) -> Workspace:
        clinic = clinic.resolve()
        with self.lock:
            if clinic not in self._workspaces:
                self._workspaces[clinic] = Workspace(self.project, clinic)
                while len(self._workspaces) > MAX_WORKSPACES:
                    old, _ = self._workspaces.popitem(last=False)
                    for key in [k for k in self._previews if k[0] == old]:
                        del self._previews[key]
            self._workspaces.move_to_end(clinic)
            return self._workspaces[clinic]

    def open(self, clinic: Path, target: Target, paper: str | None = None) -> tuple[Key, Preview]:
        """The preview of `target`, laid out (the first time: loads and renders, ~1 s)."""
        key = (clinic.resolve(), target, paper)
        with self.lock:
            preview = self._previews.get(key)
            if preview is None:
                preview = Preview(self.workspace(clinic), target, paper)
                preview.refresh()
                self._previews[key] = preview
                idle = [k for k in self._previews if not self._subscribers.get(k) and k != key]
                while len(self._previews) > MAX_PREVIEWS and idle:
                    del self._previews[idle.pop(0)]
            self._previews.move_to_end(key)
            if self.watch:
                self._start()
            return key, preview

    # Read without the render lock, from the server's event loop: a render replaces these
    # values whole, so a reader sees the old one or the new one.
    def snapshot(self, key: Key) -> dict[str, Any]:
        preview = self._previews.get(key)
        return preview.snapshot if preview is not None else {}

    def image(self, key: Key, name: str) -> bytes | None:
        preview = self._previews.get(key)
        with self._sub_lock:
            if (key, name) in self._unfetched:
                self._unfetched.discard((key, name))
                if not self._unfetched:
                    self._fetched.set()
        return preview.images.get(name) if preview is not None else None

    def deck(self, key: Key) -> tuple[dict[str, Any], bytes] | None:
        """The slides and PPTX of an open preview (made under the render lock: they share its
        fonts and workspace)."""
        with self.lock:
            preview = self._previews.get(key)
            return preview.deck() if preview is not None else None

    # -- browsers ---------------------------------------------------------------------------
    def subscribe(self, key: Key) -> asyncio.Queue[dict[str, Any]]:
        """A queue that receives every new snapshot of `key`, starting with the current one."""
        waiting: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        with self._sub_lock:
            self._subscribers.setdefault(key, []).append((asyncio.get_running_loop(), waiting))
        current = self.snapshot(key)  # after subscribing: a newer one may follow, never be lost
        if current:
            waiting.put_nowait(current)
        return waiting

    def unsubscribe(self, key: Key, waiting: asyncio.Queue[dict[str, Any]]) -> None:
        with self._sub_lock:
            self._subscribers[key] = [s for s in self._subscribers.get(key, []) if s[1] is not waiting]

    def _publish(self, key: Key, snapshot: dict[str, Any]) -> None:
        with self._sub_lock:
            waiting_now = list(self._subscribers.get(key, []))
        for loop, waiting in waiting_now:
            with contextlib.suppress(RuntimeError):  # the browser's event loop has closed
                loop.call_soon_threadsafe(waiting.put_nowait, snapshot)

    # -- changes ----------------------------------------------------------------------------
    def apply(self, paths: Iterable[Path], saved_at: float | None = None) -> list[Key]:
        """Re-read what `paths` change and refresh the previews that show it; their keys.

        Each preview sends the page showing the change first (`Preview.refresh`); then, with
        the render lock released so browsers can fetch that page, `Preview.finish` checks the
        fit tier and draws the pages the change pushed on.
        """
        paths = [Path(p) for p in paths]
        refreshed: list[Key] = []
        later: list[tuple[Key, Preview]] = []
        new_images: set[tuple[Key, str]] = set()
        cpu = time.thread_time()
        with self.lock:
            changes = {clinic: ws.apply(paths) for clinic, ws in self._workspaces.items()}
            for key, preview in list(self._previews.items()):
                if not changes[key[0]].touches(preview.chain):
                    continue
                before = {p["name"] for p in preview.snapshot.get("pages", [])}
                if self._send(key, preview.refresh(), saved_at, cpu, refreshed) \
                        and preview.unfinished and self._subscribers.get(key):
                    new_images |= {(key, p["name"]) for p in preview.snapshot["pages"]
                                   if p["ready"] and p["name"] not in before}
                later.append((key, preview))
        self._let_browsers_fetch(new_images)
        with self.lock:
            for key, preview in later:
                self._send(key, preview.finish(), saved_at, cpu, refreshed)
        return refreshed

    def _send(self, key: Key, snapshot: dict[str, Any] | None, saved_at: float | None,
              cpu: float, refreshed: list[Key]) -> bool:
        if snapshot is None:
            return False
        if saved_at is not None:  # the time from the save to this snapshot
            snapshot["since_save_ms"] = max(0, round((time.time() - saved_at) * 1000))
        # This thread's CPU time for the batch so far: what a machine to itself waits.
        snapshot["cpu_ms"] = round((time.thread_time() - cpu) * 1000)
        if key not in refreshed:
            refreshed.append(key)
        self._publish(key, snapshot)
        return True

    def _let_browsers_fetch(self, images: set[tuple[Key, str]]) -> None:
        """Wait (FETCH_WAIT_S at most) until browsers have fetched these new page images."""
        if not images:
            return
        with self._sub_lock:
            self._unfetched = set(images)
            self._fetched.clear()
        self._fetched.wait(FETCH_WAIT_S)
        with self._sub_lock:
            self._unfetched = set()

    def _paths(self) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
        tree: list[Path] = []
        flat: list[Path] = []
        for ws in self._workspaces.values():
            more_tree, more_flat = ws.watched()
            tree += [p for p in more_tree if p not in tree]
            flat += [p for p in more_flat if p not in flat]
        return tuple(tree), tuple(flat)

    def _start(self) -> None:
        """Watch every folder the open previews read; again if a new profile adds one."""
        paths = self._paths()
        if self._watcher is None or self._watcher[2] != paths:
            if self._watcher is not None:
                for event in self._watcher[1]:
                    event.set()
            threads, stops = [], []
            for folders, recursive in ((paths[0], True), (paths[1], False)):
                if not folders:
                    continue
                stop = threading.Event()
                threads.append(threading.Thread(target=self._watch, args=(folders, recursive, stop),
                                                daemon=True, name="handout-preview-watch"))
                stops.append(stop)
            self._watcher = (threads, stops, paths)
            for thread in threads:
                thread.start()
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, daemon=True,
                                            name="handout-preview-render")
            self._worker.start()

    def _watch(self, paths: tuple[Path, ...], recursive: bool, stop: threading.Event) -> None:
        import watchfiles

        for changes in watchfiles.watch(*paths, watch_filter=lambda _change, path: relevant(path),
                                        debounce=1000, step=STEP_MS, stop_event=stop,
                                        raise_interrupt=False, rust_timeout=500,
                                        yield_on_timeout=False, recursive=recursive):
            found = {Path(path) for _change, path in changes}
            saved = [p.stat().st_mtime for p in found if p.is_file()]
            self._pending.put((max(saved, default=time.time()), found))

    def _work(self) -> None:
        while not self._stop.is_set():
            item = self._pending.get()
            if item is None:
                return
            saved_at, paths = item
            with contextlib.suppress(queue.Empty):  # everything saved meanwhile, in one go
                while True:
                    more = self._pending.get_nowait()
                    if more is None:
                        return
                    saved_at, paths = min(saved_at, more[0]), paths | more[1]
            try:
                self.apply(paths, saved_at)
            except Exception as exc:  # noqa: BLE001 - a bug must not stop the preview: show it, keep watching
                import traceback

                traceback.print_exception(exc)

    def close(self) -> None:
        self._stop.set()
        threads = [self._worker] if self._worker is not None else []
        if self._watcher is not None:
            for event in self._watcher[1]:
                event.set()
            threads += self._watcher[0]
        self._pending.put(None)
        for thread in threads:
            if thread.is_alive():
                thread.join(timeout=5)


__all__ = ["Hub", "Key", "relevant"]
