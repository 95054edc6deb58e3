"""The database layer on SQLite and on a throwaway PostgreSQL server; a server killed mid-save."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect, select, text

from builder.web.db import PrintRecord, Profile, User, make_engine, migrate, sessions
from builder.web.profile import EditConflict, ProfileError, current, save, validate, with_logo
from builder.web.security import AccountError, RateLimited, add_user, authenticate

from .web_helpers import CSRF_RE, REPO, free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server of our own in a temp folder, run as the `postgres` system user."""
    if not (PG_BIN / "initdb").is_file() or not (PG_BIN / "pg_ctl").is_file():
        pytest.skip(f"PostgreSQL binaries not found in {PG_BIN} (apt-get install postgresql)")
    user = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="handout-pg-"))
    data, sockets = folder / "data", folder / "run"
    sockets.mkdir()
    if user:
        shutil.chown(folder, user)
        shutil.chown(sockets, user)
    prefix = ["runuser", "-u", user, "--"] if user else []

    port = free_port()
    subprocess.run([*prefix, str(PG_BIN / "initdb"), "-D", str(data), "-U", "handout", "-A", "trust",
                    "--no-sync", "-E", "UTF8"], check=True, capture_output=True)
    subprocess.run([*prefix, str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l",
                    str(folder / "log"), "-o", f"-k {sockets} -p {port} -c listen_addresses=127.0.0.1 "
                    "-c fsync=off", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://handout@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'web.db'}"
    else:
        base = request.getfixturevalue("postgres_url")
        name = f"t{os.getpid()}_{int(time.time() * 1e6) % 10**9}"
        admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = base.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_migrations_create_the_schema_and_are_idempotent(engine) -> None:  # type: ignore[no-untyped-def]
    migrate(engine)  # a second start changes nothing
    tables = set(inspect(engine).get_table_names())
    assert {"users", "api_tokens", "clinic_profile", "kits", "print_log", "login_attempts",
            "alembic_version"} <= tables


def test_the_page_language_migration_keeps_the_accounts(engine) -> None:  # type: ignore[no-untyped-def]
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(REPO / "builder" / "web" / "migrations"))
    with engine.begin() as connection:  # a database of the first release, with an account
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert "ui_lang" not in {c["name"] for c in inspect(engine).get_columns("users")}
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO users (name, password_hash, admin, created) "
                                "VALUES ('early', 'x', true, CURRENT_TIMESTAMP)"))
    migrate(engine)  # what the next start does
    with sessions(engine)() as db:
        user = db.scalar(select(User).where(User.name == "early"))
        assert user is not None and user.admin and user.ui_lang is None  # the browser's, until chosen
        user.ui_lang = "zh_Hans"
        db.commit()
    with sessions(engine)() as db:
        assert db.scalar(select(User.ui_lang).where(User.name == "early")) == "zh_Hans"


def test_accounts_passwords_and_rate_limit(engine) -> None:  # type: ignore[no-untyped-def]
    with sessions(engine)() as db:
        user = add_user(db, "nurse", "a long password", admin=False)
        assert user.password_hash.startswith("$argon2")
        with pytest.raises(AccountError, match="already exists"):
            add_user(db, "nurse", "another password", admin=False)
        with pytest.raises(AccountError, match="at least 10"):
            add_user(db, "short", "short", admin=False)
        assert authenticate(db, "nurse", "a long password", "1.2.3.4") is not None
        for _ in range(5):
            assert authenticate(db, "nurse", "wrong", "1.2.3.4") is None
        with pytest.raises(RateLimited):
            authenticate(db, "nurse", "a long password", "1.2.3.4")


def test_profile_saves_are_checked_and_versioned(engine) -> None:  # type: ignore[no-untyped-def]
    from builder.project import Project

    with sessions(engine)() as db:
        row = current(db, Project(REPO))
        assert row.version == 1 and row.logo is not None
        saved = save(db, 1, row.yaml.replace("Demo Myeloma Clinic", "Clinica Norte"), row.logo, "admin")
        assert saved.version == 2
        with pytest.raises(EditConflict):
            save(db, 1, row.yaml, row.logo, "someone else")
        with pytest.raises(ProfileError, match="contrast"):
            save(db, 2, row.yaml.replace("#1f5f8b", "#eeeeee"), row.logo, "admin")
        stored = db.get(Profile, 1)
        assert stored is not None and stored.version == 2 and "Clinica Norte" in stored.yaml


def test_print_log_rows_round_trip(engine) -> None:  # type: ignore[no-untyped-def]
    with sessions(engine)() as db:
        db.add(PrintRecord(account="nurse", kind="topic", document="relapsed-refractory", lang="es",
                           level="easy", format="pdf", paper="a4", copies=2, content_version="1.0",
                           digest="ab" * 32, review_state="draft translation"))
        db.commit()
        row = db.scalar(select(PrintRecord))
        assert row is not None and row.copies == 2 and row.at is not None


# -- kill -9 of the server during profile saves -----------------------------------------------------

def _start_server(url: str, port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "builder", "serve", "--port", str(port), "--db", url,
                               "--workers", "1", "--project", str(REPO)], cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise AssertionError("the server did not start in 60 s")


def _saves(base: str, stop: threading.Event, answers: list[int]) -> None:
    with httpx.Client(base_url=base, timeout=10) as client:
        page = client.get("/login")
        token = CSRF_RE.search(page.text).group(1)  # type: ignore[union-attr]
        client.post("/login", data={"csrf": token, "name": "admin", "password": "a long password"})
        while not stop.is_set():
            try:
                page = client.get("/profile")
                version = int(re.search(r'name="version" value="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
                token = CSRF_RE.search(page.text).group(1)  # type: ignore[union-attr]
                answers.append(client.post("/profile", data={
                    "csrf": token, "version": str(version), "name": f"Clinic {version + 1}",
                    "phone": "+1 555 0100", "address": "1 Example Road", "web": "https://example.org",
                    "accent": "#1f5f8b", "paper": "a4"}).status_code)
            except (httpx.HTTPError, AttributeError):
                return  # the server is gone


@pytest.mark.slow
def test_kill_9_of_the_server_during_profile_saves_leaves_the_database_consistent(
        tmp_path: Path, handout, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'web.db'}"
    monkeypatch.setenv("HANDOUT_PASSWORD", "a long password")
    assert handout("user", "add", "admin", "--admin", "--db", url, "--project", str(REPO)).code == 0
    port = free_port()
    for delay in (0.5, 1.3):
        server = _start_server(url, port)
        stop, answers = threading.Event(), []  # type: ignore[var-annotated]
        saver = threading.Thread(target=_saves, args=(f"http://127.0.0.1:{port}", stop, answers))
        saver.start()
        deadline = time.monotonic() + 30
        while not answers and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(delay)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
        stop.set()
        saver.join(timeout=30)
        assert answers and set(answers) <= {303}, answers  # each save redirects to the profile
        with sqlite3.connect(tmp_path / "web.db") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        engine = make_engine(url)
        with sessions(engine)() as db:
            row = db.get(Profile, 1)
            assert row is not None and row.version > 1
            assert f"name: Clinic {row.version}\n" in row.yaml  # the version matches its content
            validate(with_logo(row.yaml, row.logo), row.logo)  # still a profile the CLI accepts
        engine.dispose()
    server = _start_server(url, port)  # and it starts again on the same file
    server.terminate()
    server.wait(timeout=30)


def test_handout_user_add_and_serve_refuses_the_network_without_an_admin(tmp_path: Path, handout,  # type: ignore[no-untyped-def]
                                                                         monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    monkeypatch.setenv("HANDOUT_PASSWORD", "a long password")
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    refused = handout("serve", "--host", "0.0.0.0", "--db", url, "--project", str(REPO))
    assert refused.code == 5 and "handout user add NAME --admin" in refused.err
    added = handout("user", "add", "alice", "--admin", "--db", url, "--project", str(REPO))
    assert added.code == 0 and "administrator account alice" in added.out
    again = handout("user", "add", "alice", "--db", url, "--project", str(REPO))
    assert again.code == 2 and "already exists" in again.err
    with sessions(make_engine(url))() as db:
        assert authenticate(db, "alice", "a long password", "local") is not None


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _nice(pid: int, thread: int) -> int:
    stat = Path(f"/proc/{pid}/task/{thread}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_render_workers_end_with_the_server(tmp_path: Path, stop: signal.Signals) -> None:
    """Workers that outlive `handout serve` (a ctrl-C, a service stop, kill -9) would keep their
    memory and CPU on the clinic's machine for ever, waiting on a queue nobody writes to."""
    url = f"sqlite:///{tmp_path / 'web.db'}"
    engine = make_engine(url)
    migrate(engine)
    with sessions(engine)() as db:
        add_user(db, "admin", "a long password", admin=True)
    engine.dispose()
    server = _start_server(url, free_port())
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline:  # the warm-up starts the one render worker
        workers = [c for c in _children(server.pid) if "spawn_main" in
                   Path(f"/proc/{c}/cmdline").read_bytes().decode(errors="replace")]
        if workers:
            break
        time.sleep(0.2)
    assert workers, "no render worker started"
    # renders go first: the worker keeps the server's priority, the event loop's thread yields
    from builder.web.renderer import RENDERS_FIRST

    assert _nice(server.pid, server.pid) == _nice(workers[0], workers[0]) + RENDERS_FIRST
    server.send_signal(stop)
    server.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:  # do not leave them running after the test either
        os.kill(pid, signal.SIGKILL)
    assert not left, f"render workers {left} outlived the server ({stop.name})"
