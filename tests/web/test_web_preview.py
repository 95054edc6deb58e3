"""The live preview inside `handout serve`: for translators (and administrators), the same pages,
images and state as `handout preview`."""

from __future__ import annotations

import io
import json

import pytest

BASE = "/translate/preview/fr/relapsed-refractory/easy"


TRANSLATOR = ("tess", "translator password 2")


@pytest.fixture(scope="module")
def translator(site):  # type: ignore[no-untyped-def]
    from builder.web.security import add_user

    from .web_helpers import Browser

    with site["db"]() as db:
        add_user(db, *TRANSLATOR, admin=False, translator=True)
    account = Browser(site["app"])
    assert account.login(*TRANSLATOR).status_code == 200
    return account


@pytest.mark.slow
def test_the_preview_is_for_translators_and_administrators(site, translator) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    anonymous = TestClient(site["app"], base_url="http://127.0.0.1", follow_redirects=False)
    for path in (BASE, BASE + "/state.json", BASE + "/events", BASE + "/pages/0.png"):
        answer = anonymous.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/login", path
    assert site["staff"].get(BASE).status_code == 403  # staff do not see the Translations pages
    assert site["admin"].get(BASE + "/state.json").status_code == 200


@pytest.mark.slow
def test_a_signed_in_translator_sees_pages_boxes_and_entries(translator) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    staff = translator
    page = staff.get(BASE)
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert f'data-events="{BASE}/events"' in page.text
    images = [line.split('src="', 1)[1].split('"', 1)[0] for line in page.text.splitlines()
              if "<img src=" in line]
    assert images and all(src.startswith(BASE + "/pages/") for src in images)
    picture = staff.get(images[0])
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(picture.content)).size == (794, 1123)  # A4 at 96 dpi
    state = json.loads(staff.get(BASE + "/state.json").text)
    assert state["target"] == {"kind": "topic", "id": "relapsed-refractory", "lang": "fr",
                               "level": "easy"}
    assert len(state["pages"]) == len(images)
    title = next(e for e in state["entries"] if e["ctx"] == "relapsed-refractory/@title/easy")
    assert title["boxes"] and title["po"] == "locales/fr/LC_MESSAGES/relapsed-refractory.po"


def test_an_unknown_document_or_language_is_a_404_with_the_reason(translator) -> None:  # type: ignore[no-untyped-def]
    staff = translator
    missing = staff.get("/translate/preview/fr/no-such-topic/easy")
    assert missing.status_code == 404 and "unknown topic" in missing.text
    assert staff.get("/translate/preview/xx/relapsed-refractory/easy").status_code == 404
    assert staff.get("/translate/preview/fr/relapsed-refractory/expert").status_code == 404
    assert staff.get(BASE + "/pages/not-a-page.png").status_code == 404
