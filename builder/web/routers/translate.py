"""The translators' pages: every language's progress, one language's dashboard, and a .po upload
that is QA-checked and previewed without touching locales/.

Progress and previews are computed in the render worker processes (they parse every catalog or
render a leaflet), never on the server's event loop, and remembered per state of the project.
"""

from __future__ import annotations

import asyncio
import base64
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from builder.i18n.progress import LanguageProgress, progress_in_worker
from builder.i18n.upload import (
    MAX_PO_BYTES,
    UploadPreview,
    UploadRefused,
    check_upload,
    domains,
    preview_upload,
    shown_name,
)
from builder.model import LEVELS
from builder.project import locale_dirs
from builder.web.db import User
from builder.web.deps import checked_form, current_user, get_db, page, web
from builder.web.i18n import gettext as _

router = APIRouter()
REFUSED_STATUS = {"size": 413, "type": 415, "language": 400, "catalog": 400}
_KEPT = 64  # languages' progress remembered (per state of the project)
_progress: OrderedDict[tuple[str, str, str, bool], LanguageProgress] = OrderedDict()


def translator_user(user: User = Depends(current_user)) -> User:
    if user.role == "staff":
        raise HTTPException(403, _("These pages are for translators. Ask an administrator to "
                                   "make your account a translator account."))
    return user


def _langs(request: Request) -> list[str]:
    """The languages translators work on: every catalog folder, not the pseudo-locales."""
    return locale_dirs(web(request).settings.project)


def _known(request: Request, lang: str) -> str:
    if lang not in _langs(request):
        raise HTTPException(404, _("There is no catalog for this language."))
    return lang


async def _in_worker(request: Request, function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)` in a render worker process; a pool whose worker died is started again."""
    renderer = web(request).renderer
    try:
        return await asyncio.wrap_future(renderer.pool.submit(function, *args))
    except BrokenProcessPool:
        renderer.close()
        return await asyncio.wrap_future(renderer.pool.submit(function, *args))


async def progress(request: Request, lang: str, readability: bool) -> LanguageProgress:
    state = web(request)
    root = str(state.settings.project.root)
    stamp = await run_in_threadpool(state.renderer.stamp)
    key = (root, lang, stamp, readability)
    if key not in _progress:
        _progress[key] = await _in_worker(request, progress_in_worker, root, lang, readability)
        while len(_progress) > _KEPT:
            _progress.popitem(last=False)
    return _progress[key]


@router.get("/translate")
async def index(request: Request, user: User = Depends(translator_user)) -> Response:
    langs = _langs(request)
    reports = await asyncio.gather(*(progress(request, lang, False) for lang in langs))
    return page(request, "translate_index.html", user=user, reports=reports)


def _documents(request: Request) -> list[tuple[str, str]]:
    """(value, label) of every document an upload can be previewed in."""
    lib = web(request).renderer.inputs_lib()
    return ([(f"topic:{t}", t) for t in sorted(lib.topics)]
            + [(f"bundle:{b}", f"{b} ({_('bundle')})") for b in sorted(lib.bundles)])


@router.get("/translate/{lang}")
async def language(request: Request, lang: str, user: User = Depends(translator_user)) -> Response:
    _known(request, lang)
    report = await progress(request, lang, True)
    documents = await run_in_threadpool(_documents, request)
    return page(request, "translate_language.html", user=user, lang=lang, report=report,
                levels=LEVELS, documents=documents,
                domains=domains(web(request).settings.project), max_kb=MAX_PO_BYTES // 1000)


def _choice(form: Any, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


@router.post("/translate/{lang}/upload")
async def upload(request: Request, lang: str, user: User = Depends(translator_user),
                 db: Session = Depends(get_db)) -> Response:
    form = await checked_form(request)
    try:
        item = form.get("file")
        if not isinstance(item, UploadFile) or not item.filename:
            raise HTTPException(400, _("Choose a .po file to upload."))
        data = await item.read(MAX_PO_BYTES + 1)
        filename = item.filename
    finally:
        await form.close()  # a large upload is spooled to a temporary file: remove it now
    _known(request, lang)
    state = web(request)
    project = state.settings.project
    domain = _choice(form, "domain", 100)
    kind, _sep, doc_id = (_choice(form, "document") or "topic:").partition(":")
    level = _choice(form, "level", 20) or "standard"
    try:
        domain, text = check_upload(project, lang, filename, data, domain)
    except UploadRefused as exc:
        return _result(request, user, lang, REFUSED_STATUS[exc.kind],
                       UploadPreview(str(exc.problems[0].path), domain,
                                     problems=[str(p) for p in exc.problems]))
    lib = await run_in_threadpool(state.renderer.inputs_lib)
    if kind not in ("topic", "bundle") or doc_id not in (lib.topics if kind == "topic"
                                                         else lib.bundles):
        kind, doc_id = "topic", domain if domain in lib.topics else sorted(lib.topics)[0]
    if level not in LEVELS:
        level = "standard"
    clinic = await run_in_threadpool(state.clinic_path, db)
    result: UploadPreview = await _in_worker(request, preview_upload, str(project.root), lang,
                                             domain, shown_name(filename), text,
                                             str(clinic), kind, doc_id, level)
    return _result(request, user, lang, 422 if result.problems else 200, result,
                   document=f"{kind}:{doc_id}", level=level)


def _result(request: Request, user: User, lang: str, status: int, result: UploadPreview,
            document: str = "", level: str = "") -> Response:
    # Page images go inline (data: URLs): nothing of the upload is stored or served again.
    pages = [base64.b64encode(png).decode("ascii") for png in result.pages]
    return page(request, "translate_upload.html", status=status, user=user, lang=lang,
                result=result, pages=pages, document=document, level=level)
