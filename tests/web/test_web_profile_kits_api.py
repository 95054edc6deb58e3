"""Clinic profile (CLI's validation, logo, export/import, concurrent edits), kits, API, UI language."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from builder.clinic import load_clinic
from builder.web.db import Kit, PrintRecord, Profile

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def png(colour: str, size: tuple[int, int] = (60, 30), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


def profile_form(site: dict, **changes: str) -> dict:
    admin = site["admin"]
    page = admin.get("/profile").text
    values = {name: value for name, value in
              re.findall(r'<input id="p-[a-z]+" name="([a-z]+)" value="([^"]*)"', page)}
    values["address"] = "1 Example Road\nSpringfield"
    values["paper"] = "a4"
    values["csrf"] = admin.token("/profile")
    values["version"] = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    values.update(changes)
    return values


def stored(site: dict) -> Profile:
    with site["db"]() as db:
        row = db.get(Profile, 1)
        assert row is not None
        return row


@pytest.mark.parametrize(("field", "value", "message"), [
    ("accent", "#dddddd", "contrast"),
    ("web", "http://example.org", "web"),
    ("phone", "<b>call</b>", "phone"),
    ("name", "Clinic <script>alert(1)</script>", "name"),
    ("languages", "en, not a language", "not a language code"),
])
@pytest.mark.slow
def test_profile_is_checked_by_the_cli_rules_and_nothing_is_saved(site: dict, field: str, value: str,
                                                                  message: str) -> None:
    before = stored(site)
    page = site["admin"].client.post("/profile", data=profile_form(site, **{field: value}))
    assert page.status_code == 400
    assert "Nothing was saved" in page.text and message in page.text
    assert "<script>alert" not in page.text
    after = stored(site)
    assert (after.version, after.yaml) == (before.version, before.yaml)


def test_logo_upload_changes_the_preview_and_the_leaflet(site: dict, tmp_path: Path) -> None:
    admin = site["admin"]
    old_logo = admin.get("/profile/logo.png").content
    saved = admin.client.post("/profile", data=profile_form(site),
                              files={"logo": ("logo.jpg", png("#aa2200", fmt="JPEG"), "image/jpeg")})
    assert saved.status_code == 200 and "Saved" in saved.text
    served = admin.get("/profile/logo.png")
    assert served.headers["content-type"] == "image/png" and served.content != old_logo
    assert "sandbox" in served.headers["content-security-policy"]
    assert Image.open(io.BytesIO(served.content)).getpixel((5, 5))[:3] == pytest.approx(
        (170, 34, 0), abs=6)  # re-encoded as PNG, same pixels
    exported = admin.get("/profile/export")
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "clinic.yaml").write_bytes(exported.content)
    (folder / "logo.png").write_bytes(served.content)
    clinic = load_clinic(folder / "clinic.yaml")  # what `handout build --clinic` reads
    assert clinic.profile.name == "Demo Myeloma Clinic" and clinic.logo == folder / "logo.png"


def test_import_names_an_unknown_key_and_keeps_the_profile(site: dict) -> None:
    admin = site["admin"]
    before = stored(site)
    form = profile_form(site)
    bad = (b"name: Imported Clinic\nphone: '+1 555 0199'\naddress: 2 Example Road\n"
           b"web: https://example.org\ncolour: red\n")
    page = admin.client.post("/profile/import", data={"csrf": form["csrf"], "version": form["version"]},
                             files={"file": ("clinic.yaml", bad, "application/x-yaml")})
    assert page.status_code == 400 and "colour" in page.text
    assert stored(site).yaml == before.yaml
    good = bad.replace(b"colour: red\n", b"accent: '#225577'\nurgent:\n  phone: '+1 555 0198'\n")
    page = admin.client.post("/profile/import", data={"csrf": form["csrf"], "version": form["version"]},
                             files={"file": ("clinic.yaml", good, "application/x-yaml")})
    assert page.status_code == 200
    assert "Imported Clinic" in stored(site).yaml
    restored = admin.client.post("/profile", data=profile_form(site, name="Demo Myeloma Clinic"))
    assert restored.status_code == 200


@pytest.mark.slow
def test_concurrent_profile_edits_the_second_is_refused(site: dict) -> None:
    first = profile_form(site, phone="+1 555 0101")
    second = profile_form(site, phone="+1 555 0102")
    assert site["admin"].client.post("/profile", data=first).status_code == 200
    clash = site["admin"].client.post("/profile", data=second)
    assert clash.status_code == 409 and "Someone else saved" in clash.text
    assert "+1 555 0101" in stored(site).yaml


def test_a_kit_is_printed_as_one_leaflet_logged_and_shows_later_changes(site: dict, tmp_path: Path) -> None:
    staff = site["staff"]
    made = staff.post("/kits", {"name": "First relapse visit",
                                "topics": ["relapsed-refractory", "questions-to-ask"]}, token_from="/kits")
    assert made.status_code == 200 and "First relapse visit" in made.text
    with site["db"]() as db:
        kit = db.scalar(select(Kit).where(Kit.name == "First relapse visit"))
        assert kit is not None
        kit_id = kit.id
    form = {"lang": "es", "level": "easy", "format": "pdf", "copies": "2"}
    assert staff.post(f"/kits/{kit_id}/print", form, token_from="/kits").status_code == 409
    printed = staff.post(f"/kits/{kit_id}/print", {**form, "acknowledge": "1"}, token_from="/kits")
    assert printed.status_code == 200 and printed.content[:5] == b"%PDF-"
    (tmp_path / "kit.pdf").write_bytes(printed.content)
    import subprocess

    text = subprocess.run(["pdftotext", str(tmp_path / "kit.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "First relapse visit" in text and "Mieloma" in text
    log = staff.get("/log", params={"document": "First relapse"})
    assert "kit: First relapse visit" in log.text
    assert "Changed since it was last printed" not in staff.get("/kits").text


@pytest.mark.slow
def test_a_kit_shows_when_its_content_changed_since_it_was_last_printed(
        project: Path, tmp_path: Path, render_cache: Path) -> None:
    from builder.project import Project
    from builder.web.app import create_app
    from builder.web.renderer import KIT_PREFIX, Spec

    from .web_helpers import Browser, settings_for

    settings = settings_for(tmp_path, render_cache)
    settings.project = Project(project)  # a copy whose content this test edits
    app = create_app(settings)  # no lifespan: nothing here renders, so no workers start
    staff = Browser(app)
    staff.client.post("/setup", data={"csrf": staff.token("/setup"), "name": "admin",
                                      "password": "admin password", "password2": "admin password"})
    staff.post("/kits", {"name": "Questions kit", "topics": ["questions-to-ask"]}, token_from="/kits")
    state = app.state.web
    with state.sessions() as db:
        kit = db.scalar(select(Kit))
        assert kit is not None
        spec = Spec("kit", f"{KIT_PREFIX}{kit.id}", "es", "standard", kit_title=kit.name,
                    kit_topics=tuple(kit.topic_ids))
        # what printing it records (tested above): the digest of what it showed, in that language
        kit.last_digest = state.renderer.prepare(state.clinic_path(db), spec).doc.content_digest
        kit.last_lang, kit.last_level = "es", "standard"
        db.commit()
    assert "Changed since it was last printed" not in staff.get("/kits").text
    topic = project / "content" / "questions-to-ask.yaml"
    topic.write_text(topic.read_text().replace("to take to your next appointment.",
                                               "to bring to your next appointment."))
    import time

    time.sleep(2.2)  # the server looks at the project's files every 2 s
    assert "Changed since it was last printed" in staff.get("/kits").text


# -- API ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def token(site: dict) -> str:
    page = site["admin"].post("/tokens", {"label": "EHR"}, token_from="/tokens")
    found = re.search(r'<code id="new-token">([^<]+)</code>', page.text)
    assert found
    return found.group(1)


def test_api_needs_a_token(site: dict) -> None:
    client = site["staff"].client  # a signed-in browser session is not an API token
    answer = client.get("/api/documents")
    assert answer.status_code == 401 and "Bearer" in answer.json()["error"]
    assert client.get("/api/documents", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_api_lists_documents_and_renders_one(site: dict, token: str, tmp_path: Path) -> None:
    client = site["staff"].client
    auth = {"Authorization": f"Bearer {token}"}
    listing = client.get("/api/documents", headers=auth).json()
    ids = {d["id"] for d in listing}
    assert {"relapsed-refractory", "new-relapse"} <= ids
    cell = next(d for d in listing if d["id"] == "relapsed-refractory")["availability"]["es"]["standard"]
    assert cell["translation_reviewed"] is False and "content_version" in cell
    with site["db"]() as db:
        before = db.scalar(select(func.count()).select_from(PrintRecord))
    answer = client.post("/api/render", headers=auth, json={"topic": "relapsed-refractory", "lang": "es",
                                                             "level": "easy", "paper": "letter"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    import pymupdf

    with pymupdf.open(stream=answer.content, filetype="pdf") as pdf:
        assert round(pdf[0].rect.width) == 612  # Letter
    deck = client.post("/api/render", headers=auth, json={"bundle": "new-relapse", "format": "pptx"})
    assert deck.status_code == 200 and deck.content[:2] == b"PK"
    with site["db"]() as db:
        assert db.scalar(select(func.count()).select_from(PrintRecord)) == before + 2
    # Where the time went (Server-Timing): a render shows its parts; the same file again comes
    # from the cache, with no render.
    for timing in (answer.headers["server-timing"], deck.headers["server-timing"]):
        parts = [part.split(";dur=")[0] for part in timing.split(", ")]
        assert parts in (["prepare"], ["prepare", "render", "log"]), timing
        assert all(float(part.split(";dur=")[1]) >= 0 for part in timing.split(", "))
    again = client.post("/api/render", headers=auth, json={"bundle": "new-relapse", "format": "pptx"})
    assert again.content == deck.content
    assert again.headers["server-timing"].startswith("prepare;dur=")
    assert "render" not in again.headers["server-timing"]


def _rendered(answer) -> bool:  # type: ignore[no-untyped-def]
    """Whether the server rendered this file now, by its own account (Server-Timing)."""
    assert answer.status_code == 200, answer.text[:300]
    return "render;dur=" in answer.headers["server-timing"]


def test_a_rendered_file_is_served_from_memory_within_its_bound(site: dict, token: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A file rendered once is answered from the server's memory, even with its cache file gone;
    memory holds at most MEMORY_BYTES, least recently used out, and a file pushed out of both
    memory and disk is rendered again, the same bytes."""
    from builder.web import renderer

    state, client = site["app"].state.web, site["staff"].client
    auth = {"Authorization": f"Bearer {token}"}
    first = {"topic": "questions-to-ask", "lang": "de", "level": "detailed", "paper": "a4"}
    other = {"topic": "questions-to-ask", "lang": "de", "level": "standard", "paper": "a4"}
    answer = client.post("/api/render", headers=auth, json=first)
    again = client.post("/api/render", headers=auth, json=first)
    assert not _rendered(again) and again.content == answer.content
    with state.sessions() as db:
        clinic = state.clinic_path(db)
    spec = renderer.Spec("topic", "questions-to-ask", "de", "detailed", paper="a4")
    on_disk = state.renderer.cached_path(state.renderer.prepare(clinic, spec))
    on_disk.unlink()  # pruned, or another instance's disk: memory still has it
    from_memory = client.post("/api/render", headers=auth, json=first)
    assert not _rendered(from_memory) and from_memory.content == answer.content
    assert not on_disk.exists()  # served without a disk read or a render
    # Room for eight files of this size (a file over an eighth is never kept): eight newer
    # ones push the first out of memory.
    size = len(answer.content)
    monkeypatch.setattr(renderer, "MEMORY_BYTES", 8 * size)
    _rendered(client.post("/api/render", headers=auth, json=other))
    for n in range(8):
        state.renderer._remember(on_disk.with_name(f"newer-{n}.pdf"), b"%" * size)
    assert state.renderer._memory_bytes <= 8 * size
    rendered_again = client.post("/api/render", headers=auth, json=first)
    assert _rendered(rendered_again)
    assert rendered_again.content[:5] == b"%PDF-" and len(rendered_again.content) > 1000


def test_the_api_does_its_database_work_on_one_thread_of_its_own(site: dict, token: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite, the API's token check, localizing and print-log row run on one thread of the
    server's own, whatever the number of requests at once: Python runs one thread at a time, so
    more threads add no speed, only wake-ups, and each runnable one takes CPU from the renders
    (see `Web.api_work`). Never in the event loop."""
    import asyncio
    import threading

    import httpx

    from builder.web.routers import api

    seen: set[int] = set()
    checked = api.token_account

    def spy(request, db):  # type: ignore[no-untyped-def]
        seen.add(threading.get_ident())
        return checked(request, db)

    monkeypatch.setattr(api, "token_account", spy)
    auth = {"Authorization": f"Bearer {token}"}
    body = {"topic": "relapsed-refractory", "lang": "fr", "level": "standard"}

    async def ask() -> tuple[int, list[httpx.Response]]:
        transport = httpx.ASGITransport(app=site["app"])
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            first = await client.post("/api/render", headers=auth, json=body)  # rendered once
            answers = await asyncio.gather(*(client.post("/api/render", headers=auth, json=body)
                                             for _ in range(12)))
        return threading.get_ident(), [first, *answers]

    loop_thread, answers = asyncio.run(ask())
    assert [answer.status_code for answer in answers] == [200] * 13
    assert len({answer.content for answer in answers}) == 1
    assert len(seen) == 1, f"{len(seen)} threads"
    assert loop_thread not in seen


def test_api_errors_are_json_with_the_cli_messages(site: dict, token: str, handout) -> None:  # type: ignore[no-untyped-def]
    auth = {"Authorization": f"Bearer {token}"}
    answer = site["staff"].client.post("/api/render", headers=auth,
                                       json={"topic": "no-such-topic", "lang": "xx-bogus"})
    assert answer.status_code == 422
    cli = handout("build", "--topic", "no-such-topic", "--lang", "xx-bogus", "--format", "pdf",
                  "--project", str(Path(__file__).resolve().parents[2]))
    cli_lines = [line.removeprefix("error: ") for line in cli.err.splitlines() if line.startswith("error:")]
    assert answer.json()["problems"] == cli_lines and cli_lines
    assert site["staff"].client.post("/api/render", headers=auth,
                                     json={"topic": "x", "evil": 1}).status_code == 422


def test_openapi_describes_the_api(site: dict) -> None:
    spec = site["staff"].get("/api/openapi.json").json()
    assert {"/api/documents", "/api/render"} <= set(spec["paths"])


# -- staff UI language ------------------------------------------------------------------------------

def test_the_staff_ui_language_is_separate_and_arabic_is_right_to_left(site: dict) -> None:
    from .web_helpers import Browser

    browser = Browser(site["app"])
    browser.login("nurse", "staff password 1")
    page = browser.post("/ui-language", {"lang": "ar", "next": "/library?lang=es"})
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "المكتبة" in page.text  # "Library"
    assert 'lang="es"' in page.text  # the leaflets are still listed in Spanish
    page = browser.post("/ui-language", {"lang": "es", "next": "/library"})
    assert '<html lang="es" dir="ltr">' in page.text and "Biblioteca" in page.text
    assert browser.post("/ui-language", {"lang": "klingon"}).status_code == 400


def test_the_api_docs_page_is_our_own_and_names_both_endpoints(site: dict) -> None:
    page = site["staff"].get("/api/docs")
    assert page.status_code == 200
    assert "POST /api/render" in page.text and "GET /api/documents" in page.text
    assert "large_print" in page.text and "<script src=\"http" not in page.text


def test_the_render_cache_keeps_the_most_recently_used_files(tmp_path: Path) -> None:
    import os

    from builder.web.renderer import prune

    for number in range(6):
        path = tmp_path / "ab" / f"{number}.pdf"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"%PDF-")
        os.utime(path, (1000 + number, 1000 + number))
    prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.rglob("*.pdf")) == ["4.pdf", "5.pdf"]
