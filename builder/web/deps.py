"""What every route reads: settings, the `Web` state, database sessions, the signed-in user,
the checked form, pages rendered from the staff templates and the security headers. Routers import
this, never the app (which imports the routers).
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from builder.project import Project
from builder.web import i18n
from builder.web.db import Profile, User, has_admin, make_engine, migrate, sessions
from builder.web.renderer import Renderer
from builder.web.security import csrf_ok, csrf_token

HERE = Path(__file__).parent
MAX_BODY = 4_000_000  # bytes: a logo (2 MB) and a profile, with room for the form around them
MAX_FORM_PART = 3_000_000
PROFILE_VERSION = select(Profile.version).where(Profile.id == 1)  # built once: read per document
API_THREADS_SERVER = 4  # the API's threads on a database server (Web.api_work); SQLite: 1

T = TypeVar("T")


@dataclass
class Settings:
    project: Project
    database_url: str = ""
    data: Path | None = None  # cache, profile files; default <project>/.handout
    workers: int = 2
    cache: Path | None = None  # rendered files by input digest; default <data>/cache
    secure_cookies: bool = False  # set when served over https
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.data is None:
            self.data = self.project.root / ".handout"
        if not self.database_url:
            self.database_url = os.environ.get("HANDOUT_DATABASE_URL") or \
                f"sqlite:///{self.data / 'handout.db'}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Web:
    """What every route reads: settings, database sessions, templates, the render service."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        migrate(self.engine)
        self.sessions = sessions(self.engine)
        assert settings.data is not None
        self.data = settings.data
        self.renderer = Renderer(settings.project, settings.cache or self.data / "cache",
                                 settings.workers)
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True,
                               undefined=StrictUndefined, extensions=["jinja2.ext.i18n"])
        self._clinic: tuple[int, Path] | None = None  # (profile version, its files)
        # One thread on SQLite, several on a database server: see api_work
        self._api_threads = ThreadPoolExecutor(
            1 if self.engine.dialect.name == "sqlite" else API_THREADS_SERVER,
            thread_name_prefix="api")
        self.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]

    async def api_work(self, work: Callable[[], T]) -> T:
        """`work` (token, checks, localizing, print-log row: it blocks) on the API's own threads,
        never in the event loop, with the request's context (its language).

        SQLite runs in this process, under Python's interpreter lock, so one thread does the work
        as fast as several, and each more thread runnable under load spreads the server over both
        cores, taking CPU from the renders; a database server is waited for over the network,
        without the lock, so it gets API_THREADS_SERVER. On SQLite, measured with `python -m
        builder.bench --load-only`, group 5 steps down, a thread per request at once gave cached
        p95 39-44 ms and an uncached ratio of 1.97-2.36x; one thread gives 37-40 ms and 1.62-1.78x
        (three runs each). A long job (the inputs loaded again after an edit) holds the API's
        other requests meanwhile; they would wait for that load anyway."""
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(self._api_threads, context.run,
                                                                work)

    def close(self) -> None:
        """Stop the render workers and the API's threads (the app's shutdown)."""
        self.renderer.close()
        self._api_threads.shutdown(wait=False)

    def clinic_path(self, db: Session) -> Path:
        """The stored profile as files `load_clinic` reads; re-read only when its version changes."""
        from builder.web.profile import current, materialize

        version = db.connection().execute(PROFILE_VERSION).scalar()
        known = self._clinic
        if version is not None and known is not None and known[0] == version:
            return known[1]
        row = current(db, self.settings.project)
        path = materialize(row, self.data / "clinic")
        self._clinic = (row.version, path)
        return path


def web(request: Request) -> Web:
    state: Web = request.app.state.web  # starlette's app.state holds anything
    return state


def get_db(request: Request) -> Iterator[Session]:
    with web(request).sessions() as db:
        yield db


class NeedsLogin(Exception):
    pass


class NeedsSetup(Exception):
    pass


def current_user(request: Request, db: Session = Depends(get_db)) -> User:
    user_id = request.session.get("user")
    user = db.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        if not has_admin(db):
            raise NeedsSetup()
        raise NeedsLogin()
    if user.role == "translator" and not translator_may(request):
        raise HTTPException(403, i18n.gettext("This page is for clinic staff. Translators use the "
                                              "Translations pages and the library."))
    return user


def translator_may(request: Request) -> bool:
    """A translator's pages: their own, the library, and documents to look at (not to print)."""
    path = request.url.path
    if path.startswith("/documents/"):
        return request.method == "GET"
    return path in ("/", "/library") or path == "/translate" or path.startswith("/translate/")


def admin_user(user: User = Depends(current_user)) -> User:
    if not user.admin:
        raise HTTPException(403, i18n.gettext("This page is for administrators. Ask an "
                                              "administrator of your clinic."))
    return user


async def checked_form(request: Request) -> FormData:
    """The posted form, refused unless it carries this session's CSRF token."""
    form = await request.form(max_files=2, max_fields=200, max_part_size=MAX_FORM_PART)
    sent = form.get("csrf")
    if not csrf_ok(request.session, sent if isinstance(sent, str) else None):
        raise HTTPException(403, i18n.gettext("This form has expired or did not come from this "
                                              "site. Reload the page and try again."))
    return form


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = i18n.current_lang.get()
    user = context.pop("user", None)
    html = web(request).env.get_template(template).render(
        request=request, user=user, csrf=csrf_token(request.session), ui_lang=lang,
        ui_dir="rtl" if lang in i18n.RTL else "ltr", ui_langs=i18n.UI_LANGS,
        language_name=i18n.language_name, html_lang=i18n.html_lang, path=request.url.path,
        **context)
    return HTMLResponse(html, status_code=status)


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
