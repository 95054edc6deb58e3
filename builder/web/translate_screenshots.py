"""Screenshots of the translators' pages for the README: `python -m builder.web.translate_screenshots
[OUT]`.

Copies the project to a temp folder and changes one English sentence there (so the dashboard has a
stale entry to show with its diff), starts the app on loopback and drives Debian's chromium.
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

CHANGED = ("No single plan works for everyone. Doctors keep testing new drugs",
           "No one plan works for every person. Doctors keep testing new medicines")
PAGES = [  # (file name, UI language, path, upload: a broken or a good catalog, whole page?)
    ("translate-index.png", "en", "/translate", "", False),
    ("translate-es.png", "en", "/translate/es", "", True),
    ("translate-upload.png", "en", "/translate/es", "broken", False),
    ("translate-upload-ok.png", "en", "/translate/es", "good", True),
    ("translate-ar.png", "ar", "/translate/ar", "", True),
]


def stale_copy(source: Path, target: Path) -> Path:
    """content/, templates/ and locales/ of `source` in `target`, one English sentence changed
    and `handout i18n extract` + `update` run, as after an edit of the content."""
    from builder.i18n.extract import write_templates
    from builder.i18n.workflow import update
    from builder.project import Project

    for name in ("content", "templates", "locales"):
        shutil.copytree(source / name, target / name, ignore=shutil.ignore_patterns("*.mo"))
    topic = target / "content" / "relapsed-refractory.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace(*CHANGED), encoding="utf-8")
    project = Project(target)
    write_templates(project)
    update(project)
    return target


def broken_upload(project: Path, folder: Path) -> Path:
    """The Spanish catalog of a topic with one translation that changed a number."""
    po = (project / "locales" / "es" / "LC_MESSAGES" / "stem-cell-transplant.po").read_text("utf-8")
    path = folder / "stem-cell-transplant.po"
    path.write_text(po.replace('msgstr "Los 3 pasos', 'msgstr "Los 4 pasos', 1), encoding="utf-8")
    return path


def main(out: Path) -> None:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from builder.project import Project
    from builder.web.app import Settings, create_app
    from builder.web.db import sessions
    from builder.web.security import add_user

    folder = Path(tempfile.mkdtemp(prefix="handout-translate-shots-"))
    root = stale_copy(Project.at().root, folder / "project")
    app = create_app(Settings(project=Project(root), database_url=f"sqlite:///{folder / 'web.db'}",
                              data=folder / "data", workers=2))
    with sessions(app.state.web.engine)() as db:
        add_user(db, "admin", "screenshot password", admin=True)
        add_user(db, "translator", "screenshot password", admin=False, translator=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    out.mkdir(parents=True, exist_ok=True)
    uploads = {"broken": broken_upload(root, folder),
               "good": root / "locales" / "es" / "LC_MESSAGES" / "stem-cell-transplant.po"}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                         args=["--no-sandbox"])
        page = browser.new_page(base_url=f"http://127.0.0.1:{port}",
                                viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(180_000)
        page.goto("/login")
        page.fill("#name", "translator")
        page.fill("#password", "screenshot password")
        page.click("button[type=submit] >> text=Sign in")
        page.wait_for_url("**/library")
        for name, lang, path, upload, whole in PAGES:
            page.goto("/library")
            page.select_option("#ui-lang", lang)
            page.wait_for_selector(f"html[lang={lang}]")
            page.goto(path)
            if upload:
                page.set_input_files("#u-file", str(uploads[upload]))
                page.select_option("#u-level", "easy")
                page.click("form[enctype] button[type=submit]")
                page.wait_for_selector(".problems" if upload == "broken" else ".pages img")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / name), full_page=whole)
            print(out / name)
        browser.close()
    server.should_exit = True
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images"))
