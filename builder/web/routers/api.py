"""The API for scripts and health-record systems: list documents, render one. Bearer tokens."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from builder.errors import UsageError
from builder.web.db import User
from builder.web.deps import get_db, page
from builder.web.routers.documents import deliver, make_spec, prepare
from builder.web.routers.library import documents
from builder.web.security import user_for_token

router = APIRouter(prefix="/api", tags=["api"])


def token_user(request: Request, db: Session = Depends(get_db)) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    user = user_for_token(db, token.strip()) if scheme.lower() == "bearer" and token else None
    if user is None:
        raise HTTPException(401, "send an API token: 'Authorization: Bearer <token>' "
                                 "(an administrator makes one on the Accounts page)",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


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
                   db: Session = Depends(get_db)) -> list[dict]:
    """Every topic and bundle, with per language and level what a printed copy would show."""
    out = []
    for row in documents(request, db):
        grid: dict[str, dict[str, dict]] = {}
        for (lang, level), info in row["cells"].items():
            grid.setdefault(lang, {})[level] = {
                "title": info["title"], "current": info["current"],
                "blocks_in_english": info["english"], "translation_reviewed": not info["unreviewed"],
                "past_review_date": bool(info["overdue"]), "draft": bool(info["draft"]),
                "content_version": info["version"]}
        out.append({"kind": row["kind"], "id": row["id"], "audience": row["audience"],
                    "availability": grid})
    return out


@router.post("/render", responses={200: {"content": {"application/pdf": {}}},
                                   422: {"description": "the CLI's error message, as JSON"}})
async def render(request: Request, body: RenderRequest, user: User = Depends(token_user),
                 db: Session = Depends(get_db)) -> Response:
    """The file: the same checks and messages as `handout build`; logged like a staff print."""
    if bool(body.topic) == bool(body.bundle):
        raise UsageError("nothing selected: give --topic ID, --bundle ID or --all"
                         if not body.topic else "give a topic or a bundle, not both")
    kind, doc_id = ("topic", body.topic) if body.topic else ("bundle", body.bundle)
    assert doc_id is not None
    spec = make_spec(request, kind, doc_id, body.lang, body.level, body.format, body.paper or "",
                     body.large_print)
    clinic, prepared = await prepare(request, db, spec)
    return await deliver(request, db, user, clinic, prepared, body.copies, False, kind, doc_id)
