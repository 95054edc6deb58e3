"""The translators' pages in Debian's headless chromium against a real server: an administrator
makes a translator account, the translator checks a broken .po file and sees its line; a 50 MB
upload is refused and the server keeps serving."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from .web_helpers import ADMIN, REPO, STAFF

CHROMIUM = Path("/usr/bin/chromium")
TRANSLATOR = ("tradutora", "translator password 3")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM.is_file(), reason="needs Debian's chromium (apt-get install chromium)"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                         args=["--no-sandbox"])
        yield browser
        browser.close()


def sign_in(chromium, live_server: str, account: tuple[str, str]):  # type: ignore[no-untyped-def]
    page = chromium.new_context(base_url=live_server).new_page()
    page.set_default_timeout(120_000)
    page.goto("/login")
    page.get_by_label("Account name").fill(account[0])
    page.get_by_label("Password").fill(account[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/library")
    return page


@pytest.mark.slow
def test_a_translator_checks_a_broken_po_file_and_sees_file_line_message(
        chromium, live_server: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = sign_in(chromium, live_server, ADMIN)
    admin.goto("/accounts")
    admin.get_by_label("Account name").fill(TRANSLATOR[0])
    admin.get_by_label("Password").fill(TRANSLATOR[1])
    admin.get_by_label("Role", exact=True).select_option("translator")
    admin.get_by_role("button", name="Add the account").click()
    admin.wait_for_url("**/accounts")
    admin.context.close()

    po = (REPO / "locales" / "es" / "LC_MESSAGES" / "relapsed-refractory.po").read_text("utf-8")
    title = 'msgstr "Cuando el mieloma vuelve"'
    line = po.splitlines().index(title) + 1
    broken = tmp_path / "relapsed-refractory.po"
    broken.write_text(po.replace(title, 'msgstr "Cuando el mieloma vuelve', 1), encoding="utf-8")

    page = sign_in(chromium, live_server, TRANSLATOR)
    page.get_by_role("link", name="Translations").click()
    page.wait_for_url("**/translate")
    page.get_by_role("link", name="Español").click()
    page.wait_for_url("**/translate/es")
    assert page.get_by_role("heading", name="Stale entries").is_visible()
    page.get_by_label(re.compile(r"^\.po file")).set_input_files(str(broken))
    page.get_by_role("button", name="Check and preview").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert f"relapsed-refractory.po:{line}: unterminated string (missing closing quote)" in \
        alert.inner_text()
    assert "Nothing was saved" in alert.inner_text()
    page.context.close()

    nurse = sign_in(chromium, live_server, STAFF)
    answer = nurse.goto("/translate")
    assert answer is not None and answer.status == 403
    assert "for translators" in nurse.content()
    nurse.context.close()


def test_a_50_mb_upload_is_refused_and_the_server_keeps_serving(live_server: str) -> None:
    import httpx

    with httpx.Client(base_url=live_server, timeout=120) as client:
        answer = client.post("/translate/es/upload",
                             files={"file": ("relapsed-refractory.po", b"#" * 50_000_000)})
        assert answer.status_code == 413 and "request too large" in answer.text
        assert client.get("/login").status_code == 200
