"""`handout i18n extract`: the .pot templates, one per topic plus glossary, bundles and ui."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract

from builder import __version__
from builder.content import BUNDLES_FILE, Library, load_library
from builder.errors import Problem, display_path
from builder.i18n.messages import Msg, bundle_messages, glossary_messages, topic_messages
from builder.model import BundlesFile, GlossaryFile, Topic
from builder.project import Project
from builder.yamlio import line_of, load_yaml, plain

UI_DOMAIN = "ui"
GLOSSARY_DOMAIN = "glossary"
BUNDLES_DOMAIN = "bundles"
UI_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
               "N_": None}


def extract_content(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                    options: dict[str, Any]) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """A Babel extraction method for handout content files (topics, glossary, bundles).

    Registered as the `handout` extractor, so `pybabel extract` can use it too. Yields one
    `pgettext(context, text)` call per translatable string, at the string's line.
    """
    path = Path(getattr(fileobj, "name", options.get("path", "content.yaml")))
    problems: list[Problem] = []
    data = load_yaml(path, problems) if path.exists() else None
    if data is None:
        return
    for msg in _messages_of(path, data):
        line = line_of(data, msg.loc) or 0
        yield line, "pgettext", (msg.context, msg.text), list(msg.comments)


def _messages_of(path: Path, data: Any) -> Iterator[Msg]:
    if path.name.startswith("glossary"):
        for index, entry in enumerate(GlossaryFile.model_validate(plain(data)).terms):
            yield from glossary_messages(entry, index)
    elif path.name == BUNDLES_FILE:
        for index, bundle in enumerate(BundlesFile.model_validate(plain(data)).bundles):
            yield from bundle_messages(bundle, index)
    else:
        yield from topic_messages(Topic.model_validate(plain(data)))


def new_catalog(domain: str, creation: dt.datetime) -> Catalog:
    return Catalog(domain=domain, project="handout", version=__version__,
                   msgid_bugs_address="translations@handout.invalid",
                   copyright_holder="handout contributors", charset="utf-8",
                   creation_date=creation, revision_date=creation, fuzzy=False)


def _creation_date(lib: Library) -> dt.datetime:
    # From the content, not the clock: extracting twice from the same content gives the same file.
    newest = max((t.review.last_reviewed or t.review.written) for t in lib.topics.values())
    return dt.datetime.combine(newest, dt.time(), tzinfo=dt.UTC)


def build_templates(project: Project) -> dict[str, Catalog]:
    """Every .pot catalog by domain, from the (validated) content, templates and code."""
    lib = load_library(project.content)
    creation = _creation_date(lib)
    catalogs: dict[str, Catalog] = {}

    def add_file(domain: str, path: Path) -> None:
        catalog = catalogs.setdefault(domain, new_catalog(domain, creation))
        with path.open("rb") as handle:
            for line, message, comments, context in extract(
                    extract_content, handle,  # type: ignore[arg-type]
                    keywords={"pgettext": ((1, "c"), 2)}):
                catalog.add(message, None, [(display_path(path), line)],
                            auto_comments=comments, context=context)

    for topic_id in sorted(lib.topics):
        add_file(topic_id, project.content / f"{topic_id}.yaml")
    for path in sorted(project.content.glob("glossary*.yaml")):
        add_file(GLOSSARY_DOMAIN, path)
    if (project.content / BUNDLES_FILE).exists():
        add_file(BUNDLES_DOMAIN, project.content / BUNDLES_FILE)

    ui = catalogs.setdefault(UI_DOMAIN, new_catalog(UI_DOMAIN, creation))
    sources: list[tuple[Path, Any, dict[str, Any]]] = []
    for path in sorted(project.templates.rglob("*.j2")):
        sources.append((path, "jinja2.ext:babel_extract",
                        {"extensions": "jinja2.ext.i18n", "trimmed": "true"}))
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        if not path.is_relative_to(package / "web"):  # the staff pages have their own domain
            sources.append((path, "python", {}))
    for path, method, options in sources:
        with path.open("rb") as handle:
            for line, message, comments, context in extract(
                    method, handle, keywords=UI_KEYWORDS, comment_tags=("Translators:",),
                    options=options, strip_comment_tags=True):
                where = display_path(path)
                if path.is_relative_to(package):
                    where = f"builder/{path.relative_to(package).as_posix()}"
                ui.add(message, None, [(where, line)], auto_comments=comments, context=context)
    return catalogs


def write_templates(project: Project) -> list[Path]:
    from builder.i18n.pofiles import write_catalog

    project.locales.mkdir(parents=True, exist_ok=True)
    written = []
    catalogs = build_templates(project)
    for domain, catalog in catalogs.items():
        path = project.locales / f"{domain}.pot"
        write_catalog(path, catalog, {})
        written.append(path)
    for stale in project.locales.glob("*.pot"):
        if stale.stem not in catalogs:
            stale.unlink()
    return written

