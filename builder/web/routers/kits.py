"""Kits: named sets of topics for a kind of visit, printed as one leaflet in any language and level."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from builder.markup import check_markup
from builder.model import LEVELS
from builder.web.db import Kit, User, utcnow
from builder.web.deps import checked_form, current_user, get_db, page, web
from builder.web.i18n import gettext as _
from builder.web.renderer import KIT_PREFIX, Spec
from builder.web.routers.documents import (
    PAPERS,
    deliver,
    info_for,
    make_spec,
    prepare,
    print_options,
    warnings,
)

router = APIRouter()


def kit_spec(request: Request, kit: Kit, lang: str, level: str, fmt: str = "pdf", paper: str = "",
             large_print: bool = False) -> Spec:
    # checks lang, level, format and paper with the CLI's messages, on the kit's first topic
    base = make_spec(request, "topic", kit.topic_ids[0], lang, level, fmt, paper, large_print)
    return Spec("kit", f"{KIT_PREFIX}{kit.id}", base.lang, base.level, base.fmt, base.paper,
                base.large_print, kit.name, tuple(kit.topic_ids))


def changed(request: Request, db: Session, kit: Kit) -> bool:
    """Its content or translations changed since it was last printed (in that language and level)."""
    if not kit.last_digest:
        return False
    state = web(request)
    spec = kit_spec(request, kit, kit.last_lang, kit.last_level)
    return state.renderer.prepare(state.clinic_path(db), spec).doc.content_digest != kit.last_digest


def _kit(db: Session, kit_id: int) -> Kit:
    kit = db.get(Kit, kit_id)
    if kit is None:
        raise HTTPException(404, _("No such kit."))
    return kit


@router.get("/kits")
def kits(request: Request, user: User = Depends(current_user), db: Session = Depends(get_db),
         ) -> Response:
    return _kits_page(request, user, db)


def _kits_page(request: Request, user: User, db: Session, status: int = 200,
               error: str | None = None, name: str = "") -> Response:
    state = web(request)
    lib = state.renderer.inputs_lib()
    rows = [(kit, changed(request, db, kit)) for kit in db.scalars(select(Kit).order_by(Kit.name))]
    topics = []
    for t in sorted(lib.topics):
        title = lib.topics[t].title
        topics.append((t, title if isinstance(title, str) else title.get("standard", t)))
    return page(request, "kits.html", status=status, user=user, rows=rows, topics=topics,
                error=error, name=name, langs=state.renderer.langs(), levels=LEVELS, papers=PAPERS)


@router.post("/kits")
async def add_kit(request: Request, user: User = Depends(current_user),
                  db: Session = Depends(get_db)) -> Response:
    form = await checked_form(request)
    name = form.get("name")
    name = name.strip()[:120] if isinstance(name, str) else ""
    chosen = [t for t in form.getlist("topics") if isinstance(t, str)]
    return await run_in_threadpool(_add_kit, request, user, db, name, chosen)


def _add_kit(request: Request, user: User, db: Session, name: str, chosen: list[str]) -> Response:
    """The new kit, or the page with why not (the library and the database block: in a thread)."""
    lib = web(request).renderer.inputs_lib()
    problem = None
    if not name:
        problem = _("Give the kit a name, e.g. “First relapse visit”.")
    elif check_markup(name):
        problem = _("The kit name cannot contain markup or links: use plain words.")
    elif not chosen:
        problem = _("Choose at least one topic.")
    elif any(t not in lib.topics for t in chosen):
        problem = _("One of the chosen topics does not exist.")
    if problem:
        return _kits_page(request, user, db, 400, problem, name)
    db.add(Kit(name=name, topics="\n".join(dict.fromkeys(chosen))))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        return _kits_page(request, user, db, 409, _("A kit with this name already exists."), name)
    return RedirectResponse("/kits", status_code=303)


@router.post("/kits/{kit_id}/print")
async def print_kit(request: Request, kit_id: int, user: User = Depends(current_user),
                    db: Session = Depends(get_db)) -> Response:
    form = await checked_form(request)
    kit = await run_in_threadpool(_kit, db, kit_id)
    lang, level, fmt, paper, large, copies, ack = print_options(form)
    clinic, prepared = await prepare(request, db, lambda: kit_spec(request, kit, lang, level, fmt,
                                                                   paper, large))
    found = warnings(await run_in_threadpool(info_for, prepared))
    if found and not ack:
        raise HTTPException(409, _("Before printing, read the warnings on the document page and "
                                   "tick the box to confirm: ") + " ".join(found))
    response = await deliver(request, db, user, clinic, prepared, copies, bool(found), "kit", kit.name)
    kit.last_digest, kit.last_lang, kit.last_level = prepared.doc.content_digest, lang, level
    kit.last_printed = utcnow()
    await run_in_threadpool(db.commit)
    return response


@router.post("/kits/{kit_id}/delete")
async def delete_kit(request: Request, kit_id: int, user: User = Depends(current_user),
                     db: Session = Depends(get_db)) -> Response:
    await checked_form(request)
    await run_in_threadpool(_delete, db, kit_id)
    return RedirectResponse("/kits", status_code=303)


def _delete(db: Session, kit_id: int) -> None:
    db.delete(_kit(db, kit_id))
    db.commit()
