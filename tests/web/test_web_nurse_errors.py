"""What a nurse meets when something is wrong: a plain page with the message, and one broken
language never takes the library down for the others."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .web_helpers import Browser

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.mark.slow
def test_an_oversized_form_from_a_browser_gets_a_page_and_an_api_client_json(site: dict) -> None:
    admin = site["admin"]
    token = admin.token("/profile")
    huge = admin.client.post(
        "/profile", data={"csrf": token, "name": "Demo Myeloma Clinic"},
        files={"logo": ("logo.png", b"\x89PNG" + b"0" * 5_000_000, "image/png")},
        headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert huge.status_code == 413
    assert huge.headers["content-type"].startswith("text/html")
    alert = re.search(r'<p class="alert" role="alert">([^<]*)</p>', huge.text)
    assert alert and "request too large: at most 4 MB" in alert.group(1)
    assert '<a href="/library">' in huge.text  # the way back, as on every error page
    # a script posting JSON keeps a JSON answer with the same message
    api = admin.client.post("/api/render", content=b"{" + b" " * 5_000_000 + b"}",
                            headers={"content-type": "application/json"})
    assert api.status_code == 413
    assert api.json() == {"error": "request too large: at most 4 MB"}


def _broken_german(project: Path) -> tuple[str, int]:
    """A duplicate entry in one German catalog (a QA error the loader reports at its line)."""
    po = project / "locales" / "de" / "LC_MESSAGES" / "clinical-trials.po"
    text = po.read_text(encoding="utf-8")
    last = text.strip().split("\n\n")[-1]
    po.write_text(text + "\n" + last + "\n", encoding="utf-8")
    assert last.split("\n")[-2].startswith("msgid ")  # the loader names the msgid's line
    line = po.read_text(encoding="utf-8").count("\n") - 1
    return "locales/de/LC_MESSAGES/clinical-trials.po", line


@pytest.mark.slow
def test_a_broken_catalog_marks_only_its_own_language(project: Path, tmp_path: Path,
                                                       render_cache: Path) -> None:
    from builder.project import Project
    from builder.web.app import create_app

    from .web_helpers import settings_for

    path, line = _broken_german(project)
    settings = settings_for(tmp_path, render_cache)
    settings.project = Project(project)
    app = create_app(settings)  # no lifespan: nothing here renders
    staff = Browser(app)
    staff.client.post("/setup", data={"csrf": staff.token("/setup"), "name": "admin",
                                      "password": "admin password", "password2": "admin password"})
    where = f"{path}:{line}: duplicate msgctxt"
    for lang in ("en", "es", "de"):
        library = staff.get("/library", params={"lang": lang})
        assert library.status_code == 200, library.text[:300]
        assert f'href="/documents/topic/clinical-trials?lang={lang}&' in library.text
        # the German cells say what is wrong and where; no other language's do
        rows = re.findall(r'<tr><th scope="row" lang="([^"]+)">(.*?)</tr>', library.text, re.S)
        assert rows
        for code, row in rows:
            assert (where in row) == (code == "de"), (code, row[:300])
        # the German library says so at the top, with what to fix, before the English titles
        alert = re.search(r'<div class="alert" role="alert">(.*?)</div>', library.text, re.S)
        assert (alert is not None) == (lang == "de"), lang
        if alert is not None:
            assert "Deutsch" in alert.group(1) and where in alert.group(1)
    # Spanish still prints; German says why it cannot, with the same message
    spanish = staff.get("/documents/topic/clinical-trials", params={"lang": "es"})
    assert spanish.status_code == 200
    german = staff.get("/documents/topic/clinical-trials", params={"lang": "de"})
    assert german.status_code == 422 and where in german.text
