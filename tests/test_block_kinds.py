"""A block kind is one entry in `builder.model.BLOCK_KINDS` (with its model class) and its leaflet
template: extraction, localization, `--verify`, `handout check` and the leaflet all read the table.

The test adds a kind no module of builder/ names, `callout`, and a fixture project using it
(tests/fixtures/block-kind/: a topic and templates/blocks/callout.html.j2), then uses it as a
writer, a translator and a nurse would.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

import pytest
from conftest import pdf_text
from pydantic import Field
from pydantic.fields import FieldInfo

from builder import model
from builder.errors import EXIT_BUILD_FAILED, EXIT_CONTENT, EXIT_OK

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "block-kind"
WARNING = "Call us if your temperature is 38 °C or higher."
AVISO = "Llámenos si su temperatura es de 38 °C o más."


class Callout(model.BlockBase):
    type: Literal["callout"]
    text: model.PerLevel


CALLOUT = model.BlockKind(Callout, strings=("text",), levels_from="text", page_text=("text",),
                          leaflet="blocks/callout.html.j2", deck="bullet", prose=True,
                          claim=True)


def _rebuild_schema() -> None:
    # The schema's union of block models is made from the table when builder.model is imported;
    # a table changed later (as here) needs it made again.
    model.Block = model._block_union()
    model.Topic.model_fields["blocks"] = FieldInfo.from_annotation(
        Annotated[list[model.Block], Field(min_length=1)])  # type: ignore[valid-type]
    model.Topic.model_rebuild(force=True)


@pytest.fixture
def callout(project: Path) -> Iterator[Path]:
    """The project with the fixture's files, and BLOCK_KINDS with the callout entry."""
    shutil.copytree(FIXTURE, project, dirs_exist_ok=True)
    model.BLOCK_KINDS["callout"] = CALLOUT
    _rebuild_schema()
    try:
        yield project
    finally:
        del model.BLOCK_KINDS["callout"]
        _rebuild_schema()


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_without_its_table_entry_the_kind_is_unknown(project: Path, handout):
    shutil.copytree(FIXTURE, project, dirs_exist_ok=True)
    run = handout("check")
    assert run.code == EXIT_CONTENT
    assert "unknown block type 'callout'" in run.err


@pytest.mark.slow
def test_one_table_entry_and_a_template_are_all_a_new_block_kind_needs(callout: Path, handout):
    project = callout
    # Writers: `handout check` reads it (a number is a medical claim; its text is prose).
    check = handout("check", "--lang", "en")
    assert "content/callout-demo.yaml:23: block 'warn' makes a medical claim (number)" in check.out
    # Translators: extraction gives it a context and notes; a translation is printed.
    assert handout("i18n", "extract").code == EXIT_OK
    pot = (project / "locales" / "callout-demo.pot").read_text()
    assert f'msgctxt "callout-demo/warn/all"\nmsgid "{WARNING}"' in pot
    assert "#. Block type: callout." in pot
    assert handout("i18n", "update", "--lang", "es").code == EXIT_OK
    po = project / "locales" / "es" / "LC_MESSAGES" / "callout-demo.po"
    text = po.read_text()
    entry = f'msgctxt "callout-demo/warn/all"\nmsgid "{WARNING}"\nmsgstr ""'
    assert entry in text
    po.write_text(text.replace(entry, entry[:-2] + f'"{AVISO}"'))
    # Nurses: the leaflet prints it with its own template, in each language; --verify finds it.
    run = handout("build", "--topic", "callout-demo", "--lang", "en", "--lang", "es",
                  "--level", "standard", "--format", "pdf", "--format", "html", "--verify")
    assert run.code == EXIT_OK, run.err
    out = project / "output"
    assert '<aside class="callout-note">' in (out / "en/standard/callout-demo.html").read_text()
    assert WARNING in flat(pdf_text(out / "en/standard/callout-demo.pdf"))
    spanish = flat(pdf_text(out / "es/standard/callout-demo.pdf"))
    assert AVISO in spanish and WARNING not in spanish


def test_verify_finds_a_new_kind_missing_from_its_template(callout: Path, handout):
    template = callout / "templates" / "blocks" / "callout.html.j2"
    template.write_text('    <aside class="callout-note"></aside>\n')  # forgets the text
    run = handout("build", "--topic", "callout-demo", "--lang", "en", "--level", "easy",
                  "--format", "pdf", "--verify")
    assert run.code == EXIT_BUILD_FAILED
    assert ("content/callout-demo.yaml:23: callout-demo/warn: text missing from the pdf output "
            f"(en, easy): {WARNING!r}") in run.err
