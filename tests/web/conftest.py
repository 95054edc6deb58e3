"""Web app fixtures: an app on a fresh database, signed-in clients, a live server for browsers."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .web_helpers import ADMIN, STAFF, Browser, free_port, settings_for


@pytest.fixture(scope="session")
def render_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Rendered files, shared by every app of the session (named by input digest, so safe)."""
    return tmp_path_factory.mktemp("render-cache")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, render_cache: Path) -> Iterator[dict]:
    """An app on a fresh SQLite database with an admin (first page) and a staff account."""
    from fastapi.testclient import TestClient

    from builder.web.app import create_app

    folder = tmp_path_factory.mktemp("web")
    app = create_app(settings_for(folder, render_cache))
    with TestClient(app):  # runs the lifespan: starts the render workers
        admin = Browser(app)
        setup = admin.client.post("/setup", data={"csrf": admin.token("/setup"), "name": ADMIN[0],
                                                  "password": ADMIN[1], "password2": ADMIN[1]})
        assert setup.status_code == 200 and setup.url.path == "/library", setup.text[:500]
        made = admin.post("/accounts", {"name": STAFF[0], "password": STAFF[1]})
        assert made.status_code == 200
        staff = Browser(app)
        assert staff.login(*STAFF).url.path == "/library"
        yield {"app": app, "admin": admin, "staff": staff, "folder": folder,
               "db": app.state.web.sessions}


@contextlib.contextmanager
def serving(folder: Path, cache: Path, accounts: bool) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 in a thread, on a fresh database in `folder`."""
    import uvicorn

    from builder.web.app import create_app
    from builder.web.db import sessions
    from builder.web.security import add_user

    app = create_app(settings_for(folder, cache))
    if accounts:
        with sessions(app.state.web.engine)() as db:
            add_user(db, *ADMIN, admin=True)
            add_user(db, *STAFF, admin=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start in 30 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, render_cache: Path) -> Iterator[str]:
    """A live server with an admin and a staff account, shared by the browser tests."""
    with serving(tmp_path_factory.mktemp("live"), render_cache, accounts=True) as url:
        yield url
