"""Load and validate the content base: every problem of every file, reported in one run."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.cache import cache_key, cached
from builder.characters import show
from builder.errors import ContentError, Problem, Where, display_path
from builder.model import (
    BLOCK_KINDS,
    LEVELS,
    BlockBase,
    Bundle,
    BundlesFile,
    GlossaryEntry,
    GlossaryFile,
    Image,
    Level,
    Topic,
    at_level,
)
from builder.yamlio import line_of, load_yaml, validate

GLOSSARY_FILE = "glossary.yaml"
BUNDLES_FILE = "bundles.yaml"
IMAGE_SUFFIXES = {".svg", ".png", ".jpg", ".jpeg"}
IMAGES_DIR = "images"  # the renderer reads content images from content/images/ only


@dataclass
class Library:
    """The validated content base, with the origin of every topic, block, term and bundle."""

    root: Path
    topics: dict[str, Topic] = field(default_factory=dict)
    glossary: dict[str, GlossaryEntry] = field(default_factory=dict)
    bundles: dict[str, Bundle] = field(default_factory=dict)
    where: dict[tuple[str, ...], Where] = field(default_factory=dict)
    file_digest: dict[str, str] = field(default_factory=dict)  # topic id -> sha256 of its file
    invalid: set[str] = field(default_factory=set)  # topic files that failed validation

    def topic_levels(self, topic_id: str) -> set[Level]:
        topic = self.topics[topic_id]
        return set().union(*(b.levels() for b in topic.blocks))

    def block_where(self, topic_id: str, block_id: str) -> Where:
        return self.where[("block", topic_id, block_id)]

    def image_path(self, image: Image) -> Path:
        return (self.root / image.src).resolve()


def load_library(root: Path, cache: Path | None = None) -> Library:
    """Read `root` (the content folder); raise ContentError listing every problem found.

    Parsing YAML with line numbers is slow (pure Python); a valid library is cached by the
    digest of its files, so an unchanged content base loads in milliseconds.
    """
    if cache is None or not root.is_dir():
        return _load_library(root)
    # The block kinds are part of the rules: a kind added at run time (a plugin) is not in the
    # package's source the cache key is made from.
    parts: list[bytes | str] = [str(root.resolve()), str(Path.cwd()), ",".join(BLOCK_KINDS)]
    for path in sorted(root.glob("*.y*ml")):
        parts += [path.name, path.read_bytes()]
    for path in sorted((root / "images").glob("*")) if (root / "images").is_dir() else []:
        # Images are checked when loading (an SVG may not refer to other files): a changed
        # image must invalidate the cache, not only a renamed one.
        stat = path.stat()
        parts.append(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return cached(cache, "library", cache_key("library;v2", *parts), Library,
                  lambda: _load_library(root))


def _load_library(root: Path) -> Library:
    problems: list[Problem] = []
    lib = Library(root=root.resolve())
    if not root.is_dir():
        raise ContentError.at(root, None, "content folder not found: run handout in the "
                              "project folder or pass --project DIR")

    for path in sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml")):
        if path.suffix == ".yml" and (path.stem == "bundles" or path.name.startswith("glossary")):
            problems.append(Problem(display_path(path), None, "glossary and bundle files are "
                                    f"read only as .yaml: rename it to {path.stem}.yaml"))
            continue
        if path.name == BUNDLES_FILE or path.name.startswith("glossary"):
            continue
        _load_topic(path, lib, problems)
    for path in sorted(root.glob("glossary*.yaml")):
        _load_glossary(path, lib, problems)
    _load_bundles(root / BUNDLES_FILE, lib, problems)
    if not lib.topics and not problems:
        problems.append(Problem(display_path(root), None, "no topic files (*.yaml) found: add "
                                "one topic per file (see README, content format)"))
    _cross_check(lib, problems)
    if problems:
        raise ContentError(problems)
    return lib


def _load_topic(path: Path, lib: Library, problems: list[Problem]) -> None:
    data = load_yaml(path, problems)
    if data is None:  # already reported; bundles naming it are not "unknown topic" errors
        lib.invalid.add(path.stem)
        return
    shown = display_path(path)
    topic = validate(Topic, data, path, problems)
    if not isinstance(topic, Topic):
        lib.invalid.add(path.stem)  # already reported; do not report it again as "unknown"
        return
    if topic.id in lib.topics:
        problems.append(Problem(shown, line_of(data, ["id"]),
                                f"duplicate topic id '{topic.id}' (also in "
                                f"{lib.where[('topic', topic.id)]}): give each topic its own id"))
        return
    if path.stem != topic.id:
        problems.append(Problem(shown, line_of(data, ["id"]),
                                f"topic id '{topic.id}' must match the file name "
                                f"'{path.stem}': rename the file or change the id"))
    lib.topics[topic.id] = topic
    lib.where[("topic", topic.id)] = Where(shown, line_of(data, ["id"]))
    if topic.pages is not None:
        lib.where[("pages", "topic", topic.id)] = Where(shown, line_of(data, ["pages"]))
    lib.file_digest[topic.id] = hashlib.sha256(path.read_bytes()).hexdigest()
    source_ids = _source_ids(topic, data, shown, problems)
    _check_blocks(topic, data, shown, source_ids, lib, problems)


def _source_ids(topic: Topic, data: Any, shown: str, problems: list[Problem]) -> dict[str, int]:
    """The topic's source ids (to the index of the source); a repeated id is a problem."""
    source_ids: dict[str, int] = {}
    for index, source in enumerate(topic.sources):
        if source.id is None:
            continue
        if source.id in source_ids:
            problems.append(Problem(shown, line_of(data, ["sources", index, "id"]),
                                    f"duplicate source id '{source.id}': give each source its "
                                    "own id"))
        source_ids[source.id] = index
    return source_ids


def _check_blocks(topic: Topic, data: Any, shown: str, source_ids: dict[str, int],
                  lib: Library, problems: list[Problem]) -> None:
    """Each block cites known sources, has its own id and a place; images are checked."""
    seen: dict[str, int | None] = {}
    for index, block in enumerate(topic.blocks):
        for pos, cited in enumerate(block.cites):
            if cited not in source_ids:
                known = ", ".join(source_ids) or "none: give the topic's sources an 'id'"
                problems.append(Problem(shown, line_of(data, ["blocks", index, "cites", pos]),
                                        f"block '{block.id}' cites unknown source '{cited}': "
                                        f"use an id from this topic's sources (known: {known})"))
        line = line_of(data, ["blocks", index])
        if block.id in seen:
            problems.append(Problem(shown, line, f"duplicate block id '{block.id}' "
                                    f"(first used on line {seen[block.id]}): give each block "
                                    "its own id"))
        seen[block.id] = line
        lib.where[("block", topic.id, block.id)] = Where(shown, line)
        if isinstance(block, Image):
            _check_image(block, lib, shown, line, problems)


def _check_image(block: Image, lib: Library, shown: str, line: int | None,
                 problems: list[Problem]) -> None:
    src = block.src
    shown_src = show(src, 60)
    images = lib.root / IMAGES_DIR
    if "://" in src or src.startswith(("/", "\\")) or ":" in src:
        problems.append(Problem(shown, line, f"image {shown_src} must be a path inside the content "
                                f"folder (e.g. {IMAGES_DIR}/marrow.svg), not an address or "
                                "absolute path: copy the image into content/images/"))
        return
    target = (lib.root / src).resolve()
    if not target.is_relative_to(images.resolve()):
        problems.append(Problem(shown, line, f"image {shown_src} is outside content/{IMAGES_DIR}/ "
                                "(the only folder images are read from): copy it there and "
                                f"write src: {IMAGES_DIR}/<file name>"))
    elif target.suffix.lower() not in IMAGE_SUFFIXES:
        problems.append(Problem(shown, line, f"image {shown_src} must be SVG, PNG or JPEG: "
                                "convert it to one of these"))
    elif not target.is_file():
        problems.append(Problem(shown, line, f"image {shown_src} not found: check the file "
                                f"name (paths are relative to content/)"))
    else:
        why = image_problem(target)
        if why:
            problems.append(Problem(shown, line, f"image {shown_src}: {why}"))


_SVG_REF = re.compile(r"""(?<![\w-])(?:xlink:)?(?:href|src)\s*=\s*(["'])(.*?)\1"""
                      r"""|url\(\s*["']?([^"')]*)|@import\s+["']?([^"';\s]*)""",
                      re.IGNORECASE | re.DOTALL)
_MAGIC = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",)}
MAX_IMAGE_BYTES = 5_000_000


def image_problem(path: Path) -> str | None:
    """Why an image file may not be printed, or None.

    An SVG is a document that can load other files and addresses (`<image href="file:///…">`,
    `url(http://…)`); the renderer refuses those at print time, but the author should hear it
    here, with the file named.
    """
    try:
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            return (f"the file is {size / 1e6:.1f} MB; at most {MAX_IMAGE_BYTES / 1e6:.0f} MB: "
                    "make it smaller")
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot read the file ({exc.strerror}): check its permissions"
    suffix = path.suffix.lower()
    if suffix in _MAGIC:
        if not data.startswith(_MAGIC[suffix]):
            return f"the file is not a {suffix[1:].upper()} image: export it again"
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "the SVG is not UTF-8 text: export it again as plain SVG"
    return _svg_problem(text)


def _svg_problem(text: str) -> str | None:
    """Why an SVG's text may not be printed (not an SVG, declarations, scripts, references)."""
    if "<svg" not in text:
        return "the file is not an SVG image: export it again"
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered:
        return "the SVG declares a DOCTYPE or ENTITY: delete that declaration"
    if "<script" in lowered or "<foreignobject" in lowered:
        return "the SVG contains a script or foreign object: export it as a plain drawing"
    for match in _SVG_REF.finditer(text):
        ref = next((g for g in match.groups()[1:] if g), "").strip()
        if ref and not ref.startswith("#"):
            return (f"the SVG refers to {show(ref, 60)}: an image may not load other files or "
                    "addresses; embed the picture in the SVG or remove the reference")
    return None


def _load_glossary(path: Path, lib: Library, problems: list[Problem]) -> None:
    if not path.exists():
        return
    data = load_yaml(path, problems)
    if data is None:
        return
    parsed = validate(GlossaryFile, data, path, problems)
    if not isinstance(parsed, GlossaryFile):
        return
    for index, entry in enumerate(parsed.terms):
        line = line_of(data, ["terms", index])
        if entry.id in lib.glossary:
            problems.append(Problem(display_path(path), line, f"duplicate glossary id "
                                    f"'{entry.id}' (also at {lib.where[('term', entry.id)]}): "
                                    "keep one definition"))
            continue
        lib.glossary[entry.id] = entry
        lib.where[("term", entry.id)] = Where(display_path(path), line)


def _load_bundles(path: Path, lib: Library, problems: list[Problem]) -> None:
    if not path.exists():
        return
    data = load_yaml(path, problems)
    if data is None:
        return
    parsed = validate(BundlesFile, data, path, problems)
    if not isinstance(parsed, BundlesFile):
        return
    for index, bundle in enumerate(parsed.bundles):
        line = line_of(data, ["bundles", index])
        if bundle.id in lib.bundles:
            problems.append(Problem(display_path(path), line, f"duplicate bundle id '{bundle.id}': "
                                    "give each bundle its own id"))
        lib.bundles[bundle.id] = bundle
        lib.where[("bundle", bundle.id)] = Where(display_path(path), line)
        if bundle.pages is not None:
            lib.where[("pages", "bundle", bundle.id)] = Where(
                display_path(path), line_of(data, ["bundles", index, "pages"]))
        for pos, _topic_id in enumerate(bundle.topics):
            lib.where[("bundle-topic", bundle.id, str(pos))] = Where(
                display_path(path), line_of(data, ["bundles", index, "topics", pos]))
        for topic_id, block_ids in bundle.carry.items():
            for pos, _block_id in enumerate(block_ids):
                lib.where[("bundle-carry", bundle.id, topic_id, str(pos))] = Where(
                    display_path(path), line_of(data, ["bundles", index, "carry", topic_id, pos]))


def _cross_check(lib: Library, problems: list[Problem]) -> None:
    for bundle in lib.bundles.values():
        if bundle.id in lib.topics:
            w = lib.where[("bundle", bundle.id)]
            problems.append(Problem(w, None, f"bundle id '{bundle.id}' is also a topic id: "
                                    "rename the bundle"))
        for pos, topic_id in enumerate(bundle.topics):
            if topic_id not in lib.topics and topic_id not in lib.invalid:
                w = lib.where[("bundle-topic", bundle.id, str(pos))]
                known = ", ".join(sorted(lib.topics)) or "none"
                problems.append(Problem(w, None, f"bundle '{bundle.id}' names unknown "
                                        f"topic '{topic_id}': correct the id or remove it from the "
                                        f"list (known topics: {known})"))
        _check_carry(lib, bundle, problems)
    for topic in lib.topics.values():
        w = lib.where[("topic", topic.id)]
        for term in topic.all_terms():
            if term not in lib.glossary:
                problems.append(Problem(w, None, f"topic '{topic.id}' lists glossary term "
                                        f"'{term}' that no glossary*.yaml defines: add the term "
                                        "to the glossary or remove it from 'terms'"))
        levels = lib.topic_levels(topic.id)
        for level in LEVELS:
            if level not in levels:
                problems.append(Problem(w, None,
                                        f"topic '{topic.id}' has no block at level '{level}': "
                                        f"give at least one block a '{level}:' text"))
            elif at_level(topic.title, level) is None or at_level(topic.summary, level) is None:
                problems.append(Problem(w, None,
                                        f"topic '{topic.id}' needs a title and summary at "
                                        f"'{level}': add '{level}:' to both, or write one text "
                                        "for every level"))


def _check_carry(lib: Library, bundle: Bundle, problems: list[Problem]) -> None:
    """`carry` names topics of the bundle and blocks of those topics, each once."""
    for topic_id, block_ids in bundle.carry.items():
        first = lib.where[("bundle-carry", bundle.id, topic_id, "0")]
        if topic_id not in bundle.topics:
            problems.append(Problem(first.path, first.line, f"bundle '{bundle.id}': 'carry' "
                                    f"names topic '{topic_id}', which is not in its 'topics': "
                                    f"use one of {', '.join(bundle.topics)}"))
            continue
        topic = lib.topics.get(topic_id)
        if topic is None:
            continue  # already reported
        known = [b.id for b in topic.blocks]
        seen: set[str] = set()
        for pos, block_id in enumerate(block_ids):
            w = lib.where[("bundle-carry", bundle.id, topic_id, str(pos))]
            if block_id not in known:
                problems.append(Problem(w.path, w.line, f"bundle '{bundle.id}' carries unknown "
                                        f"block '{block_id}' of topic '{topic_id}': use a block "
                                        f"id of {lib.where[('topic', topic_id)].path}"))
            elif block_id in seen:
                problems.append(Problem(w.path, w.line, f"bundle '{bundle.id}' carries block "
                                        f"'{block_id}' of topic '{topic_id}' twice: name it once"))
            seen.add(block_id)


def blocks_at(topic: Topic, level: Level) -> list[BlockBase]:
    return [b for b in topic.blocks if level in b.levels()]
