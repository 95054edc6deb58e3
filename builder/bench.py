"""`make bench`: speed, memory and size of builds against the targets, as one table.

Run as `python -m builder.bench [--quick]`. Every figure comes from this run on this machine;
ratios (not seconds) are judged, so the table means the same on a slower machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import queue
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPEAT = 5
TOPIC = "relapsed-refractory"


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False,
                          env={**os.environ, **(env or {})})
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench: command failed ({done.returncode}): {' '.join(args)}\n{done.stderr}")
    return elapsed, done.stderr


def _median(args: list[str], cwd: Path, repeat: int = REPEAT) -> float:
    _run(args, cwd)  # warm caches (font subsets, content and catalog caches, page cache)
    return statistics.median(_run(args, cwd)[0] for _ in range(repeat))


def _handout(*args: str) -> list[str]:
    return [sys.executable, "-m", "builder", *args]


def _render_vs_raw(work: Path, lang: str) -> tuple[float, float]:
    from weasyprint import HTML

    from builder.build import Job, Options, load_inputs, render_job
    from builder.builders.html import render_html
    from builder.builders.leaflet import asset_fetcher
    from builder.project import Project

    inputs = load_inputs(Options(project=Project.at(work)), [lang])
    job = Job("topic", TOPIC, lang, "standard", "pdf")
    ours, raw = [], []
    for round_ in range(REPEAT + 1):
        start = time.perf_counter()
        result = render_job(inputs, job, verify=False)
        mid = time.perf_counter()
        from builder.build import make_doc

        html = render_html(make_doc(inputs, job), inputs.ctx)
        begin = time.perf_counter()
        HTML(string=html, base_url=inputs.ctx.templates.as_uri() + "/",
             url_fetcher=asset_fetcher([inputs.ctx.templates, inputs.ctx.cache / "fonts"], [
                 inputs.clinic.logo] if inputs.clinic.logo else [])).write_pdf(
            pdf_variant="pdf/ua-1", pdf_tags=True)
        end = time.perf_counter()
        if round_:  # the first round warms caches
            ours.append(mid - start)
            raw.append(end - begin)
        assert result.data
    return statistics.median(ours), statistics.median(raw)


def _threads_vs_serial(work: Path) -> tuple[float, float]:
    """Seconds per document: rendered one after the other, and by 2 threads sharing one context."""
    from concurrent.futures import ThreadPoolExecutor

    from builder.build import Job, Options, load_inputs, render_job
    from builder.project import Project

    langs = ["en", "es", "de", "ar"]
    inputs = load_inputs(Options(project=Project.at(work)), langs)
    jobs = [Job("topic", topic, lang, "standard", fmt) for lang in langs
            for topic in (TOPIC, "clinical-trials") for fmt in ("pdf", "pptx")]
    for job in jobs:
        render_job(inputs, job, verify=False)  # warm
    start = time.perf_counter()
    for job in jobs:
        render_job(inputs, job, verify=False)
    serial = (time.perf_counter() - start) / len(jobs)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda job: render_job(inputs, job, verify=False), jobs))
    threaded = (time.perf_counter() - start) / len(jobs)
    return serial, threaded


def _pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="a smaller matrix (English and Chinese only) for a fast look")
    parser.add_argument("--load-only", action="store_true",
                        help="only the web app under load (8 clients, 60 s)")
    parser.add_argument("--load-seconds", type=float, default=LOAD_SECONDS, metavar="S",
                        help="how long the web load runs (default 60; shorter for a quick look)")
    parser.add_argument("--preview-only", action="store_true",
                        help="only the live preview: save -> new page images, 20 saves")
    options = parser.parse_args(argv)
    repo = Path(__file__).resolve().parents[1]
    work = Path(tempfile.mkdtemp(prefix="handout-bench-"))
    try:
        for name in ("content", "templates", "locales"):
            shutil.copytree(repo / name, work / name, ignore=shutil.ignore_patterns("*.mo"))
        if options.preview_only:
            rows = previews(work)
        else:
            rows = [] if options.load_only else measure(work, options.quick)
            rows += load(work, options.load_seconds)
            if not options.load_only:
                rows += previews(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(table(rows))
    return 0 if all(ok for *_, ok in rows) else 1


def measure(work: Path, quick: bool) -> list[tuple[str, str, str, bool]]:
    rows: list[tuple[str, str, str, bool]] = []
    one = ["build", "--topic", TOPIC, "--level", "standard", "--force", "--quiet", "--jobs", "1"]

    # 1. One leaflet: our whole path (localize, HTML, font check, PDF) against WeasyPrint alone
    #    on the very HTML we hand it, with the same PDF options; both in this process, warm.
    t_ours, t_raw = _render_vs_raw(work, "en")
    ratio = t_ours / t_raw
    rows.append(("one leaflet: handout render / raw WeasyPrint", f"{ratio:.2f}x "
                 f"({t_ours * 1000:.0f} ms / {t_raw * 1000:.0f} ms)", "<= 1.10x", ratio <= 1.10))
    # The same as whole commands in fresh processes, for information: Python start-up and
    # imports (Jinja, pydantic, Babel) are the difference.
    _run(_handout(*one, "--lang", "en", "--format", "html", "--out", "html"), work)
    html = work / "html/en/standard" / f"{TOPIC}.html"
    raw = [sys.executable, "-c",
           "import sys, weasyprint; weasyprint.HTML(filename=sys.argv[1]).write_pdf("
           "sys.argv[2], pdf_variant='pdf/ua-1', pdf_tags=True)", str(html), str(work / "raw.pdf")]
    c_raw = _median(raw, work)
    c_ours = _median(_handout(*one, "--lang", "en", "--format", "pdf", "--out", "one"), work)
    rows.append(("(info) the same as fresh commands", f"{c_ours / c_raw:.2f}x "
                 f"({c_ours:.2f} s / {c_raw:.2f} s)", "-", True))

    # 2. The same leaflet in Chinese and in English.
    t_en = _median(_handout(*one, "--lang", "en", "--format", "pdf", "--out", "cjk"), work)
    t_zh = _median(_handout(*one, "--lang", "zh_Hans", "--format", "pdf", "--out", "cjk"), work)
    ratio = t_zh / t_en
    rows.append(("Chinese leaflet / English leaflet (commands)",
                 f"{ratio:.2f}x ({t_zh:.2f} s / {t_en:.2f} s)", "<= 1.5x", ratio <= 1.5))
    z_ours, _ = _render_vs_raw(work, "zh_Hans")
    rows.append(("(info) the same, render only, in one process",
                 f"{z_ours / t_ours:.2f}x ({z_ours * 1000:.0f} ms / {t_ours * 1000:.0f} ms)", "-",
                 True))

    # 3. Cold full matrix, one worker and two; then a no-op rebuild.
    matrix = ["build", "--all"] + (["--lang", "en", "--lang", "zh_Hans"] if quick else [])
    times: dict[int, float] = {}
    summaries = ""
    for jobs in (1, 2):
        shutil.rmtree(work / ".cache", ignore_errors=True)
        shutil.rmtree(work / f"m{jobs}", ignore_errors=True)
        times[jobs], err = _run(_handout(*matrix, "--jobs", str(jobs), "--out", f"m{jobs}"), work)
        summaries += err
    speedup = times[1] / times[2]
    files = len(list((work / "m2").rglob("*.*"))) - 1
    rows.append((f"cold matrix ({files} files): --jobs 1 / --jobs 2",
                 f"{speedup:.2f}x ({times[1]:.0f} s / {times[2]:.0f} s)", ">= 1.7x",
                 speedup >= 1.7))
    # Dask: a LocalCluster of 2 worker processes against the pool of 2, same cold matrix.
    shutil.rmtree(work / ".cache", ignore_errors=True)
    t_dask, _ = _run(_handout(*matrix, "--jobs", "2", "--scheduler", "local", "--out", "dask"),
                     work)
    ratio = times[2] / t_dask
    rows.append(("cold matrix: Dask LocalCluster(2) throughput / process pool(2)",
                 f"{ratio:.2f}x ({times[2]:.0f} s / {t_dask:.0f} s)", ">= 0.85x", ratio >= 0.85))
    noop = statistics.median(
        _run(_handout(*matrix, "--jobs", "2", "--out", "m2"), work)[0] for _ in range(3))
    rows.append(("no-op rebuild of the whole matrix", f"{noop:.2f} s", "<= 1 s", noop <= 1.0))

    # Threads: the render core in 2 threads of one process (a web server) against serial.
    per_serial, per_threaded = _threads_vs_serial(work)
    ratio = per_threaded / per_serial
    rows.append(("render core in 2 threads / serial, per document", f"{ratio:.2f}x "
                 f"({per_threaded * 1000:.0f} ms / {per_serial * 1000:.0f} ms)",
                 "<= 1.05x (no slower; 5 % noise)", ratio <= 1.05))

    # 4. Peak memory of a rendering process (each reports its own; the build prints the largest).
    peak = max(float(m) for m in re.findall(r"peak worker memory (\d+) MB", summaries))
    rows.append(("peak memory per worker", f"{peak:.0f} MB", "<= 400 MB", peak <= 400))

    # 5. Sizes of 2-page leaflets, the largest in the matrix.
    for label, langs, limit in (("Latin", ("en", "es", "fr", "de"), 100), ("CJK", ("zh_Hans",), 300)):
        sizes = [p.stat().st_size for lang in langs
                 for p in (work / "m2" / lang).rglob("*.pdf") if _pages(p) == 2]
        biggest = max(sizes) / 1000 if sizes else float("nan")
        rows.append((f"largest 2-page {label} PDF ({len(sizes)} found)", f"{biggest:.0f} KB",
                     f"<= {limit} KB", bool(sizes) and biggest <= limit))
    return rows


# -- the web app under load ------------------------------------------------------------------

LOAD_CLIENTS = 8
LOAD_SECONDS = 60.0
UNCACHED_CLIENTS = 2  # as many as render workers: each waits for its file before asking again
LOAD_LANGS = ("en", "es", "ar", "zh_Hans", "de", "fr")
ONE_RENDER_SAMPLES = 12  # uncached documents asked for one at a time on the idle server
ALONE_KEPT = 60  # documents rendered under load that are rendered again alone, for their ratio
LOAD_ROUNDS = 6  # the load in slices, each followed by its documents alone (same machine state)


def _rss_mb(pid: int) -> tuple[float, float]:
    """Resident memory of a process and of all its children (the render workers), in MB."""
    own, children = 0.0, 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError):
            continue
        if current == pid:
            own = rss
        else:
            children += rss
    return own, children


def _workers_cpu(pid: int) -> float:
    """CPU seconds of the children of `pid` (the render workers) so far."""
    total = 0.0
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    total += _cpu_seconds(int(child))
    return total


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Connection:
    """One keep-alive HTTP/1.1 connection: a lean client, so on a 2-core machine the CPU goes to
    the server and its workers, not to the load generator (httpx costs ~1 ms of CPU a request)."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.timing: dict[str, float] = {}  # the last answer's Server-Timing, in seconds

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        data = json.dumps(body).encode()
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                          f"Authorization: Bearer {self.token}\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        headers = dict(line.lower().split(": ", 1) for line in head[1:] if ": " in line)
        self.timing = _server_timing(headers.get("server-timing", ""))
        if headers.get("transfer-encoding") == "chunked":
            content = b""
            while size := int((await self.reader.readline()).strip(), 16):
                content += await self.reader.readexactly(size + 2)
                content = content[:-2]
            await self.reader.readline()
        else:
            content = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            self.close()
        return status, content

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _server_timing(header: str) -> dict[str, float]:
    """`prepare;dur=1.5, render;dur=300` → {"prepare": 0.0015, "render": 0.3}."""
    timing = {}
    for part in header.split(","):
        name, _, dur = part.strip().partition(";dur=")
        with contextlib.suppress(ValueError):
            timing[name] = float(dur) / 1000
    return timing


async def _client(connection: _Connection, bodies: list[dict[str, Any]], once: bool, stop_at: float,
                  times: list[float], errors: list[str],
                  details: list[dict[str, float]] | None = None) -> None:
    """One load client: asks for `bodies` in turn (each once if `once`) until `stop_at`;
    `details` gets the server's own timing (Server-Timing) of each time in `times`."""
    count = 0
    while time.monotonic() < stop_at and not (once and count >= len(bodies)):
        start = time.perf_counter()
        try:
            status, content = await connection.post("/api/render", bodies[count % len(bodies)])
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            connection.close()
        else:
            if status == 200 and content[:5] == b"%PDF-":
                times.append(time.perf_counter() - start)
                if details is not None:
                    details.append(connection.timing)
            else:
                errors.append(f"{status}: {content[:80]!r}")
        count += 1


async def _warm(port: int, token: str, bodies: list[dict[str, Any]]) -> None:
    """One render in each worker at once, so no measured render is a worker's first."""
    results = await asyncio.gather(*(_alone(port, token, [body]) for body in bodies))
    if any(failed for _times, failed in results):
        sys.exit(f"bench: a warm-up render failed: {results}")


async def _alone(port: int, token: str, bodies: list[dict[str, Any]],
                 details: list[dict[str, float]] | None = None) -> tuple[list[float], list[str]]:
    """`bodies` asked for one at a time, by one client, on a server doing nothing else."""
    connection = _Connection(port, token)
    times: list[float] = []
    failed: list[str] = []
    await _client(connection, bodies, True, float("inf"), times, failed, details)
    connection.close()
    return times, failed


async def _drive(  # noqa: PLR0913, PLR0917 - the load's settings and the lists it fills, named
        port: int, token: str, server_pid: int, plans: list[tuple[str, list[dict[str, Any]]]],
                 seconds: float, positions: list[int], timings: dict[str, list[float]],
                 errors: list[str], peak: list[tuple[float, float]],
) -> list[tuple[dict[str, Any], float, dict[str, float]]]:
    """The load for `seconds`: `plans`, one client each, all at once; an uncached client goes
    on from `positions[n]` in its list. Adds to `timings`, `errors` and `peak` (memory samples);
    returns the uncached documents answered, each with its time and the server's timing."""
    peak.append(_rss_mb(server_pid))
    stop_at = time.monotonic() + seconds
    connections = [_Connection(port, token) for _plan in plans]
    done: list[tuple[dict[str, Any], float, dict[str, float]]] = []

    async def client(n: int) -> None:
        kind, bodies = plans[n]
        times = timings[kind]
        if kind == "cached":
            await _client(connections[n], bodies, False, stop_at, times, errors)
            return
        while time.monotonic() < stop_at and positions[n] < len(bodies):
            body = bodies[positions[n]]
            positions[n] += 1
            before = len(times)
            await _client(connections[n], [body], True, stop_at, times, errors)
            if len(times) > before:
                done.append((body, times[-1], connections[n].timing))

    clients = asyncio.gather(*(client(n) for n in range(len(plans))))
    while not clients.done():
        await asyncio.wait([clients], timeout=0.5)
        peak.append(_rss_mb(server_pid))
    await clients
    for c in connections:
        c.close()
    return done


def _start_server(work: Path, url: str) -> tuple[subprocess.Popen[bytes], int]:
    """`handout serve` with 2 render workers on a free port of loopback, answering."""
    import httpx

    port = _free_port()
    repo = Path(__file__).resolve().parents[1]  # this very package, whatever is installed
    log = (work / "serve.log").open("a")
    # A session of its own: with Linux's autogroup scheduling, CPU is shared between sessions
    # first, so the server and its workers no longer share one with the load clients, which on
    # a real network run on other machines.
    server = subprocess.Popen(_handout("serve", "--port", str(port), "--db", url, "--workers", "2",
                                       "--project", str(work)), cwd=work, stdout=log, stderr=log,
                              env={**os.environ, "PYTHONPATH": str(repo)}, start_new_session=True)
    log.close()
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=60)
            return server, port
        except httpx.HTTPError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                sys.exit("bench: the server did not start:\n"
                         + (work / "serve.log").read_text()[-2000:])
            time.sleep(0.2)


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def load(work: Path, seconds: float = LOAD_SECONDS) -> list[tuple[str, str, str, bool]]:  # noqa: PLR0915 - one measurement, start to report
    """8 clients for 60 s against `handout serve` on loopback: cached and uncached leaflets.

    An uncached leaflet is judged against itself: its time under load divided by the time of
    the very same leaflet (language, level, paper, print size) rendered alone, by a second,
    idle server of the same code on a copy of the project (its own render cache), with nothing
    else asked of either. Documents differ by 5x in render time (a 1-page English topic, a
    4-page Chinese large-print one): a p95 over a mix set against one median would mostly
    measure the mix. The load runs in LOAD_ROUNDS slices, each followed by its documents
    alone, so both see about the same machine when other work shares it."""
    import itertools

    import httpx

    from builder.web.db import make_engine, migrate, sessions
    from builder.web.security import add_user, new_api_token

    url = f"sqlite:///{work / 'bench.db'}"
    engine = make_engine(url)
    migrate(engine)
    with sessions(engine)() as db:
        token = new_api_token(db, add_user(db, "bench", "bench password", admin=True), "bench")
    engine.dispose()
    twin = work / "alone"
    for name in ("content", "templates", "locales"):
        shutil.copytree(work / name, twin / name)
    headers = {"Authorization": f"Bearer {token}"}
    load_before = os.getloadavg()[0]
    server, port = _start_server(work, url)
    idle, idle_port = _start_server(twin, url)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers,
                          timeout=120) as client:
            cached_set = [{"topic": topic, "lang": lang, "level": "standard"}
                          for topic in (TOPIC, "clinical-trials") for lang in LOAD_LANGS[:4]]
            asyncio.run(_warm(port, token, cached_set[:2]))
            asyncio.run(_warm(idle_port, token, cached_set[:2]))
            for body in cached_set[2:]:  # rendered once, before the clock starts
                client.post("/api/render", json=body).raise_for_status()
            topics = [d["id"] for d in client.get("/api/documents").json() if d["kind"] == "topic"]
        mix = [{"topic": t, "lang": lang, "level": level, "paper": paper, "large_print": large}
               for large, paper, level, lang, t in itertools.product(
                   (True, False), ("letter", "a4"), ("easy", "detailed"), LOAD_LANGS, topics)]
        random.Random(14).shuffle(mix)
        plans = [("uncached", mix[n::UNCACHED_CLIENTS]) if n < UNCACHED_CLIENTS
                 else ("cached", cached_set[n:] + cached_set[:n]) for n in range(LOAD_CLIENTS)]
        positions = [0] * len(plans)
        timings: dict[str, list[float]] = {"cached": [], "uncached": []}
        errors: list[str] = []
        peak: list[tuple[float, float]] = []
        pairs: list[tuple[float, float]] = []  # (under load, alone) per document
        # per document: the request, the server's timing under load and alone
        parts: list[tuple[dict[str, Any], dict[str, float], dict[str, float]]] = []
        cpu = clients_cpu = 0.0
        render_cpu = [0.0, 0.0]  # the workers' CPU seconds: under load, alone
        for _round in range(LOAD_ROUNDS):
            before, workers = _cpu_seconds(server.pid), _workers_cpu(server.pid)
            mine = _cpu_seconds(os.getpid())
            rendered = asyncio.run(_drive(port, token, server.pid, plans, seconds / LOAD_ROUNDS,
                                          positions, timings, errors, peak))
            cpu += _cpu_seconds(server.pid) - before
            clients_cpu += _cpu_seconds(os.getpid()) - mine
            render_cpu[0] += _workers_cpu(server.pid) - workers
            step = -(-len(rendered) * LOAD_ROUNDS // ALONE_KEPT) or 1  # at most ALONE_KEPT in all
            kept = rendered[::step]
            workers = _workers_cpu(idle.pid)
            details: list[dict[str, float]] = []
            alone, failed = asyncio.run(_alone(idle_port, token, [body for body, _t, _s in kept],
                                               details))
            render_cpu[1] += _workers_cpu(idle.pid) - workers
            if failed or len(alone) != len(kept):
                sys.exit(f"bench: a render on the idle server failed: {failed[:1]}")
            pairs += [(under, one) for (_body, under, _s), one in zip(kept, alone, strict=True)]
            parts += [(body, s, d) for (body, _u, s), d in zip(kept, details, strict=True)]
        alive = server.poll() is None
    finally:
        _stop(server)
        _stop(idle)
    load_after = os.getloadavg()[0]
    ratios = [under / one for under, one in pairs]
    alone_times = [one for _under, one in pairs]

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else float("nan")

    def median(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    cached, uncached, ratio = p95(timings["cached"]), p95(timings["uncached"]), p95(ratios)
    total = len(timings["cached"]) + len(timings["uncached"]) + len(errors)
    return [
        (f"web load: {LOAD_CLIENTS} clients, {seconds:.0f} s, {total} requests: errors",
         f"{len(errors)}" + (f" ({errors[0][:60]})" if errors else ""), "0", not errors and alive),
        (f"web load: cached leaflet p95 ({len(timings['cached'])} requests)",
         f"{cached * 1000:.0f} ms (median {median(timings['cached']) * 1000:.0f} ms)", "<= 50 ms",
         cached <= 0.050),
        (f"web load: uncached leaflet, p95 of (time under load / the same leaflet alone on an "
         f"idle server), {len(ratios)} leaflets",
         f"{ratio:.2f}x (median {median(ratios):.2f}x)", "<= 2x", ratio <= 2),
        ("web load: peak RSS, server + its render workers",
         f"{max(s + w for s, w in peak):.0f} MB (server {max(s for s, _w in peak):.0f} MB, "
         f"workers {max(w for _s, w in peak):.0f} MB; at the start {sum(peak[0]):.0f} MB)",
         "<= 1500 MB", max(s + w for s, w in peak) <= 1500),
        (f"(info) uncached p95 ({len(timings['uncached'])}) / median of those leaflets alone",
         f"{uncached / median(alone_times):.2f}x ({uncached:.2f} s / {median(alone_times):.2f} s;"
         f" alone fastest {min(alone_times):.2f} s, slowest {max(alone_times):.2f} s)", "-", True),
        ("(info) workers' CPU per leaflet: under load / alone (a core shared, not only waited for)",
         f"{render_cpu[0] / max(len(timings['uncached']), 1) * 1000:.0f} ms / "
         f"{render_cpu[1] / max(len(pairs), 1) * 1000:.0f} ms", "-", True),
        ("(info) server CPU per request under load (all kinds; renders are the workers')",
         f"{cpu / max(total, 1) * 1000:.2f} ms ({cpu / seconds:.2f} of a core)", "-", True),
        ("(info) an uncached leaflet in the server, median ms under load / alone "
         "(Server-Timing: checks and localizing, render in a worker, print log)",
         ", ".join(f"{name} {median([u.get(name, 0) for _b, u, _a in parts]) * 1000:.0f}/"
                   f"{median([a.get(name, 0) for _b, _u, a in parts]) * 1000:.0f}"
                   for name in ("prepare", "render", "log")), "-", True),
        ("(info) the 3 highest ratios: leaflet, ratio, ms under load / alone",
         "; ".join(_worst(parts, ratios, 3)), "-", True),
        ("(info) the load clients' own CPU (this process; on a real network, other machines)",
         f"{clients_cpu / seconds:.2f} of a core", "-", True),
        ("(info) load average (1 min) before / after the web load",
         f"{load_before:.1f} / {load_after:.1f}", "-", True),
    ]


def _worst(parts: list[tuple[dict[str, Any], dict[str, float], dict[str, float]]],
           ratios: list[float], count: int) -> list[str]:
    """The `count` leaflets with the highest ratio, each with where its time went."""
    rows = []
    for ratio, (body, under, alone) in sorted(zip(ratios, parts, strict=True),
                                              key=lambda row: -row[0])[:count]:
        name = (f"{body['topic']} {body['lang']} {body['level']} {body['paper']}"
                f"{' large' if body['large_print'] else ''}")
        spent = " ".join(f"{key} {under.get(key, 0) * 1000:.0f}/{alone.get(key, 0) * 1000:.0f}"
                         for key in ("prepare", "render", "log"))
        rows.append(f"{name} {ratio:.2f}x ({spent})")
    return rows


# -- the translators' live preview -------------------------------------------------------------

PREVIEW_SAVES = 20
PREVIEW_LANG = "fr"
# The standard leaflet (3 pages, one layout per save) and the easy one, fitted into its budget of
# 2 pages at the last of four fit tiers (builders/leaflet.py `fit`).
PREVIEW_LEVELS = ("standard", "easy")
PREVIEW_WORDS = ("vraiment", "toujours", "aussi", "ensuite", "souvent", "parfois", "encore")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _settled_cpu(pid: int) -> float:
    """The CPU time of a process once it has stopped working (under 10 ms in 100 ms)."""
    deadline = time.monotonic() + 10
    now = _cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.1)
        before, now = now, _cpu_seconds(pid)
        if now - before < 0.01:
            break
    return now


def _sse(url: str, arrived: queue.SimpleQueue[Any]) -> None:
    """Read a server-sent event stream; put (arrival time, snapshot) for each event."""
    import json

    import httpx

    try:
        with httpx.Client(timeout=None) as client, client.stream("GET", url) as answer:
            for line in answer.iter_lines():
                if line.startswith("data: "):
                    arrived.put((time.perf_counter(), json.loads(line[6:])))
    except httpx.HTTPError:
        return  # the server has stopped


def previews(work: Path) -> list[tuple[str, str, str, bool]]:
    rows = []
    for level in PREVIEW_LEVELS:
        rows += preview(work, level)
    return rows


def preview(work: Path, level: str) -> list[tuple[str, str, str, bool]]:  # noqa: C901, PLR0915 - one measurement, start to report
    """Save a .po entry 20 times under `handout preview`; each time, the time from the save to
    the server-sent event with the new text, and to its changed page images fetched."""
    import threading

    import httpx

    from builder.preview.edit import set_msgstr

    port = _free_port()
    repo = Path(__file__).resolve().parents[1]
    base = f"http://127.0.0.1:{port}/preview/{PREVIEW_LANG}/{TOPIC}/{level}"
    log = (work / "preview.log").open("w")
    server = subprocess.Popen(_handout("preview", "--project", str(work), "--lang", PREVIEW_LANG,
                                       "--topic", TOPIC, "--level", level, "--port", str(port)),
                              cwd=work, stdout=log, stderr=log,
                              env={**os.environ, "PYTHONPATH": str(repo)})
    po = work / "locales" / PREVIEW_LANG / "LC_MESSAGES" / f"{TOPIC}.po"
    to_event: list[float] = []
    cpus: list[float] = []  # the server's CPU time per save: what a machine to itself waits
    render_cpus: list[float] = []  # the render thread's CPU time to the edited page
    last_cpu = 0.0
    to_edited: list[float] = []
    to_images: list[float] = []
    renders: list[float] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(base + "/state.json", timeout=60).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit("bench: the preview did not start:\n"
                             + (work / "preview.log").read_text()[-2000:])
                time.sleep(0.3)
        arrived: queue.SimpleQueue[Any] = queue.SimpleQueue()
        threading.Thread(target=_sse, args=(base + "/events", arrived), daemon=True).start()
        _at, snapshot = arrived.get(timeout=60)
        paragraphs = [e for e in snapshot["entries"] if e["ctx"].startswith(TOPIC + "/")
                      and e["boxes"] and e["translation"]
                      and len(e["translation"]) > 60 and not any(c.isdigit() for c in e["translation"])]
        seen = {p["name"] for p in snapshot["pages"]}
        pages = len(snapshot["pages"])
        with httpx.Client(timeout=60) as client:
            for number in range(PREVIEW_SAVES + 1):  # the first save warms what a save touches
                entry = paragraphs[number % len(paragraphs)]
                text = f"{entry['translation']} {PREVIEW_WORDS[number % len(PREVIEW_WORDS)]}"
                time.sleep(0.3)  # a person does not save ten times a second
                cpu = _settled_cpu(server.pid)  # the last save's work all done (the tier check)
                if number > 1:
                    cpus.append(cpu - last_cpu)
                last_cpu = cpu
                start = time.perf_counter()
                set_msgstr(po, entry["ctx"], text)
                while True:
                    at, snapshot = arrived.get(timeout=30)
                    mine = next(e for e in snapshot["entries"] if e["ctx"] == entry["ctx"])
                    if mine["translation"] == text:
                        break

                def fetch(snapshot: dict[str, Any]) -> None:
                    new = [p["name"] for p in snapshot["pages"]
                           if p["ready"] and p["name"] not in seen]
                    for name in new:
                        client.get(f"{base}/pages/{name}.png").raise_for_status()
                    seen.update(new)

                fetch(snapshot)  # the page showing the edit is drawn first
                edited = time.perf_counter() - start
                event, render = at - start, snapshot["ms"] / 1000
                render_cpu = snapshot.get("cpu_ms", 0) / 1000
                while not all(p["ready"] for p in snapshot["pages"]):  # pages pushed down
                    _at, snapshot = arrived.get(timeout=30)
                    fetch(snapshot)
                if number:
                    to_event.append(event)
                    to_edited.append(edited)
                    to_images.append(time.perf_counter() - start)
                    renders.append(render)
                    render_cpus.append(render_cpu)
        cpus.append(_settled_cpu(server.pid) - last_cpu)  # the last save's
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    worst = p95(to_edited)
    load = os.getloadavg()[0]
    what = f"{TOPIC} {PREVIEW_LANG} {level}, {pages} pages"
    return [
        (f"live preview ({what}): save -> edited page in the browser, p95 ({PREVIEW_SAVES} saves)",
         f"{worst * 1000:.0f} ms (median {statistics.median(to_edited) * 1000:.0f} ms)",
         "<= 1000 ms", worst <= 1.0),
        ("(info) save -> every changed page in the browser, p95",
         f"{p95(to_images) * 1000:.0f} ms (median {statistics.median(to_images) * 1000:.0f} ms)",
         "-", True),
        ("(info) save -> event p95; render (medians)",
         f"{p95(to_event) * 1000:.0f} ms; {statistics.median(renders) * 1000:.0f} ms", "-", True),
        ("(info) CPU per save (medians): render thread to the edited page; server in all",
         f"{statistics.median(render_cpus) * 1000:.0f} ms; {statistics.median(cpus) * 1000:.0f} ms",
         "-", True),
        ("(info) load average (1 min) at the end, on 2 cores", f"{load:.1f}", "-", True),
    ]


def table(rows: list[tuple[str, str, str, bool]]) -> str:
    width = max(len(r[0]) for r in rows)
    lines = [f"| {'measure':<{width}} | value | target | met |", f"|{'-' * (width + 2)}|---|---|---|"]
    lines += [f"| {name:<{width}} | {value} | {target} | {'yes' if ok else 'NO'} |"
              for name, value, target, ok in rows]
    cpu = os.cpu_count()
    lines.append(f"\n{cpu} cores; Python {sys.version.split()[0]}; medians of {REPEAT} runs after "
                 "a warm-up, processes started fresh each time.")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
