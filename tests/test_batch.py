"""Batch builds: incremental, only what changed is rebuilt, byte-identical, safe when killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import tree_bytes

from builder.errors import EXIT_CONFIG, EXIT_OK


def built(run_err: str) -> int:
    line = next(x for x in run_err.splitlines() if x.startswith("built "))
    return int(line.split()[1].rstrip(","))


def manifest(project: Path) -> dict:
    return json.loads((project / "output" / "manifest.json").read_text())["files"]


def test_unchanged_outputs_are_skipped_and_force_rebuilds(project: Path, handout):
    args = ["build", "--topic", "relapsed-refractory", "--topic", "questions-to-ask",
            "--lang", "en", "--lang", "es", "--format", "html", "--format", "pdf"]
    first = handout(*args)
    assert first.code == EXIT_OK and built(first.err) == 2 * 2 * 3 * 2
    again = handout(*args)
    assert again.code == EXIT_OK and built(again.err) == 0 and "skipped 24" in again.err
    forced = handout(*args, "--force")
    assert built(forced.err) == 24


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
        time.sleep(1.1)  # a build that used the clock would now differ
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
    assert set(after) == set(before)  # no stray or half-written file under a real name
    assert manifest(project) == old_manifest  # the manifest is written last
    rerun = handout(*args)
    assert rerun.code == EXIT_OK
    assert built(rerun.err) >= 1
    final = manifest(project)
    for rel, entry in final.items():
        import hashlib
        assert hashlib.sha256((project / "output" / rel).read_bytes()).hexdigest() == entry["sha256"]


def test_kill_9_during_a_build_leaves_earlier_outputs_intact(project: Path, handout):
    args = ["build", "--topic", "relapsed-refractory", "--lang", "en", "--format", "pdf"]
    assert handout(*args).code == EXIT_OK
    before = tree_bytes(project / "output")
    proc = subprocess.Popen([sys.executable, "-m", "builder", "build", "--all", "--format", "pdf",
                             "--force", "--jobs", "2", "--quiet"], cwd=project,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    time.sleep(4)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    after = tree_bytes(project / "output")
    for rel, data in before.items():
        assert after[rel] == data  # earlier outputs untouched
    assert not [p for p in after if p.endswith(".tmp") and not Path(p).name.startswith(".")]
    rerun = handout(*args)
    assert rerun.code == EXIT_OK
    assert not [p for p in (project / "output").rglob(".*.tmp")]  # leftovers cleaned up
