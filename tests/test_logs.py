"""Structured logs: JSON lines, extras kept, and a served request never logs its prompt."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from tests_support import free_port

from router.logs import JsonFormatter
from router.settings import PROJECT_ROOT

SECRET_PROMPT = "a secret prompt about purple giraffes 7f3a"


def test_formatter_writes_one_json_object_with_extras() -> None:
    record = logging.LogRecord(
        "router.ops", logging.INFO, __file__, 1, "reloaded %s", ("v2",), None
    )
    record.catalog_version = "v2"
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["message"] == "reloaded v2"
    assert entry["level"] == "info"
    assert entry["logger"] == "router.ops"
    assert entry["catalog_version"] == "v2"
    assert "\n" not in line


def test_server_logs_are_json_and_never_contain_the_prompt(tmp_path: Path) -> None:

    port = free_port()
    env = {**os.environ, "AVA_ROUTER_DB": str(tmp_path / "r.db"), "AVA_ROUTER_RATE_LIMIT": "0"}
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "router", "serve", "--port", str(port)],
            env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert httpx.post(base + "/v1/route", json={"prompt": SECRET_PROMPT}).status_code == 200
        assert httpx.post(base + "/v1/analyze", json={"prompt": 42}).status_code == 400
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    text = log.read_text()
    assert SECRET_PROMPT not in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "the server wrote no log lines"
    for line in lines:
        assert isinstance(json.loads(line), dict), line
