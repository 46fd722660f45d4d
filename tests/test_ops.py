"""Rate limiting, metrics, catalog hot reload (HTTP and SIGHUP) and graceful shutdown."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient
from tests_support import free_port

from router.api.app import create_app
from router.loader import Catalog
from router.settings import PROJECT_ROOT, Settings

KEY = "test-admin-key-0123456789"


def make_client(catalog: Catalog, tmp_path: Path, **extra: object) -> TestClient:  # type: ignore[type-arg]
    settings = Settings(db=str(tmp_path / "r.db"), **extra)  # type: ignore[arg-type]
    return TestClient(create_app(settings, catalog))


def test_rate_limit_answers_429_problem_with_headers(catalog: Catalog, tmp_path: Path) -> None:
    with make_client(catalog, tmp_path, rate_limit=3) as client:
        ok = [client.get("/v1/failures") for _ in range(3)]
        assert all(r.status_code == 200 for r in ok)
        assert ok[0].headers["ratelimit-limit"] == "3"
        limited = client.get("/v1/failures")
        assert limited.status_code == 429
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert limited.json()["title"] == "Too many requests"
        assert "ratelimit-reset" in limited.headers
        # another API key has its own bucket; health checks are never limited
        other = client.get("/v1/failures", headers={"authorization": "Bearer someone-else"})
        assert other.status_code == 200
        assert client.get("/healthz").status_code == 200


def test_rate_limit_zero_disables_it(catalog: Catalog, tmp_path: Path) -> None:
    with make_client(catalog, tmp_path, rate_limit=0) as client:
        assert all(client.get("/v1/failures").status_code == 200 for _ in range(20))


def test_metrics_group_paths_and_stay_out_of_the_schema(catalog: Catalog, tmp_path: Path) -> None:
    with make_client(catalog, tmp_path, rate_limit=0) as client:
        client.get("/v1/vendors/luma")
        client.get("/v1/vendors/runway")
        text = client.get("/metrics").text
        assert "ava_router_requests_total" in text
        assert 'path="/v1/vendors/{vendor_id}"' in text
        assert 'path="/v1/vendors/luma"' not in text
        assert "/metrics" not in client.get("/schema/openapi.json").json()["paths"]


def copy_catalog(dest: Path) -> Path:
    for name in ("vendors", "catalog"):
        shutil.copytree(PROJECT_ROOT / name, dest / name)
    return dest


def test_admin_reload_swaps_a_good_catalog_and_refuses_a_broken_one(tmp_path: Path) -> None:
    root = copy_catalog(tmp_path / "root")
    settings = Settings(root=root, db=str(tmp_path / "r.db"), api_keys=(KEY,), rate_limit=0)
    auth = {"authorization": f"Bearer {KEY}"}
    with TestClient(create_app(settings)) as client:
        before = client.get("/healthz").json()["catalog_version"]
        assert client.post("/v1/admin/reload").status_code == 401
        luma = root / "vendors" / "luma.yaml"
        luma.write_text(luma.read_text().replace("name: Luma AI", "name: Luma AI Inc.", 1))
        res = client.post("/v1/admin/reload", headers=auth)
        assert res.status_code == 200, res.text
        after = res.json()["catalog_version"]
        assert after != before
        assert client.get("/healthz").json()["catalog_version"] == after
        luma.write_text("models: [unclosed")
        res = client.post("/v1/admin/reload", headers=auth)
        assert res.status_code == 422
        body = res.json()
        assert any("vendors/luma.yaml" in e["field"] for e in body["errors"])
        assert client.get("/healthz").json()["catalog_version"] == after
        assert client.get("/v1/vendors/luma").status_code == 200


def start_server(root: Path, tmp_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "AVA_ROUTER_ROOT": str(root),
        "AVA_ROUTER_DB": str(tmp_path / "s.db"),
        "AVA_ROUTER_RATE_LIMIT": "0",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as sink:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "router", "serve", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    pytest.fail("server did not start: " + log.read_text())


def test_sighup_reloads_the_catalog(tmp_path: Path) -> None:
    root = copy_catalog(tmp_path / "root")
    proc, base = start_server(root, tmp_path)
    try:
        before = httpx.get(base + "/healthz").json()["catalog_version"]
        luma = root / "vendors" / "luma.yaml"
        luma.write_text(luma.read_text().replace("name: Luma AI", "name: Luma AI Inc.", 1))
        proc.send_signal(signal.SIGHUP)
        for _ in range(100):
            if httpx.get(base + "/healthz").json()["catalog_version"] != before:
                break
            time.sleep(0.1)
        else:
            pytest.fail("SIGHUP did not reload the catalog")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_graceful_shutdown_finishes_in_flight_requests(tmp_path: Path) -> None:
    proc, base = start_server(PROJECT_ROOT, tmp_path)
    shots = [
        {"prompt": f"a dog runs on the beach, shot {i}, then turns around"} for i in range(10_000)
    ]
    result: dict[str, object] = {}

    def call() -> None:
        res = httpx.post(base + "/v1/route/batch", json=shots, timeout=60)
        result["status"] = res.status_code
        result["count"] = len(res.json()["results"])

    worker = threading.Thread(target=call)
    worker.start()
    time.sleep(0.5)  # the batch is being routed now
    proc.send_signal(signal.SIGTERM)
    worker.join(timeout=60)
    # uvicorn drains, then re-raises the captured SIGTERM: -15 after a clean drain is expected
    assert proc.wait(timeout=30) in {0, -signal.SIGTERM}
    assert result == {"status": 200, "count": 10_000}
