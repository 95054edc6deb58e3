"""A slow password check or a slow database write holds up only its own request: every other page
(a leaflet download at the desk) is still answered while it waits. Real server, no timings: the slow
step is held until the other page has been answered."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import event
from sqlalchemy.engine import Engine

from builder.web import security

from .conftest import serving
from .web_helpers import ADMIN, CSRF_RE, STAFF

OTHER_PAGE_WAIT = 15  # seconds; a held event loop never answers, a free one at once


class Gate:
    """Holds whichever thread reaches it until released (at most a minute: a test never hangs)."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()

    def hold(self) -> None:
        self.reached.set()
        self.release.wait(60)


class SlowHasher(PasswordHasher):
    """argon2 as used, but each hash and check waits at the gate first."""

    def __init__(self, gate: Gate) -> None:
        super().__init__()
        self.gate = gate

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.gate.hold()
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.gate.hold()
        return super().verify(hash, password)


@contextlib.contextmanager
def slow_sql(start: str) -> Iterator[Gate]:
    """Statements that begin with `start` (e.g. "INSERT INTO kits") wait at the gate."""
    gate = Gate()
    start = start.upper()

    def hold(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith(start):
            gate.hold()

    event.listen(Engine, "before_cursor_execute", hold)
    try:
        yield gate
    finally:
        gate.release.set()
        event.remove(Engine, "before_cursor_execute", hold)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, render_cache: Path) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("loop"), render_cache, accounts=True) as url:
        yield url


def csrf(client: httpx.Client, path: str) -> str:
    found = CSRF_RE.search(client.get(path).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


@contextlib.contextmanager
def signed_in(server: str, account: tuple[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=120) as client:
        answer = client.post("/login", data={"csrf": csrf(client, "/login"), "name": account[0],
                                             "password": account[1]})
        assert answer.status_code == 303 and answer.headers["location"] == "/", answer.text[:300]
        yield client


def answered_meanwhile(server: str, gate: Gate, send: Callable[[], httpx.Response]) -> httpx.Response:
    """Send a request; while it waits at the gate, another visitor's page must be answered. Then
    let it go on, and return its answer."""
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(send)
        try:
            deadline = time.monotonic() + 120
            while not gate.reached.wait(0.1):
                assert not pending.done(), f"never reached the slow step: {pending.result()}"
                assert time.monotonic() < deadline, "never reached the slow step in 120 s"
            try:
                other = httpx.get(f"{server}/login", timeout=OTHER_PAGE_WAIT)
            except httpx.TimeoutException:
                pytest.fail(f"another visitor's page got no answer in {OTHER_PAGE_WAIT} s while "
                            "one request waited: the server's event loop was held")
            assert other.status_code in (200, 303)  # the sign-in page, or on to /setup
        finally:
            gate.release.set()
        return pending.result(timeout=120)


def _moved_to(answer: httpx.Response, where: str) -> None:
    assert answer.status_code == 303, answer.text[:500]
    assert answer.headers["location"] == where


def _sign_in_slowly(server: str, monkeypatch: pytest.MonkeyPatch, client: httpx.Client,
                    password: str) -> httpx.Response:
    """A sign-in whose password check waits until another visitor's page has been answered."""
    gate = Gate()
    monkeypatch.setattr(security, "_hasher", SlowHasher(gate))
    token = csrf(client, "/login")
    return answered_meanwhile(server, gate, lambda: client.post(
        "/login", data={"csrf": token, "name": STAFF[0], "password": password}))


def test_a_sign_in_checking_its_password_does_not_hold_up_other_pages(
        server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with httpx.Client(base_url=server, timeout=120) as nurse:
        _moved_to(_sign_in_slowly(server, monkeypatch, nurse, STAFF[1]), "/")
        assert nurse.get("/library").status_code == 200  # signed in, as before


def test_a_wrong_password_is_still_refused_with_its_message(
        server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with httpx.Client(base_url=server, timeout=120) as visitor:
        answer = _sign_in_slowly(server, monkeypatch, visitor, "not the password")
        assert answer.status_code == 401
        assert "That account name and password do not match." in answer.text


def test_the_first_administrator_being_made_does_not_hold_up_other_pages(
        tmp_path: Path, render_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate()
    monkeypatch.setattr(security, "_hasher", SlowHasher(gate))
    with serving(tmp_path, render_cache, accounts=False) as fresh, \
            httpx.Client(base_url=fresh, timeout=120) as first:
        token = csrf(first, "/setup")
        answer = answered_meanwhile(fresh, gate, lambda: first.post("/setup", data={
            "csrf": token, "name": "boss", "password": ADMIN[1], "password2": ADMIN[1]}))
        _moved_to(answer, "/")
        assert first.get("/accounts").status_code == 200  # signed in as the administrator


def test_an_account_being_made_does_not_hold_up_other_pages(
        server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with signed_in(server, ADMIN) as admin:
        gate = Gate()
        monkeypatch.setattr(security, "_hasher", SlowHasher(gate))
        token = csrf(admin, "/accounts")
        answer = answered_meanwhile(server, gate, lambda: admin.post("/accounts", data={
            "csrf": token, "name": "nurse-two", "password": STAFF[1], "role": "staff"}))
        _moved_to(answer, "/accounts")
        assert "nurse-two" in admin.get("/accounts").text


def test_a_role_change_waiting_for_the_database_does_not_hold_up_other_pages(server: str) -> None:
    with signed_in(server, ADMIN) as admin:
        token = csrf(admin, "/accounts")
        _moved_to(admin.post("/accounts", data={"csrf": token, "name": "tina", "password": STAFF[1],
                                                "role": "staff"}), "/accounts")
        found = re.search(r'<td>tina</td>.*?action="/accounts/(\d+)/role"',
                          admin.get("/accounts").text, re.S)
        assert found, "no role form for the new account"
        with slow_sql("UPDATE users") as gate:
            answer = answered_meanwhile(server, gate, lambda: admin.post(
                f"/accounts/{found.group(1)}/role", data={"csrf": token, "role": "translator"}))
        _moved_to(answer, "/accounts")


def test_the_staff_language_being_kept_does_not_hold_up_other_pages(server: str) -> None:
    with signed_in(server, STAFF) as nurse:
        token = csrf(nurse, "/library")
        with slow_sql("SELECT users.id, users.name") as gate:  # the account that keeps it
            answer = answered_meanwhile(server, gate, lambda: nurse.post(
                "/ui-language", data={"csrf": token, "lang": "en", "next": "/kits"}))
        _moved_to(answer, "/kits")


def test_api_tokens_being_made_and_revoked_do_not_hold_up_other_pages(server: str) -> None:
    with signed_in(server, STAFF) as nurse:
        token = csrf(nurse, "/tokens")
        with slow_sql("SELECT api_tokens.") as gate:  # the list shown with the new token
            made = answered_meanwhile(server, gate, lambda: nurse.post(
                "/tokens", data={"csrf": token, "label": "ward script"}))
        assert made.status_code == 200 and "ward script" in made.text
        found = re.search(r'action="/tokens/(\d+)/revoke"', made.text)
        assert found, "no revoke form for the new token"
        with slow_sql("DELETE FROM api_tokens") as gate:
            answer = answered_meanwhile(server, gate, lambda: nurse.post(
                f"/tokens/{found.group(1)}/revoke", data={"csrf": token}))
        _moved_to(answer, "/tokens?revoked=1")


def _kit_id(client: httpx.Client, name: str) -> str:
    found = re.search(re.escape(name) + r'.*?action="/kits/(\d+)/print"', client.get("/kits").text,
                      re.S)
    assert found, f"no kit {name!r} on the kits page"
    return found.group(1)


def test_kits_being_saved_and_deleted_do_not_hold_up_other_pages(server: str) -> None:
    with signed_in(server, STAFF) as nurse:
        token = csrf(nurse, "/kits")
        with slow_sql("INSERT INTO kits") as gate:
            made = answered_meanwhile(server, gate, lambda: nurse.post("/kits", data={
                "csrf": token, "name": "Slow day kit", "topics": ["questions-to-ask"]}))
        _moved_to(made, "/kits")
        kit = _kit_id(nurse, "Slow day kit")
        twice = nurse.post("/kits", data={"csrf": token, "name": "Slow day kit",
                                          "topics": ["questions-to-ask"]})
        assert twice.status_code == 409 and "A kit with this name already exists." in twice.text
        with slow_sql("DELETE FROM kits") as gate:
            gone = answered_meanwhile(server, gate, lambda: nurse.post(f"/kits/{kit}/delete",
                                                                       data={"csrf": token}))
        _moved_to(gone, "/kits")
        assert "Slow day kit" not in nurse.get("/kits").text


def test_a_kit_print_being_noted_does_not_hold_up_other_pages(server: str) -> None:
    with signed_in(server, STAFF) as nurse:
        token = csrf(nurse, "/kits")
        _moved_to(nurse.post("/kits", data={"csrf": token, "name": "Print day kit",
                                            "topics": ["questions-to-ask"]}), "/kits")
        kit = _kit_id(nurse, "Print day kit")
        with slow_sql("UPDATE kits") as gate:  # its last printing, noted after the file is ready
            printed = answered_meanwhile(server, gate, lambda: nurse.post(f"/kits/{kit}/print", data={
                "csrf": token, "lang": "en", "level": "standard", "format": "pdf", "copies": "1",
                "acknowledge": "1"}))
        assert printed.status_code == 200 and printed.content[:5] == b"%PDF-"


def test_a_profile_being_imported_does_not_hold_up_other_pages(server: str) -> None:
    with signed_in(server, ADMIN) as admin:
        exported = admin.get("/profile/export").content
        page = admin.get("/profile").text
        version = re.search(r'name="version" value="(\d+)"', page)
        assert version, "no profile version on the page"
        token = csrf(admin, "/profile")
        with slow_sql("UPDATE clinic_profile") as gate:
            answer = answered_meanwhile(server, gate, lambda: admin.post(
                "/profile/import", data={"csrf": token, "version": version.group(1)},
                files={"file": ("clinic.yaml", exported, "application/x-yaml")}))
        _moved_to(answer, "/profile?saved=1")
