"""Helpers of the web tests: accounts, a client that knows its CSRF token, settings."""

from __future__ import annotations

import re
import socket
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ADMIN = ("admin", "admin password 1")
STAFF = ("nurse", "staff password 1")
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def settings_for(folder: Path, cache: Path, url: str = ""):  # type: ignore[no-untyped-def]
    from builder.project import Project
    from builder.web.app import Settings

    return Settings(project=Project(REPO), database_url=url or f"sqlite:///{folder / 'web.db'}",
                    data=folder / "data", cache=cache, workers=1)


class Browser:
    """A TestClient with its own cookies that knows the current CSRF token."""

    def __init__(self, app):  # type: ignore[no-untyped-def]
        from fastapi.testclient import TestClient

        self.client = TestClient(app, base_url="http://127.0.0.1", follow_redirects=True)

    def token(self, path: str = "/login") -> str:
        page = self.client.get(path)
        found = CSRF_RE.search(page.text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def get(self, path: str, **kw):  # type: ignore[no-untyped-def]
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict | None = None, token_from: str = "/library", **kw):  # type: ignore[no-untyped-def]
        data = dict(data or {})
        data.setdefault("csrf", self.token(token_from))
        return self.client.post(path, data=data, **kw)

    def login(self, name: str, password: str):  # type: ignore[no-untyped-def]
        return self.client.post("/login", data={"csrf": self.token("/login"), "name": name,
                                                "password": password})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
