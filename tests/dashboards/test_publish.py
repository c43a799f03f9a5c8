"""``python -m dashboards.publish`` against a fake Grafana HTTP API.

Grafana itself cannot be installed on the test machines, so these tests start a small HTTP
server on 127.0.0.1 that implements the three endpoints the command calls
(GET /api/folders/<uid>, POST /api/folders, POST /api/dashboards/db) and records each request.
"""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from dashboards.publish import PublishError, main, run
from tests.dashboards.dashboard_json import load_generated

TOKEN = "test-token-123"


@dataclass
class FakeGrafana:
    """Requests the fake server received and the folders it holds."""

    url: str
    folders: set[str] = field(default_factory=set)
    requests: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)


def _handler(state: FakeGrafana) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length", "0"))
            body: dict[str, Any] = json.loads(self.rfile.read(length)) if length else {}
            auth = self.headers.get("Authorization", "")
            state.requests.append((self.command, self.path, auth, body))
            return body

        def do_GET(self) -> None:
            self._record()
            uid = self.path.removeprefix("/api/folders/")
            if self.path.startswith("/api/folders/") and uid in state.folders:
                self._reply(200, {"uid": uid, "title": "folder"})
            else:
                self._reply(404, {"message": "folder not found"})

        def do_POST(self) -> None:
            body = self._record()
            if self.path == "/api/folders":
                state.folders.add(body["uid"])
                self._reply(200, {"uid": body["uid"], "title": body["title"]})
            elif self.path == "/api/dashboards/db":
                uid = body["dashboard"]["uid"]
                self._reply(200, {"status": "success", "uid": uid, "version": 1})
            else:
                self._reply(404, {"message": "not found"})

    return Handler


@pytest.fixture
def fake_grafana() -> Iterator[FakeGrafana]:
    state = FakeGrafana(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    yield state

    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_publish_creates_folder_and_dashboards(
    fake_grafana: FakeGrafana, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAFANA_TEST_TOKEN", TOKEN)

    published = run(["--url", fake_grafana.url, "--token-env", "GRAFANA_TEST_TOKEN"])

    expected_uids = sorted(dashboard["uid"] for dashboard in load_generated().values())
    assert sorted(published) == expected_uids

    methods_and_paths = [(method, path) for method, path, _, _ in fake_grafana.requests]
    assert methods_and_paths[:2] == [
        ("GET", "/api/folders/serving-chaos"),
        ("POST", "/api/folders"),
    ]
    assert methods_and_paths[2:] == [("POST", "/api/dashboards/db")] * len(expected_uids)

    for _, _, auth, _ in fake_grafana.requests:
        assert auth == f"Bearer {TOKEN}"

    for _, _, _, body in fake_grafana.requests[2:]:
        assert body["overwrite"] is True
        assert body["folderUid"] == "serving-chaos"
        assert body["dashboard"]["id"] is None
        assert body["dashboard"]["panels"]


def test_publish_reuses_existing_folder(
    fake_grafana: FakeGrafana, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAFANA_TEST_TOKEN", TOKEN)
    fake_grafana.folders.add("team-folder")

    run(
        [
            "--url",
            fake_grafana.url,
            "--token-env",
            "GRAFANA_TEST_TOKEN",
            "--folder-uid",
            "team-folder",
        ]
    )

    folder_posts = [r for r in fake_grafana.requests if r[:2] == ("POST", "/api/folders")]
    assert folder_posts == []


def test_publish_without_url_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAFANA_TEST_TOKEN", TOKEN)

    with pytest.raises(PublishError, match="missing --url"):
        run(["--token-env", "GRAFANA_TEST_TOKEN"])


def test_publish_without_token_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRAFANA_TEST_TOKEN", raising=False)

    with pytest.raises(PublishError, match="GRAFANA_TEST_TOKEN is missing or empty"):
        run(["--url", "http://127.0.0.1:9", "--token-env", "GRAFANA_TEST_TOKEN"])

    with pytest.raises(PublishError, match="missing --token-env"):
        run(["--url", "http://127.0.0.1:9"])


def test_publish_main_exits_2_on_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--token-env", "GRAFANA_TEST_TOKEN"])

    assert exit_info.value.code == 2
    assert "missing --url" in capsys.readouterr().err
