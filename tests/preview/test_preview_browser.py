"""The live preview in Debian's headless chromium against a real server on 127.0.0.1: a .po file
saved on disk shows in the open page without a reload, and a QA pin appears with the .po line."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from builder.preview.edit import set_msgstr

from .test_preview_core import PARAGRAPH, TOPIC

CHROMIUM = Path("/usr/bin/chromium")
SAVE_TO_PAGE_SECONDS = 1.0  # the time bar: save -> new text on the open page
pytestmark = [
    pytest.mark.skipif(not CHROMIUM.is_file(), reason="needs Debian's chromium (apt-get install chromium)"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


@pytest.fixture
def preview_server(project: Path) -> Iterator[str]:
    """`handout preview`'s app on a private copy of the project, served by uvicorn in a thread."""
    import uvicorn

    from builder.preview.hub import Hub
    from builder.preview.server import create_app
    from builder.project import Project

    proj = Project(project)
    hub = Hub(proj)
    app = create_app(proj, proj.templates / "clinic" / "demo.yaml", hub=hub)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the preview server did not start in 30 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture
def chromium() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                         args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.mark.slow
def test_a_saved_translation_shows_without_a_reload_and_a_changed_number_is_pinned(  # type: ignore[no-untyped-def]
        chromium, preview_server: str, project: Path) -> None:
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(30_000)
    page.goto(f"{preview_server}/preview/fr/{TOPIC}/standard")
    page.wait_for_selector("body[data-version]", state="attached")
    page.get_by_role("button", name=re.compile("^Translated: Le myélome")).first.wait_for()
    page.evaluate("window.stillThisPage = true")  # gone if the page were loaded again
    images = page.locator(".pv-page img")
    first_images = images.evaluate_all("imgs => imgs.map(img => img.getAttribute('src'))")
    target = project / "locales" / "fr" / "LC_MESSAGES" / f"{TOPIC}.po"
    time.sleep(1.0)  # the watcher is up: the page is open, as a translator's would be

    took = []
    for word in ("vraiment", "toujours", "encore"):
        text = f"Le myélome est un cancer des plasmocytes, {word}."
        start = time.perf_counter()
        set_msgstr(target, PARAGRAPH, text)
        page.get_by_role("button", name=f"Translated: {text}").wait_for()
        took.append(time.perf_counter() - start)
    assert page.evaluate("window.stillThisPage") is True  # updated in place, not reloaded
    deadline = time.monotonic() + 10
    # The page holding the paragraph (page 2: page 1 is the urgent and contact boxes) is redrawn.
    while images.evaluate_all("imgs => imgs.map(img => img.getAttribute('src'))") == first_images:
        assert time.monotonic() < deadline, "no page image was replaced"
        time.sleep(0.05)
    # The bar is for this 2-core machine to itself (`make bench` measures its p95 over 20
    # saves; a save costs the server ~0.2 s of CPU). When other work shares the cores, as
    # the tests' own workers do, a render waits its turn: the bar scales with the run queue.
    shared = max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    assert max(took) <= SAVE_TO_PAGE_SECONDS * shared, (took, shared)

    line = set_msgstr(target, PARAGRAPH, "Le myélome touche 3 sortes de cellules.")
    pin = page.get_by_role("button", name=re.compile("^QA error: "))
    pin.wait_for()
    assert pin.count() == 1
    pin.click()
    detail = page.locator("#pv-detail")
    detail.get_by_text(f"{TOPIC}.po:{line}: {PARAGRAPH}: numbers differ", exact=False).wait_for()
    assert "Le myélome touche 3 sortes de cellules." in detail.inner_text()
    assert page.locator(".pv-count[data-state=qa] .n").inner_text() == "1"
    assert page.evaluate("window.stillThisPage") is True
    page.close()
