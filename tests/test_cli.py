"""The command line: exactly the files asked for, the documented layout, manifest and exit codes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from conftest import pdf_text

from builder import __version__
from builder.errors import EXIT_OK, EXIT_USAGE


def test_one_topic_one_language_one_level_one_format_writes_exactly_that_file(project: Path, handout):
    run = handout("build", "--topic", "relapsed-refractory", "--lang", "en", "--level", "easy",
                  "--format", "pdf")
    assert run.code == EXIT_OK, run.err
    files = sorted(p.relative_to(project / "output").as_posix()
                   for p in (project / "output").rglob("*") if p.is_file())
    assert files == ["en/easy/relapsed-refractory.pdf", "manifest.json"]
    manifest = json.loads((project / "output" / "manifest.json").read_text())
    entry = manifest["files"]["en/easy/relapsed-refractory.pdf"]
    data = (project / "output" / "en/easy/relapsed-refractory.pdf").read_bytes()
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert (entry["topic"], entry["lang"], entry["level"], entry["format"]) == (
        "relapsed-refractory", "en", "easy", "pdf")
    assert "When myeloma comes back" in pdf_text(project / "output/en/easy/relapsed-refractory.pdf")


def test_out_folder_uses_the_same_layout(project: Path, handout, tmp_path: Path):
    out = tmp_path / "elsewhere"
    run = handout("build", "--bundle", "new-relapse", "--lang", "en", "--level", "standard",
                  "--format", "html", "--out", str(out))
    assert run.code == EXIT_OK, run.err
    assert (out / "en/standard/new-relapse.html").is_file()
    assert (out / "manifest.json").is_file()
    assert not (project / "output" / "en").exists()


def test_usage_errors_are_all_reported_with_exit_code_2(project: Path, handout):
    run = handout("build", "--topic", "nope", "--lang", "xx-yy", "--format", "docx")
    assert run.code == EXIT_USAGE
    assert "unknown topic 'nope'" in run.err
    assert "'xx-yy' is not a known language code" in run.err
    assert "unknown format 'docx'" in run.err
    assert "Traceback" not in run.err


def test_nothing_selected_is_a_usage_error(project: Path, handout):
    run = handout("build", "--lang", "en")
    assert run.code == EXIT_USAGE
    assert "give --topic ID, --bundle ID or --all" in run.err


def test_version_and_help_everywhere(project: Path):
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "builder", *args], capture_output=True,
                              text=True, cwd=project, check=False)

    assert __version__ in cli("--version").stdout
    for args in (["--help"], ["build", "--help"], ["check", "--help"], ["i18n", "--help"],
                 ["i18n", "status", "--help"], ["proof", "--help"]):
        result = cli(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert "Usage:" in result.stdout
    assert "Exit codes" in cli("--help").stdout


def test_a_clinic_profile_chooses_the_default_languages(project: Path, handout):
    profile = project / "templates/clinic/demo.yaml"
    mine = project / "my-clinic.yaml"
    mine.write_text(profile.read_text().replace("languages: [en, es, fr, de, ar, zh_Hans]",
                                                "languages: [en, ar]")
                    .replace("logo: demo-logo.svg", "logo: templates/clinic/demo-logo.svg"))
    run = handout("build", "--topic", "questions-to-ask", "--level", "easy", "--format", "html",
                  "--clinic", str(mine))
    assert run.code == EXIT_OK, run.err
    langs = sorted(p.name for p in (project / "output").iterdir() if p.is_dir())
    assert langs == ["ar", "en"]
