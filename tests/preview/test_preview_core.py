"""The live preview's core: what a save re-reads, and what each entry's pin says."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from builder.preview.edit import msgid_of, set_msgstr

TOPIC = "relapsed-refractory"


@pytest.fixture
def hub(project: Path):  # type: ignore[no-untyped-def]
    from builder.preview.hub import Hub
    from builder.project import Project

    found = Hub(Project(project), watch=False)
    yield found
    found.close()


def open_preview(hub, lang: str = "fr", level: str = "standard", doc: str = TOPIC):  # type: ignore[no-untyped-def]
    key, preview = hub.open(hub.project.templates / "clinic" / "demo.yaml",
                            hub.target(lang, doc, level))
    return key, preview


def entry(snapshot: dict[str, Any], ctx: str) -> dict[str, Any]:
    return next(e for e in snapshot["entries"] if e["ctx"] == ctx)


def po(project: Path, lang: str = "fr", domain: str = TOPIC) -> Path:
    return project / "locales" / lang / "LC_MESSAGES" / f"{domain}.po"


PARAGRAPH = f"{TOPIC}/myeloma-basics/standard"


def test_saving_one_po_file_parses_that_file_again_and_nothing_else(hub, project: Path) -> None:  # type: ignore[no-untyped-def]
    key, preview = open_preview(hub)
    ws = preview.ws
    library = ws.lib
    reads = {path: f.reads for path, f in ws.files.items()}
    assert len(reads) >= 14 and set(reads.values()) == {1}
    before = preview.version
    target = po(project)
    set_msgstr(target, PARAGRAPH, "Le myélome est un cancer des plasmocytes, tout simplement.")
    assert hub.apply([target]) == [key]
    after = {path: f.reads for path, f in ws.files.items()}
    assert after[target.resolve()] == 2
    assert {p: n for p, n in after.items() if p != target.resolve()} == \
        {p: n for p, n in reads.items() if p != target.resolve()}
    assert ws.lib is library  # the content was not read again
    shown = entry(preview.snapshot, PARAGRAPH)
    # One refresh; the pages the longer paragraph pushed on are drawn just after it.
    assert preview.version in (before + 1, before + 2)
    assert shown["translation"] == shown["shown"] == \
        "Le myélome est un cancer des plasmocytes, tout simplement."
    assert shown["state"] == "ok" and shown["boxes"]


def test_a_save_elsewhere_in_the_language_does_not_redraw_the_pages(hub, project: Path) -> None:  # type: ignore[no-untyped-def]
    _key, preview = open_preview(hub)
    version, pages = preview.version, preview.snapshot["pages"]
    other = po(project, domain="clinical-trials")
    set_msgstr(other, "clinical-trials/@title/standard", "Les essais cliniques, autrement")
    assert hub.apply([other]) == []  # nothing this leaflet shows changed
    assert preview.version == version and preview.snapshot["pages"] == pages


def test_a_changed_number_pins_the_entry_with_its_po_line_and_prints_the_english(  # type: ignore[no-untyped-def]
        hub, project: Path, handout) -> None:
    _key, preview = open_preview(hub)
    target = po(project)
    english = msgid_of(target, PARAGRAPH)
    line = set_msgstr(target, PARAGRAPH, "Le myélome touche 3 sortes de cellules du sang.")
    hub.apply([target])
    pinned = entry(preview.snapshot, PARAGRAPH)
    assert pinned["state"] == "qa" and pinned["line"] == line
    assert pinned["po"].endswith(f"locales/fr/LC_MESSAGES/{TOPIC}.po")
    assert any("numbers differ" in p and "3" in p for p in pinned["problems"])
    assert pinned["in_english"] and pinned["shown"] == english  # as a build would refuse it
    assert pinned["translation"] == "Le myélome touche 3 sortes de cellules du sang."
    assert preview.snapshot["counts"]["qa"] == 1
    # The same file and line as the build reports when it refuses the catalog.
    run = handout("build", "--topic", TOPIC, "--lang", "fr", "--level", "standard", "--format",
                  "html", "--out", str(project / "out"), "--quiet", "--jobs", "1")
    assert run.code == 4 and f"{pinned['po']}:{line}: {PARAGRAPH}: numbers differ" in run.err


def test_a_stale_entry_shows_a_word_diff_of_the_old_and_new_english(hub, project: Path) -> None:  # type: ignore[no-untyped-def]
    _key, preview = open_preview(hub)
    target = po(project)
    english = msgid_of(target, PARAGRAPH)
    old = english.replace("plasma cells", "white cells", 1)
    assert old != english
    set_msgstr(target, PARAGRAPH, "Ancienne traduction.", previous=old)
    hub.apply([target])
    stale = entry(preview.snapshot, PARAGRAPH)
    assert stale["state"] == "stale" and stale["in_english"]
    assert stale["previous"] == old
    removed = "".join(t for op, t in stale["diff"] if op == "del")
    added = "".join(t for op, t in stale["diff"] if op == "ins")
    assert "white" in removed and "plasma" in added and "myeloma" not in removed.lower()
    assert "".join(t for op, t in stale["diff"] if op != "del") == english


def test_english_changed_without_update_is_stale_and_only_that_topic_is_read_again(  # type: ignore[no-untyped-def]
        hub, project: Path) -> None:
    _key, preview = open_preview(hub)
    others = {k: v for k, v in preview.ws.lib.topics.items() if k != TOPIC}
    source = project / "content" / f"{TOPIC}.yaml"
    text = source.read_text(encoding="utf-8")
    english = msgid_of(po(project), PARAGRAPH)
    first = english.split()[0]
    assert text.count(english[:60]) == 1
    source.write_text(text.replace(english[:60], english[:60].replace(first, "Today,", 1)),
                      encoding="utf-8")
    hub.apply([source])
    stale = entry(preview.snapshot, PARAGRAPH)
    assert stale["state"] == "stale" and stale["previous"] == english
    assert ("ins", "Today,") in [tuple(p) for p in stale["diff"]]
    assert all(preview.ws.lib.topics[k] is v for k, v in others.items())


def test_an_unterminated_string_is_shown_and_the_last_good_version_kept(hub, project: Path) -> None:  # type: ignore[no-untyped-def]
    _key, preview = open_preview(hub)
    target = po(project)
    before = entry(preview.snapshot, PARAGRAPH)["translation"]
    text = target.read_text(encoding="utf-8")
    lines = text.split("\n")
    start = lines.index(f'msgctxt "{PARAGRAPH}"')
    at = next(n for n in range(start, len(lines)) if lines[n].startswith("msgstr"))
    lines[at] = 'msgstr "Sans fin'  # the closing quote forgotten
    target.write_text("\n".join(lines), encoding="utf-8")
    hub.apply([target])
    problems = preview.snapshot["problems"]
    assert any(f"{TOPIC}.po:{at + 1}: unterminated string" in p for p in problems), problems
    assert entry(preview.snapshot, PARAGRAPH)["translation"] == before
    target.write_text(text, encoding="utf-8")  # fixed: the problem goes
    hub.apply([target])
    assert not preview.snapshot["problems"]


def test_an_emptied_translation_is_untranslated_and_printed_in_english(hub, project: Path) -> None:  # type: ignore[no-untyped-def]
    _key, preview = open_preview(hub)
    target = po(project)
    set_msgstr(target, PARAGRAPH, "")
    hub.apply([target])
    missing = entry(preview.snapshot, PARAGRAPH)
    assert missing["state"] == "untranslated" and missing["in_english"]
    assert missing["shown"] == msgid_of(target, PARAGRAPH)
    assert any(c.startswith("Level: standard") for c in missing["comments"])


@pytest.mark.slow
def test_a_broken_content_file_is_reported_and_the_last_version_kept(hub, project: Path) -> None:  # type: ignore[no-untyped-def]
    _key, preview = open_preview(hub)
    source = project / "content" / f"{TOPIC}.yaml"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("blocks:", "blocks: [", 1), encoding="utf-8")
    hub.apply([source])
    assert any(p.startswith(f"content/{TOPIC}.yaml:") for p in preview.snapshot["problems"])
    assert preview.snapshot["pages"]
    source.write_text(text, encoding="utf-8")
    hub.apply([source])
    assert not preview.snapshot["problems"]


def test_a_long_word_past_its_column_is_flagged_as_overflow(hub, project: Path) -> None:  # type: ignore[no-untyped-def]
    _key, preview = open_preview(hub, level="easy")
    heading = f"{TOPIC}/what-is-myeloma/easy"
    target = po(project)
    set_msgstr(target, heading, "Myélome" + "plasmocytaireetmédullaire" * 4)
    hub.apply([target])
    wide = entry(preview.snapshot, heading)
    assert wide["state"] == "overflow" and wide["overflow"] > 50
    assert preview.snapshot["counts"]["overflow"] == 1


def test_a_translation_that_adds_a_page_flags_what_it_pushed_over(hub, project: Path) -> None:  # type: ignore[no-untyped-def]
    _key, preview = open_preview(hub)
    english_pages = preview.snapshot["english_pages"]
    assert len(preview.snapshot["pages"]) == english_pages
    target = po(project)
    long = " ".join(["Le myélome est un cancer des plasmocytes de la moelle osseuse."] * 90)
    set_msgstr(target, PARAGRAPH, long)
    hub.apply([target])
    snapshot = preview.snapshot
    assert len(snapshot["pages"]) > english_pages
    pushed = [e for e in snapshot["entries"] if e.get("pushed")]
    assert pushed and all(e["pushed"] > english_pages and "overflow" in e["states"] for e in pushed)


EASY = f"{TOPIC}/myeloma-basics/easy"  # on relapsed-refractory easy, budgeted to 2 pages


def build_choice(preview) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The fit tier and page count a build chooses for what the preview shows (no hint)."""
    from builder.builders.leaflet import fit
    from builder.preview.session import recording

    catalogs = recording(preview.ws.catalogs(preview.target.lang))
    fitted = fit(preview._doc(catalogs), preview._context(catalogs))
    return fitted.fit, fitted.pages


@pytest.mark.slow
def test_a_save_to_a_leaflet_with_a_page_budget_shows_after_one_layout_not_four(  # type: ignore[no-untyped-def]
        hub, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fitting relapsed-refractory easy (fr) into its 2 pages takes the last of four tiers: the
    preview lays the save out at the tier it found last time and shows it, then checks that
    the tier before still overflows; the build prints the same pages."""
    from builder.builders import leaflet

    key, preview = open_preview(hub, level="easy")
    assert len(preview.snapshot["pages"]) == 2
    layouts = []
    real = leaflet._layout

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        layouts.append(1)
        return real(*args, **kwargs)

    published = []
    monkeypatch.setattr(leaflet, "_layout", counted)
    monkeypatch.setattr(hub, "_publish", lambda _key, snapshot: published.append(
        (len(layouts), entry(snapshot, EASY)["shown"])))
    target = po(project)
    set_msgstr(target, EASY, "Le myélome est un cancer du sang, tout simplement.")
    assert hub.apply([target]) == [key]
    assert published[0] == (1, "Le myélome est un cancer du sang, tout simplement.")
    assert len(layouts) == 2
    monkeypatch.setattr(leaflet, "_layout", real)
    assert (preview.layout.tier, len(preview.snapshot["pages"])) == build_choice(preview)


def test_a_browser_fetches_the_edited_page_before_the_tier_is_checked(  # type: ignore[no-untyped-def]
        hub, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server finds a preview under the render lock; the check of the fit tier must not
    hold it while the translator's browser fetches the page showing the save."""
    import queue
    import threading

    from builder.builders import leaflet

    key, preview = open_preview(hub, level="easy")
    layouts = []
    real = leaflet._layout

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        layouts.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(leaflet, "_layout", counted)
    seen = {page["name"] for page in preview.snapshot["pages"]}
    fetched: list[tuple[int, bool]] = []
    browsers: list[threading.Thread] = []

    def fetch(snapshot) -> None:  # type: ignore[no-untyped-def]
        found, _ = open_preview(hub, level="easy")  # as the server finds it for each request
        for page in snapshot["pages"]:
            if page["ready"] and page["name"] not in seen:
                seen.add(page["name"])
                fetched.append((len(layouts), hub.image(found, page["name"]) is not None))

    class Browser:  # stands for the server's event loop, with a browser fetching new pages
        def call_soon_threadsafe(self, _put, snapshot) -> None:  # type: ignore[no-untyped-def]
            browsers.append(threading.Thread(target=fetch, args=(snapshot,)))
            browsers[-1].start()

    hub._subscribers[key] = [(Browser(), queue.SimpleQueue())]
    target = po(project)
    set_msgstr(target, EASY, "Le myélome est un cancer du sang, tout simplement.")
    hub.apply([target])
    for browser in browsers:
        browser.join(timeout=30)
    assert fetched and fetched[0] == (1, True)
    assert len(layouts) == 2


@pytest.mark.slow
def test_a_save_that_moves_a_budgeted_leaflet_to_another_tier_previews_what_the_build_prints(  # type: ignore[no-untyped-def]
        hub, project: Path) -> None:
    _key, preview = open_preview(hub, level="easy")
    fitted = build_choice(preview)
    assert (preview.layout.tier, len(preview.snapshot["pages"])) == fitted
    target = po(project)
    original = target.read_text(encoding="utf-8")
    # Longer: no tier fits 2 pages any more (the build takes the first with the fewest).
    set_msgstr(target, EASY, " ".join(["Le myélome est un cancer des plasmocytes."] * 40))
    hub.apply([target])
    longer = build_choice(preview)
    assert longer[1] > 2 and (preview.layout.tier, len(preview.snapshot["pages"])) == longer
    target.write_text(original, encoding="utf-8")
    hub.apply([target])
    assert (preview.layout.tier, len(preview.snapshot["pages"])) == fitted
    # A page more in the budget: an earlier tier fits, and a later one too.
    source = project / "content" / f"{TOPIC}.yaml"
    content = source.read_text(encoding="utf-8")
    assert content.count("pages: {easy: 2}") == 1
    source.write_text(content.replace("pages: {easy: 2}", "pages: {easy: 3}"), encoding="utf-8")
    hub.apply([source])
    roomier = build_choice(preview)
    assert roomier[0] < fitted[0] and roomier[1] == 3
    assert (preview.layout.tier, len(preview.snapshot["pages"])) == roomier
    source.write_text(content, encoding="utf-8")
    hub.apply([source])
    assert (preview.layout.tier, len(preview.snapshot["pages"])) == fitted


def test_the_merged_catalogs_are_those_a_build_reads(project: Path) -> None:
    """The preview merges catalog files itself (to keep each file's last good version); it must
    read the same translations as `load_catalogs`, fallback chain included."""
    from builder.localize import load_catalogs
    from builder.preview.workspace import Workspace
    from builder.project import Project

    variant = project / "locales" / "fr_CA" / "LC_MESSAGES"
    variant.mkdir(parents=True)
    shutil.copy(po(project), variant / f"{TOPIC}.po")
    set_msgstr(variant / f"{TOPIC}.po", PARAGRAPH, "Le myélome, au Québec aussi.")
    set_msgstr(variant / f"{TOPIC}.po", f"{TOPIC}/@title/standard", "")
    proj = Project(project)
    ws = Workspace(proj, proj.templates / "clinic" / "demo.yaml")
    for lang in ("fr", "fr_CA"):
        ours, theirs = ws.catalogs(lang), load_catalogs(proj, lang)
        assert {k: (c.path, e.msgstr, e.fuzzy) for k, (c, e) in ours.entries.items()} == \
            {k: (c.path, e.msgstr, e.fuzzy) for k, (c, e) in theirs.entries.items()}
        assert set(ours.contexts) == set(theirs.contexts)
        assert ours.ui == theirs.ui
    merged = ws.catalogs("fr_CA")
    assert merged.lookup(PARAGRAPH, msgid_of(po(project), PARAGRAPH))[0] == "Le myélome, au Québec aussi."
    assert merged.lookup(f"{TOPIC}/@title/standard", msgid_of(po(project), f"{TOPIC}/@title/standard"))[0]


def test_entry_keys_match_the_leaflet_html() -> None:
    from builder.preview.session import entry_key

    assert entry_key("t/block/easy") == "t/block#text"
    assert entry_key("t/block/all/slide") == "t/block#slide"
    assert entry_key("t/list/standard/item3") == "t/list#items/2"
    assert entry_key("glossary/car-t/all/term") == "glossary/car-t#term"
    assert entry_key("t/@title/easy") == "t/@title#text"
    assert entry_key("bundle/new-relapse/@summary/all") == "bundle/new-relapse/@summary#text"


def test_a_save_by_rename_as_editors_do_is_seen_by_the_watcher(project: Path) -> None:
    """Poedit, vim and our own writers save to a temporary file and rename it over the catalog."""
    import os
    import time

    from builder.preview.hub import Hub
    from builder.project import Project

    hub = Hub(Project(project))
    try:
        _key, preview = open_preview(hub)
        version = preview.version
        time.sleep(1.0)  # the watcher is up
        target = po(project)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_bytes(target.read_bytes())
        set_msgstr(temporary, PARAGRAPH, "Enregistré par renommage.")
        os.replace(temporary, target)
        deadline = time.monotonic() + 20
        while entry(preview.snapshot, PARAGRAPH)["translation"] != "Enregistré par renommage.":
            assert time.monotonic() < deadline, "the renamed catalog was not read again"
            time.sleep(0.05)
        assert preview.version > version
    finally:
        hub.close()


def test_a_clinic_profile_kept_elsewhere_is_watched_alone_and_reloaded(project: Path,
                                                                         tmp_path: Path) -> None:
    from builder.preview.workspace import Workspace
    from builder.project import Project

    clinic = tmp_path / "elsewhere"
    shutil.copytree(project / "templates" / "clinic", clinic)
    profile = clinic / "demo.yaml"
    ws = Workspace(Project(project), profile)
    tree, flat = ws.watched()
    assert tree == [(project / name).resolve() for name in ("content", "locales", "templates")]
    assert flat == [clinic.resolve()]  # its folder only, not what holds it
    text = profile.read_text(encoding="utf-8")
    generation = ws.generation
    accent = next(line for line in text.splitlines() if line.startswith("accent:"))
    profile.write_text(text.replace(accent, 'accent: "#dddddd"'), encoding="utf-8")
    assert ws.apply([profile]).everything and ws.generation == generation + 1
    problem = ws.problems["clinic"][0]
    assert problem.path.endswith("demo.yaml") and problem.line and "contrast" in problem.message
    assert ws.clinic.profile.accent != "#dddddd"  # the last good profile is kept
    profile.write_text(text.replace("Demo Myeloma Clinic", "Clinique du Lac", 1), encoding="utf-8")
    ws.apply([profile])
    assert "clinic" not in ws.problems and ws.clinic.profile.name == "Clinique du Lac"


def test_numbered_lists_and_the_shipped_translation_are_not_flagged(hub) -> None:  # type: ignore[no-untyped-def]
    """List numbers sit outside their column by design: a pin on every numbered list would hide
    the real overflows (it did, before markers were left out and English compared)."""
    _key, preview = open_preview(hub, "es", "easy", "questions-to-ask")
    numbered = [e for e in preview.snapshot["entries"] if "/prepare-steps/" in e["ctx"]]
    assert numbered and all(e["boxes"] for e in numbered if "#items/" in e["key"])
    assert preview.snapshot["counts"]["overflow"] == 0, [
        (e["ctx"], e.get("overflow"), e.get("pushed")) for e in preview.snapshot["entries"]
        if "overflow" in e["states"]]
