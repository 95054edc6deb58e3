"""Sign in and out, the first admin account, the staff UI language, accounts and API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from builder.web import i18n
from builder.web.db import ROLES, ApiToken, User, has_admin, set_role
from builder.web.deps import admin_user, checked_form, current_user, get_db, page
from builder.web.i18n import gettext as _
from builder.web.security import AccountError, RateLimited, add_user, authenticate, new_api_token

router = APIRouter()


def _text(form: FormData, name: str, limit: int = 1024) -> str:
    value = form.get(name)
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
    try:  # argon2 costs tens of milliseconds of CPU: never in the event loop
        user = await run_in_threadpool(authenticate, db, name, password, _client(request))
    except RateLimited:
        return page(request, "login.html", status=429, name=name,
                    error=_("Too many failed attempts. Wait 15 minutes, or ask an administrator."))
    if user is None:
        return page(request, "login.html", status=401, name=name,
                    error=_("That account name and password do not match."))
    # the account's own language; else one picked on this page before signing in; else the browser's
    lang = user.ui_lang if user.ui_lang in i18n.UI_LANGS else request.session.get("ui_lang")
    request.session.clear()  # a new session on sign-in: no fixation
    request.session["user"] = user.id
    if lang in i18n.UI_LANGS:
        request.session["ui_lang"] = lang
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()  # the next person at this computer gets their browser's language
    return RedirectResponse("/login", status_code=303)


@router.get("/setup")
def setup_page(request: Request, db: Session = Depends(get_db)) -> Response:
    if has_admin(db):
        return RedirectResponse("/login", status_code=303)
    return page(request, "setup.html", error=None, name="")


@router.post("/setup")
async def setup(request: Request, db: Session = Depends(get_db)) -> Response:
    form = await checked_form(request)
    if await run_in_threadpool(has_admin, db):
        raise HTTPException(409, _("An administrator account already exists. Sign in."))
    name, password = _text(form, "name", 64), _text(form, "password")
    if password != _text(form, "password2"):
        return page(request, "setup.html", status=400, name=name,
                    error=_("The two passwords are not the same."))
    try:
        user = await run_in_threadpool(add_user, db, name, password, admin=True)
    except AccountError as exc:
        return page(request, "setup.html", status=400, name=name, error=str(exc))
    request.session.clear()
    request.session.update({"user": user.id, "ui_lang": i18n.current_lang.get()})
    return RedirectResponse("/", status_code=303)


@router.post("/ui-language")
async def ui_language(request: Request, db: Session = Depends(get_db)) -> Response:
    """The staff pages' language: kept on the account (every later sign-in), or for this visit."""
    form = await checked_form(request)
    lang = _text(form, "lang", 16)
    if lang not in i18n.UI_LANGS:
        raise HTTPException(400, _("Unknown language for the staff pages."))
    request.session["ui_lang"] = lang
    user_id = request.session.get("user")
    if isinstance(user_id, int):
        await run_in_threadpool(_keep_language, db, user_id, lang)
    back = _text(form, "next", 200)
    return RedirectResponse(back if back.startswith("/") and not back.startswith(("//", "/\\")) else "/",
                            status_code=303)


def _keep_language(db: Session, user_id: int, lang: str) -> None:
    user = db.get(User, user_id)
    if user is not None:
        user.ui_lang = lang
        db.commit()


@router.get("/accounts")
def accounts(request: Request, user: User = Depends(admin_user), db: Session = Depends(get_db),
             ) -> Response:
    return _accounts(request, user, db)


def _accounts(request: Request, user: User, db: Session, status: int = 200,
              error: str | None = None) -> Response:
    users = db.scalars(select(User).order_by(User.name)).all()
    roles = [("staff", _("Staff")), ("translator", _("Translator")), ("admin", _("Administrator"))]
    return page(request, "accounts.html", status=status, user=user, users=users, error=error,
                roles=roles)


@router.post("/accounts")
async def add_account(request: Request, user: User = Depends(admin_user),
                      db: Session = Depends(get_db)) -> Response:
    form = await checked_form(request)
    role = _text(form, "role", 16) or ("admin" if form.get("admin") else "staff")
    return await run_in_threadpool(_add_account, request, user, db, role, _text(form, "name", 64),
                                   _text(form, "password"))


def _add_account(request: Request, user: User, db: Session, role: str, name: str,
                 password: str) -> Response:
    """The new account (argon2 hashes its password) or the page with why not; in a thread."""
    if role not in ROLES:
        return _accounts(request, user, db, 400, _("Choose staff, translator or administrator."))
    try:
        add_user(db, name, password, role == "admin", role == "translator")
    except AccountError as exc:
        return _accounts(request, user, db, 400, str(exc))
    return RedirectResponse("/accounts", status_code=303)


@router.post("/accounts/{account_id}/role")
async def change_role(request: Request, account_id: int, user: User = Depends(admin_user),
                      db: Session = Depends(get_db)) -> Response:
    form = await checked_form(request)
    return await run_in_threadpool(_change_role, request, user, db, account_id,
                                   _text(form, "role", 16))


def _change_role(request: Request, user: User, db: Session, account_id: int,
                 role: str) -> Response:
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


# -- API tokens: every account makes and revokes its own; administrators see and revoke all ---------

def _tokens_page(request: Request, user: User, db: Session, new_token: str | None = None,
                 revoked: bool = False) -> Response:
    query = select(ApiToken).order_by(ApiToken.created, ApiToken.id)
    if not user.admin:
        query = query.where(ApiToken.user_id == user.id)
    return page(request, "tokens.html", user=user, tokens=db.scalars(query).all(),
                new_token=new_token, revoked=revoked)


@router.get("/tokens")
def tokens(request: Request, revoked: str = "", user: User = Depends(current_user),
           db: Session = Depends(get_db)) -> Response:
    return _tokens_page(request, user, db, revoked=revoked == "1")


@router.post("/tokens")
async def add_token(request: Request, user: User = Depends(current_user),
                    db: Session = Depends(get_db)) -> Response:
    form = await checked_form(request)
    return await run_in_threadpool(_add_token, request, user, db, _text(form, "label", 80).strip())


def _add_token(request: Request, user: User, db: Session, label: str) -> Response:
    token = new_api_token(db, user, label)
    return _tokens_page(request, user, db, new_token=token)  # shown once, never stored


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: int, user: User = Depends(current_user),
                       db: Session = Depends(get_db)) -> Response:
    await checked_form(request)
    await run_in_threadpool(_revoke, db, user, token_id)
    return RedirectResponse("/tokens?revoked=1", status_code=303)


def _revoke(db: Session, user: User, token_id: int) -> None:
    row = db.get(ApiToken, token_id)
    if row is None or not (user.admin or row.user_id == user.id):
        raise HTTPException(404, _("No such token."))
    db.delete(row)  # the next call with it finds no token: refused at once
    db.commit()
