"""The web app: settings, database, render service, sessions, CSRF and one router per area."""

from __future__ import annotations

import contextlib
import ipaddress
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from builder.errors import BuilderError
from builder.project import Project
from builder.web import i18n
from builder.web.db import Profile, User, has_admin, make_engine, migrate, sessions
from builder.web.renderer import Renderer, yield_to_renders
from builder.web.security import csrf_ok, csrf_token, secret_key

HERE = Path(__file__).parent
MAX_BODY = 4_000_000  # bytes: a logo (2 MB) and a profile, with room for the form around them
MAX_FORM_PART = 3_000_000
PROFILE_VERSION = select(Profile.version).where(Profile.id == 1)  # built once: read per document


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
        self.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]

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
    return request.app.state.web  # type: ignore[no-any-return]


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


class Guard:
    """Refuses oversized bodies, sets the staff pages' language, adds the security headers.

    Plain ASGI (not BaseHTTPMiddleware): nothing is buffered and no task is spawned per request.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = JSONResponse({"error": f"request too large: at most "
                                           f"{MAX_BODY // 1_000_000} MB"}, status_code=413)
        request_headers = Headers(scope=scope)
        length = request_headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            await too_large(scope, receive, send)
            return
        # the account's language (put in the session at sign-in), else the browser's
        lang = (scope.get("session") or {}).get("ui_lang")
        if lang not in i18n.UI_LANGS:
            lang = i18n.negotiate(request_headers.get("accept-language", "")[:500])
        token = i18n.current_lang.set(lang)
        started = False
        received = 0

        async def counted() -> Message:
            # A chunked body names no length: count it as it arrives (form parsers spool
            # uploaded files to disk with no limit of their own).
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY:
                    raise _TooLarge()
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive if length is not None else counted, send_with_headers)
        except _TooLarge:
            if started:
                raise
            await too_large(scope, receive, send_with_headers)
        finally:
            i18n.current_lang.reset(token)


class _TooLarge(Exception):
    pass


def create_app(settings: Settings) -> FastAPI:
    state = Web(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            with state.sessions() as db:
                state.renderer.warm(state.clinic_path(db))
        except BuilderError:
            pass  # a broken stored profile shows on the pages that need it
        yield_to_renders()
        yield
        state.renderer.close()

    app = FastAPI(title="handout", summary="Patient leaflets for clinic staff and scripts",
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
                  lifespan=lifespan)
    app.state.web = state
    with state.sessions() as db:
        key = secret_key(db)

    app.add_middleware(Guard)
    # added after Guard, so it runs first and Guard sees the session
    app.add_middleware(SessionMiddleware, secret_key=key, session_cookie="handout_session",
                       same_site="strict", https_only=settings.secure_cookies, max_age=12 * 3600)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(NeedsLogin)
    async def _login(request: Request, _exc: NeedsLogin) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "sign in or send an API token"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(NeedsSetup)
    async def _setup(request: Request, _exc: NeedsSetup) -> Response:
        return RedirectResponse("/setup", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code,
                                headers=exc.headers)
        return page(request, "error.html", status=exc.status_code, message=exc.detail,
                    user=None)

    @app.exception_handler(BuilderError)
    async def _builder(request: Request, exc: BuilderError) -> Response:
        problems = [str(p) for p in exc.problems]
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": problems[0] if problems else str(exc),
                                 "problems": problems}, status_code=422)
        return page(request, "error.html", status=422, message="; ".join(problems), user=None)

    from builder.web.routers import api, auth, documents, kits, library, log, preview, profile, translate

    # the API first: scripts call it most, and routes are matched in order
    for module in (api, auth, library, documents, kits, profile, log, translate, preview):
        app.include_router(module.router)
    return app


def app_from_env() -> FastAPI:
    """For `uvicorn --factory builder.web.app:app_from_env` (HANDOUT_PROJECT, HANDOUT_DATABASE_URL)."""
    project = Project.at(Path(os.environ["HANDOUT_PROJECT"]) if "HANDOUT_PROJECT" in os.environ
                         else None)
    return create_app(Settings(project=project))
