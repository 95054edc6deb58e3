"""Accounts, passwords (argon2), API tokens, CSRF tokens and the login rate limit."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from builder.web.db import ApiToken, LoginAttempt, Setting, User, utcnow

NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # hashing a longer one would only cost the server time
MAX_FAILURES = 5  # per account and address ...
FAILURE_WINDOW = dt.timedelta(minutes=15)  # ... in this window
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A name or password that cannot be used; the message says why."""


def check_new_account(name: str, password: str) -> None:
    if not NAME_RE.match(name):
        raise AccountError("account name: 1 to 64 letters, digits, dots, dashes or underscores")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"password: at most {MAX_PASSWORD} characters")


def add_user(session: Session, name: str, password: str, admin: bool,
             translator: bool = False) -> User:
    check_new_account(name, password)
    if admin and translator:
        raise AccountError("an account is staff, translator or administrator: choose one")
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise AccountError(f"account '{name}' already exists")
    user = User(name=name, password_hash=_hasher.hash(password), admin=admin,
                translator=translator)
    session.add(user)
    session.commit()
    return user


def authenticate(session: Session, name: str, password: str, address: str) -> User | None:
    """The account, if the password is right; raise RateLimited after too many failures."""
    key = f"{name[:64]}|{address}"
    since = utcnow() - FAILURE_WINDOW
    failures = session.scalar(select(func.count()).select_from(LoginAttempt)
                              .where(LoginAttempt.key == key, LoginAttempt.at > since)) or 0
    if failures >= MAX_FAILURES:
        raise RateLimited()
    user = session.scalar(select(User).where(User.name == name))
    ok = False
    if user is not None:
        try:
            ok = _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        _hasher.hash(password)  # the same time whether or not the account exists
    if not ok:
        session.add(LoginAttempt(key=key))
        session.commit()
        return None
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))
    session.commit()
    return user


class RateLimited(Exception):
    pass


def new_api_token(session: Session, user: User, label: str) -> str:
    token = "ho_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, label=label[:80] or "script",
                         token_hash=hashlib.sha256(token.encode()).hexdigest()))
    session.commit()
    return token


_TOKEN_ACCOUNT = (select(User.id, User.name).join(ApiToken, ApiToken.user_id == User.id)
                  .where(ApiToken.token_hash == bindparam("digest")))  # built once: every API call


def account_for_token(session: Session, token: str) -> tuple[int, str] | None:
    """The account (id, name) of an API token; None for an unknown or revoked one. Never cached,
    so a revoked token is refused at once, by every instance of the server."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    row = session.connection().execute(_TOKEN_ACCOUNT, {"digest": digest}).first()
    return None if row is None else (row.id, row.name)


def user_for_token(session: Session, token: str) -> User | None:
    account = account_for_token(session, token)
    return None if account is None else session.get(User, account[0])


def secret_key(session: Session) -> str:
    """The key that signs session cookies: made once, kept in the database (shared by instances)."""
    row = session.get(Setting, "secret_key")
    if row is None:
        row = Setting(key="secret_key", value=secrets.token_urlsafe(48))
        session.add(row)
        session.commit()
    return row.value


def csrf_token(session_data: dict[str, Any]) -> str:
    token = session_data.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session_data["csrf"] = token
    return str(token)


def csrf_ok(session_data: dict[str, Any], sent: str | None) -> bool:
    token = session_data.get("csrf")
    return bool(token and sent and hmac.compare_digest(str(token), sent))
