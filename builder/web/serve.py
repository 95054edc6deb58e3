"""`handout serve` and `handout user add`: the thin commands over the web app."""

from __future__ import annotations

from pathlib import Path

from builder.errors import ConfigError, UsageError
from builder.project import Project
from builder.web.app import Settings, is_loopback


def _database(project: Project, url: str | None) -> Settings:
    return Settings(project=project, database_url=url or "")


def add_account(project: Project, url: str | None, name: str, password: str, admin: bool,
                translator: bool = False) -> None:
    from builder.web.db import make_engine, migrate, sessions
    from builder.web.security import AccountError, add_user

    settings = _database(project, url)
    engine = make_engine(settings.database_url)
    migrate(engine)
    with sessions(engine)() as db:
        try:
            add_user(db, name, password, admin, translator)
        except AccountError as exc:
            raise UsageError(f"handout user add: {exc}") from None


def serve(project: Project, host: str, port: int, url: str | None, workers: int) -> None:
    import uvicorn

    from builder.web.app import create_app
    from builder.web.db import has_admin
    from builder.web.renderer import share_the_interpreter

    settings = Settings(project=project, database_url=url or "", workers=workers)
    app = create_app(settings)
    if not is_loopback(host):
        with app.state.web.sessions() as db:
            if not has_admin(db):
                raise ConfigError(f"--host {host}: other machines could reach this server before "
                                  "anyone has an account: first run 'handout user add NAME "
                                  "--admin', or serve on 127.0.0.1 and create it in the browser")
    share_the_interpreter()
    print(f"handout: serving on http://{host}:{port}/ (database {_shown(settings.database_url)})")
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)


def _shown(url: str) -> str:
    if url.startswith("sqlite:///"):
        return str(Path(url.removeprefix("sqlite:///")))
    return url.rsplit("@", maxsplit=1)[-1]  # never print a password
