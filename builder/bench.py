"""`make bench`: speed, memory and size of builds against the targets, as one table.

Run as `python -m builder.bench [--quick]`. Every figure comes from this run on this machine;
ratios (not seconds) are judged, so the table means the same on a slower machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEAT = 5
TOPIC = "relapsed-refractory"


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True,
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
    options = parser.parse_args(argv)
    repo = Path(__file__).resolve().parents[1]
    work = Path(tempfile.mkdtemp(prefix="handout-bench-"))
    try:
        for name in ("content", "templates", "locales"):
            shutil.copytree(repo / name, work / name, ignore=shutil.ignore_patterns("*.mo"))
        rows = measure(work, options.quick)
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
