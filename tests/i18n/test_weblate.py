"""Our catalogs as Weblate reads and checks them: translate-toolkit (Weblate's PO storage, and the
pofilter checks many of Weblate's are modelled on) parses every catalog as we do, writes one back
so our QA still passes, and its checks we care about pass. See README "Translating in Weblate"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder.i18n.catalog import read_catalog
from builder.i18n.pofiles import read_previous
from builder.i18n.workflow import locale_dirs
from builder.project import Project

pypo = pytest.importorskip("translate.storage.pypo")
checks = pytest.importorskip("translate.filters.checks")

REPO = Path(__file__).resolve().parents[2]
# Placeholders ({clinic_phone}, %(lang)s), markup tags, e-mail addresses, escapes, line breaks:
# none may differ, in any catalog.
STRICT = ["pythonbraceformat", "printf", "variables", "xmltags", "emails", "escapes", "newlines"]
# pofilter's own tokenizers misread two things our QA accepts (README "Translating in Weblate"):
# a Markdown link target followed by text, "(https://x.org)." vs "(https://x.org)上搜索", and
# a decimal comma, "100.4" vs "100,4". These pass once those two are written the same way.
LENIENT = ["urls", "numbers"]
_LINK_RE = re.compile(r"\]\((https?://[^)\s]+)\)")
_DECIMAL_COMMA_RE = re.compile(r"(?<=\d),(?=\d)")


def catalogs(project: Project) -> list[tuple[str, Path]]:
    return [(lang, path) for lang in locale_dirs(project, pseudo=True)
            for path in sorted((project.locales / lang / "LC_MESSAGES").glob("*.po"))]


def failures(path: Path, names: list[str], normalize=lambda text: text) -> list[str]:  # type: ignore[no-untyped-def]
    checker = checks.StandardChecker(limitfilters=names)
    found = []
    for unit in pypo.pofile.parsefile(str(path)).units:
        if unit.isheader() or not unit.istranslated():
            continue
        if normalize is not None:
            unit.source, unit.target = normalize(unit.source), normalize(unit.target)
        for name, why in checker.run_filters(unit).items():
            found.append(f"{path}: {unit.getcontext() or unit.source[:40]}: {name}: {why}")
    return found


def lenient(text: str) -> str:
    return _DECIMAL_COMMA_RE.sub(".", _LINK_RE.sub(r"] \1 ", text))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The shipped catalogs and, beside them, the pseudo-locales."""
    import shutil

    from builder.i18n.workflow import write_pseudo

    root = tmp_path_factory.mktemp("weblate")
    shutil.copytree(REPO / "locales", root / "locales", ignore=shutil.ignore_patterns("*.mo"))
    (root / "content").mkdir()
    write_pseudo(Project(root))
    return Project(root)


@pytest.mark.slow
def test_translate_toolkit_reads_every_catalog_as_we_do(project: Project) -> None:
    files = catalogs(project)
    assert len(files) >= 13 * 14  # eleven languages and two pseudo-locales, fourteen catalogs
    for lang, path in files:
        ours, problems = read_catalog(path, lang)
        assert ours is not None and problems == [], (path, problems[:2])
        store = pypo.pofile.parsefile(str(path))
        theirs = {(u.getcontext() or None, u.source): (u.target, u.isfuzzy())
                  for u in store.units if not u.isheader() and not u.isobsolete()}
        assert theirs == {key: (e.msgstr, e.fuzzy) for key, e in ours.entries.items()}, path
        assert store.parseheader()["X-Review-Status"] == ours.headers["X-Review-Status"]


@pytest.mark.slow
def test_pofilter_checks_pass_on_every_catalog(project: Project) -> None:
    found: list[str] = []
    for _lang, path in catalogs(project):
        found += failures(path, STRICT)
        found += failures(path, LENIENT, lenient)
    assert found == []


def test_the_lenient_checks_differ_only_where_pofilter_misreads_markdown_links_and_decimal_commas(
        project: Project) -> None:
    raw = [f for _lang, path in catalogs(project) for f in failures(path, LENIENT)]
    assert raw, "pofilter reads these as differences (so the README's note is needed)"
    assert all(": urls: " in f or ": numbers: " in f for f in raw)


def test_the_checks_catch_a_dropped_placeholder_and_a_changed_number(tmp_path: Path) -> None:
    source = (REPO / "locales" / "es" / "LC_MESSAGES" / "ui.po").read_text("utf-8")
    broken = tmp_path / "ui.po"
    changed = source.replace('"Una temperatura de 38 °C', '"Una temperatura de 39 °C', 1)
    assert changed != source
    placeholder = re.search(r'msgstr "([^"\n]*)%\(lang\)s', changed)
    assert placeholder
    changed = changed.replace(placeholder.group(0), f'msgstr "{placeholder.group(1)}', 1)
    broken.write_text(changed, encoding="utf-8")
    found = failures(broken, STRICT) + failures(broken, LENIENT, lenient)
    assert any(": printf: " in f for f in found) and any(": numbers: " in f for f in found)


def test_a_catalog_written_back_by_translate_toolkit_keeps_our_headers_and_previous_english(
        tmp_path: Path) -> None:
    path = tmp_path / "relapsed-refractory.po"
    text = (REPO / "locales" / "es" / "LC_MESSAGES" / "relapsed-refractory.po").read_text("utf-8")
    # an entry `handout i18n update` made stale: fuzzy, with the English it was made from
    context = "relapsed-refractory/@title/standard"
    text = text.replace(f'msgctxt "{context}"',
                        f'#, fuzzy\n#| msgctxt "{context}"\n#| msgid "Relapsed myeloma"\n'
                        f'msgctxt "{context}"', 1)
    path.write_text(text, encoding="utf-8")
    store = pypo.pofile.parsefile(str(path))
    unit = next(u for u in store.units if u.getcontext() == "relapsed-refractory/@title/easy")
    unit.target = "Cuando el mieloma regresa"  # what a translator does in Weblate
    path.write_bytes(bytes(store))
    ours, problems = read_catalog(path, "es")
    assert problems == [] and ours is not None
    assert ours.by_context["relapsed-refractory/@title/easy"].msgstr == "Cuando el mieloma regresa"
    assert ours.by_context[context].fuzzy
    assert read_previous(path.read_text("utf-8"))[context] == "Relapsed myeloma"
    assert ours.headers["X-Review-Status"] == "draft" and "X-Source-Language" in ours.headers
