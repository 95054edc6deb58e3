"""The translators' live preview inside `handout serve`: /translate/preview/{lang}/{doc}/{level}.

The same pages, event stream and images as `handout preview`, for translators and
administrators (as the other Translations pages), with the clinic profile stored in the
database. Previews render in a thread of the server process (warm fonts and layout), one at a
time, not in the render workers: a save must show within a second.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from builder.preview import server
from builder.preview.hub import Hub, Key
from builder.web.db import User
from builder.web.deps import get_db, page, web
from builder.web.routers.translate import translator_user

PREFIX = "/translate/preview"


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    hub = getattr(app.state, "preview_hub", None)
    if hub is not None:
        hub.close()


router = APIRouter(lifespan=lifespan)


def hub_of(request: Request) -> Hub:
    state = request.app.state
    hub = getattr(state, "preview_hub", None)
    if hub is None:
        hub = state.preview_hub = Hub(web(request).settings.project)
    return hub


async def _open(request: Request, db: Session, lang: str, doc: str, level: str) -> tuple[Hub, Key]:
    hub = hub_of(request)

    def clinic_path() -> Path:
        path = web(request).clinic_path(db)
        db.close()  # an event stream stays open for hours: it must not hold a database connection
        return path  # (closing hands the connection back with a rollback: a round trip, so here)

    clinic = await run_in_threadpool(clinic_path)
    return hub, await server.open_preview(hub, clinic, lang, doc, level)


@router.get(PREFIX + "/{lang}/{doc}/{level}")
async def preview_page(request: Request, lang: str, doc: str, level: str,
                       user: User = Depends(translator_user),
                       db: Session = Depends(get_db)) -> Response:
    hub, key = await _open(request, db, lang, doc, level)
    target = key[1]
    base = f"{PREFIX}/{target.lang}/{target.id}/{target.level}"
    return page(request, "preview.html", user=user, home="/library",
                **server.page_context(hub, key, base))


@router.get(PREFIX + "/{lang}/{doc}/{level}/events")
async def preview_events(request: Request, lang: str, doc: str, level: str,
                         user: User = Depends(translator_user),
                         db: Session = Depends(get_db)) -> Response:
    hub, key = await _open(request, db, lang, doc, level)
    return server.events(hub, key, request)


@router.get(PREFIX + "/{lang}/{doc}/{level}/state.json")
async def preview_state(request: Request, lang: str, doc: str, level: str,
                        user: User = Depends(translator_user),
                        db: Session = Depends(get_db)) -> Response:
    hub, key = await _open(request, db, lang, doc, level)
    return server.state(hub, key)


@router.get(PREFIX + "/{lang}/{doc}/{level}/slides.json")
async def preview_slides(request: Request, lang: str, doc: str, level: str,
                         user: User = Depends(translator_user),
                         db: Session = Depends(get_db)) -> Response:
    hub, key = await _open(request, db, lang, doc, level)
    return await server.slides(hub, key)


@router.get(PREFIX + "/{lang}/{doc}/{level}/deck.pptx")
async def preview_deck(request: Request, lang: str, doc: str, level: str,
                       user: User = Depends(translator_user),
                       db: Session = Depends(get_db)) -> Response:
    hub, key = await _open(request, db, lang, doc, level)
    return await server.deck(hub, key)


@router.get(PREFIX + "/{lang}/{doc}/{level}/pages/{name}.png")
async def preview_image(request: Request, lang: str, doc: str, level: str, name: str,
                        user: User = Depends(translator_user),
                        db: Session = Depends(get_db)) -> Response:
    hub, key = await _open(request, db, lang, doc, level)
    return server.image(hub, key, name)
