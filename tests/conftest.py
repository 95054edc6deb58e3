"""Shared fixtures: a private copy of the project per test, and the CLI run in-process."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LANGS = ["en", "es", "fr", "de", "ar", "zh_Hans"]  # every shipped language
BUNDLES = ["new-relapse", "treatment-options", "living-with-rrmm", "support-group-session"]


def copy_project(target: Path, locales: bool = True) -> Path:
    """content/, templates/ and (optionally) locales/ of the repository, copied to `target`."""
    for name in ("content", "templates") + (("locales",) if locales else ()):
        shutil.copytree(REPO / name, target / name,
                        ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    if not locales:
        (target / "locales").mkdir()
    return target


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = copy_project(tmp_path / "project")
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


@pytest.fixture(scope="session")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four bundles (all eleven topics) as PDF, every language and level, verified."""
    from builder.cli import main
    from builder.errors import EXIT_OK

    root = copy_project(tmp_path_factory.mktemp("matrix"))
    args = ["build", "--project", str(root), "--out", str(root / "out"), "--format", "pdf",
            "--verify", "--jobs", "2", "--quiet"]
    for bundle in BUNDLES:
        args += ["--bundle", bundle]
    for lang in LANGS:
        args += ["--lang", lang]
    assert main(args) == EXIT_OK
    return root / "out"


@pytest.fixture(scope="session")
def leaflet_per_language(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """relapsed-refractory at the standard level in every shipped language, PDF and HTML: built
    once for the engine and accessibility checks, which read the same leaflets."""
    from builder.cli import main

    root = copy_project(tmp_path_factory.mktemp("one-per-language"))
    args = ["build", "--project", str(root), "--out", str(root / "out"), "--format", "pdf",
            "--format", "html", "--topic", "relapsed-refractory", "--level", "standard",
            "--jobs", "2", "--quiet"]
    for lang in LANGS:
        args += ["--lang", lang]
    assert main(args) == 0
    return root / "out"
