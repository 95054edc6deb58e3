"""Batch builds: incremental, only what changed is rebuilt, byte-identical, safe when killed."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, tree_bytes

from builder.errors import EXIT_CONFIG, EXIT_OK


def built(run_err: str) -> int:
    line = next(x for x in run_err.splitlines() if x.startswith("built "))
    return int(line.split()[1].rstrip(","))


def manifest(project: Path) -> dict:
    return json.loads((project / "output" / "manifest.json").read_text())["files"]


@pytest.mark.slow
def test_unchanged_outputs_are_skipped_and_force_rebuilds(project: Path, handout):
    args = ["build", "--topic", "relapsed-refractory", "--topic", "questions-to-ask",
            "--lang", "en", "--lang", "es", "--format", "html", "--format", "pdf"]
    first = handout(*args)
    assert first.code == EXIT_OK and built(first.err) == 2 * 2 * 3 * 2
    again = handout(*args)
    assert again.code == EXIT_OK and built(again.err) == 0 and "skipped 24" in again.err
    forced = handout(*args, "--force")
    assert built(forced.err) == 24


@pytest.mark.slow
def test_editing_one_block_rebuilds_only_the_outputs_that_show_it(project: Path, handout):
    args = ["build", "--all", "--lang", "en", "--lang", "de", "--format", "html"]
    assert handout(*args).code == EXIT_OK
    before = manifest(project)
    # This block exists at the easy level only; relapsed-refractory is in two bundles, and
    # new-relapse's leaflet does not carry it (content/bundles.yaml, `carry`).
    path = project / "content" / "relapsed-refractory.yaml"
    old = "The cancer cells push out healthy blood cells."
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, "The cancer cells crowd out healthy blood cells."))

    run = handout(*args)
    assert run.code == EXIT_OK, run.err
    after = manifest(project)
    changed = {p for p in after if after[p]["sha256"] != before[p]["sha256"]}
    expected = {f"{lang}/easy/{doc}.html" for lang in ("en", "de")
                for doc in ("relapsed-refractory", "support-group-session")}
    assert changed == expected
    assert built(run.err) == len(expected)


@pytest.mark.slow  # four documents built twice, 2 s apart
@pytest.mark.parametrize("epoch", ["1767225600", "1798761600"])
def test_two_builds_of_the_same_inputs_are_byte_identical(project: Path, handout, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch, epoch):
    # Without SOURCE_DATE_EPOCH the print date is the day of the build: set it, as packagers do.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    outputs = []
    for name in ("one", "two"):
        out = tmp_path / name
        run = handout("build", "--topic", "supportive-care", "--lang", "en", "--lang", "zh_Hans",
                      "--level", "easy", "--format", "pdf", "--format", "pptx", "--out", str(out))
        assert run.code == EXIT_OK, run.err
        outputs.append(tree_bytes(out))
        # Zip entry times have a resolution of 2 s: a build that stamped them with the clock
        # would differ only if more than 2 s lie between the two.
        time.sleep(2.1)
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 5  # 4 documents and the manifest


def test_malformed_source_date_epoch_is_refused(project: Path, handout,
                                                monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    run = handout("build", "--topic", "supportive-care", "--lang", "en", "--format", "html")
    assert run.code == EXIT_CONFIG and "SOURCE_DATE_EPOCH" in run.err
    assert not (project / "output" / "en").exists()


def test_a_crash_while_writing_leaves_every_file_whole_and_the_next_run_finishes(
        project: Path, handout, monkeypatch: pytest.MonkeyPatch):
    args = ["build", "--topic", "drug-classes", "--lang", "en", "--lang", "fr", "--format", "html",
            "--jobs", "1"]
    assert handout(*args).code == EXIT_OK
    before = tree_bytes(project / "output")
    old_manifest = manifest(project)
    for path in (project / "content").glob("drug-classes.yaml"):
        path.write_text(path.read_text().replace("Proteasome inhibitors", "Proteasome Inhibitors"))

    import builder.output as output_module

    real_replace = output_module.os.replace
    calls = {"n": 0}

    def dying_replace(src: str, dst: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the process dies half-way through renaming outputs
        real_replace(src, dst)

    monkeypatch.setattr(output_module.os, "replace", dying_replace)
    from builder.cli import main

    assert main(args) != EXIT_OK  # interrupted (Ctrl-C): "aborted"
    monkeypatch.setattr(output_module.os, "replace", real_replace)

    after = tree_bytes(project / "output")
    assert after == before  # every output put back as it was; no stray or half-written file
    assert manifest(project) == old_manifest  # the manifest is written last
    rerun = handout(*args)
    assert rerun.code == EXIT_OK
    assert built(rerun.err) >= 1
    final = manifest(project)
    for rel, entry in final.items():
        import hashlib
        assert hashlib.sha256((project / "output" / rel).read_bytes()).hexdigest() == entry["sha256"]


# Run as `python -c CODE build ...`: the build, paused for good after it renamed its first output
# into place (the files it renames next are still temp files), so a kill -9 lands in the middle
# of the renames, the one moment a crash can leave old and new outputs side by side.
PAUSE_AFTER_FIRST_RENAME = """
import os, sys, time
out, marker = os.environ["HANDOUT_TEST_OUT"], os.environ["HANDOUT_TEST_MARKER"]
rename = os.replace

def replace(src, dst, *args, **kwargs):
    rename(src, dst, *args, **kwargs)
    path = os.fspath(dst)
    name = os.path.basename(path)
    if path.startswith(out) and not name.startswith(".") and name != "manifest.json" \\
            and not os.path.exists(marker):
        open(marker, "w").close()
        time.sleep(600)

os.replace = replace
from builder.cli import main
sys.exit(main(sys.argv[1:]))
"""
KILL_ARGS = ["build", "--all", "--lang", "en", "--level", "easy", "--format", "html",
             "--jobs", "1", "--quiet"]


@pytest.mark.slow
def test_kill_9_between_two_renames_leaves_every_file_whole_and_the_next_build_repairs_it(
        project: Path, handout, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    out = project / "output"
    assert handout(*KILL_ARGS).code == EXIT_OK
    old = tree_bytes(out)
    clinic = project / "templates" / "clinic" / "demo.yaml"  # printed on every output
    clinic.write_text(clinic.read_text().replace("Demo Myeloma Clinic", "Demo Myeloma Centre"))
    # The same build into a folder as deep as output/ (HTML names assets relative to itself).
    assert handout(*KILL_ARGS, "--out", str(project / "expected")).code == EXIT_OK
    new = {p: d for p, d in tree_bytes(project / "expected").items() if p != "manifest.json"}
    assert new.keys() == old.keys() - {"manifest.json"} and len(new) == 15
    assert all(new[p] != old[p] for p in new)

    marker = project.parent / "renamed-one"
    env = {**os.environ, "HANDOUT_TEST_OUT": str(out), "HANDOUT_TEST_MARKER": str(marker),
           "PYTHONPATH": str(REPO)}  # this checkout's builder/, whatever is installed
    proc = subprocess.Popen([sys.executable, "-c", PAUSE_AFTER_FIRST_RENAME, *KILL_ARGS],
                            cwd=project, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 300
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    ended = proc.poll() is not None
    if not ended:
        os.killpg(proc.pid, signal.SIGKILL)
    _, err = proc.communicate()
    assert not ended and marker.exists(), f"the build was not stopped after a rename:\n{err}"

    after = tree_bytes(out)
    shown = {p: d for p, d in after.items() if not Path(p).name.startswith(".")}
    assert shown.keys() == old.keys()  # no file gained or lost a real name
    assert shown["manifest.json"] == old["manifest.json"]  # the manifest is written last
    outputs = [p for p in shown if p != "manifest.json"]
    assert all(shown[p] in (old[p], new[p]) for p in outputs)  # each file whole: old or new
    assert [p for p in outputs if shown[p] == new[p]] != []  # killed after a rename ...
    assert [p for p in after if p.endswith(".tmp")] != []  # ... before the others

    rerun = handout(*KILL_ARGS)
    assert rerun.code == EXIT_OK, rerun.err
    final = tree_bytes(out)
    assert not [p for p in final if p.endswith(".tmp")]  # the killed build's temp files are gone
    assert {p: d for p, d in final.items() if p != "manifest.json"} == new
    for rel, entry in manifest(project).items():
        assert hashlib.sha256(final[rel]).hexdigest() == entry["sha256"]


@pytest.mark.parametrize("text, why", [
    ('{"files": {"en/easy/relapsed-refractory.html": ', "is not valid JSON (Expecting value, "
     "column 48)"),
    ("[]", 'is not a handout manifest (no "files" object)'),
])
@pytest.mark.slow
def test_a_corrupt_manifest_is_reported_then_every_output_is_rebuilt(project: Path, handout,
                                                                      text: str, why: str):
    args = ["build", "--topic", "relapsed-refractory", "--lang", "en", "--level", "easy",
            "--format", "html"]
    assert handout(*args).code == EXIT_OK
    (project / "output" / "manifest.json").write_text(text)  # e.g. cut short by a full disk
    run = handout(*args)
    assert run.code == EXIT_OK, run.err
    line = ":1" if "JSON" in why else ""
    assert (f"warning: output/manifest.json{line}: the manifest {why}: every output is built "
            "again and the manifest written anew") in run.err
    assert built(run.err) == 1
    entry = manifest(project)["en/easy/relapsed-refractory.html"]
    data = (project / "output" / "en/easy/relapsed-refractory.html").read_bytes()
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
