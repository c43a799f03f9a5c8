"""HTTP API of the fault proxy: status codes, error bodies, populate and reset rules."""

from collections.abc import Iterator

import httpx
import pytest

from chaos.faultproxy.client import FaultProxyClient, FaultProxyError, Proxy
from chaos.faultproxy.process import FaultProxyProcess
from tests.faultproxy.upstreams import connect, is_refused, recv_exactly, round_trip_s

REQUEST_ID = "X-Toxiproxy-Request-Id"


@pytest.fixture
def http(fault_proxy: FaultProxyProcess, client: FaultProxyClient) -> Iterator[httpx.Client]:
    """Raw HTTP client, for checking status codes and bodies exactly."""
    with httpx.Client(base_url=fault_proxy.api_url, timeout=10.0) as raw:
        yield raw


def assert_error(response: httpx.Response, status: int, *fragments: str) -> None:
    """Check a Toxiproxy error body: status, JSON shape and words of the message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    for fragment in fragments:
        assert fragment in body["error"], body["error"]


def test_version_and_request_ids(http: httpx.Client) -> None:
    first = http.get("/version")
    second = http.get("/version")

    assert first.status_code == 200
    assert first.json() == {"version": "2.12.0-compatible"}
    assert first.text.endswith("\n")
    assert first.headers[REQUEST_ID]
    assert first.headers[REQUEST_ID] != second.headers[REQUEST_ID]


def test_browser_user_agent_is_rejected(http: httpx.Client) -> None:
    response = http.get("/proxies", headers={"User-Agent": "Mozilla/5.0 (X11)"})

    assert_error(response, 403, "user agent")
    assert response.headers[REQUEST_ID]


def test_unknown_path_and_method(http: httpx.Client) -> None:
    assert_error(http.get("/nothing"), 404, "/nothing")
    assert_error(http.put("/proxies"), 405, "PUT")
    assert http.get("/nothing").headers[REQUEST_ID]


def test_create_proxy_status_and_body(http: httpx.Client, echo_address: str) -> None:
    response = http.post(
        "/proxies", json={"name": "api_a", "upstream": echo_address, "listen": "127.0.0.1:0"}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "api_a"
    assert body["upstream"] == echo_address
    assert body["enabled"] is True
    assert body["toxics"] == []
    host, port = body["listen"].rsplit(":", 1)
    assert host == "127.0.0.1"
    assert int(port) > 0


def test_create_proxy_errors(http: httpx.Client, echo_address: str) -> None:
    proxy = {"name": "api_b", "upstream": echo_address, "listen": "127.0.0.1:0"}
    assert http.post("/proxies", json=proxy).status_code == 201

    assert_error(http.post("/proxies", json=proxy), 409, "already exists")
    assert_error(http.post("/proxies", json={"upstream": echo_address}), 400, "name")
    assert_error(http.post("/proxies", json={"name": "api_c"}), 400, "upstream")
    assert_error(http.post("/proxies", content=b"{not json"), 400, "bad request body")
    bad_listen = {"name": "api_d", "upstream": echo_address, "listen": "nowhere"}
    assert_error(http.post("/proxies", json=bad_listen), 400, "listen", "'nowhere'")


def test_create_proxy_port_in_use_is_500(http: httpx.Client, echo_address: str) -> None:
    first = http.post("/proxies", json={"name": "api_e", "upstream": echo_address}).json()
    clash = {"name": "api_f", "upstream": echo_address, "listen": first["listen"]}

    assert_error(http.post("/proxies", json=clash), 500, "failed to listen")
    assert http.get("/proxies/api_f").status_code == 404


def test_get_list_delete_proxy(http: httpx.Client, echo_address: str) -> None:
    http.post("/proxies", json={"name": "api_g", "upstream": echo_address})

    listed = http.get("/proxies")
    assert listed.status_code == 200
    assert list(listed.json()) == ["api_g"]
    assert listed.json()["api_g"]["upstream"] == echo_address
    assert http.get("/proxies/api_g").json()["name"] == "api_g"
    assert_error(http.get("/proxies/missing"), 404, "proxy not found")

    deleted = http.delete("/proxies/api_g")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_error(http.delete("/proxies/api_g"), 404, "proxy not found")


def test_patch_keeps_omitted_fields(http: httpx.Client, echo_address: str) -> None:
    created = http.post("/proxies", json={"name": "api_h", "upstream": echo_address}).json()

    disabled = http.patch("/proxies/api_h", json={"enabled": False})
    assert disabled.status_code == 200
    assert disabled.json()["enabled"] is False
    assert disabled.json()["listen"] == created["listen"]
    assert disabled.json()["upstream"] == echo_address

    # POST is the deprecated spelling of PATCH and must still work.
    enabled = http.post("/proxies/api_h", json={"enabled": True})
    assert enabled.status_code == 200
    assert enabled.json()["enabled"] is True
    assert_error(http.patch("/proxies/missing", json={"enabled": True}), 404, "proxy not found")
    assert_error(http.patch("/proxies/api_h", json={"enabled": "no"}), 400, "enabled")


def test_patch_listen_restarts_proxy(client: FaultProxyClient, echo_address: str) -> None:
    proxy = client.create_proxy("api_i", echo_address)
    old_address = proxy.listen_address

    with connect(old_address) as live:
        assert round_trip_s(live) < 1.0
        proxy.update(listen="127.0.0.1:0")

        # The restart drops the live connection: EOF or a reset, never an echo.
        try:
            live.sendall(b"x")
            dropped = live.recv(1) == b""
        except ConnectionError:
            dropped = True
        assert dropped

    new_address = proxy.listen_address
    assert new_address != old_address
    assert is_refused(old_address)
    with connect(new_address) as fresh:
        assert round_trip_s(fresh) < 1.0


def test_toxic_create_defaults(http: httpx.Client, echo_address: str) -> None:
    http.post("/proxies", json={"name": "api_j", "upstream": echo_address})

    response = http.post("/proxies/api_j/toxics", json={"type": "latency"})

    assert response.status_code == 200
    assert response.json() == {
        "name": "latency_downstream",
        "type": "latency",
        "stream": "downstream",
        "toxicity": 1.0,
        "attributes": {"latency": 0, "jitter": 0},
    }


def test_toxic_list_get_order(http: httpx.Client, echo_address: str) -> None:
    http.post("/proxies", json={"name": "api_k", "upstream": echo_address})
    http.post("/proxies/api_k/toxics", json={"type": "latency", "name": "d1"})
    http.post("/proxies/api_k/toxics", json={"type": "slicer", "stream": "upstream", "name": "u1"})
    http.post("/proxies/api_k/toxics", json={"type": "bandwidth", "name": "d2"})

    listed = http.get("/proxies/api_k/toxics")
    assert listed.status_code == 200
    assert [toxic["name"] for toxic in listed.json()] == ["u1", "d1", "d2"]
    assert [t["name"] for t in http.get("/proxies/api_k").json()["toxics"]] == ["u1", "d1", "d2"]
    assert http.get("/proxies/api_k/toxics/u1").json()["stream"] == "upstream"
    assert_error(http.get("/proxies/api_k/toxics/none"), 404, "toxic not found")
    assert_error(http.get("/proxies/missing/toxics"), 404, "proxy not found")
    assert_error(http.post("/proxies/missing/toxics", json={"type": "latency"}), 404, "proxy")


def test_toxic_create_errors(http: httpx.Client, echo_address: str) -> None:
    http.post("/proxies", json={"name": "api_l", "upstream": echo_address})
    http.post("/proxies/api_l/toxics", json={"type": "latency", "name": "shared"})

    duplicate = {"type": "timeout", "stream": "upstream", "name": "shared"}
    assert_error(http.post("/proxies/api_l/toxics", json=duplicate), 409, "already exists")
    assert_error(
        http.post("/proxies/api_l/toxics", json={"type": "lag"}), 400, "invalid toxic type"
    )
    sideways = {"type": "latency", "stream": "sideways"}
    assert_error(http.post("/proxies/api_l/toxics", json=sideways), 400, "invalid stream")
    negative = {"type": "latency", "attributes": {"latency": -5}}
    assert_error(http.post("/proxies/api_l/toxics", json=negative), 400, "latency=-5", ">= 0")
    text = {"type": "bandwidth", "attributes": {"rate": "fast"}}
    assert_error(http.post("/proxies/api_l/toxics", json=text), 400, "rate", "integer")
    unknown = {"type": "latency", "attributes": {"latncy": 5}}
    assert_error(http.post("/proxies/api_l/toxics", json=unknown), 400, "'latncy'")
    wide = {"type": "slicer", "attributes": {"average_size": 10, "size_variation": 10}}
    assert_error(http.post("/proxies/api_l/toxics", json=wide), 400, "size_variation=10")
    toxicity = {"type": "latency", "name": "t", "toxicity": 1.5}
    assert_error(http.post("/proxies/api_l/toxics", json=toxicity), 400, "toxicity 1.5")
    assert_error(http.post("/proxies/api_l/toxics", json={}), 400, "missing required field: type")


def test_toxic_update_merges(http: httpx.Client, echo_address: str) -> None:
    http.post("/proxies", json={"name": "api_m", "upstream": echo_address})
    body = {"type": "latency", "attributes": {"latency": 100, "jitter": 10}}
    http.post("/proxies/api_m/toxics", json=body)

    patched = http.patch(
        "/proxies/api_m/toxics/latency_downstream",
        json={"attributes": {"latency": 250}, "toxicity": 0.5},
    )
    assert patched.status_code == 200
    assert patched.json()["attributes"] == {"latency": 250, "jitter": 10}
    assert patched.json()["toxicity"] == 0.5

    posted = http.post("/proxies/api_m/toxics/latency_downstream", json={"attributes": {}})
    assert posted.status_code == 200
    assert posted.json()["attributes"] == {"latency": 250, "jitter": 10}

    path = "/proxies/api_m/toxics/latency_downstream"
    assert_error(http.patch(path, json={"type": "timeout"}), 400, "cannot change type")
    assert_error(http.patch(path, json={"attributes": {"jitter": -1}}), 400, "jitter=-1")
    assert_error(http.patch("/proxies/api_m/toxics/none", json={}), 404, "toxic not found")


def test_toxic_delete(http: httpx.Client, echo_address: str) -> None:
    http.post("/proxies", json={"name": "api_n", "upstream": echo_address})
    http.post("/proxies/api_n/toxics", json={"type": "latency"})

    deleted = http.delete("/proxies/api_n/toxics/latency_downstream")
    assert deleted.status_code == 204
    assert http.get("/proxies/api_n/toxics").json() == []
    assert_error(http.delete("/proxies/api_n/toxics/latency_downstream"), 404, "toxic not found")


def test_populate_creates_and_keeps(http: httpx.Client, echo_address: str) -> None:
    proxies = [
        {"name": "pop_a", "upstream": echo_address, "listen": "127.0.0.1:0"},
        {"name": "pop_b", "upstream": echo_address, "listen": "127.0.0.1:0", "enabled": False},
    ]
    created = http.post("/populate", json=proxies)
    assert created.status_code == 201
    by_name = {proxy["name"]: proxy for proxy in created.json()["proxies"]}
    assert set(by_name) == {"pop_a", "pop_b"}
    assert by_name["pop_b"]["enabled"] is False

    # Same listen and upstream: the proxy is kept, so a live connection survives.
    listen_a = by_name["pop_a"]["listen"]
    host, port = listen_a.rsplit(":", 1)
    with connect((host, int(port))) as live:
        again = [{"name": "pop_a", "upstream": echo_address, "listen": listen_a}]
        repopulated = http.post("/populate", json=again)
        assert repopulated.status_code == 201
        assert repopulated.json()["proxies"][0]["listen"] == listen_a
        assert round_trip_s(live) < 1.0

    # A different upstream replaces it.
    moved = [{"name": "pop_a", "upstream": "127.0.0.1:9", "listen": listen_a}]
    replaced = http.post("/populate", json=moved)
    assert replaced.status_code == 201
    assert http.get("/proxies/pop_a").json()["upstream"] == "127.0.0.1:9"


def test_populate_errors(http: httpx.Client, echo_address: str) -> None:
    invalid = [{"name": "pop_c", "upstream": echo_address}, {"name": "pop_d"}]
    rejected = http.post("/populate", json=invalid)
    assert_error(rejected, 400, "missing required field: upstream")
    assert rejected.json()["proxies"] == []
    assert http.get("/proxies/pop_c").status_code == 404

    first = http.post("/proxies", json={"name": "pop_e", "upstream": echo_address}).json()
    clash = [
        {"name": "pop_f", "upstream": echo_address},
        {"name": "pop_g", "upstream": echo_address, "listen": first["listen"]},
    ]
    partial = http.post("/populate", json=clash)
    assert_error(partial, 500, "failed to listen")
    assert [proxy["name"] for proxy in partial.json()["proxies"]] == ["pop_f"]
    assert_error(http.post("/populate", json={"name": "x"}), 400, "JSON array")


def test_reset_enables_and_clears(
    client: FaultProxyClient, http: httpx.Client, echo_address: str
) -> None:
    proxy = client.create_proxy("api_o", echo_address)
    proxy.add_toxic("latency", {"latency": 500})
    proxy.add_toxic("timeout", {"timeout": 0}, stream="upstream")
    proxy.disable()
    assert is_refused(proxy.listen_address)

    response = http.post("/reset")

    assert response.status_code == 204
    state = proxy.refresh()
    assert state.enabled is True
    assert state.toxics == ()
    with connect(proxy.listen_address) as sock:
        assert round_trip_s(sock) < 0.4


def test_client_raises_with_status(client: FaultProxyClient) -> None:
    with pytest.raises(FaultProxyError) as raised:
        client.get_proxy("missing")

    assert raised.value.status == 404
    assert "proxy not found" in raised.value.message


class BlockFailedError(Exception):
    """Raised inside a ``with`` block to check that the context manager still cleans up."""


def fail_inside_toxic(proxy: Proxy) -> None:
    with proxy.toxic("latency", {"latency": 10}) as toxic:
        assert toxic.name == "latency_downstream"
        assert [t.name for t in proxy.toxics()] == ["latency_downstream"]
        raise BlockFailedError


def fail_while_down(proxy: Proxy) -> None:
    with proxy.down():
        assert is_refused(proxy.listen_address)
        raise BlockFailedError


def test_client_context_managers_clean_up(client: FaultProxyClient, echo_address: str) -> None:
    proxy = client.create_proxy("api_p", echo_address)

    with pytest.raises(BlockFailedError):
        fail_inside_toxic(proxy)
    assert proxy.toxics() == []

    with pytest.raises(BlockFailedError):
        fail_while_down(proxy)
    assert proxy.refresh().enabled is True
    with connect(proxy.listen_address) as sock:
        sock.sendall(b"abc")
        assert recv_exactly(sock, 3) == b"abc"
