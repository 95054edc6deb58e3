"""Shared fixtures: a private copy of the project per test, and the CLI run in-process."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LANGS = ["en", "es", "fr", "de", "ar", "zh_Hans"]  # every shipped language
BUNDLES = ["new-relapse", "treatment-options", "living-with-rrmm", "support-group-session"]


def copy_project(target: Path, locales: bool = True, fonts: Path | None = None) -> Path:
    """content/, templates/ and (optionally) locales/ of the repository, copied to `target`;
    with `fonts` (the `font_subsets` fixture), the CJK subsets a build would make, linked in."""
    for name in ("content", "templates") + (("locales",) if locales else ()):
        shutil.copytree(REPO / name, target / name,
                        ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    if not locales:
        (target / "locales").mkdir()
    if fonts is not None:
        link_fonts(fonts, target)
    return target


def link_fonts(fonts: Path, root: Path) -> None:
    """The font subsets in `fonts` in `root`'s cache, as a second build finds them: named by
    what they hold (builder/fonts.py), so a build that needs other characters makes its own."""
    cache = root / ".cache" / "fonts"
    cache.mkdir(parents=True, exist_ok=True)
    for font in fonts.glob("*.otf"):  # never written to: a build replaces a file, if anything
        try:
            os.link(font, cache / font.name)
        except OSError:  # another file system
            shutil.copyfile(font, cache / font.name)


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, font_subsets: Path) -> Iterator[Path]:
    root = copy_project(tmp_path / "project", fonts=font_subsets)
    monkeypatch.chdir(root)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    yield root


@pytest.fixture
def handout(capsys: pytest.CaptureFixture[str]):
    """Run `handout ARGS...` in-process; returns exit code and captured output."""
    from builder.cli import main

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under `root` with its bytes, to prove a failed build changed nothing."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(autouse=True)
def _no_ci_default_surprises(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests choose --verify explicitly where they rely on it; CI=1 turns it on for the rest.
    if os.environ.get("CI"):
        monkeypatch.setenv("CI", "1")


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every xdist worker of this run shares (the run's own temp folder without -n)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, *builds: list[str],
               prepare: Callable[[Path], None] = lambda _root: None,
               fonts: Path | None = None) -> Path:
    """A copy of the project with `builds` (handout build arguments) run in it into its `out/`,
    once per test run. Every xdist worker asks for it; the first builds it while holding a file
    lock, the others wait and read the same files (built for the tests to read, never change).
    """
    from builder.cli import main
    from builder.errors import EXIT_OK

    folder = shared_folder(tmp_path_factory)
    root = folder / name
    with (folder / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not (root / ".built").is_file():
            if root.exists():  # a worker that died half-way through
                shutil.rmtree(root)
            copy_project(root, fonts=fonts)
            prepare(root)
            for args in builds:
                assert main(["build", "--project", str(root), "--out", str(root / "out"),
                             *args]) == EXIT_OK
            (root / ".built").touch()
    return root


@pytest.fixture(scope="session")
def font_subsets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CJK fonts subset to the shipped catalogs' characters (builder/fonts.py), made once per
    run: subsetting takes seconds per font, and a test's copy of the project starts with them."""
    # The checkout's own subsets, if a build made them (make demo does), are found by the build
    # below when they hold what today's catalogs need, and made again when not.
    own = REPO / ".cache" / "fonts"
    root = built_once(tmp_path_factory, "font-subsets",
                      ["--topic", "relapsed-refractory", "--level", "easy", "--format", "html",
                       "--quiet", *each("--lang", ["zh_Hans", "zh_Hant", "ko"])],
                      prepare=lambda root: link_fonts(own, root) if own.is_dir() else None)
    return root / ".cache" / "fonts"


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # LibreOffice takes seconds per deck: every test that needs it is in the slow tier.
    for item in items:
        if item.get_closest_marker("soffice"):
            item.add_marker(pytest.mark.slow)


def each(option: str, values: list[str]) -> list[str]:
    """`--lang a --lang b …`"""
    return [arg for value in values for arg in (option, value)]


@pytest.fixture(scope="session")
def matrix(tmp_path_factory: pytest.TempPathFactory, font_subsets: Path) -> Path:
    """The four bundles (all eleven topics) as PDF, every language and level, verified."""
    root = built_once(tmp_path_factory, "matrix",
                      ["--format", "pdf", "--verify", "--jobs", "2", "--quiet",
                       *each("--bundle", BUNDLES), *each("--lang", LANGS)], fonts=font_subsets)
    return root / "out"


@pytest.fixture(scope="session")
def leaflet_per_language(tmp_path_factory: pytest.TempPathFactory, font_subsets: Path) -> Path:
    """relapsed-refractory at the standard level in every shipped language, PDF and HTML: built
    once for the engine and accessibility checks, which read the same leaflets."""
    root = built_once(tmp_path_factory, "one-per-language",
                      ["--format", "pdf", "--format", "html", "--topic", "relapsed-refractory",
                       "--level", "standard", "--jobs", "2", "--quiet", *each("--lang", LANGS)],
                      fonts=font_subsets)
    return root / "out"
