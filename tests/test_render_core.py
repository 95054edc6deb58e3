"""The render core: pure, re-entrant renders from one context, in threads, processes and Dask."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from builder.build import Job, Options, load_inputs, render_job
from builder.errors import EXIT_CONFIG, EXIT_OK
from builder.project import Project

LANGS = ("en", "ar", "zh_Hans")


def _inputs(project: Path, langs=LANGS):
    return load_inputs(Options(project=Project.at(project)), list(langs))


@pytest.mark.slow
def test_concurrent_renders_in_threads_equal_serial_renders(project: Path):
    """Two documents rendering at once in one process (a web server) never mix languages."""
    inputs = _inputs(project)
    html_jobs = [Job("topic", topic, lang, level, "html") for lang in LANGS
                 for topic in ("relapsed-refractory", "clinical-trials")
                 for level in ("easy", "detailed")]
    pdf_jobs = [Job("topic", "relapsed-refractory", lang, "easy", "pdf") for lang in LANGS]
    jobs = html_jobs + pdf_jobs
    serial = {job: render_job(inputs, job, verify=False).data for job in jobs}
    assert len({serial[j] for j in html_jobs}) == len(html_jobs)
    many = html_jobs * 6 + pdf_jobs * 2
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda job: render_job(inputs, job, verify=False), many))
    for job, result in zip(many, results, strict=True):
        assert result.data == serial[job], f"{job.path} differs when rendered in threads"


def test_html_names_assets_relative_to_itself_or_by_server_path(project: Path, handout):
    """`--format html` can be moved with its project and served: no file:// of this machine."""
    assert handout("build", "--topic", "relapsed-refractory", "--lang", "ar", "--level", "easy",
                   "--format", "html").code == EXIT_OK
    page = project / "output/ar/easy/relapsed-refractory.html"
    html = page.read_text()
    assert "file:" not in html and str(project) not in html
    assert 'href="../../../templates/leaflet.css"' in html
    assert (page.parent / "../../../templates/leaflet.css").resolve().is_file()

    from dataclasses import replace

    from builder.builders.html import render_html

    inputs = _inputs(project, ["zh_Hans"])
    served = replace(inputs.ctx, assets=inputs.ctx.assets.served())
    doc = render_job.__globals__["make_doc"](inputs, Job("topic", "relapsed-refractory",
                                                          "zh_Hans", "easy", "html"))
    html = render_html(doc, served)
    assert "file:" not in html
    assert 'href="/assets/templates/leaflet.css"' in html
    assert 'src: url("/assets/fonts/' in html  # the pre-subset CJK font, served
    assets = served.assets
    assert assets.resolve("/assets/templates/leaflet.css") == project / "templates/leaflet.css"
    assert assets.resolve("/assets/templates/../../../etc/passwd") is None
    assert assets.resolve("/assets/nothing/leaflet.css") is None


def test_a_changed_rule_invalidates_a_cached_library(project: Path, monkeypatch):
    """After an upgrade or a changed rule, nothing checked by the old rules is used."""
    from builder import cache, content
    from builder.errors import ContentError, Problem

    lib = content.load_library(project / "content", project / ".cache")
    assert list((project / ".cache").glob("library-*.pickle"))
    real = content._load_library

    def stricter(root: Path):
        real(root)
        raise ContentError([Problem("content/x.yaml", 1, "a new rule rejects this")])

    monkeypatch.setattr(content, "_load_library", stricter)
    assert content.load_library(project / "content", project / ".cache").topics == lib.topics
    cache.rules_digest.cache_clear()
    monkeypatch.setattr(cache, "rules_digest", lambda: "handout 0.2 with a stricter rule")
    with pytest.raises(ContentError, match="a new rule rejects this"):
        content.load_library(project / "content", project / ".cache")


def test_a_cache_that_cannot_be_written_is_only_slower_but_bugs_propagate(project: Path,
                                                                         monkeypatch):
    from builder import content, output
    from builder.errors import OutputError

    def read_only(path: Path, data: bytes) -> None:  # what atomic_write makes of an OSError
        raise OutputError.at(path, None, "permission denied")

    monkeypatch.setattr(output, "atomic_write", read_only)
    assert content.load_library(project / "content", project / ".cache").topics

    def bug(path: Path, data: bytes) -> None:
        raise RuntimeError("a bug in the cache writer")

    monkeypatch.setattr(output, "atomic_write", bug)
    with pytest.raises(RuntimeError, match="a bug"):
        content.load_library(project / "content", project / ".cache")


AR_PLURALS = ("nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 "
              ": n%100>=11 ? 4 : 5);")


@pytest.mark.parametrize(("lang", "plural_forms", "forms", "expected"), [
    ("ar", AR_PLURALS, ["لا صفحات: %(num)s", "صفحة واحدة: %(num)s", "صفحتان: %(num)s",
                        "%(num)s صفحات", "%(num)s صفحةً", "%(num)s صفحة"],
     {0: "لا صفحات: 0", 1: "صفحة واحدة: 1", 2: "صفحتان: 2", 3: "3 صفحات", 10: "10 صفحات",
      11: "11 صفحةً", 99: "99 صفحةً", 100: "100 صفحة", 102: "102 صفحة"}),
    ("zh_Hans", "nplurals=1; plural=0;", ["%(num)s 页"], {1: "1 页", 2: "2 页", 25: "25 页"}),
])
def test_plural_forms_follow_the_catalogs_rule(project: Path, lang, plural_forms, forms, expected):
    from babel.messages.pofile import read_po, write_po

    ui = project / "locales" / lang / "LC_MESSAGES" / "ui.po"
    text = ui.read_text(encoding="utf-8")
    text = text.replace('"Plural-Forms:', '"X-Old-Plural-Forms:', 1)
    text = text.replace('msgstr ""\n', f'msgstr ""\n"Plural-Forms: {plural_forms}\\n"\n', 1)
    entry = ['', 'msgid "%(num)s page"', 'msgid_plural "%(num)s pages"']
    entry += [f'msgstr[{i}] "{form}"' for i, form in enumerate(forms)]
    ui.write_text(text + "\n".join(entry) + "\n", encoding="utf-8")
    with ui.open("rb") as handle:  # still a PO file every tool reads
        write_po(__import__("io").BytesIO(), read_po(handle))

    inputs = _inputs(project, [lang])
    doc = render_job.__globals__["make_doc"](inputs, Job("topic", "relapsed-refractory", lang,
                                                          "easy", "html"))
    for n, want in expected.items():
        assert doc.ngettext("%(num)s page", "%(num)s pages", n) % {"num": n} == want
    from builder.builders.html import environment, template_gettext

    template = environment(project / "templates").from_string(
        "{% trans num=n %}{{ num }} page{% pluralize %}{{ num }} pages{% endtrans %}")
    assert template.render(n=2, **template_gettext(doc)) == expected.get(2, "2 页").replace(
        "%(num)s", "2")


def test_rename_failure_puts_back_every_file_already_replaced(tmp_path: Path, monkeypatch):
    from builder import output
    from builder.errors import OutputError

    old = {tmp_path / f"{i}.pdf": f"old {i}".encode() for i in range(3)}
    for path, data in old.items():
        path.write_bytes(data)
    new = {**{p: b"new" for p in old}, tmp_path / "fresh.pdf": b"new"}
    real_replace = os.replace
    calls = {"n": 0}

    def full_disk_on_third(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(output.os, "replace", full_disk_on_third)
    with pytest.raises(OutputError, match="disk is full"):
        output.atomic_write_all(new)
    assert {p: p.read_bytes() for p in old} == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.pdf", "1.pdf", "2.pdf"]


# -- executors ----------------------------------------------------------------------------------

SLICE = ["--topic", "relapsed-refractory", "--bundle", "new-relapse", "--lang", "en",
         "--lang", "ar", "--lang", "zh_Hans", "--level", "easy", "--format", "pdf",
         "--format", "pptx", "--format", "html", "--quiet"]


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "manifest.json"}


@pytest.mark.slow
def test_a_dask_local_cluster_builds_the_same_bytes_as_the_process_pool(project: Path, handout,
                                                                         monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert handout("build", *SLICE, "--jobs", "2", "--out", "pool").code == EXIT_OK
    run = handout("build", *SLICE, "--jobs", "2", "--scheduler", "local", "--out", "dask")
    assert run.code == EXIT_OK, run.err
    pool, dask = _tree(project / "pool"), _tree(project / "dask")
    assert len(pool) == 18 and pool.keys() == dask.keys()
    # --format html names assets relative to its own folder: pool/… and dask/… differ only there
    assert {k: v for k, v in pool.items() if not k.endswith(".html")} == \
        {k: v for k, v in dask.items() if not k.endswith(".html")}
    for name in (k for k in pool if k.endswith(".html")):
        assert (project / "pool" / name).read_text() == (project / "dask" / name).read_text()


@pytest.mark.slow
def test_a_worker_killed_mid_build_still_completes_the_build(project: Path, monkeypatch):
    """Dask reschedules the tasks of a lost worker; outputs are whole and match the manifest."""
    distributed = pytest.importorskip("distributed")
    import signal
    import threading

    from builder.build import build

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    killed: list[int] = []
    try:
        with distributed.Client(cluster) as client:
            pids = list(client.run(os.getpid).values())

            def kill_one_after_first_result() -> None:
                import time

                deadline = time.monotonic() + 120
                while (time.monotonic() < deadline and not client.has_what()) or \
                        not any(client.has_what().values()):
                    time.sleep(0.2)
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

            killer = threading.Thread(target=kill_one_after_first_result, daemon=True)
            killer.start()
            options = Options(project=Project.at(project), all=True, langs=["en", "es"],
                              levels=["easy"], formats=["pdf"], jobs=2,
                              scheduler=cluster.scheduler_address, out=project / "out")
            summary = build(options, say=lambda _m: None)
            killer.join(timeout=5)
    finally:
        cluster.close()
    assert killed, "the test did not kill a worker"
    assert len(summary.built) == 30
    import json

    manifest = json.loads((project / "out/manifest.json").read_text())["files"]
    for rel, entry in manifest.items():
        assert hashlib.sha256((project / "out" / rel).read_bytes()).hexdigest() == entry["sha256"]


@pytest.mark.slow
def test_a_scheduler_that_does_not_answer_is_a_clear_error_within_seconds(project: Path, handout):
    pytest.importorskip("distributed")
    import socket
    import time

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    start = time.monotonic()
    run = handout("build", "--topic", "relapsed-refractory", "--lang", "en", "--level", "easy",
                  "--format", "pdf", "--scheduler", f"tcp://127.0.0.1:{port}")
    assert run.code == EXIT_CONFIG
    assert f"cannot reach a Dask scheduler at 'tcp://127.0.0.1:{port}'" in run.err
    assert time.monotonic() - start < 15
    assert not (project / "output" / "en").exists()
