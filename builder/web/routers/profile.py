"""The clinic profile: every field of the YAML, checked by the CLI's code; logo; export and import."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from builder.web.db import User
from builder.web.deps import admin_user, checked_form, get_db, page, web
from builder.web.i18n import gettext as _
from builder.web.profile import (
    MAX_LOGO_BYTES,
    EditConflict,
    ProfileError,
    check_logo,
    current,
    form_values,
    from_form,
    parse,
    save,
)

router = APIRouter()
MAX_YAML = 100_000


def _page(request: Request, user: User, db: Session, status: int = 200,
          problems: list[str] | None = None, values: dict[str, str] | None = None,
          saved: bool = False) -> Response:
    row = current(db, web(request).settings.project)
    return page(request, "profile.html", status=status, user=user, values=values or form_values(row.yaml),
                version=row.version, problems=problems or [], saved=saved, has_logo=row.logo is not None,
                updated=row.updated, updated_by=row.updated_by)


@router.get("/profile")
def profile(request: Request, saved: str = "", user: User = Depends(admin_user),
            db: Session = Depends(get_db)) -> Response:
    return _page(request, user, db, saved=bool(saved))


async def _upload(form: FormData, name: str) -> bytes | None:
    """The uploaded file's bytes; the form's files are closed (a spooled upload is a temporary
    file: removed now, not when the garbage collector finds it)."""
    item = form.get(name)
    try:
        if isinstance(item, UploadFile) and item.filename:
            data = await item.read(MAX_LOGO_BYTES + 1)
            return data
        return None
    finally:
        await form.close()


def _version(form: FormData) -> int:
    value = form.get("version")
    return int(value) if isinstance(value, str) and value.isdigit() else -1


@router.post("/profile")
async def save_profile(request: Request, user: User = Depends(admin_user),
                       db: Session = Depends(get_db)) -> Response:
    form = await checked_form(request)
    fields = {k: v[:2000] for k, v in form.items() if isinstance(v, str)}
    uploaded = await _upload(form, "logo")
    return await run_in_threadpool(_save_form, request, user, db, fields, uploaded,
                                   bool(form.get("remove_logo")), _version(form))


def _save_form(request: Request, user: User, db: Session, fields: dict[str, str],
               uploaded: bytes | None, remove_logo: bool, version: int) -> Response:
    """Check (the CLI's rules, the logo decoded) and store, or the page with every problem; the
    database, the checks and the image work block: in a thread."""
    row = current(db, web(request).settings.project)
    text = from_form(fields, parse(row.yaml))
    logo = row.logo
    try:
        if uploaded is not None:
            logo = check_logo(uploaded, None)
        if remove_logo:
            logo = None
        save(db, version, text, logo, user.name)
    except ProfileError as exc:
        return _page(request, user, db, 400, [str(p) for p in exc.problems],
                     {**form_values(row.yaml), **{k: fields.get(k, "") for k in form_values(row.yaml)}})
    except EditConflict:
        return _conflict(request, user, db)
    return RedirectResponse("/profile?saved=1", status_code=303)


def _conflict(request: Request, user: User, db: Session) -> Response:
    return _page(request, user, db, 409, [_("Someone else saved the profile while you were "
                                            "editing it. Their version is shown; make your "
                                            "change again.")])


@router.get("/profile/logo.png")
def logo(request: Request, user: User = Depends(admin_user), db: Session = Depends(get_db)) -> Response:
    row = current(db, web(request).settings.project)
    if row.logo is None:
        return Response(status_code=404)
    # always PNG we re-encoded ourselves; sandboxed so it can never run as a page
    return Response(row.logo, media_type="image/png",
                    headers={"Content-Security-Policy": "default-src 'none'; sandbox",
                             "Cache-Control": "no-store"})


@router.get("/profile/export")
def export(request: Request, user: User = Depends(admin_user), db: Session = Depends(get_db)) -> Response:
    row = current(db, web(request).settings.project)
    from builder.web.profile import with_logo

    return Response(with_logo(row.yaml, row.logo), media_type="application/x-yaml",
                    headers={"Content-Disposition": 'attachment; filename="clinic.yaml"'})


@router.post("/profile/import")
async def import_profile(request: Request, user: User = Depends(admin_user),
                         db: Session = Depends(get_db)) -> Response:
    form = await checked_form(request)
    data = await _upload(form, "file")
    return await run_in_threadpool(_import, request, user, db, data, _version(form))


def _import(request: Request, user: User, db: Session, data: bytes | None,
            version: int) -> Response:
    """Check and store an uploaded clinic.yaml, keeping the current logo; in a thread."""
    row = current(db, web(request).settings.project)
    try:
        if data is None:
            raise ProfileError(_("Choose a clinic.yaml file to import."))
        if len(data) > MAX_YAML:
            raise ProfileError(f"clinic.yaml: larger than {MAX_YAML // 1000} kB")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ProfileError("clinic.yaml: not UTF-8 text") from None
        parsed = parse(text)
        parsed.pop("logo", None)  # the logo is uploaded, not named; the current one is kept
        from builder.web.profile import dump

        save(db, version, dump(parsed), row.logo, user.name)
    except ProfileError as exc:
        return _page(request, user, db, 400, [str(p) for p in exc.problems])
    except EditConflict:
        return _conflict(request, user, db)
    return RedirectResponse("/profile?saved=1", status_code=303)
