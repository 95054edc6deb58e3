"""The translators' pages: the translator role, the dashboard per language, and .po uploads that
are QA-checked and previewed without touching locales/ (hostile ones refused with their line)."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .web_helpers import ADMIN, REPO, STAFF, Browser

TRANSLATOR = ("tina", "translator password 1")
STALE_CONTEXT = "relapsed-refractory/options/standard"
QA_CONTEXT = "stem-cell-transplant/steps-diagram/all/caption"


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
                if line.startswith(needle))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose English changed in one sentence (extract + update run: a stale entry in
    every language), with the pseudo-locales written."""
    from builder.i18n.workflow import write_pseudo
    from builder.project import Project
    from builder.web.translate_screenshots import stale_copy

    root = stale_copy(REPO, tmp_path_factory.mktemp("translate") / "project")
    write_pseudo(Project(root))
    return root


@pytest.fixture(scope="module")
def site(project: Path, tmp_path_factory: pytest.TempPathFactory, render_cache: Path) -> Iterator[dict]:
    from fastapi.testclient import TestClient

    from builder.project import Project
    from builder.web.app import Settings, create_app
    from builder.web.db import sessions
    from builder.web.security import add_user

    folder = tmp_path_factory.mktemp("translate-web")
    app = create_app(Settings(project=Project(project), database_url=f"sqlite:///{folder / 'web.db'}",
                              data=folder / "data", cache=render_cache, workers=1))
    with sessions(app.state.web.engine)() as db:
        add_user(db, *ADMIN, admin=True)
        add_user(db, *STAFF, admin=False)
        add_user(db, *TRANSLATOR, admin=False, translator=True)
    with TestClient(app):
        clients = {}
        for role, account in (("admin", ADMIN), ("staff", STAFF), ("translator", TRANSLATOR)):
            clients[role] = Browser(app)
            assert clients[role].login(*account).url.path == "/library"
        yield {"app": app, **clients}


# -- the role ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_translator_sees_the_translator_pages_and_the_library_not_printing_kits_or_the_log(
        site: dict) -> None:
    tina = site["translator"]
    for path in ("/translate", "/translate/es", "/library",
                 "/documents/topic/relapsed-refractory?lang=es&level=easy"):
        assert tina.get(path).status_code == 200, path
    for path in ("/kits", "/log", "/log.csv", "/profile", "/accounts", "/profile/export"):
        page = tina.get(path)
        assert page.status_code == 403, path
    document = tina.get("/documents/topic/relapsed-refractory?lang=es&level=easy").text
    assert "Print (download the PDF)" not in document
    printed = tina.post("/documents/topic/relapsed-refractory/print",
                        {"lang": "es", "level": "easy", "format": "pdf", "acknowledge": "1"})
    assert printed.status_code == 403
    nav = tina.get("/library").text
    assert 'href="/translate"' in nav and 'href="/kits"' not in nav and 'href="/log"' not in nav


def test_staff_cannot_reach_the_translator_pages_or_upload(site: dict) -> None:
    nurse = site["staff"]
    assert 'href="/translate"' not in nurse.get("/library").text
    for path in ("/translate", "/translate/es"):
        assert nurse.get(path).status_code == 403
    upload = nurse.client.post("/translate/es/upload", data={"csrf": nurse.token("/library")},
                               files={"file": ("ui.po", b"x", "text/plain")})
    assert upload.status_code == 403 and "for translators" in upload.text
    assert site["admin"].get("/translate").status_code == 200


def test_an_administrator_sets_roles_but_never_removes_the_last_administrator(site: dict) -> None:
    from sqlalchemy import select

    from builder.web.db import User

    admin = site["admin"]
    made = admin.post("/accounts", {"name": "pablo", "password": "a password 123",
                                    "role": "translator"}, token_from="/accounts")
    assert made.status_code == 200
    with site["app"].state.web.sessions() as db:
        pablo = db.scalar(select(User).where(User.name == "pablo"))
        boss = db.scalar(select(User).where(User.name == ADMIN[0]))
    assert pablo.role == "translator"
    assert admin.post(f"/accounts/{pablo.id}/role", {"role": "staff"},
                      token_from="/accounts").status_code == 200
    with site["app"].state.web.sessions() as db:
        assert db.get(User, pablo.id).role == "staff"
    last = admin.post(f"/accounts/{boss.id}/role", {"role": "translator"}, token_from="/accounts")
    assert last.status_code == 409 and "only administrator" in last.text
    assert site["translator"].post(f"/accounts/{pablo.id}/role", {"role": "admin"},
                                   token_from="/translate").status_code == 403


def test_handout_user_add_translator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from sqlalchemy import select

    from builder.cli import main
    from builder.web.db import User, make_engine, sessions

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("HANDOUT_PASSWORD", "translator password 2")
    assert main(["user", "add", "ana", "--translator", "--db", url, "--project", str(REPO)]) == 0
    assert "added translator account ana" in capsys.readouterr().out
    assert main(["user", "add", "bo", "--translator", "--admin", "--db", url,
                 "--project", str(REPO)]) == 2
    with sessions(make_engine(url))() as db:
        assert [(u.name, u.role) for u in db.scalars(select(User))] == [("ana", "translator")]


def test_the_migration_makes_existing_accounts_staff(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from builder.web.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(REPO / "builder" / "web" / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")  # a database of the first release
        connection.execute(text("INSERT INTO users (name, password_hash, admin, created) "
                                "VALUES ('old', 'x', 0, '2026-01-01')"))
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT translator FROM users")).scalar_one() in (0, False)


# -- the dashboard ----------------------------------------------------------------------------

def test_the_index_lists_every_language_with_its_progress_and_no_pseudo_locale(site: dict) -> None:
    index = site["translator"].get("/translate").text
    for lang in ("es", "fr", "ar", "zh_Hans", "pt_BR"):
        assert f'href="/translate/{lang}"' in index
    assert "qps" not in index
    library = site["staff"].get("/library").text
    assert "qps" not in library
    assert site["staff"].get("/documents/topic/relapsed-refractory?lang=qps").status_code == 404
    assert site["translator"].get("/translate/qps").status_code == 404


def test_the_dashboard_shows_the_stale_entry_with_its_word_diff_and_line(site: dict,
                                                                        project: Path) -> None:
    page = site["translator"].get("/translate/es").text
    po = project / "locales" / "es" / "LC_MESSAGES" / "relapsed-refractory.po"
    line = line_of(po, f'msgctxt "{STALE_CONTEXT}"') + 1  # the msgid line, as QA names it
    assert f"locales/es/LC_MESSAGES/relapsed-refractory.po:{line}" in page
    assert STALE_CONTEXT in page
    # "No single plan works for everyone." -> "No one plan works for every person."
    assert re.search(r"No <del><span class=\"sr-only\">removed: </span>single</del>"
                     r"<ins><span class=\"sr-only\">added: </span>one</ins> plan works for", page)
    assert "<del><span class=\"sr-only\">removed: </span>drugs</del>" in page
    assert "No hay un plan único" in page  # the translation being updated
    assert re.search(r"1 stale</a>", page)
    for level in ("easy", "standard", "detailed"):
        assert f'href="/translate/preview/es/relapsed-refractory/{level}"' in page
    assert 'href="/translate/preview/es/glossary/' not in page
    plain = re.sub(r"<[^>]+>", "", page)
    assert "Fernández-Huerta ease" in plain
    assert re.search(r"relapsed-refractory\s+\d+\.\d · en \d+\.\d \(target ≤ 6\.0\)", plain)


@pytest.mark.slow
def test_the_dashboard_shows_each_qa_error_at_its_po_line(site: dict, project: Path) -> None:
    """A French translation that changed a number (while a translator works on it)."""
    from builder.web.renderer import STAMP_SECONDS

    po = project / "locales" / "fr" / "LC_MESSAGES" / "stem-cell-transplant.po"
    original = po.read_bytes()
    try:
        po.write_text(original.decode().replace('msgstr "Les 3 étapes', 'msgstr "Les 4 étapes'),
                      encoding="utf-8")
        time.sleep(STAMP_SECONDS + 0.2)  # the server looks at the files every 2 s
        page = site["translator"].get("/translate/fr").text
        index = site["translator"].get("/translate").text
    finally:
        po.write_bytes(original)
        time.sleep(STAMP_SECONDS + 0.2)
    line = line_of(po, f'msgctxt "{QA_CONTEXT}"') + 1  # the msgid line
    assert (f"locales/fr/LC_MESSAGES/stem-cell-transplant.po:{line}: {QA_CONTEXT}: numbers "
            "differ from the source (missing 3; not in the source 4)") in page
    assert "Reading levels are measured once every catalog" in page  # the build stops for fr
    assert re.search(r'href="/translate/fr".*?<td class="bad">1</td>', index, re.S)
    assert "0 QA errors" in site["translator"].get("/translate/fr").text  # fixed: gone again


# -- uploads ----------------------------------------------------------------------------------

def upload(client: Browser, name: str, data: bytes, lang: str = "es", **fields: str):  # type: ignore[no-untyped-def]
    form = {"csrf": client.token(f"/translate/{lang}"), "domain": "", "document": "",
            "level": "easy", **fields}
    return client.client.post(f"/translate/{lang}/upload", data=form,
                              files={"file": (name, data, "text/x-gettext-translation")})


def catalog(project: Path, lang: str = "es", domain: str = "relapsed-refractory") -> str:
    return (project / "locales" / lang / "LC_MESSAGES" / f"{domain}.po").read_text("utf-8")


def no_upload_left_behind(marker: str) -> bool:
    import tempfile

    return not any(marker in p.read_text("utf-8", errors="replace")
                   for p in Path(tempfile.gettempdir()).glob("handout-upload-*/locales/*/LC_MESSAGES/*.po")
                   if p.is_file() and not p.is_symlink())


TITLE = 'msgstr "Cuando el mieloma vuelve"'


def hostile_cases(project: Path) -> list[tuple[str, str, bytes, int, str]]:
    """(case, file name, bytes, status, the message shown) for uploads that must be refused."""
    po = catalog(project)
    title_line = line_of(project / "locales/es/LC_MESSAGES/relapsed-refractory.po", TITLE)
    msgid_line = title_line - 1
    header_line = line_of(project / "locales/es/LC_MESSAGES/relapsed-refractory.po", '"Language: es')
    first_accent = next(n for n, line in enumerate(po.splitlines(), 1) if not line.isascii())
    unterminated = po.replace(TITLE, 'msgstr "Cuando el mieloma vuelve', 1)
    script = po.replace(TITLE, 'msgstr "Cuando el mieloma <script>alert(1)</script> vuelve"', 1)
    return [
        ("unterminated", "relapsed-refractory.po", unterminated.encode(), 422,
         f"relapsed-refractory.po:{title_line}: unterminated string (missing closing quote)"),
        ("script", "relapsed-refractory.po", script.encode(), 422,
         f"relapsed-refractory.po:{msgid_line}: relapsed-refractory/@title/easy: raw HTML "
         "&#39;&lt;script&gt;&#39; is not allowed"),
        ("wrong language", "relapsed-refractory.po",
         po.replace('"Language: es\\n"', '"Language: fr\\n"').encode(), 400,
         f"relapsed-refractory.po:{header_line}: the header says Language: &#39;fr&#39;, but this "
         "page is for &#39;es&#39;"),
        ("binary", "relapsed-refractory.po", po.encode()[:500] + b"\0\1\2" + po.encode()[500:],
         415, "relapsed-refractory.po:" + str(po.encode()[:500].count(b"\n") + 1)
         + ": binary data (a NUL byte)"),
        ("compiled", "relapsed-refractory.mo", b"\xde\x12\x04\x95" + b"\0" * 40, 415,
         "relapsed-refractory.mo:1: a compiled .mo file"),
        ("not utf-8", "relapsed-refractory.po", po.encode("latin-1", errors="replace"), 415,
         f"relapsed-refractory.po:{first_accent}: not valid UTF-8 (byte 0x"),
        ("path tricks", "../../../locales/es/LC_MESSAGES/ui.po", unterminated.encode(), 422,
         f"ui.po:{title_line}: unterminated string"),
        ("another catalog", "ui.po", po.encode(), 422, "none of its entries are in ui.pot"),
        ("too large", "relapsed-refractory.po", po.encode() + b"#" * 1_100_000, 413,
         "relapsed-refractory.po: larger than 1000 kB"),
    ]


def test_hostile_uploads_are_refused_with_their_line_and_nothing_is_written(site: dict,
                                                                           project: Path) -> None:
    before = tree_bytes(project / "locales")
    tina = site["translator"]
    for case, name, data, status, message in hostile_cases(project):
        answer = upload(tina, name, data)
        assert answer.status_code == status, (case, answer.text[-2000:])
        assert message in answer.text, (case, re.findall(r"<code dir=\"ltr\">(.*?)</code>",
                                                          answer.text))
        assert answer.headers["content-type"].startswith("text/html")
        assert "<script>alert" not in answer.text  # shown as text, never as markup
        assert "Content-Security-Policy" in answer.headers
    assert tree_bytes(project / "locales") == before
    assert not (project / "locales" / "es" / "LC_MESSAGES" / "ui.po").is_symlink()
    assert no_upload_left_behind("<script>alert(1)</script>")
    assert tina.get("/translate/es").status_code == 200  # still serving


@pytest.mark.slow
def test_a_good_upload_is_rendered_with_its_own_translation_and_nothing_is_saved(
        site: dict, project: Path) -> None:
    from builder.i18n.upload import preview_upload

    before = tree_bytes(project / "locales")
    changed = catalog(project).replace(TITLE, 'msgstr "Cuando el mieloma regresa otra vez"', 1)
    answer = upload(site["translator"], "relapsed-refractory.po", changed.encode(), level="standard")
    assert answer.status_code == 200, answer.text[-2000:]
    assert "passes QA for the relapsed-refractory catalog" in answer.text
    entries = changed.count("\nmsgctxt ")
    # every entry counted, and the stale one as stale
    assert f"{entries - 1} translated, 1 stale, 0 untranslated" in answer.text
    assert len(re.findall(r'<img src="data:image/png;base64,', answer.text)) >= 2
    # what prints in English: the stale entry, at its line in the upload
    assert re.search(rf"relapsed-refractory.po:\d+: {STALE_CONTEXT}: translation stale in es",
                     answer.text)
    assert tree_bytes(project / "locales") == before
    assert no_upload_left_behind("Cuando el mieloma regresa otra vez")
    # the same function, read back as text: the upload's title is the one printed
    clinic = REPO / "templates" / "clinic" / "demo.yaml"
    result = preview_upload(str(project), "es", "relapsed-refractory", "x.po", changed, str(clinic),
                            "topic", "relapsed-refractory", "easy")
    text = subprocess.run(["pdftotext", "-", "-"], input=result.pdf, capture_output=True,
                          check=True).stdout.decode()
    assert "Cuando el mieloma regresa otra vez" in " ".join(text.split())
    assert "Cuando el mieloma vuelve" not in text


def test_a_body_without_a_length_is_cut_off_at_the_size_cap(site: dict) -> None:
    """A chunked upload names no Content-Length: it is counted as it arrives, refused past 4 MB."""
    def chunks() -> Iterator[bytes]:
        for _ in range(6):
            yield b"a" * 1_000_000

    answer = site["translator"].client.post(
        "/login", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413 and "request too large" in answer.text
    assert site["translator"].get("/translate").status_code == 200
