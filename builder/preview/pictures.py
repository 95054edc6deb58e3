"""Pictures of the live preview for the README: `python -m builder.preview.pictures [OUT]`.

Copies the project to a temp folder, makes a few entries untranslated, stale, failing QA or too
long there, starts `handout serve` on it (loopback, fresh database) and drives Debian's chromium.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from builder.preview.edit import msgid_of, set_msgstr

TOPIC = "relapsed-refractory"
# (file, UI language, preview language, level, msgctxt to select)
SHOTS = [
    ("preview-fr.png", "en", "fr", "standard", f"{TOPIC}/relapse-meaning/standard"),
    ("preview-ar.png", "ar", "ar", "easy", f"{TOPIC}/relapse-meaning/easy"),
    ("preview-zh_Hans.png", "en", "zh_Hans", "standard", f"{TOPIC}/what-is-myeloma/standard"),
    ("preview-en.png", "en", "en", "easy", f"{TOPIC}/myeloma-basics/easy"),
    ("preview-slides-fr.png", "en", "fr", "standard", f"{TOPIC}/options/standard/slide"),
]


def _po(root: Path, lang: str) -> Path:
    return root / "locales" / lang / "LC_MESSAGES" / f"{TOPIC}.po"


def _prepare(root: Path) -> None:
    """What a translator meets: each state at least once."""
    fr = _po(root, "fr")
    ctx = f"{TOPIC}/relapse-meaning/standard"
    english = msgid_of(fr, ctx)
    old = english.replace("for a time", "for some months", 1)
    set_msgstr(fr, ctx, "Ancienne traduction de ce paragraphe.", previous=old)
    set_msgstr(fr, f"{TOPIC}/refractory-meaning/standard", "")
    set_msgstr(fr, f"{TOPIC}/relapse-common/standard",
               "La rechute est fréquente : environ 9 personnes sur 10 la connaissent.")
    set_msgstr(fr, f"{TOPIC}/why-heading/standard",
               "Pourquoilemyélomerevientaprèsuntraitementquiavaitbienmarché")
    set_msgstr(fr, f"{TOPIC}/options/standard/slide",  # far over the 60-character budget
               "De nouveaux médicaments et des associations de médicaments arrivent, et des "
               "essais cliniques en proposent d'autres à ceux qui peuvent y participer")
    ar = _po(root, "ar")
    ctx = f"{TOPIC}/relapse-meaning/easy"
    english = msgid_of(ar, ctx)
    set_msgstr(ar, ctx, "ترجمة قديمة لهذه الفقرة.", previous=english.replace(".", " again.", 1))
    zh = _po(root, "zh_Hans")
    set_msgstr(zh, f"{TOPIC}/what-is-myeloma/standard", "")


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out = out.resolve()
    folder = _project_copy()
    here = Path.cwd()
    os.chdir(folder)  # paths shown as a translator in the project sees them
    server, port = _serve(folder)
    out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=["--no-sandbox"])
            page = browser.new_page(base_url=f"http://127.0.0.1:{port}",
                                    viewport={"width": 1360, "height": 940})
            page.set_default_timeout(120_000)
            page.goto("/login")
            page.fill("#name", "translator")
            page.fill("#password", "screenshot password")
            page.click("button[type=submit] >> text=Sign in")
            page.wait_for_url("**/library")
            for name, ui, lang, level, ctx in SHOTS:
                _shoot(page, out / name, ui, lang, level, ctx)
            browser.close()
    finally:
        server.should_exit = True
        os.chdir(here)
        shutil.rmtree(folder, ignore_errors=True)


def _project_copy() -> Path:
    """A temporary copy of the project's content, templates and catalogs, with the shots' edits."""
    repo = Path(__file__).resolve().parents[2]
    folder = Path(tempfile.mkdtemp(prefix="handout-preview-shots-"))
    for name in ("content", "templates", "locales"):
        shutil.copytree(repo / name, folder / name, ignore=shutil.ignore_patterns("*.mo"))
    _prepare(folder)
    return folder


def _serve(folder: Path) -> tuple[Any, int]:
    """The web app on a free loopback port, in a thread, with an admin and a translator."""
    import uvicorn

    from builder.project import Project
    from builder.web.app import Settings, create_app
    from builder.web.db import sessions
    from builder.web.security import add_user

    app = create_app(Settings(project=Project(folder), database_url=f"sqlite:///{folder / 'web.db'}",
                              data=folder / ".handout", workers=1))
    with sessions(app.state.web.engine)() as db:
        add_user(db, "admin", "screenshot password 2", admin=True)  # a site with no admin asks for one
        add_user(db, "translator", "screenshot password", admin=False, translator=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=1))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, int(port)


def _shoot(page: Any, path: Path, ui: str, lang: str, level: str, ctx: str) -> None:
    """One picture: the preview of `lang`, in the `ui` language, with the entry `ctx` open."""
    page.goto("/library")
    page.select_option("#ui-lang", ui)
    page.wait_for_selector(f"html[lang={ui}]")
    page.goto(f"/translate/preview/{lang}/{TOPIC}/{level}")
    page.wait_for_selector("body[data-version]", state="attached")
    if ctx.endswith("/slide"):  # the slides, below the pages
        page.locator("#pv-slides summary").click()
        bullet = page.locator(".pv-slide-body button", has_text="De nouveaux")
        bullet.first.scroll_into_view_if_needed()
        bullet.first.click()
    else:
        box = page.locator(f'.pv-box[data-ctx="{ctx}"]').first
        box.scroll_into_view_if_needed()
        box.click()
    page.wait_for_load_state("networkidle")
    time.sleep(0.5)
    page.screenshot(path=str(path))
    print(path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images"))
