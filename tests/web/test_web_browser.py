"""The staff pages in Debian's headless chromium, driven by Playwright, against a real server."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from .web_helpers import ADMIN, STAFF

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,  # a browser and a live server per module: the full tier (make test)
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


def signed_in(chromium, live_server: str, account: tuple[str, str]):  # type: ignore[no-untyped-def]
    context = chromium.new_context(base_url=live_server, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto("/login")
    page.get_by_label("Account name").fill(account[0])
    page.get_by_label("Password").fill(account[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/library")
    return page


def test_search_preview_and_download_a_spanish_pdf(chromium, live_server: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = signed_in(chromium, live_server, STAFF)
    page.get_by_label("Search").fill("trasplante")
    page.get_by_label("Leaflet language").select_option("es")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile("trasplante", re.I)).first.click()
    page.wait_for_url("**/documents/topic/stem-cell-transplant**")
    first = page.get_by_role("img", name=re.compile(r"^Page 1 of "))
    first.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 100", arg=first.element_handle())
    page.get_by_label(re.compile("I have read the warnings")).check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Print (download the PDF)").click()
    target = tmp_path / "leaflet.pdf"
    download.value.save_as(target)
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "trasplante" in text.lower() and "Demo Myeloma Clinic" in text
    page.context.close()


def test_uploading_a_logo_changes_the_preview(chromium, live_server: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = signed_in(chromium, live_server, ADMIN)
    page.goto("/profile")
    logo = page.locator("#pv-logo")
    before = logo.screenshot()
    image = tmp_path / "logo.png"
    Image.new("RGB", (120, 60), "#cc3300").save(image)
    page.get_by_label(re.compile("^Logo")).set_input_files(str(image))
    page.get_by_label("Clinic name").fill("Clínica Norte")
    assert page.locator("#pv-name").inner_text() == "Clínica Norte"  # live, before saving
    page.get_by_role("button", name="Save the profile").click()
    page.wait_for_url("**/profile?saved=1")
    after = page.locator("#pv-logo").screenshot()
    assert after != before
    shown = Image.open(io.BytesIO(after)).convert("RGB")
    assert shown.getpixel((shown.width // 2, shown.height // 2)) == pytest.approx((204, 51, 0), abs=8)
    assert page.locator("#pv-name").inner_text() == "Clínica Norte"
    page.get_by_label("Clinic name").fill("Demo Myeloma Clinic")
    page.get_by_role("button", name="Save the profile").click()
    page.wait_for_url("**/profile?saved=1")
    page.context.close()


def test_build_a_kit_print_it_and_find_it_in_the_log(chromium, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page = signed_in(chromium, live_server, STAFF)
    page.get_by_role("link", name="Kits").click()
    page.get_by_label("Name", exact=True).fill("Browser kit")
    page.locator("#t-relapsed-refractory").check()
    page.locator("#t-supportive-care").check()
    page.get_by_role("button", name="Create the kit").click()
    kit = page.locator("article", has=page.get_by_role("heading", name="Browser kit"))
    kit.get_by_label("Leaflet language").select_option("es")
    kit.get_by_label(re.compile("print it anyway")).check()
    with page.expect_download() as download:
        kit.get_by_role("button", name="Print (download the PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.get_by_role("link", name="Print log").click()
    row = page.locator("tr", has_text="kit: Browser kit")
    assert row.count() >= 1 and "es" in row.first.inner_text()
    page.context.close()


def test_staff_cannot_open_admin_pages(chromium, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page = signed_in(chromium, live_server, STAFF)
    assert page.get_by_role("link", name="Clinic profile").count() == 0
    for path in ("/profile", "/accounts"):
        response = page.goto(path)
        assert response is not None and response.status == 403
        assert "for administrators" in page.content()
    page.context.close()


def test_a_form_posted_without_its_csrf_token_is_refused(chromium, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page = signed_in(chromium, live_server, STAFF)
    page.goto("/kits")
    page.get_by_label("Name", exact=True).fill("Forged kit")
    page.locator("#t-relapsed-refractory").check()
    page.evaluate("() => document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())")
    with page.expect_response(re.compile(r"/kits$")) as answer:
        page.get_by_role("button", name="Create the kit").click()
    assert answer.value.status == 403
    assert "Reload the page" in page.content()
    page.goto("/kits")
    assert "Forged kit" not in page.content()
    page.context.close()


def test_arabic_staff_pages_are_right_to_left(chromium, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page = signed_in(chromium, live_server, STAFF)
    page.get_by_label("Page language").select_option("ar")
    page.wait_for_selector("html[dir=rtl]")
    assert page.get_by_role("link", name="المكتبة").count() == 1
    nav = page.locator("nav").bounding_box()
    brand = page.locator(".brand").bounding_box()
    assert nav is not None and brand is not None and brand["x"] > nav["x"]  # brand on the right
    page.get_by_label("لغة الصفحة").select_option("en")
    page.wait_for_selector("html[dir=ltr]")
    page.context.close()


def test_the_page_language_follows_the_account_across_sign_out_and_in(chromium, live_server: str,  # type: ignore[no-untyped-def]
                                                                     ) -> None:
    from builder.web.i18n import _catalog

    chinese, hindi = _catalog("zh_Hans")[0], _catalog("hi")[0]
    admin = signed_in(chromium, live_server, ADMIN)
    admin.goto("/accounts")
    admin.get_by_label("Account name").fill("lang.nurse")
    admin.get_by_label("Password").fill("lang nurse password")
    admin.get_by_role("button", name="Add the account").click()
    admin.context.close()

    def sign_in(page) -> None:  # type: ignore[no-untyped-def]
        page.goto("/login")
        page.locator("#name").fill("lang.nurse")
        page.locator("#password").fill("lang nurse password")
        page.locator("main button[type=submit]").click()
        page.wait_for_url("**/library")

    context = chromium.new_context(base_url=live_server, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(60_000)
    sign_in(page)
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_label("Page language").select_option("zh_Hans")
    page.wait_for_selector("html[lang=zh-Hans]")
    page.get_by_role("button", name=chinese["Sign out"]).click()
    page.wait_for_url("**/login")
    assert page.locator("html").get_attribute("lang") == "en"  # the browser's, for the next person
    sign_in(page)
    assert page.locator("html").get_attribute("lang") == "zh-Hans"  # the account's, at once
    page.get_by_role("link", name=chinese["Kits"]).click()
    page.wait_for_url("**/kits")
    assert page.get_by_role("heading", name=chinese["Kits"], exact=True).count() == 1
    context.close()
    # a Hindi browser gets the sign-in page in Hindi before anyone signs in
    context = chromium.new_context(base_url=live_server, locale="hi-IN")
    page = context.new_page()
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "hi"
    assert page.get_by_role("button", name=hindi["Sign in"]).count() == 1
    context.close()


def test_a_token_revoked_in_the_browser_is_refused_by_the_api(chromium, live_server: str) -> None:  # type: ignore[no-untyped-def]
    import httpx

    page = signed_in(chromium, live_server, STAFF)
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("What the token is for").fill("browser-made script")
    page.get_by_role("button", name="Make a token").click()
    token = page.locator("#new-token").inner_text()
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{live_server}/api/documents", headers=auth, timeout=120).status_code == 200
    page.locator("tr", has_text="browser-made script").get_by_role("button", name="Revoke").click()
    page.wait_for_url("**/tokens?revoked=1")
    assert page.get_by_role("status").inner_text().startswith("Token revoked")
    assert httpx.get(f"{live_server}/api/documents", headers=auth, timeout=120).status_code == 401
    page.context.close()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_keyboard_only_reaches_search(chromium, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page = signed_in(chromium, live_server, STAFF)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.context.close()


def test_a_newcomer_prints_a_branded_spanish_leaflet_in_under_a_minute(chromium, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from .conftest import serving

    # a fresh database and an empty render cache: what `make serve` gives on the first day
    with serving(tmp_path / "fresh", tmp_path / "cache", accounts=False) as url:
        start = time.monotonic()
        context = chromium.new_context(base_url=url, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto("/")
        page.get_by_label("Account name").fill("maria")
        page.get_by_label("Password", exact=True).fill("a good long password")
        page.get_by_label("Password again").fill("a good long password")
        page.get_by_role("button", name="Create the administrator account").click()
        page.get_by_label("Leaflet language").select_option("es")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name="Mieloma en recaída y refractario").click()
        page.get_by_label(re.compile("I have read the warnings")).check()
        with page.expect_download() as download:
            page.get_by_role("button", name="Print (download the PDF)").click()
        target = tmp_path / "leaflet.pdf"
        download.value.save_as(target)
        elapsed = time.monotonic() - start
        context.close()
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Mieloma en recaída y refractario" in text and "Demo Myeloma Clinic" in text
    assert elapsed < 60, f"{elapsed:.0f} s"
