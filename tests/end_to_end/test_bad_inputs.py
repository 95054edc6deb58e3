"""Bad input gets a clear error and nothing is lost: the corpus of broken and hostile inputs.

Every case in tests/fixtures/bad/<case>/ holds the files it adds to a copy of the project and an
`expected.txt` (command, exit code, the exact `path:line: message` lines). Each run must exit with
that code, print those lines, show no traceback, write nothing, leave earlier outputs
byte-identical and leave no temp file behind; and, whatever the input, never open /etc/passwd or
a network connection. Run the whole corpus with `pytest tests/ -k bad`.
"""

from __future__ import annotations

import errno
import hashlib
import http.server
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder import languages
from builder.cli import main
from builder.content import load_library
from builder.errors import BuilderError, ContentError
from builder.markup import check_markup, parse, to_html, to_plain
from builder.output import atomic_write_all

REPO = Path(__file__).resolve().parents[2]
CASES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "bad"
BASELINE = ["build", "--topic", "relapsed-refractory", "--lang", "en", "--level", "easy",
            "--format", "html"]
BASELINE_OUTPUT = "output/en/easy/relapsed-refractory.html"
DEFAULT_ARGS = [*BASELINE, "--force"]  # rebuilding the earlier output must not touch it
PASSWD = "/etc/passwd"

MINIMAL_TOPIC = """\
id: bad-topic
version: "1.0"
title: A test topic
summary: One sentence about the test topic.
review:
  status: draft
  written: 2026-01-01
  reviewer_role: hematologist
  next_review: 2027-01-01
sources:
  - title: Test source
blocks:
  - id: intro
    type: heading
    text: What this is
  - id: body
    type: paragraph
    text: This paragraph is here at every level.
    slide: A short bullet
"""


# -- watching what the process touches -----------------------------------------------------------

_EVENTS: list[tuple[str, tuple[Any, ...]]] | None = None
_WATCHED = {"open", "socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
            "urllib.Request", "http.client.connect"}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _EVENTS is not None and event in _WATCHED:
        _EVENTS.append((event, args))


sys.addaudithook(_audit)  # process-wide and permanent; inert unless `watching()` is active


@contextmanager
def watching() -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """Record every file the Python process opens and every connection it tries."""
    global _EVENTS  # noqa: PLW0603 - the process-wide audit hook can only read module state
    events: list[tuple[str, tuple[Any, ...]]] = []
    _EVENTS = events
    try:
        yield events
    finally:
        _EVENTS = None


def opened(events: list[tuple[str, tuple[Any, ...]]]) -> list[str]:
    return [os.path.realpath(os.fsdecode(a[0])) for e, a in events
            if e == "open" and isinstance(a[0], (str, bytes, os.PathLike))]


def network(events: list[tuple[str, tuple[Any, ...]]]) -> list[tuple[str, tuple[Any, ...]]]:
    return [(e, a) for e, a in events if e != "open"]


# -- the project copy ---------------------------------------------------------------------------

def _copy_sources(target: Path) -> None:
    for name in ("content", "templates", "locales"):
        shutil.copytree(REPO / name, target / name,
                        ignore=shutil.ignore_patterns("*.mo", "__pycache__"))


@pytest.fixture(scope="session")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the project with one small output built, copied afresh for every case.

    Every case runs at the same path (`work`), so the content cache built here is valid for the
    cases that leave the content alone: they skip parsing it again.
    """
    base = tmp_path_factory.mktemp("bad")
    work, saved_copy = base / "project", base / "pristine"
    _copy_sources(work)
    here = Path.cwd()
    saved = os.environ.pop("SOURCE_DATE_EPOCH", None)
    os.chdir(work)
    try:
        code = main(BASELINE)
    finally:
        os.chdir(here)
        if saved is not None:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    assert code == 0, "the baseline build failed: the corpus needs a working project"
    assert (work / BASELINE_OUTPUT).is_file()
    shutil.copytree(work, saved_copy, symlinks=True)
    return saved_copy, work


@pytest.fixture
def bad_project(pristine: tuple[Path, Path],
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    saved_copy, root = pristine
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(saved_copy, root, symlinks=True)
    monkeypatch.chdir(root)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    languages.language.cache_clear()
    yield root
    languages.language.cache_clear()  # a case may have monkeypatched the font table


def snapshot(root: Path) -> dict[str, str]:
    """Every file under `root` and the sha256 of its bytes; caches (.cache/) do not count."""
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not path.is_symlink() and not rel.startswith(".cache/"):
            files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def leftovers(root: Path) -> list[str]:
    """Temp files a write left behind (atomic_write's `.name.*.tmp`, check_writable's probe)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.name.endswith(".tmp") or p.name.startswith(".probe."))


@dataclass
class Result:
    code: int
    out: str
    err: str
    events: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> Result:
    capsys.readouterr()
    with watching() as events:
        try:
            code = main(args)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - WeasyPrint's fatal fetch error included
            captured = capsys.readouterr()
            pytest.fail(f"uncaught {type(exc).__name__}: {exc}\nstderr:\n{captured.err}")
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err, events)


def assert_failed_cleanly(root: Path, before: dict[str, str], result: Result) -> None:
    """No traceback, nothing new or changed on disk, no temp file, no reach outside."""
    assert "Traceback" not in result.err + result.out
    assert result.err.strip(), "a failure must say what is wrong"
    after = snapshot(root)
    assert sorted(set(after) - set(before)) == [], "a failed build wrote files"
    changed = sorted(k for k in before if after.get(k) != before[k])
    assert changed == [], "a failed build changed or removed files"
    assert leftovers(root) == []
    assert PASSWD not in opened(result.events)
    assert network(result.events) == []


# -- the corpus ---------------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    about: str
    args: list[str]
    exit: int
    errors: list[str]  # each the start (usually all) of a printed line `error: <text>`
    patterns: list[str]  # regular expressions a line `error: …` must match
    stderr: list[str]  # plain substrings of stderr (click's own usage errors)
    setup: str | None
    env: dict[str, str]
    xfail: str | None
    folder: Path


def read_case(folder: Path) -> Case:
    about, args, code, setup, env, xfail = "", DEFAULT_ARGS, -1, None, {}, None
    errors: list[str] = []
    patterns: list[str] = []
    stderr: list[str] = []
    for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            about = about or line.lstrip("# ")
            continue
        if not line.strip():
            continue
        key, _, value = line.partition(": ")
        if key == "args":
            args = shlex.split(value)
        elif key == "exit":
            code = int(value)
        elif key == "error":
            errors.append(value)
        elif key == "error-re":
            patterns.append(value)
        elif key == "stderr":
            stderr.append(value)
        elif key == "setup":
            setup = value
        elif key == "env":
            name, _, val = value.partition("=")
            env[name] = val
        elif key == "xfail":
            xfail = value
        else:
            raise ValueError(f"{folder / 'expected.txt'}: unknown key {key!r}")
    return Case(folder.name, about, list(args), code, errors, patterns, stderr, setup, env,
                xfail, folder)


CASES = [read_case(d) for d in sorted(CASES_DIR.iterdir()) if (d / "expected.txt").is_file()]


def _params() -> list[Any]:
    out = []
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
        out.append(pytest.param(case, id=case.name, marks=marks))
    return out


def _insert(path: Path, before: str, text: str) -> None:
    source = path.read_text(encoding="utf-8")
    assert before in source, f"{path}: cannot find {before!r} to insert before"
    path.write_text(source.replace(before, text + before, 1), encoding="utf-8")


def _refuse(exc: OSError) -> Callable[..., Any]:
    def refuse(*args: object, **kwargs: object) -> Any:
        raise exc

    return refuse


def _empty_locale(root: Path, lang: str) -> Path:
    """The LC_MESSAGES folder of `lang`, emptied first: pt_BR now ships a full catalog."""
    shutil.rmtree(root / "locales" / lang, ignore_errors=True)
    folder = root / "locales" / lang / "LC_MESSAGES"
    folder.mkdir(parents=True)
    return folder


def _write_pt_br_catalog(root: Path, fuzzy_text: str, current_text: str) -> tuple[str, str]:
    """A pt_BR catalog for relapsed-refractory: one current entry and one fuzzy (stale) one,
    each the only text of a heading (a block prints in one language: all translated or none).

    Returns the English source of the stale entry and of the current one.
    """
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from builder.i18n.messages import topic_messages

    topic = load_library(root / "content").topics["relapsed-refractory"]
    headings = {b.id for b in topic.blocks if b.type == "heading"}
    msgs = [m for m in topic_messages(topic)
            if re.fullmatch(r"relapsed-refractory/([a-z0-9-]+)/(easy|all)", m.context)
            and m.context.split("/")[1] in headings]
    stale, current = msgs[0], msgs[1]
    catalog = Catalog(locale="pt_BR", domain="relapsed-refractory", fuzzy=False)
    catalog.add(stale.text, fuzzy_text, context=stale.context, flags=["fuzzy"])
    catalog.add(current.text, current_text, context=current.context)
    folder = root / "locales" / "pt_BR" / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "relapsed-refractory.po").open("wb") as handle:
        write_po(handle, catalog)
    return stale.text, current.text


SVG_REFERENCING = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/'
                   'xlink" width="10" height="10"><image xlink:href="{url}" width="10" '
                   'height="10"/></svg>\n')


def _setup(name: str, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: C901, PLR0912 - a flat dispatch: one branch per named case
    if name == "symlink_passwd":
        (root / "content" / "images").mkdir(exist_ok=True)
        (root / "content" / "images" / "passwd.svg").symlink_to(PASSWD)
    elif name == "huge_content":
        block = "    text: " + "A sentence that repeats. " * 40 + "\n"
        body = MINIMAL_TOPIC + "".join(f"  - id: b{i}\n    type: paragraph\n{block}"
                                       for i in range(10_000))
        data = body.encode("utf-8")
        assert len(data) >= 10_000_000
        (root / "content" / "bad-topic.yaml").write_bytes(data)
    elif name == "latin1_content":
        text = MINIMAL_TOPIC.replace("What this is", "Qu'est-ce que c'est ? Caf\u00e9")
        (root / "content" / "bad-topic.yaml").write_bytes(text.encode("latin-1"))
    elif name == "stale_entry":
        _write_pt_br_catalog(root, "TRADUCAO-ANTIGA", "TRADUCAO-ATUAL")
    elif name == "surrogate_po":
        po = (b'msgid ""\nmsgstr ""\n"Language: pt_BR\\n"\n"Content-Type: text/plain; '
              b'charset=UTF-8\\n"\n\nmsgctxt "t/a"\nmsgid "Rash"\nmsgstr "Erup')
        folder = _empty_locale(root, "pt_BR")
        (folder / "bad.po").write_bytes(po + b"\xed\xa0\x80" + 'ção"\n'.encode())
    elif name == "missing_font":
        monkeypatch.setitem(languages.SCRIPT_FONTS, "Latn", ("Handout Missing Sans",))
        languages.language.cache_clear()
    elif name == "permission_denied":
        monkeypatch.setattr(tempfile, "mkstemp",
                            _refuse(PermissionError(errno.EACCES, "Permission denied")))
    elif name == "disk_full":
        monkeypatch.setattr(os, "fsync", _refuse(OSError(errno.ENOSPC, "No space left on device")))
    elif name == "template_file_image":
        _insert(root / "templates" / "leaflet.html.j2", "<h1",
                f'<img src="file://{PASSWD}" alt="">\n')
    elif name == "template_http_image":
        _insert(root / "templates" / "leaflet.html.j2", "<h1",
                '<img src="http://127.0.0.1:9/x.png" alt="">\n')
    elif name == "css_file_import":
        css = root / "templates" / "leaflet.css"
        css.write_text(f'@import url("file://{PASSWD}");\n' + css.read_text(encoding="utf-8"),
                       encoding="utf-8")
    elif name == "template_attachment":
        _insert(root / "templates" / "leaflet.html.j2", "<h1",
                f'<a rel="attachment" href="file://{PASSWD}">x</a>\n')
    elif name == "template_syntax_error":
        _insert(root / "templates" / "leaflet.html.j2", "<h1", "{% if %}\n")
    elif name == "template_undefined":
        _insert(root / "templates" / "leaflet.html.j2", "<h1", "{{ doc.nonexistent }}\n")
    else:
        raise ValueError(f"unknown setup {name!r}")


def test_bad_corpus_is_complete() -> None:
    """At least 25 cases; every one documents its exit code and the exact error lines."""
    assert len(CASES) >= 25
    for case in CASES:
        assert case.exit in (1, 2, 3, 4, 5, 6), case.name
        expected = case.errors + case.patterns + case.stderr
        assert expected and all(e and e != "TODO" for e in expected), case.name
        assert case.about, case.name


@pytest.mark.slow
@pytest.mark.parametrize("case", _params())
def test_bad_input(case: Case, bad_project: Path, monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str]) -> None:
    for path in case.folder.rglob("*"):
        if path.is_file() and path.name != "expected.txt":
            target = bad_project / path.relative_to(case.folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    if case.setup:
        _setup(case.setup, bad_project, monkeypatch)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    earlier = (bad_project / BASELINE_OUTPUT).read_bytes()
    before = snapshot(bad_project)

    result = run_cli(case.args, capsys)

    assert result.code == case.exit, result.err
    lines = result.err.splitlines()
    for expected in case.errors:  # the whole line, or its start when the rest varies
        assert any(line.startswith(f"error: {expected}") for line in lines), result.err
    for pattern in case.patterns:
        assert any(re.fullmatch(f"error: {pattern}", line) for line in lines), result.err
    for text in case.stderr:
        assert text in result.err, result.err
    assert_failed_cleanly(bad_project, before, result)
    assert (bad_project / BASELINE_OUTPUT).read_bytes() == earlier


@pytest.mark.slow
def test_bad_stale_translation_is_never_printed(bad_project: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A fuzzy entry prints the English, marked, never the stale text; a current one prints."""
    stale_english, _ = _write_pt_br_catalog(bad_project, "TRADUCAO-ANTIGA", "TRADUCAO-ATUAL")
    result = run_cli(["build", "--topic", "relapsed-refractory", "--lang", "pt_BR", "--level",
                      "easy", "--format", "html"], capsys)
    assert result.code == 0, result.err
    html = (bad_project / "output/pt_BR/easy/relapsed-refractory.html").read_text("utf-8")
    assert "TRADUCAO-ATUAL" in html
    assert "TRADUCAO-ANTIGA" not in html
    assert to_plain(stale_english) in re.sub(r"<[^>]+>", "", html).replace("&#39;", "'")
    assert "translation stale in pt_BR" in result.err


def test_bad_norwegian_code_stays_a_string(tmp_path: Path) -> None:
    """YAML 1.2: `no` is the string "no" (Norwegian), never False."""
    from builder.clinic import load_clinic

    profile = tmp_path / "clinic.yaml"
    profile.write_text("name: Test Clinic\nphone: \"+47 22 00 00 00\"\naddress: Oslo\n"
                       "web: https://example.org\nlanguages: [en, no, nb]\n"
                       "urgent: {opt_out: true}\n", encoding="utf-8")
    assert load_clinic(profile).profile.languages == ["en", "no", "nb"]


def test_bad_full_disk_midway_changes_no_file(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Several outputs: the disk fills on the second; the first keeps its old bytes too."""
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    first.write_bytes(b"old a")
    second.write_bytes(b"old b")
    real_fsync, calls = os.fsync, []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(BuilderError) as caught:
        atomic_write_all({first: b"new a", second: b"new b"})
    assert caught.value.exit_code == 6
    assert "the disk is full" in str(caught.value)
    assert (first.read_bytes(), second.read_bytes()) == (b"old a", b"old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.pdf"]


# -- no reach outside ------------------------------------------------------------------------------

class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:  # http.server's naming
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def loopback_server(limit: float = 30.0) -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 (free port) that records requests and stops itself."""
    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    server.timeout = 1
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    stopper = threading.Timer(limit, server.shutdown)  # never outlives a stuck test
    thread.start()
    stopper.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        stopper.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_bad_loopback_server_answers() -> None:
    """The control: a request that does reach the server is recorded."""
    with (loopback_server() as (base, requests),
          urllib.request.urlopen(f"{base}/probe.png", timeout=5) as response):
        assert response.status == 200
    assert requests == ["/probe.png"]


PDF_ARGS = ["build", "--topic", "relapsed-refractory", "--lang", "en", "--level", "easy",
            "--format", "pdf", "--force"]


def _reference(where: str, url: str, root: Path) -> tuple[list[str], int]:
    """Put `url` into the project at `where`; the command to run and the exit code expected."""
    topic = root / "content" / "bad-topic.yaml"
    if where == "content-text":
        topic.write_text(MINIMAL_TOPIC.replace("at every level.", f"at every level. {url}"),
                         encoding="utf-8")
        return PDF_ARGS, 3
    if where == "content-image":
        (root / "content" / "images").mkdir(exist_ok=True)
        (root / "content" / "images" / "ref.svg").write_text(SVG_REFERENCING.format(url=url))
        topic.write_text(MINIMAL_TOPIC + "  - id: pic\n    type: image\n    src: images/ref.svg\n"
                         "    alt: A picture\n", encoding="utf-8")
        return PDF_ARGS, 3
    if where == "template-image":
        _insert(root / "templates" / "leaflet.html.j2", "<h1", f'<img src="{url}" alt="">\n')
        return PDF_ARGS, 1
    if where == "template-stylesheet":
        css = root / "templates" / "leaflet.css"
        css.write_text(css.read_text("utf-8") + f"\nbody {{ background: url({url}); }}\n", "utf-8")
        return PDF_ARGS, 1
    if where == "translation":
        folder = _empty_locale(root, "pt_BR")
        (folder / "bad.po").write_text(
            'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            f'msgctxt "t/a"\nmsgid "Rash"\nmsgstr "<img src=\\"{url}\\">"\n', encoding="utf-8")
        return [*PDF_ARGS[:4], "pt_BR", *PDF_ARGS[5:]], 4
    if where == "clinic-logo":
        (root / "templates" / "clinic" / "ref.svg").write_text(SVG_REFERENCING.format(url=url))
        (root / "templates" / "clinic" / "bad.yaml").write_text(
            'name: Test Clinic\nphone: "+1 555 0100"\naddress: 1 Example Road\n'
            "web: https://example.org\nlogo: ref.svg\n", encoding="utf-8")
        return [*PDF_ARGS, "--clinic", "templates/clinic/bad.yaml"], 5
    raise ValueError(where)


PLACES = ["content-text", "content-image", "template-image", "template-stylesheet",
          "translation", "clinic-logo"]


@pytest.mark.parametrize("where", PLACES)
def test_bad_file_url_never_read(where: str, bad_project: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """file:///etc/passwd anywhere: the build fails, the file is never opened, nothing written."""
    args, code = _reference(where, f"file://{PASSWD}", bad_project)
    before = snapshot(bad_project)
    result = run_cli(args, capsys)
    assert result.code == code, result.err
    assert_failed_cleanly(bad_project, before, result)
    for path in (bad_project / "output").rglob("*"):
        if path.is_file():
            assert b"root:x:0:0" not in path.read_bytes()


@pytest.mark.parametrize("where", PLACES)
def test_bad_http_url_never_fetched(where: str, bad_project: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """http://127.0.0.1:PORT/x.png anywhere: the build fails and the server gets no request."""
    with loopback_server() as (base, requests):
        args, code = _reference(where, f"{base}/x.png", bad_project)
        before = snapshot(bad_project)
        result = run_cli(args, capsys)
    assert requests == []
    assert result.code == code, result.err
    assert_failed_cleanly(bad_project, before, result)


def test_bad_pdf_reads_only_project_assets(bad_project: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A good PDF build opens no connection and reads no file outside the project but code
    (the interpreter and its packages), installed fonts and the system's MIME table."""
    import mimetypes

    import weasyprint  # noqa: F401 - loading its C libraries probes temp files once per process

    result = run_cli(PDF_ARGS, capsys)
    assert result.code == 0, result.err
    assert network(result.events) == []
    allowed = [str(bad_project.resolve()), os.path.realpath(sys.prefix),
               os.path.realpath(sys.base_prefix), "/usr/share/fonts", "/usr/local/share/fonts",
               "/usr/share/fontconfig", "/etc/fonts", "/var/cache/fontconfig", "/dev/null",
               *mimetypes.knownfiles, str((REPO / "builder").resolve())]
    outside = sorted({p for p in opened(result.events)
                      if not any(p == a or p.startswith(a.rstrip("/") + "/") for a in allowed)})
    assert outside == []
    assert any(p.startswith(str(bad_project.resolve())) for p in opened(result.events))


# -- property-based: any input is a valid result or a BuilderError, never another exception -------

FAST = settings(max_examples=int(os.environ.get("BAD_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bad-property")


def _load_one(folder: Path, data: bytes, name: str = "bad-topic.yaml") -> None:
    content = folder / "content"
    if content.exists():
        shutil.rmtree(content)
    (content / "images").mkdir(parents=True)
    (content / name).write_bytes(data)
    try:
        lib = load_library(content)
    except ContentError as exc:
        message = str(exc)
        assert exc.problems and message
        message.encode("utf-8")  # printable: no lone surrogate reaches the terminal
        assert not _CONTROL.search(message.replace("\n", " ")), message
    else:
        assert set(lib.topics) <= {"bad-topic"}


def _scalars() -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                     st.text(max_size=30), st.sampled_from(["easy", "standard", "detailed",
                                                            "no", "heading", "paragraph",
                                                            "list", "image", "2026-01-01",
                                                            "{clinic_name}", "file:///x"]))


KEYS = st.sampled_from(["id", "version", "title", "summary", "review", "sources", "blocks",
                        "type", "text", "items", "slide", "src", "alt", "easy", "standard",
                        "detailed", "status", "written", "next_review", "reviewer_role", "terms",
                        "link", "url", "label", "write_in", "ordered"]) | st.text(max_size=10)
VALUES = st.recursive(_scalars(), lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(KEYS, inner, max_size=5), max_leaves=25)


@FAST
@given(text=st.text(max_size=400))
def test_bad_property_loader_any_text(scratch: Path, text: str) -> None:
    _load_one(scratch, text.encode("utf-8", "surrogatepass"))


@FAST
@given(value=VALUES)
def test_bad_property_loader_any_document(scratch: Path, value: Any) -> None:
    # JSON is YAML 1.2; ensure_ascii writes lone surrogates as "\ud800" escapes.
    _load_one(scratch, json.dumps(value, ensure_ascii=True).encode())


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


@FAST
@given(data=st.data())
def test_bad_property_loader_mutated_topic(scratch: Path, data: st.DataObject) -> None:
    """One value of a valid topic replaced by anything: a valid topic or a ContentError."""
    from ruamel.yaml import YAML

    from builder.yamlio import plain

    topic = plain(YAML(typ="rt", pure=True).load(MINIMAL_TOPIC))
    topic["review"]["written"] = "2026-01-01"
    topic["review"]["next_review"] = "2027-01-01"
    path = data.draw(st.sampled_from(_paths(topic)[1:]))
    replacement = data.draw(VALUES)
    node = topic
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = replacement
    _load_one(scratch, json.dumps(topic, ensure_ascii=False).encode("utf-8", "surrogatepass"))


_OUR_TAGS = re.compile(r'</?(?:em|strong)>|<a href="[^"<>]*">|</a>'
                       r'|<span class="unbroken" dir="ltr">|</span>')
PIECES = [*"*_[]()<>{}\\&!`#\"' ax1",
    "https://", "http://", "file:", "mailto:", "javascript:", "{clinic_name}", "{x}", "&lt;",
    "&#60;", "<script>", "](", "**", "\u202e", "\x1b", "\ud800"]
MARKUP_TEXT = st.text(max_size=120) | st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@FAST
@given(text=MARKUP_TEXT, name=st.text(max_size=20))
def test_bad_property_markup(text: str, name: str) -> None:
    """parse/to_html/check_markup never raise; no raw `<` of the input reaches the HTML."""
    values = {"clinic_name": name, "clinic_phone": "+1 555", "clinic_web": "example.org"}
    problem = check_markup(text)
    assert problem is None or isinstance(problem, str)
    spans = parse(text, values)
    html = to_html(text, values)
    plain_text = to_plain(text, values)
    assert "<" not in _OUR_TAGS.sub("", html)
    assert isinstance(plain_text, str) and all(isinstance(s.text, str) for s in spans)
    if problem is None:
        for span in parse(text, {}):
            assert span.href is None or span.href.startswith(("https://", "mailto:", "tel:"))
        assert not re.search(r'href="(?!https://|mailto:|tel:)', html)
