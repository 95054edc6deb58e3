"""`handout preview`: command-line errors before anything is served; a loopback-only server."""

from __future__ import annotations

import socket
from pathlib import Path

from .test_preview_core import TOPIC


def test_bad_command_lines_fail_before_serving(project: Path, handout) -> None:  # type: ignore[no-untyped-def]
    run = handout("preview", "--lang", "xx", "--topic", TOPIC)
    assert run.code == 2 and "--lang" in run.err
    run = handout("preview", "--lang", "fr", "--topic", "no-such-topic")
    assert run.code == 2 and "error: --topic: unknown topic 'no-such-topic'" in run.err
    run = handout("preview", "--lang", "fr", "--topic", TOPIC, "--bundle", "new-relapse")
    assert run.code == 2
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = str(taken.getsockname()[1])
        run = handout("preview", "--lang", "fr", "--topic", TOPIC, "--port", port)
        assert run.code == 2 and f"--port {port}: already in use" in run.err
    (project / "content" / f"{TOPIC}.yaml").write_text("id: [", encoding="utf-8")
    run = handout("preview", "--lang", "fr", "--topic", TOPIC)
    assert run.code == 3 and f"content/{TOPIC}.yaml:" in run.err


def test_the_stand_alone_server_answers_only_to_this_machine(project: Path) -> None:
    from fastapi.testclient import TestClient

    from builder.preview.hub import Hub
    from builder.preview.server import create_app
    from builder.project import Project

    proj = Project(project)
    clinic = proj.templates / "clinic" / "demo.yaml"
    hub = Hub(proj, watch=False)
    hub.default_lang = "fr"
    app = create_app(proj, clinic, hub=hub)
    with TestClient(app, base_url="http://127.0.0.1:8001") as client:
        index = client.get("/")
        assert index.status_code == 200
        assert f'href="/preview/fr/{TOPIC}/easy"' in index.text
        page = client.get(f"/preview/fr/{TOPIC}/easy")
        assert page.status_code == 200 and "frame-ancestors 'none'" in \
            page.headers["content-security-policy"]
        # A web page elsewhere cannot reach it through a name that points at 127.0.0.1.
        assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400
    start = create_app(proj, clinic, start=f"/preview/fr/{TOPIC}/easy", hub=Hub(proj, watch=False))
    with TestClient(start, base_url="http://localhost:8001", follow_redirects=False) as client:
        assert client.get("/").headers["location"] == f"/preview/fr/{TOPIC}/easy"
