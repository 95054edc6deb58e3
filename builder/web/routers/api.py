"""The API for scripts and health-record systems: list documents, render one. Bearer tokens."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from builder.errors import UsageError
from builder.web.db import User
from builder.web.deps import get_db, page, web
from builder.web.renderer import Prepared
from builder.web.routers.documents import as_file, make_spec, record
from builder.web.routers.library import documents
from builder.web.security import account_for_token, user_for_token

router = APIRouter(prefix="/api", tags=["api"])


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _refused() -> HTTPException:
    return HTTPException(401, "send an API token: 'Authorization: Bearer <token>' "
                              "(make one on the API tokens page; a revoked token no longer works)",
                         headers={"WWW-Authenticate": "Bearer"})


def token_user(request: Request, db: Session = Depends(get_db)) -> User:
    token = _bearer(request)
    user = user_for_token(db, token) if token else None
    if user is None:
        raise _refused()
    return user


def token_account(request: Request, db: Session) -> str:
    """The name of the token's account (no ORM object: every API call reads it), or a 401."""
    token = _bearer(request)
    account = account_for_token(db, token) if token else None
    if account is None:
        raise _refused()
    return account[1]


class RenderRequest(BaseModel):
    """One document to render; the same choices as `handout build`."""

    model_config = ConfigDict(extra="forbid")
    topic: str | None = Field(None, max_length=100, examples=["relapsed-refractory"])
    bundle: str | None = Field(None, max_length=100)
    lang: str = Field("en", max_length=40, examples=["es"])
    level: str = Field("standard", max_length=40)
    format: Literal["pdf", "pptx"] = "pdf"
    paper: Literal["a4", "letter"] | None = None
    large_print: bool = False
    copies: int = Field(1, ge=1, le=500)


@router.get("/docs", include_in_schema=False)
def docs(request: Request) -> Response:
    """The OpenAPI description as a page of our own (no third-party script, as the CSP wants)."""
    spec = request.app.openapi()
    return page(request, "api_docs.html", spec=spec, user=None,
                schemas=spec.get("components", {}).get("schemas", {}))


@router.get("/documents")
def list_documents(request: Request, user: User = Depends(token_user),
                   db: Session = Depends(get_db)) -> list[dict[str, Any]]:
    """Every topic and bundle, with per language and level what a printed copy would show."""
    out = []
    for row in documents(request, web(request).clinic_path(db)):
        grid: dict[str, dict[str, dict[str, Any]]] = {}
        for (lang, level), info in row["cells"].items():
            grid.setdefault(lang, {})[level] = {
                "title": info["title"], "current": info["current"],
                "blocks_in_english": info["english"], "translation_reviewed": not info["unreviewed"],
                "past_review_date": bool(info["overdue"]), "draft": bool(info["draft"]),
                "content_version": info["version"],
                "translation_problems": info["broken"]}
        out.append({"kind": row["kind"], "id": row["id"], "audience": row["audience"],
                    "availability": grid})
    return out


@router.post("/render", responses={200: {"content": {"application/pdf": {}}},
                                   401: {"description": "no API token, or one revoked"},
                                   422: {"description": "the CLI's error message, as JSON"}})
async def render(request: Request, body: RenderRequest) -> Response:
    """The file: the same checks and messages as `handout build`; logged like a staff print."""
    state = web(request)
    kind, doc_id = ("topic", body.topic) if body.topic else ("bundle", body.bundle or "")

    def start() -> tuple[str, Path, Prepared, bytes | None]:
        """Token, checks, the localized document and, if it was rendered before, the file and
        its print-log row: a cached file costs one trip to a thread and no render."""
        with state.sessions() as db:
            account = token_account(request, db)
            if bool(body.topic) == bool(body.bundle):
                raise UsageError("nothing selected: give --topic ID, --bundle ID or --all"
                                 if not body.topic else "give a topic or a bundle, not both")
            spec = make_spec(request, kind, doc_id, body.lang, body.level, body.format,
                             body.paper or "", body.large_print)
            clinic = state.clinic_path(db)
            prepared = state.renderer.prepare(clinic, spec)
            data = state.renderer.cached(prepared)
            if data is not None:
                record(db, account, prepared, data, body.copies, False, kind, doc_id)
            return account, clinic, prepared, data

    marks = [("", time.perf_counter())]  # (step just done, when): where the time went
    account, clinic, prepared, data = await state.api_work(start)
    marks.append(("prepare", time.perf_counter()))
    if data is None:
        data = await state.renderer.render(clinic, prepared)
        marks.append(("render", time.perf_counter()))

        def log() -> None:
            with state.sessions() as db:
                record(db, account, prepared, data, body.copies, False, kind, doc_id)

        await state.api_work(log)
        marks.append(("log", time.perf_counter()))
    response = as_file(prepared, data, doc_id)
    # for a script's own figures and a browser's network panel
    response.headers["Server-Timing"] = ", ".join(
        f"{name};dur={(end - start) * 1000:.1f}"
        for (_before, start), (name, end) in itertools.pairwise(marks))
    return response
