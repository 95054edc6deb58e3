"""One document: page previews, paper and print options, print (with acknowledgement) and download."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import insert
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from builder.build import Options, plan
from builder.i18n.pseudo import is_pseudo
from builder.model import LEVELS
from builder.web.db import PrintRecord, User
from builder.web.deps import checked_form, current_user, get_db, page, web
from builder.web.i18n import gettext as _
from builder.web.i18n import ngettext
from builder.web.renderer import Prepared, Spec, page_count, real_fallbacks

router = APIRouter()
PAPERS = ("a4", "letter")
MEDIA = {"pdf": "application/pdf",
         "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
MAX_COPIES = 500
LOG_ROW = insert(PrintRecord.__table__)  # type: ignore[arg-type]


def make_spec(request: Request, kind: str, doc_id: str, lang: str, level: str, fmt: str = "pdf",
              paper: str = "", large_print: bool = False) -> Spec:
    """The request checked by the CLI's own `plan` (same messages), or a 4xx."""
    if kind not in ("topic", "bundle") or is_pseudo(lang):  # pseudo-locales: never handed out
        raise HTTPException(404, _("No such document."))
    if paper and paper not in PAPERS:
        raise HTTPException(400, _("Paper must be A4 or Letter."))
    state = web(request)
    chosen = [doc_id[:100]]
    options = Options(project=state.settings.project, langs=[lang[:40]], levels=[level[:40]],
                      formats=[fmt[:20]], topics=chosen if kind == "topic" else [],
                      bundles=chosen if kind == "bundle" else [])
    state.renderer.checked((kind, doc_id, lang, level, fmt),
                           lambda: plan(state.renderer.inputs_lib(), options))
    return Spec(kind, doc_id, lang, level, fmt, paper or None, large_print)


def warnings(info: dict[str, Any]) -> list[str]:
    """What staff must acknowledge before printing, in their UI language."""
    out = []
    if info["english"]:
        out.append(ngettext("%(n)d block is shown in English (its translation is missing or "
                            "out of date).", "%(n)d blocks are shown in English (their translation "
                            "is missing or out of date).", info["english"]) % {"n": info["english"]})
    if info["unreviewed"]:
        out.append(_("The translation has not yet been reviewed by a person."))
    if info["draft"]:
        out.append(_("The content is a draft, not yet medically reviewed."))
    if info["overdue"]:
        out.append(_("The content is past its review date."))
    return out


def review_state(prepared: Prepared) -> str:
    provenance = prepared.doc.provenance
    if not provenance.translated:
        return "source (English)"
    return "reviewed translation" if provenance.reviewed else "draft translation"


def info_for(prepared: Prepared) -> dict[str, Any]:
    return prepared.info


async def prepare(request: Request, db: Session,
                  spec: Spec | Callable[[], Spec]) -> tuple[Path, Prepared]:
    """The stored profile's files and the localized, hashed document, off the event loop;
    `spec` may be a function (`make_spec`: its checks run `plan` once per request shape)."""
    state = web(request)

    def work() -> tuple[Path, Prepared]:
        clinic = state.clinic_path(db)
        return clinic, state.renderer.prepare(clinic, spec() if callable(spec) else spec)

    return await run_in_threadpool(work)


def record(db: Session, account: str, prepared: Prepared, data: bytes, copies: int,
           acknowledged: bool, kind: str, label: str) -> None:
    """One row of the print log for a file handed out (blocks: call it in a thread).

    One INSERT built once, not the ORM's unit of work: this runs for every file handed out."""
    info, spec = prepared.info, prepared.spec
    db.connection().execute(LOG_ROW, {
        "account": account, "kind": kind, "document": label, "lang": spec.lang,
        "level": spec.level, "format": spec.fmt, "paper": prepared.inputs.paper,
        "large_print": spec.large_print, "copies": copies, "content_version": info["version"],
        "digest": prepared.sha256(data), "review_state": review_state(prepared),
        "warnings": " | ".join(warnings(info)) if acknowledged else "",
        "acknowledged": acknowledged})
    db.commit()


def as_file(prepared: Prepared, data: bytes, label: str) -> Response:
    spec = prepared.spec
    name = f"{label}-{spec.lang}-{spec.level}{'-large' if spec.large_print else ''}.{spec.fmt}"
    return Response(data, media_type=MEDIA[spec.fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def deliver(request: Request, db: Session, user: User, clinic: Path, prepared: Prepared,
                  copies: int, acknowledged: bool, kind: str, label: str) -> Response:
    """Render (or take from the cache), record in the print log, hand the file out."""
    data = await web(request).renderer.render(clinic, prepared)
    await run_in_threadpool(record, db, user.name, prepared, data, copies, acknowledged, kind,
                            label)
    return as_file(prepared, data, label)


def _flag(value: object) -> bool:
    return value in ("1", "on", "true", "yes", True)


@router.get("/documents/{kind}/{doc_id}")
async def document(request: Request, kind: str, doc_id: str, lang: str = "en",
                   level: str = "standard", paper: str = "", large_print: str = "",
                   user: User = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    state = web(request)
    clinic, prepared = await prepare(request, db, lambda: make_spec(
        request, kind, doc_id, lang, level, "pdf", paper, _flag(large_print)))
    pdf = await state.renderer.render(clinic, prepared)
    spec = prepared.spec

    def answer() -> Response:  # the page's facts, the PDF's pages and the template: in a thread
        info = info_for(prepared)
        query = (f"lang={spec.lang}&level={spec.level}&paper={prepared.inputs.paper}"
                 f"&large_print={'1' if spec.large_print else ''}")
        return page(request, "document.html", user=user, spec=spec, doc=prepared.doc, info=info,
                    warnings=warnings(info), pages=page_count(pdf), query=query,
                    paper=prepared.inputs.paper, langs=state.renderer.langs(), levels=LEVELS,
                    papers=PAPERS, fallbacks=real_fallbacks(prepared.doc)[:50], error=None,
                    action=f"/documents/{kind}/{doc_id}/print", title=prepared.doc.title)

    return await run_in_threadpool(answer)


@router.get("/documents/{kind}/{doc_id}/preview/{number}.png")
async def preview(request: Request, kind: str, doc_id: str, number: int, lang: str = "en",
                  level: str = "standard", paper: str = "", large_print: str = "",
                  user: User = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    state = web(request)
    clinic, prepared = await prepare(request, db, lambda: make_spec(
        request, kind, doc_id, lang, level, "pdf", paper, _flag(large_print)))
    png = await state.renderer.preview(clinic, prepared, number)
    if png is None:
        raise HTTPException(404, _("That page does not exist."))
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


def print_options(form: FormData) -> tuple[str, str, str, str, bool, int, bool]:
    get = form.get

    def text(name: str, default: str = "") -> str:
        value = get(name)
        return value[:100] if isinstance(value, str) else default

    try:
        copies = int(text("copies", "1") or "1")
    except ValueError:
        raise HTTPException(400, _("Copies must be a whole number.")) from None
    if not 1 <= copies <= MAX_COPIES:
        raise HTTPException(400, _("Copies must be between 1 and 500."))
    fmt = text("format", "pdf") or "pdf"
    if fmt not in MEDIA:
        raise HTTPException(400, _("Choose PDF or PowerPoint."))
    return (text("lang", "en"), text("level", "standard"), fmt, text("paper"),
            _flag(get("large_print")), copies, _flag(get("acknowledge")))


@router.post("/documents/{kind}/{doc_id}/print")
async def print_document(request: Request, kind: str, doc_id: str,
                         user: User = Depends(current_user),
                         db: Session = Depends(get_db)) -> Response:
    form = await checked_form(request)
    lang, level, fmt, paper, large, copies, ack = print_options(form)
    clinic, prepared = await prepare(request, db, lambda: make_spec(
        request, kind, doc_id, lang, level, fmt, paper, large))
    found = warnings(await run_in_threadpool(info_for, prepared))
    if found and not ack:
        raise HTTPException(409, _("Before printing, read the warnings on the document page and "
                                   "tick the box to confirm: ") + " ".join(found))
    return await deliver(request, db, user, clinic, prepared, copies, bool(found), kind, doc_id)
