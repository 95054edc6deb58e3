"""The staff pages over a fresh database: accounts, roles, CSRF, library, print, log, kits, profile."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from builder.web.db import Kit, PrintRecord, Profile

from .web_helpers import ADMIN, STAFF, Browser

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def count(site: dict, model: type) -> int:
    with site["db"]() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


# -- accounts, roles, CSRF ----------------------------------------------------------------------

@pytest.mark.slow
def test_a_fresh_database_sends_everyone_to_create_the_first_admin(site: dict) -> None:
    # `site` made the admin through /setup; now /setup is closed and says so
    stranger = Browser(site["app"])
    assert stranger.get("/library").url.path == "/login"
    assert stranger.get("/setup").url.path == "/login"


def test_staff_cannot_reach_admin_pages(site: dict) -> None:
    staff = site["staff"]
    for path in ("/profile", "/accounts", "/log.csv", "/profile/export", "/profile/logo.png"):
        page = staff.get(path)
        assert page.status_code == 403, path
        assert "administrators" in page.text
    assert staff.get("/library").status_code == 200
    refused = staff.post("/accounts", {"name": "sneaky", "password": "long enough 1"})
    assert refused.status_code == 403


def test_a_form_post_without_its_csrf_token_is_refused_and_writes_nothing(site: dict) -> None:
    admin = site["admin"]
    kits = count(site, Kit)
    for token in (None, "forged-token"):
        data = {"name": "no token kit", "topics": "relapsed-refractory"}
        if token:
            data["csrf"] = token
        refused = admin.client.post("/kits", data=data)
        assert refused.status_code == 403
        assert "Reload the page" in refused.text
    assert count(site, Kit) == kits


def test_login_attempts_are_rate_limited(site: dict) -> None:
    guesser = Browser(site["app"])
    for _ in range(5):
        assert guesser.login(STAFF[0], "wrong password").status_code == 401
    blocked = guesser.login(*STAFF)  # even the right password waits now
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.text
    assert Browser(site["app"]).login(*ADMIN).url.path == "/library"  # other accounts unaffected


# -- library, document, print, log ----------------------------------------------------------------

@pytest.mark.slow
def test_library_searches_in_the_chosen_language_and_shows_availability(site: dict) -> None:
    staff = site["staff"]
    page = staff.get("/library", params={"q": "trasplante", "lang": "es"})
    assert page.status_code == 200
    assert "/documents/topic/stem-cell-transplant?lang=es" in page.text
    assert "/documents/topic/clinical-trials?" not in page.text
    assert "Translation not yet reviewed" in page.text  # the Spanish drafts are unreviewed
    english = staff.get("/library", params={"q": "trasplante", "lang": "en"})
    assert "stem-cell-transplant" not in english.text  # Spanish words do not match English
    audience = staff.get("/library", params={"audience": "support-group"})
    assert "/documents/topic/" not in audience.text


def test_printing_a_draft_needs_an_acknowledgement_which_is_logged(site: dict, tmp_path: Path) -> None:
    staff = site["staff"]
    path = "/documents/topic/relapsed-refractory"
    page = staff.get(path, params={"lang": "es", "level": "standard"})
    assert page.status_code == 200
    assert "Before you print" in page.text and 'name="acknowledge"' in page.text
    assert "/preview/1.png" in page.text
    before = count(site, PrintRecord)
    form = {"lang": "es", "level": "standard", "copies": "3", "format": "pdf"}
    refused = staff.post(f"{path}/print", form, token_from=f"{path}?lang=es")
    assert refused.status_code == 409 and "tick the box" in refused.text
    assert count(site, PrintRecord) == before
    done = staff.post(f"{path}/print", {**form, "acknowledge": "1"}, token_from=f"{path}?lang=es")
    assert done.status_code == 200 and done.headers["content-type"] == "application/pdf"
    assert "Mieloma en recaída y refractario" in pdf_text(done.content, tmp_path)
    with site["db"]() as db:
        record = db.scalars(select(PrintRecord).order_by(PrintRecord.id.desc())).first()
    assert record is not None and record.account == STAFF[0] and record.copies == 3
    assert record.acknowledged and "not yet been reviewed" in record.warnings
    assert record.review_state == "draft translation" and record.lang == "es"
    preview = staff.get(f"{path}/preview/1.png", params={"lang": "es", "level": "standard"})
    assert preview.headers["content-type"] == "image/png" and preview.content[:4] == b"\x89PNG"


def test_the_print_log_filters_and_exports_csv_for_admins(site: dict) -> None:
    staff, admin = site["staff"], site["admin"]
    staff.post("/documents/topic/relapsed-refractory/print",
               {"lang": "en", "level": "easy", "format": "pdf", "acknowledge": "1"})
    page = staff.get("/log", params={"account": STAFF[0], "lang": "en"})
    assert "stores no patient data" in page.text
    assert "relapsed-refractory" in page.text
    exported = admin.get("/log.csv", params={"account": STAFF[0]})
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows and {r["account"] for r in rows} == {STAFF[0]}
    assert {"content_version", "digest", "review_state", "copies", "paper"} <= set(rows[0])


# -- hostile requests ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/documents/topic/..%2F..%2Fetc%2Fpasswd",
    "/documents/topic/%2e%2e",
    "/documents/secrets/relapsed-refractory",
    "/documents/topic/relapsed-refractory?lang=..%2F..%2Fetc",
    "/documents/topic/relapsed-refractory?level=<script>",
    "/documents/topic/relapsed-refractory/preview/99.png",
])
def test_path_tricks_get_a_clear_4xx(site: dict, path: str) -> None:
    page = site["staff"].get(path)
    assert 400 <= page.status_code < 500, (path, page.status_code)
    assert "<script>" not in page.text
    assert site["staff"].get("/library").status_code == 200


def test_markup_in_text_fields_is_refused_or_shown_as_text(site: dict) -> None:
    staff = site["staff"]
    kits = count(site, Kit)
    bad = staff.post("/kits", {"name": "<img src=x onerror=alert(1)>", "topics": "relapsed-refractory"},
                     token_from="/kits")
    assert bad.status_code == 400 and "markup" in bad.text
    assert "<img src=x" not in bad.text  # echoed back escaped
    assert count(site, Kit) == kits
    search = staff.get("/library", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)" not in search.text and "&lt;script&gt;" in search.text


def test_oversized_and_mislabelled_uploads_are_refused(site: dict) -> None:
    admin = site["admin"]
    with site["db"]() as db:
        before = db.get(Profile, 1)
        assert before is not None
        version = before.version
    token = admin.token("/profile")
    base = {"csrf": token, "version": str(version), "name": "Demo Myeloma Clinic",
            "phone": "+1 555 0100", "web": "https://example.org/myeloma", "accent": "#1f5f8b"}
    huge = admin.client.post("/profile", data=base,
                             files={"logo": ("logo.png", b"\x89PNG" + b"0" * 5_000_000, "image/png")})
    assert huge.status_code == 413
    fake = admin.client.post("/profile", data=base,
                             files={"logo": ("logo.png", b"this is not a picture", "image/png")})
    assert fake.status_code == 400 and "not a PNG or JPEG" in fake.text
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = admin.client.post("/profile", data=base, files={"logo": ("logo.png", svg, "image/png")})
    assert refused.status_code == 400 and "SVG" in refused.text
    with site["db"]() as db:
        after = db.get(Profile, 1)
        assert after is not None and after.version == version and after.logo == before.logo
    assert admin.get("/library").status_code == 200


@pytest.mark.slow
def test_a_killed_render_worker_is_replaced_and_the_server_keeps_serving(site: dict) -> None:
    import os
    import signal

    renderer = site["app"].state.web.renderer
    site["staff"].get("/documents/topic/clinical-trials", params={"lang": "de"})  # workers up
    for pid in list(renderer.pool._processes):
        os.kill(pid, signal.SIGKILL)
    page = site["staff"].get("/documents/topic/clinical-trials",
                             params={"lang": "fr", "level": "detailed", "large_print": "1"})
    assert page.status_code == 200 and "/preview/1.png" in page.text
