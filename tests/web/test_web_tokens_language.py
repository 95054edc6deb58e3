"""API tokens made and revoked on their page; each account's page language; every web catalog."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from builder.web import i18n
from builder.web.db import ApiToken, User

from .web_helpers import ADMIN, STAFF, Browser

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
NEW_TOKEN = re.compile(r'<code id="new-token">([^<]+)</code>')


def make_token(browser: Browser, label: str) -> str:
    page = browser.post("/tokens", {"label": label}, token_from="/tokens")
    found = NEW_TOKEN.search(page.text)
    assert page.status_code == 200 and found, page.text[:300]
    return found.group(1)


def revoke_form(browser: Browser, label: str) -> str:
    """The revoke button's form action on the tokens page, for the token labelled `label`."""
    page = browser.get("/tokens").text
    found = re.search(rf"<td>{re.escape(label)}</td>.*?action=\"(/tokens/\d+/revoke)\"", page, re.S)
    assert found, f"no revoke button for {label}"
    return found.group(1)


def api_status(site: dict, token: str) -> int:
    script = Browser(site["app"]).client  # no cookies: only the token
    return int(script.get("/api/documents", headers={"Authorization": f"Bearer {token}"}).status_code)


@pytest.mark.slow
def test_each_account_makes_and_revokes_its_own_tokens(site: dict) -> None:
    staff, admin = site["staff"], site["admin"]
    ward = make_token(staff, "ward script")
    page = staff.get("/tokens").text
    assert "ward script" in page and ward not in page  # the token itself is shown once only
    assert api_status(site, ward) == 200
    ehr = make_token(admin, "EHR export")
    assert "EHR export" not in staff.get("/tokens").text  # staff see their own tokens
    assert {"ward script", "EHR export"} <= set(re.findall(r"<td>([^<]+)</td>",
                                                          admin.get("/tokens").text))
    # nobody revokes another account's token, and never without the form's CSRF token
    action = revoke_form(admin, "EHR export")
    assert staff.post(action, token_from="/tokens").status_code == 404
    assert admin.client.post(action, data={}).status_code == 403
    assert api_status(site, ehr) == 200
    # the owner revokes it: refused at once, the list says so
    done = staff.post(revoke_form(staff, "ward script"), token_from="/tokens")
    assert done.status_code == 200 and done.url.path == "/tokens"
    assert "Token revoked" in done.text and "ward script" not in done.text
    assert api_status(site, ward) == 401
    # an administrator revokes any account's token
    other = make_token(staff, "old laptop")
    assert admin.post(revoke_form(admin, "old laptop"), token_from="/tokens").status_code == 200
    assert api_status(site, other) == 401 and api_status(site, ehr) == 200


def test_a_revoked_token_is_refused_by_the_render_api_at_once(site: dict) -> None:
    staff = site["staff"]
    token = make_token(staff, "render script")
    script = Browser(site["app"]).client
    auth = {"Authorization": f"Bearer {token}"}
    body = {"topic": "questions-to-ask", "lang": "en", "level": "easy"}
    assert script.post("/api/render", headers=auth, json=body).status_code == 200  # now cached
    staff.post(revoke_form(staff, "render script"), token_from="/tokens")
    refused = script.post("/api/render", headers=auth, json=body)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert "revoked" in refused.json()["error"]
    with site["db"]() as db:
        assert db.scalar(select(ApiToken).where(ApiToken.label == "render script")) is None


# -- page language ------------------------------------------------------------------------------

def translated(lang: str, message: str) -> str:
    text = i18n._catalog(lang)[0][message]
    assert text != message
    return text


@pytest.mark.parametrize(("header", "lang"), [("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"),
                                              ("hi-IN,hi;q=0.9", "hi"), ("zh-TW", "zh_Hant"),
                                              ("pt-PT,pt;q=0.8", "pt_BR"), ("tlh, ja;q=0.5", "en")])
def test_anonymous_pages_follow_the_browsers_language(site: dict, header: str, lang: str) -> None:
    page = Browser(site["app"]).get("/login", headers={"Accept-Language": header}).text
    assert f'<html lang="{i18n.html_lang(lang)}"' in page
    assert (translated(lang, "Sign in") if lang != "en" else "Sign in") in page


def test_the_account_keeps_its_page_language_across_sign_out_and_in(site: dict) -> None:
    site["admin"].post("/accounts", {"name": "ward.nurse", "password": "ward password 1"})
    first = Browser(site["app"])
    assert first.login("ward.nurse", "ward password 1").url.path == "/library"
    page = first.post("/ui-language", {"lang": "hi", "next": "/library"})
    assert '<html lang="hi"' in page.text and translated("hi", "Library") in page.text
    with site["db"]() as db:
        assert db.scalar(select(User.ui_lang).where(User.name == "ward.nurse")) == "hi"
    out = first.post("/logout", token_from="/library")
    assert out.url.path == "/login" and '<html lang="en"' in out.text  # the next person's browser
    assert first.login("ward.nurse", "ward password 1").url.path == "/library"
    assert '<html lang="hi"' in first.get("/kits").text  # every page after sign-in
    elsewhere = Browser(site["app"])  # another computer, a Chinese browser
    elsewhere.client.headers["Accept-Language"] = "zh-CN"
    assert '<html lang="zh-Hans"' in elsewhere.get("/login").text
    elsewhere.login("ward.nurse", "ward password 1")
    assert '<html lang="hi"' in elsewhere.get("/log").text
    # another account signing in at the first computer gets its own language, not the last one's
    first.post("/logout", token_from="/library")
    first.login(*ADMIN)
    assert '<html lang="en"' in first.get("/library").text


def test_a_language_picked_before_signing_in_holds_until_the_account_has_its_own(site: dict) -> None:
    browser = Browser(site["app"])
    browser.post("/ui-language", {"lang": "vi", "next": "/login"}, token_from="/login")
    browser.login(*STAFF)
    assert '<html lang="vi"' in browser.get("/library").text
    with site["db"]() as db:
        assert db.scalar(select(User.ui_lang).where(User.name == STAFF[0])) is None


# -- the catalogs -----------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.mark.parametrize("lang", i18n.UI_LANGS[1:])
def test_every_web_catalog_is_a_complete_draft_with_the_same_placeholders(lang: str) -> None:
    with (i18n.LOCALES / "web.pot").open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    path = i18n.LOCALES / lang / "LC_MESSAGES" / "web.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    assert "draft" in (catalog.header_comment or ""), f"{path}: not marked as a draft"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy or not all(strings):
            problems.append(f"{path}:{message.lineno}: untranslated or fuzzy: {ids[0]!r}")
            continue
        names = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != names and not (len(strings) > 1 and
                                                                 set(PLACEHOLDER.findall(text)) <= names):
                problems.append(f"{path}:{message.lineno}: placeholders {sorted(names)} in "
                                f"{ids[0]!r}, {sorted(set(PLACEHOLDER.findall(text)))} in {text!r}")
    missing = wanted - {m.id for m in catalog if m.id}
    assert not missing and not problems, (sorted(missing, key=str)[:10], problems[:10])
    singular, plural, _rule = i18n._catalog(lang)
    assert len(singular) + len(plural) == len(wanted)
