"""The web app: settings, database, render service, sessions, CSRF and one router per area."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from builder.errors import BuilderError
from builder.project import Project
from builder.web import i18n
from builder.web.deps import (
    HERE,
    MAX_BODY,
    SECURITY_HEADERS,
    NeedsLogin,
    NeedsSetup,
    Settings,
    Web,
    is_loopback,
    page,
)
from builder.web.i18n import gettext as _
from builder.web.renderer import yield_to_renders
from builder.web.security import secret_key


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
        request_headers = Headers(scope=scope)
        token = i18n.current_lang.set(_ui_lang(scope, request_headers))
        try:
            await self._guarded(scope, receive, send, request_headers)
        finally:
            i18n.current_lang.reset(token)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send,
                       request_headers: Headers) -> None:
        started = False
        received = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                _add_security_headers(message)
            await send(message)

        length = request_headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            await _too_large(scope, request_headers)(scope, receive, send_with_headers)
            return

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

        try:
            await self.app(scope, receive if length is not None else counted, send_with_headers)
        except _TooLarge:
            if started:
                raise
            await _too_large(scope, request_headers)(scope, receive, send_with_headers)


def _too_large(scope: Scope, headers: Headers) -> Response:
    """The 413: a page with the message, in the staff's language, for a person's browser (a form
    post, or a page asked for); the JSON error, in English as the CLI's, for scripts."""
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    from_a_browser = kind in ("application/x-www-form-urlencoded", "multipart/form-data") or \
        "text/html" in headers.get("accept", "")
    if scope["path"].startswith("/api/") or not from_a_browser or "session" not in scope:
        return JSONResponse({"error": f"request too large: at most {MAX_BODY // 1_000_000} MB"},
                            status_code=413)
    message = _("request too large: at most %(mb)d MB") % {"mb": MAX_BODY // 1_000_000}
    return page(Request(scope), "error.html", status=413, message=message, user=None)


class _TooLarge(Exception):
    pass


def _ui_lang(scope: Scope, request_headers: Headers) -> str:
    """The account's language (put in the session at sign-in), else the browser's."""
    lang = (scope.get("session") or {}).get("ui_lang")
    if lang not in i18n.UI_LANGS:
        lang = i18n.negotiate(request_headers.get("accept-language", "")[:500])
    return str(lang)


def _add_security_headers(message: Message) -> None:
    """The security headers on a response's start, where the route has not set its own."""
    headers = MutableHeaders(scope=message)
    for name, value in SECURITY_HEADERS.items():
        if name not in headers:
            headers[name] = value


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
        state.close()

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


# Settings and is_loopback are re-exported: the app's public names for serve and screenshots.
__all__ = ["Guard", "Settings", "app_from_env", "create_app", "is_loopback"]
