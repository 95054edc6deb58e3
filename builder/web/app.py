"""The web app: middleware, error pages and one router per area, over `deps` (what routes read)."""

from __future__ import annotations

import contextlib
import ipaddress
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
from builder.web.deps import NeedsLogin, NeedsSetup, Settings, Web, page
from builder.web.security import secret_key

HERE = Path(__file__).parent
MAX_BODY = 4_000_000  # bytes: a logo (2 MB) and a profile, with room for the form around them


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            too_large = JSONResponse({"error": f"request too large: at most "
                                               f"{MAX_BODY // 1_000_000} MB"}, status_code=413)
            await too_large(scope, receive, send)
            return
        lang = (scope.get("session") or {}).get("ui_lang")
        token = i18n.current_lang.set(lang if lang in i18n.UI_LANGS else "en")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            i18n.current_lang.reset(token)


def create_app(settings: Settings) -> FastAPI:
    state = Web(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            with state.sessions() as db:
                state.renderer.warm(state.clinic_path(db))
        except BuilderError:
            pass  # a broken stored profile shows on the pages that need it
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

    from builder.web.routers import api, auth, documents, kits, library, log, profile

    for module in (auth, library, documents, kits, profile, log, api):
        app.include_router(module.router)
    return app


def app_from_env() -> FastAPI:
    """For `uvicorn --factory builder.web.app:app_from_env` (HANDOUT_PROJECT, HANDOUT_DATABASE_URL)."""
    project = Project.at(Path(os.environ["HANDOUT_PROJECT"]) if "HANDOUT_PROJECT" in os.environ
                         else None)
    return create_app(Settings(project=project))
