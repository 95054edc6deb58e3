"""A render worker keeps WeasyPrint's fonts between documents; what it prints must not change."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from .web_helpers import REPO


@pytest.mark.slow
def test_kept_fonts_print_the_same_bytes_as_a_fresh_render(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Chinese kit whose title has characters no catalog has gets its own subset of the CJK
    font under the same family name; the topic rendered after it, by the same worker, must
    still be set in its own subset (one configuration holding both could drop a glyph)."""
    from builder.web import renderer
    from builder.web.renderer import KIT_PREFIX, Renderer, Spec

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.setattr(renderer, "_WORKER", {})
    root, clinic = str(REPO), str(REPO / "templates" / "clinic" / "demo.yaml")
    from builder.build import render_job
    from builder.project import Project

    stamp = Renderer(Project(REPO), REPO / ".cache", 1).stamp()
    kit = Spec("kit", f"{KIT_PREFIX}1", "zh_Hans", "easy", kit_title="鳄鱼龘靐 复诊",
               kit_topics=("questions-to-ask",))
    topic = Spec("topic", "questions-to-ask", "zh_Hans", "easy")
    inputs = renderer._worker_inputs(root, clinic, stamp)
    assert inputs.ctx.kept is not None  # a worker keeps fonts between documents
    plain = dataclasses.replace(inputs, ctx=dataclasses.replace(inputs.ctx, kept=None))
    fresh = {spec: render_job(renderer.inputs_for(plain, spec), spec.job(), verify=False).data
             for spec in (kit, topic)}
    kept = [renderer._worker_render(root, clinic, stamp, spec) for spec in (kit, topic, kit)]
    assert kept == [fresh[kit], fresh[topic], fresh[kit]]
    assert os.environ["SOURCE_DATE_EPOCH"]  # the bytes are comparable: no wall-clock dates


def test_a_worker_forgets_kept_fonts_when_the_project_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    from builder.builders import leaflet
    from builder.web import renderer

    kept = leaflet.KeptFonts()
    first = kept.fonts_for("<style>@font-face { font-family: a; src: url(a.otf) }</style>")
    assert kept.fonts_for("<style>@font-face { font-family: a; src: url(a.otf) }</style>") is first
    assert kept.fonts_for("<style>@font-face { font-family: a; src: url(b.otf) }</style>") is not first
    monkeypatch.setattr(renderer, "_WORKER", {})
    clinic = str(REPO / "templates" / "clinic" / "demo.yaml")
    before = renderer._worker_inputs(str(REPO), clinic, "1")
    assert renderer._worker_inputs(str(REPO), clinic, "1").ctx.kept is before.ctx.kept
    after = renderer._worker_inputs(str(REPO), clinic, "2")  # the project's files changed
    assert after.ctx.kept is not None and after.ctx.kept is not before.ctx.kept
    assert list(renderer._WORKER) == [f"{clinic}|2"]  # the old inputs and their fonts are gone


def test_loading_every_languages_inputs_runs_no_garbage_collection(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading builds ~230,000 objects that stay: Python's collector, left on, scanned them over
    and over as they grew (four full collections, ~0.8 s, in the server's first request).
    Only the one deliberate collection before the load runs; the load itself runs none."""
    import gc

    from builder.web import renderer

    monkeypatch.setattr(renderer, "_WORKER", {})
    ran: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            ran.append(info["generation"])

    gc.callbacks.append(count)
    try:
        renderer._worker_inputs(str(REPO), str(REPO / "templates" / "clinic" / "demo.yaml"), "1")
    finally:
        gc.callbacks.remove(count)
    assert ran == [2]  # frozen_after's own, before loading
    assert gc.isenabled()


def test_the_server_loads_its_inputs_as_it_starts_and_only_once(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`warm` (at start-up) loads the server's own inputs in a thread, so the first document a
    nurse asks for does not wait ~1 s for them; a request that arrives during that load waits
    for it instead of loading every language a second time."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from builder.project import Project
    from builder.web import renderer

    loading, release = threading.Event(), threading.Event()
    calls: list[str] = []
    real = renderer.load_inputs

    def slow_load(*args: object, **kwargs: object) -> object:
        calls.append(threading.current_thread().name)
        loading.set()
        assert release.wait(60)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(renderer, "load_inputs", slow_load)
    service = renderer.Renderer(Project(REPO), tmp_path / "cache", 1)
    monkeypatch.setattr(service, "_pool", ThreadPoolExecutor(1))  # no worker processes here
    clinic = REPO / "templates" / "clinic" / "demo.yaml"
    monkeypatch.setattr(renderer, "_worker_warm", lambda *_args: True)
    service.warm(clinic)
    assert loading.wait(60), "warm did not start loading the server's inputs"
    with ThreadPoolExecutor(1) as requests:
        request = requests.submit(service.inputs, clinic)  # the first request, meanwhile
        release.set()
        assert request.result(timeout=120) is service.inputs(clinic)
    assert calls == ["warm-inputs"]  # loaded once, by the start-up
    service._pool.shutdown()


_SETTLED = """
import gc, os, sys
from builder.web import renderer
from builder.web.renderer import Renderer, Spec
from builder.project import Project
from pathlib import Path
root = Path(sys.argv[1])
renderer._worker_start(os.getppid(), os.getpriority(os.PRIO_PROCESS, 0), False)
stamp = Renderer(Project(root), root / ".cache", 1).stamp()
clinic = str(root / "templates" / "clinic" / "demo.yaml")
for lang in ("en", "ar"):
    renderer._worker_render(str(root), clinic, stamp, Spec("topic", "questions-to-ask", lang, "easy"))
    # what the render left is collected and frozen: nothing for Python to find later
    print(gc.collect(), len(gc.get_objects(generation=2)), gc.get_freeze_count() > 0)
"""


@pytest.mark.slow
def test_a_worker_collects_a_renders_garbage_before_the_next_render_starts() -> None:
    """A full garbage collection that Python starts by itself in the middle of a render scanned
    the worker's whole heap (every language's inputs): ~180 ms on whichever render was running.
    The worker collects after each render instead, and freezes what stays."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _SETTLED, str(REPO)], capture_output=True,
                          text=True, check=False, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    for line in done.stdout.splitlines():
        found, unfrozen, frozen = line.split()
        assert (int(found), frozen) == (0, "True"), line  # no garbage left for later
        assert int(unfrozen) < 1000, line  # the old generation holds next to nothing to scan


@pytest.mark.slow
@pytest.mark.parametrize("own_session", [True, False])
def test_a_service_puts_renders_before_cached_answers(tmp_path: Path, own_session: bool) -> None:
    """Started in a session of its own (as a service is), the server lowers its own scheduling
    group (Linux autogroup) and gives each render worker a session of its own, run as batch work:
    a flood of cached answers, on however many threads, weighs less than one render. Started
    in a terminal's session, it leaves that session's priority as it was."""
    import subprocess
    import sys
    import time

    import httpx

    from builder.web.renderer import GROUP_RENDERS_FIRST

    from .web_helpers import free_port

    port = free_port()
    before = _group_nice("self")
    server = subprocess.Popen([sys.executable, "-m", "builder", "serve", "--port", str(port),
                               "--db", f"sqlite:///{tmp_path / 'web.db'}", "--workers", "2",
                               "--project", str(REPO)], cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(REPO)},
                              start_new_session=own_session)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/login", timeout=10)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        workers = [int(pid) for pid in children
                   if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]
        assert len(workers) == 2
        while not all(Path(f"/proc/{w}/cmdline").exists() and _started(w) for w in workers):
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.2)
        nice = _group_nice(str(server.pid))
        if own_session:
            if before is not None:
                assert nice == min(19, before + GROUP_RENDERS_FIRST)
            assert all(os.getsid(w) == w for w in workers)
            assert all(os.sched_getscheduler(w) == os.SCHED_BATCH for w in workers)
        else:
            assert _group_nice("self") == before  # our own session: untouched
            assert all(os.getsid(w) == os.getsid(server.pid) for w in workers)
    finally:
        server.terminate()
        server.wait(timeout=60)


def _group_nice(pid: str) -> int | None:
    """The nice value of the autogroup `pid` is in ("/autogroup-42 nice 0"); None where there is
    none: a kernel without autogroup, or a process in a cgroup of its own (a container), for
    which /proc/PID/autogroup reads empty and autogroup plays no part in scheduling."""
    group = Path(f"/proc/{pid}/autogroup")
    words = group.read_text().split() if group.exists() else []
    return int(words[-1]) if words else None


def _started(pid: int) -> bool:
    """A render worker past its start-up: `_worker_start` ends by starting a second thread."""
    return len(list(Path(f"/proc/{pid}/task").iterdir())) >= 2


def test_the_server_hands_the_interpreter_between_its_threads_often(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`handout serve` lets another of its threads take Python's interpreter lock every half
    millisecond, not every 5 ms (Python's default): localizing an uncached document takes a
    request thread a few ms of CPU, and each of those turns held up the cached answers waiting
    in the event loop; the server's share of a busy CPU is a fifth (GROUP_RENDERS_FIRST), so a
    5 ms turn was 25 ms of a nurse's or a script's wait."""
    import sys

    import uvicorn

    from builder.project import Project
    from builder.web.renderer import SWITCH_SECONDS
    from builder.web.serve import serve

    seen: list[float] = []
    monkeypatch.setattr(uvicorn, "run", lambda *_a, **_k: seen.append(sys.getswitchinterval()))
    before = sys.getswitchinterval()
    try:
        serve(Project(REPO), "127.0.0.1", 0, f"sqlite:///{tmp_path / 'web.db'}", 1)
    finally:
        sys.setswitchinterval(before)
    assert seen == [pytest.approx(SWITCH_SECONDS)]
    assert SWITCH_SECONDS <= 0.001
