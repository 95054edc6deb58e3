"""Loading and validating content: every mistake reported as path:line, nothing written."""

from __future__ import annotations

from pathlib import Path

from conftest import REPO, tree_bytes

from builder.content import load_library
from builder.errors import EXIT_CONTENT, ContentError
from builder.model import LEVELS


def test_repository_content_is_valid_and_complete():
    lib = load_library(REPO / "content")
    assert len(lib.topics) >= 11
    for topic in lib.topics.values():
        assert lib.topic_levels(topic.id) == set(LEVELS), topic.id
        assert topic.sources, topic.id
        assert topic.review.status == "draft"  # not clinically reviewed yet: leaflets say so
    assert {"new-relapse", "support-group-session"} <= set(lib.bundles)


def test_three_mistakes_give_three_located_messages_and_nothing_is_written(project: Path, handout):
    path = project / "content" / "relapsed-refractory.yaml"
    text = path.read_text()
    text = text.replace('version: "1.0"', 'version: "1.0"\ncolour: red', 1)
    text = text.replace("type: paragraph", "type: paragraf", 1)
    text = text.replace("      easy: Myeloma can change over",
                        "      eazy: Myeloma can change over", 1)
    path.write_text(text)
    lines = text.splitlines()
    before = tree_bytes(project / "output") if (project / "output").exists() else {}

    run = handout("build", "--topic", "relapsed-refractory", "--lang", "en", "--level", "easy",
                  "--format", "pdf")

    assert run.code == EXIT_CONTENT
    errors = [line for line in run.err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 3, run.err
    expected_lines = {
        lines.index("colour: red") + 1,
        next(i for i, line in enumerate(lines) if "type: paragraf" in line) + 1,
        next(i for i, line in enumerate(lines) if "eazy:" in line) + 1,
    }
    found_lines = {int(e.split(":")[2]) for e in errors}
    assert found_lines == expected_lines
    assert all(e.startswith("error: content/relapsed-refractory.yaml:") for e in errors)
    assert "unknown key 'colour'" in run.err
    assert "unknown block type 'paragraf'" in run.err
    assert "unknown reading level 'eazy'" in run.err
    assert "Traceback" not in run.err
    after = tree_bytes(project / "output") if (project / "output").exists() else {}
    assert after == before


def test_norway_stays_a_string(tmp_path: Path):
    # YAML 1.1 would turn `no` into False; our loader is YAML 1.2.
    content = tmp_path / "content"
    content.mkdir()
    (content / "glossary.yaml").write_text("terms:\n  - id: no\n    term: no\n    text: no\n")
    src = (REPO / "content" / "relapsed-refractory.yaml").read_text().replace(
        "terms: [", "terms: [no, ", 1)
    (content / "relapsed-refractory.yaml").write_text(src)
    try:
        lib = load_library(content)
    except ContentError as exc:  # other terms of the topic are not in this glossary
        assert "'no'" not in str(exc) and "False" not in str(exc)
    else:
        assert lib.glossary["no"].term == "no"


def test_duplicate_block_id_and_missing_bundle_topic(project: Path):
    path = project / "content" / "relapsed-refractory.yaml"
    path.write_text(path.read_text().replace("id: myeloma-damage", "id: myeloma-basics"))
    bundles = project / "content" / "bundles.yaml"
    bundles.write_text(bundles.read_text().replace("questions-to-ask]", "no-such-topic]", 1))
    try:
        load_library(project / "content")
    except ContentError as exc:
        text = str(exc)
    else:
        raise AssertionError("expected a ContentError")
    assert "duplicate block id 'myeloma-basics'" in text
    assert "names unknown topic 'no-such-topic'" in text
    assert "content/bundles.yaml:" in text
