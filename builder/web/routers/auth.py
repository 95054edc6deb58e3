"""Sign in and out, the first admin account, the staff UI language, accounts and API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builder.web import i18n
from builder.web.app import admin_user, checked_form, get_db, page
from builder.web.db import ROLES, ApiToken, User, has_admin, set_role
from builder.web.i18n import gettext as _
from builder.web.security import AccountError, RateLimited, add_user, authenticate, new_api_token

router = APIRouter()


def _text(form: object, name: str, limit: int = 1024) -> str:
    value = form.get(name)  # type: ignore[attr-defined]
    return value[:limit] if isinstance(value, str) else ""


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


@router.get("/login")
def login_page(request: Request, db: Session = Depends(get_db)) -> Response:
    if not has_admin(db):
        return RedirectResponse("/setup", status_code=303)
    return page(request, "login.html", error=None, name="")


@router.post("/login")
async def login(request: Request, db: Session = Depends(get_db)) -> Response:
    form = await checked_form(request)
    name, password = _text(form, "name", 64), _text(form, "password")
    try:
        user = authenticate(db, name, password, _client(request))
    except RateLimited:
        return page(request, "login.html", status=429, name=name,
                    error=_("Too many failed attempts. Wait 15 minutes, or ask an administrator."))
    if user is None:
        return page(request, "login.html", status=401, name=name,
                    error=_("That account name and password do not match."))
    lang = request.session.get("ui_lang")
    request.session.clear()  # a new session on sign-in: no fixation
    request.session.update({"user": user.id, "ui_lang": lang or "en"})
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    lang = request.session.get("ui_lang")
    request.session.clear()
    request.session["ui_lang"] = lang or "en"
    return RedirectResponse("/login", status_code=303)


@router.get("/setup")
def setup_page(request: Request, db: Session = Depends(get_db)) -> Response:
    if has_admin(db):
        return RedirectResponse("/login", status_code=303)
    return page(request, "setup.html", error=None, name="")


@router.post("/setup")
async def setup(request: Request, db: Session = Depends(get_db)) -> Response:
    form = await checked_form(request)
    if has_admin(db):
        raise HTTPException(409, _("An administrator account already exists. Sign in."))
    name, password = _text(form, "name", 64), _text(form, "password")
    if password != _text(form, "password2"):
        return page(request, "setup.html", status=400, name=name,
                    error=_("The two passwords are not the same."))
    try:
        user = add_user(db, name, password, admin=True)
    except AccountError as exc:
        return page(request, "setup.html", status=400, name=name, error=str(exc))
    request.session.clear()
    request.session.update({"user": user.id, "ui_lang": i18n.current_lang.get()})
    return RedirectResponse("/", status_code=303)


@router.post("/ui-language")
async def ui_language(request: Request) -> Response:
    form = await checked_form(request)
    lang = _text(form, "lang", 16)
    if lang not in i18n.UI_LANGS:
        raise HTTPException(400, _("Unknown language for the staff pages."))
    request.session["ui_lang"] = lang
    back = _text(form, "next", 200)
    return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/",
                            status_code=303)


@router.get("/accounts")
def accounts(request: Request, user: User = Depends(admin_user), db: Session = Depends(get_db),
             ) -> Response:
    return _accounts(request, user, db)


def _accounts(request: Request, user: User, db: Session, status: int = 200, error: str | None = None,
              token: str | None = None) -> Response:
    users = db.scalars(select(User).order_by(User.name)).all()
    tokens = db.scalars(select(ApiToken).order_by(ApiToken.created)).all()
    roles = [("staff", _("Staff")), ("translator", _("Translator")), ("admin", _("Administrator"))]
    return page(request, "accounts.html", status=status, user=user, users=users, tokens=tokens,
                error=error, new_token=token, roles=roles)


@router.post("/accounts")
async def add_account(request: Request, user: User = Depends(admin_user),
                      db: Session = Depends(get_db)) -> Response:
    form = await checked_form(request)
    role = _text(form, "role", 16) or ("admin" if form.get("admin") else "staff")
    if role not in ROLES:
        return _accounts(request, user, db, 400, _("Choose staff, translator or administrator."))
    try:
        add_user(db, _text(form, "name", 64), _text(form, "password"), role == "admin",
                 role == "translator")
    except AccountError as exc:
        return _accounts(request, user, db, 400, str(exc))
    return RedirectResponse("/accounts", status_code=303)


@router.post("/accounts/{account_id}/role")
async def change_role(request: Request, account_id: int, user: User = Depends(admin_user),
                      db: Session = Depends(get_db)) -> Response:
    form = await checked_form(request)
    role = _text(form, "role", 16)
    account = db.get(User, account_id)
    if account is None:
        raise HTTPException(404, _("No such account."))
    if role not in ROLES:
        return _accounts(request, user, db, 400, _("Choose staff, translator or administrator."))
    admins = db.scalar(select(func.count()).select_from(User).where(User.admin.is_(True))) or 0
    if account.admin and role != "admin" and admins <= 1:
        return _accounts(request, user, db, 409, _("This is the only administrator: make "
                                                   "another account administrator first."))
    set_role(account, role)
    db.commit()
    return RedirectResponse("/accounts", status_code=303)


@router.post("/accounts/tokens")
async def add_token(request: Request, user: User = Depends(admin_user),
                    db: Session = Depends(get_db)) -> Response:
    form = await checked_form(request)
    token = new_api_token(db, user, _text(form, "label", 80))
    return _accounts(request, user, db, token=token)
