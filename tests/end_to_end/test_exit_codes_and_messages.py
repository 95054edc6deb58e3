"""Exit codes that match the README, the same whatever --jobs, and error messages that help."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder.errors import EXIT_BUILD_FAILED, EXIT_CONTENT, EXIT_OK, EXIT_USAGE


def readme_exit_code(meaning: str) -> int:
    """The code the README's exit-code table gives for a row mentioning `meaning`."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Exit codes", 1)[1].split("\n\n", 2)[1]
    for row in table.splitlines():
        if meaning in row:
            return int(row.split("|")[1])
    raise AssertionError(f"no exit-code row mentions {meaning!r}")


# -- 11: exit codes -----------------------------------------------------------------------

HARD = ("Notwithstanding considerable interindividual heterogeneity, autologous haematopoietic "
        "progenitor cell transplantation demonstrates substantial prolongation of progression-free "
        "intervals, particularly following high-dose melphalan conditioning regimens administered "
        "contemporaneously with immunomodulatory maintenance pharmacotherapy.")


@pytest.mark.slow
def test_check_exits_as_the_readme_says_for_reading_level_with_path_and_line(project: Path,
                                                                            handout):
    path = project / "content/supportive-care.yaml"
    text = path.read_text(encoding="utf-8")
    assert "  easy: Feeling as well as you can\n" in text
    long_sentence = ", and ".join([HARD.rstrip(".")] * 12) + "."  # grade far above 6
    path.write_text(text.replace("summary:\n  easy: ", f"summary:\n  easy: {long_sentence} ", 1),
                    encoding="utf-8")
    run = handout("check", "--lang", "en")
    assert run.code == readme_exit_code("a topic above its reading-level target") == EXIT_CONTENT
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("id:"))
    assert re.search(rf"^error: content/supportive-care\.yaml:{line}: supportive-care \(easy, en\): "
                     r"FK grade [\d.]+ is above the target 6", run.out, re.M), run.out


def _two_failures(project: Path) -> None:
    """A deck that cannot be made (SVG without PNG, exit 1) and a leaflet that cannot (a broken
    template, exit 5): both fail while rendering, in whatever order the workers finish."""
    (project / "content/images/transplant-steps.png").unlink()
    template = project / "templates/leaflet.html.j2"
    template.write_text(template.read_text(encoding="utf-8") + "{{ no_such_variable }}\n",
                        encoding="utf-8")


def test_a_failed_build_exits_alike_whatever_jobs_and_counts_its_failures(project: Path, handout):
    _two_failures(project)
    runs = [handout("build", "--topic", "stem-cell-transplant", "--lang", "de", "--level",
                    "standard", "--format", "pptx", "--format", "pdf", "--jobs", jobs)
            for jobs in ("1", "2", "2", "1")]
    # The first failed output in selection order decides: the deck (build failed, 1), although
    # the leaflet (a template error, 5) fails first when the longest jobs go first.
    assert [r.code for r in runs] == [EXIT_BUILD_FAILED] * 4
    errors = [[line for line in r.err.splitlines() if line.startswith("error:")] for r in runs]
    assert all(e == errors[0] for e in errors) and len(errors[0]) == 2
    assert "cannot go on a slide" in errors[0][0] and "no_such_variable" in errors[0][1]
    for run in runs:
        assert re.search(r"^built 0, skipped 0 \(unchanged\), failed 2, in [\d.]+ s: nothing "
                         r"written$", run.err, re.M), run.err
    assert not (project / "output/de").exists()


# -- 12: error messages -----------------------------------------------------------------------

def test_a_content_file_that_fails_to_parse_gives_no_follow_on_errors(project: Path, handout):
    path = project / "content/supportive-care.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("  - id: tell-team"))
    lines[index + 1] = "\t" + lines[index + 1].lstrip(" ")
    path.write_text("".join(lines), encoding="utf-8")
    bundles = (project / "content/bundles.yaml").read_text(encoding="utf-8")
    assert bundles.count("supportive-care") >= 2  # named by bundles: no "unknown topic" for it
    run = handout("build", "--topic", "questions-to-ask", "--lang", "en", "--format", "html")
    assert run.code == EXIT_CONTENT
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert errors == [f"error: content/supportive-care.yaml:{index + 2}: YAML syntax error: found "
                      "character '\\t' that cannot start any token: check the indentation and "
                      "quotes on this line and the line before"], run.err


def test_lang_names_the_catalog_that_serves_it(project: Path, handout):
    # zh and zh_CN are served by the Simplified catalog (CLDR likely subtags), never init'ed anew
    for code in ("zh", "zh_CN"):
        run = handout("build", "--topic", "supportive-care", "--lang", code, "--format", "html",
                      "--level", "easy")
        assert run.code == EXIT_OK, run.err
        assert "i18n init" not in run.err
        assert (project / "output/zh_Hans/easy/supportive-care.html").is_file()
    run = handout("build", "--topic", "supportive-care", "--lang", "zh_TW", "--format", "html",
                  "--level", "easy")
    assert run.code == EXIT_OK  # served by the Traditional catalog, never the Simplified one
    html = (project / "output/zh_Hant/easy/supportive-care.html").read_text(encoding="utf-8")
    assert 'lang="zh-Hant"' in html
    run = handout("build", "--topic", "supportive-care", "--lang", "it", "--format", "html")
    assert run.code == EXIT_USAGE and "'handout i18n init it'" in run.err  # no catalog to offer


def test_every_option_of_every_command_has_a_description(handout):
    from builder.cli import cli

    def commands(group, prefix=()):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from commands(command, (*prefix, name))
            else:
                yield (*prefix, name), command

    missing = []
    for path, command in commands(cli):
        for param in command.params:
            if getattr(param, "help", None) is None and param.param_type_name == "option":
                missing.append(f"{' '.join(path)} {param.opts[0]}")
    assert missing == []
    run = handout("proof", "--help")
    assert run.code == EXIT_OK
    assert re.search(r"--dpi INTEGER RANGE\s+Resolution", run.out), run.out
