"""The web app's database: accounts, API tokens, clinic profile, kits and the print log.

SQLite file by default, PostgreSQL by URL; the schema is Alembic's (migrations/), applied on start.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    event,
    false,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # translators see the translators' pages and the library, not printing, kits or the log
    translator: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    ui_lang: Mapped[str | None] = mapped_column(String(16), nullable=True)  # staff pages; None: browser's

    @property
    def role(self) -> str:
        return "admin" if self.admin else "translator" if self.translator else "staff"


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the token
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    user: Mapped[User] = relationship()


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)  # account name and client address
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Profile(Base):
    """The one clinic profile: the YAML `handout build --clinic` reads, and its logo."""

    __tablename__ = "clinic_profile"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic lock: edits name it
    yaml: Mapped[str] = mapped_column(Text)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # PNG, re-encoded
    updated: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class Kit(Base):
    __tablename__ = "kits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    topics: Mapped[str] = mapped_column(Text)  # topic ids, one per line, in order
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_digest: Mapped[str] = mapped_column(String(64), default="")  # content when last printed
    last_lang: Mapped[str] = mapped_column(String(16), default="")
    last_level: Mapped[str] = mapped_column(String(16), default="")
    last_printed: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    @property
    def topic_ids(self) -> list[str]:
        return [t for t in self.topics.split("\n") if t]


class PrintRecord(Base):
    """One download or print. No patient data: who printed what, when, in which version."""

    __tablename__ = "print_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    account: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # topic | bundle | kit
    document: Mapped[str] = mapped_column(String(120), index=True)
    lang: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(8))
    paper: Mapped[str] = mapped_column(String(8))
    large_print: Mapped[bool] = mapped_column(Boolean, default=False)
    copies: Mapped[int] = mapped_column(Integer, default=1)
    content_version: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the file handed out
    review_state: Mapped[str] = mapped_column(String(40))  # reviewed | draft translation | source
    warnings: Mapped[str] = mapped_column(Text, default="")  # what was acknowledged
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:  # a DBAPI sqlite3 connection
            # WAL: a server killed mid-save (kill -9) leaves the last committed state; NORMAL
            # sync keeps that, and only a power cut may lose the last commits, never consistency.
            cursor = conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (creates it on a fresh database)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        # "heads": migrations made on parallel branches (each revising 0001) apply side by side
        command.upgrade(config, "heads")


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def get_setting(session: Session, key: str) -> str | None:
    row = session.get(Setting, key)
    return row.value if row else None


ROLES = ("staff", "translator", "admin")


def set_role(user: User, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role: one of {', '.join(ROLES)}")
    user.admin, user.translator = role == "admin", role == "translator"


def has_admin(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.admin.is_(True)).limit(1)) is not None
