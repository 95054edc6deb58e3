"""The library: search topics and bundles in a language, filter, and see each one's availability."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from builder.model import LEVELS
from builder.web.db import User
from builder.web.deps import current_user, get_db, page, web

router = APIRouter()
AUDIENCES = ("clinic", "support-group")


@router.get("/")
def home(user: User = Depends(current_user)) -> Response:
    return RedirectResponse("/library", status_code=303)


def documents(request: Request, clinic: Path) -> list[dict[str, Any]]:
    """Every topic and bundle with its availability grid: the rows the library and the API show."""
    state = web(request)
    inputs = state.renderer.inputs(clinic)
    grid = state.renderer.availability(clinic)
    rows = []
    for kind, ids in (("topic", inputs.lib.topics), ("bundle", inputs.lib.bundles)):
        for doc_id in sorted(ids):
            audience = inputs.lib.bundles[doc_id].audience if kind == "bundle" else "clinic"
            cells = {(lang, level): grid[(kind, doc_id, lang, level)]
                     for lang in state.renderer.langs() for level in LEVELS}
            rows.append({"kind": kind, "id": doc_id, "audience": audience, "cells": cells})
    return rows


def matches(row: dict[str, Any], words: list[str], lang: str, level: str | None) -> bool:
    levels = [level] if level else list(LEVELS)
    haystack = " ".join(" ".join([c["title"], c["summary"], *c["terms"]])
                        for lv in levels for c in [row["cells"][(lang, lv)]]).casefold()
    return all(word in haystack for word in words)


@router.get("/library")
def library(request: Request, q: str = "", lang: str = "", level: str = "", audience: str = "",
            user: User = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    state = web(request)
    langs = state.renderer.langs()
    lang = lang if lang in langs else ("en" if "en" in langs else langs[0])
    level = level if level in LEVELS else ""
    audience = audience if audience in AUDIENCES else ""
    words = [w for w in q.casefold().split() if w][:20]
    clinic = state.clinic_path(db)
    rows = [row for row in documents(request, clinic)
            if (not audience or row["audience"] == audience) and matches(row, words, lang, level or None)]
    # a language whose catalogs cannot be used: said once, at the top, not only in its cells
    broken = [str(p) for p in state.renderer.broken(clinic).get(lang, [])]
    return page(request, "library.html", user=user, rows=rows, q=q[:200], lang=lang, level=level,
                audience=audience, langs=langs, levels=LEVELS, audiences=AUDIENCES,
                shown_levels=[level] if level else list(LEVELS), broken=broken)
