"""Screenshots of the staff pages for the README: `python -m builder.web.screenshots [OUT]`.

Starts the app on a fresh database in a temp folder, on loopback, and drives Debian's chromium.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

PAGES = [  # (file name, account, UI language, path)
    ("web-library.png", "admin", "en", "/library?q=tratamiento&lang=es"),
    ("web-document.png", "admin", "en", "/documents/topic/relapsed-refractory?lang=es&level=standard"),
    ("web-profile.png", "admin", "en", "/profile"),
    ("web-kits.png", "admin", "en", "/kits"),
    ("web-log.png", "admin", "en", "/log"),
    ("web-library-ar.png", "admin", "ar", "/library?lang=ar&level=easy"),
    ("web-library-zh_Hans.png", "admin", "zh_Hans", "/library?lang=zh_Hans&level=easy"),
    ("web-library-hi.png", "admin", "hi", "/library?lang=hi&level=standard"),
    ("web-tokens.png", "admin", "en", "/tokens"),
]


def main(out: Path) -> None:
    import socket

    import uvicorn
    from playwright.sync_api import sync_playwright

    from builder.project import Project
    from builder.web.app import Settings, create_app
    from builder.web.db import Kit, sessions
    from builder.web.i18n import html_lang
    from builder.web.security import add_user, new_api_token

    folder = Path(tempfile.mkdtemp(prefix="handout-shots-"))
    app = create_app(Settings(project=Project.at(), database_url=f"sqlite:///{folder / 'web.db'}",
                              data=folder, workers=2))
    with sessions(app.state.web.engine)() as db:
        admin = add_user(db, "admin", "screenshot password", admin=True)
        new_api_token(db, admin, "Health record system (nightly export)")
        db.add(Kit(name="First relapse visit", topics="relapsed-refractory\nchoosing-treatment\n"
                                                      "questions-to-ask"))
        db.commit()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                         args=["--no-sandbox"])
        page = browser.new_page(base_url=f"http://127.0.0.1:{port}",
                                viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.set_default_timeout(120_000)
        page.goto("/login")
        page.fill("#name", "admin")
        page.fill("#password", "screenshot password")
        page.click("button[type=submit] >> text=Sign in")
        page.wait_for_url("**/library")
        # one print, so the log and the kit have something to show
        page.goto("/kits")
        kit = page.locator("article").first
        kit.locator("select[name=lang]").select_option("es")
        kit.locator("input[name=acknowledge]").check()
        with page.expect_download():
            kit.locator("button[name=format]").click()
        for name, _account, lang, path in PAGES:
            page.goto("/library")
            page.select_option("#ui-lang", lang)
            page.wait_for_selector(f"html[lang={html_lang(lang)}]")
            page.goto(path)
            for details in page.locator("details").all()[:1]:
                details.locator("summary").click()
            page.wait_for_load_state("networkidle")
            page.wait_for_function("[...document.images].every(i => i.complete)")
            page.screenshot(path=str(out / name))
            print(out / name)
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images"))
