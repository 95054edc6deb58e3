"""`handout preview`: the live preview served on 127.0.0.1, and the pieces `handout serve` shares.

A page shows the document's pages as images with a box over every catalog entry; the browser
keeps a server-sent event stream open and redraws from each new snapshot, without a reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from builder.errors import BuilderError, UsageError
from builder.model import LEVELS
from builder.preview.hub import Hub, Key
from builder.project import Project

WEB = Path(__file__).resolve().parents[1] / "web"
KEEP_ALIVE_SECONDS = 15.0
STANDALONE_PREFIX = "/preview"


def environment() -> Any:
    """The web app's template environment: autoescaped, strict, the staff pages' gettext."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from builder.web import i18n

    env = Environment(loader=FileSystemLoader(WEB / "templates"), autoescape=True,
                      undefined=StrictUndefined, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


async def open_preview(hub: Hub, clinic: Path, lang: str, doc: str, level: str) -> Key:
    """The preview a URL names, laid out (off the event loop); 404 for an unknown one, with the
    command line's own message (this module's strings stay out of the documents' ui.pot)."""

    def work() -> Key:
        target = hub.target(lang, doc, level)
        return hub.open(clinic, target)[0]

    try:
        return await run_in_threadpool(work)
    except UsageError as exc:
        raise HTTPException(404, "; ".join(p.message for p in exc.problems)) from None


def page_context(hub: Hub, key: Key, base: str) -> dict[str, Any]:
    """What preview.html needs besides the page chrome."""
    snapshot = hub.snapshot(key)
    target = key[1]
    return {"base": base, "snapshot": snapshot, "target": target, "levels": LEVELS,
            "level_url": lambda level: base.rsplit("/", 1)[0] + "/" + level}


def events(hub: Hub, key: Key, request: Request) -> StreamingResponse:
    """Server-sent events: the current snapshot at once, then every new one as it is made."""

    async def stream() -> AsyncIterator[str]:
        waiting = hub.subscribe(key)
        try:
            yield "retry: 1000\n\n"
            while True:
                try:
                    snapshot = await asyncio.wait_for(waiting.get(), KEEP_ALIVE_SECONDS)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield ": still here\n\n"  # keeps proxies from closing an idle stream
                    continue
                yield f"id: {snapshot.get('version', 0)}\ndata: {json.dumps(snapshot)}\n\n"
        finally:
            hub.unsubscribe(key, waiting)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def image(hub: Hub, key: Key, name: str) -> Response:
    data = hub.image(key, name)
    if data is None:
        raise HTTPException(404, "That page image is no longer kept: reload the page.")
    # Named by what is drawn: the same name always means the same picture.
    return Response(data, media_type="image/png",
                    headers={"Cache-Control": "private, max-age=3600, immutable"})


async def slides(hub: Hub, key: Key) -> Response:
    made = await run_in_threadpool(hub.deck, key)
    return Response(json.dumps(made[0] if made else {}), media_type="application/json",
                    headers={"Cache-Control": "no-store"})


async def deck(hub: Hub, key: Key) -> Response:
    made = await run_in_threadpool(hub.deck, key)
    if not made or not made[1]:
        raise HTTPException(404, "; ".join(made[0].get("problems", [])) if made else "")
    target = key[1]
    return Response(made[1], media_type="application/vnd.openxmlformats-officedocument."
                    "presentationml.presentation", headers={
                        "Content-Disposition": f'attachment; filename="{target.id}-{target.lang}-'
                                               f'{target.level}.pptx"'})


def state(hub: Hub, key: Key) -> Response:
    return Response(json.dumps(hub.snapshot(key)), media_type="application/json",
                    headers={"Cache-Control": "no-store"})


# -- the stand-alone server --------------------------------------------------------------------

class SecurityHeaders:
    """The web app's headers (CSP without inline script or style, no framing), plain ASGI so
    the event stream is passed through as it is written."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        from starlette.datastructures import MutableHeaders

        from builder.web.deps import SECURITY_HEADERS

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


def create_app(project: Project, clinic: Path, start: str | None = None,
               hub: Hub | None = None) -> FastAPI:
    """The preview alone, for one translator on this machine: no accounts, loopback only."""
    from fastapi.staticfiles import StaticFiles
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    from builder.web import i18n

    hub = hub or Hub(project)
    env = environment()

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        hub.close()

    app = FastAPI(title="handout preview", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.hub = hub
    # Only this machine's browser: a page on another site cannot reach the preview through
    # a DNS name that points at 127.0.0.1.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"])
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")

    app.add_middleware(SecurityHeaders)

    @app.exception_handler(BuilderError)
    async def _problem(_request: Request, exc: BuilderError) -> Response:
        return Response("\n".join(str(p) for p in exc.problems), status_code=422,
                        media_type="text/plain")

    def base(lang: str, doc: str, level: str) -> str:
        return f"{STANDALONE_PREFIX}/{lang}/{doc}/{level}"

    @app.get("/")
    async def home() -> Response:
        if start:
            return RedirectResponse(start, status_code=303)
        lib = hub.workspace(clinic).lib
        return HTMLResponse(env.get_template("preview_index.html").render(
            topics=sorted(lib.topics), bundles=sorted(lib.bundles), levels=LEVELS,
            lang=hub.default_lang, prefix=STANDALONE_PREFIX, ui_lang="en", ui_dir="ltr"))

    @app.get(STANDALONE_PREFIX + "/{lang}/{doc}/{level}")
    async def preview_page(request: Request, lang: str, doc: str, level: str) -> Response:
        key = await open_preview(hub, clinic, lang, doc, level)
        target = key[1]
        html = env.get_template("preview.html").render(
            user=None, ui_lang=i18n.current_lang.get(), ui_dir="ltr", home="/",
            **page_context(hub, key, base(target.lang, target.id, target.level)))
        return HTMLResponse(html)

    @app.get(STANDALONE_PREFIX + "/{lang}/{doc}/{level}/events")
    async def preview_events(request: Request, lang: str, doc: str, level: str) -> Response:
        return events(hub, await open_preview(hub, clinic, lang, doc, level), request)

    @app.get(STANDALONE_PREFIX + "/{lang}/{doc}/{level}/state.json")
    async def preview_state(lang: str, doc: str, level: str) -> Response:
        return state(hub, await open_preview(hub, clinic, lang, doc, level))

    @app.get(STANDALONE_PREFIX + "/{lang}/{doc}/{level}/slides.json")
    async def preview_slides(lang: str, doc: str, level: str) -> Response:
        return await slides(hub, await open_preview(hub, clinic, lang, doc, level))

    @app.get(STANDALONE_PREFIX + "/{lang}/{doc}/{level}/deck.pptx")
    async def preview_deck(lang: str, doc: str, level: str) -> Response:
        return await deck(hub, await open_preview(hub, clinic, lang, doc, level))

    @app.get(STANDALONE_PREFIX + "/{lang}/{doc}/{level}/pages/{name}.png")
    async def preview_image(lang: str, doc: str, level: str, name: str) -> Response:
        return image(hub, await open_preview(hub, clinic, lang, doc, level), name)

    return app


def serve(project: Project, lang: str, topic: str | None, bundle: str | None, level: str,
          port: int, clinic: Path | None, say: Callable[[str], None] = print) -> None:
    """Load, render the first page, then serve until Ctrl-C."""
    import socket

    import uvicorn

    clinic = clinic or project.templates / "clinic" / "demo.yaml"
    hub = Hub(project)
    hub.default_lang = lang
    start = None
    try:
        if topic or bundle:
            target = hub.target(lang, topic or bundle or "", level)
            hub.open(clinic, target)  # errors in content, profile or the command line show now
            start = f"{STANDALONE_PREFIX}/{target.lang}/{target.id}/{target.level}"
        else:
            hub.target(lang, next(iter(sorted(hub.workspace(clinic).lib.topics))), level)
        with socket.socket() as probe:  # a taken port is a usage error, not uvicorn's traceback
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                raise UsageError(f"--port {port}: already in use on 127.0.0.1 (another "
                                 "preview?): choose another with --port") from None
    except BaseException:
        hub.close()  # its watcher has started
        raise
    app = create_app(project, clinic, start, hub)
    say(f"handout: live preview on http://127.0.0.1:{port}{start or '/'} "
        "(watching content/, locales/, templates/ and the clinic profile; Ctrl-C stops)")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning",
                timeout_graceful_shutdown=2)


__all__ = ["create_app", "deck", "events", "image", "open_preview", "page_context", "serve",
           "slides", "state"]
