"""The web panel, served by the real API and driven in headless Chromium (Debian's package).

The browser tests start uvicorn on 127.0.0.1 and a free port, then type into the page the way a
user does. They need `/usr/bin/chromium` (or `AVA_ROUTER_CHROMIUM`) and the `playwright` package;
without them they skip, unless `AVA_ROUTER_REQUIRE_BROWSER=1` makes a missing browser a failure.
Screenshots go to `artifacts/` (gitignored) for CI to keep.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
from litestar import Litestar
from litestar.testing import TestClient

from router.api import web_routes
from router.api.app import create_app
from router.loader import Catalog
from router.settings import PROJECT_ROOT, Settings

CHROMIUM = Path(os.environ.get("AVA_ROUTER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "artifacts"
PROMPT = (
    "A skateboarder rolls down a street at sunset, then turns around and rides back "
    "while the camera orbits him; close-up of his hands gripping the board"
)
WAIT_MS = 15_000


# ---------------------------------------------------------------- static routes (no browser)


def test_page_and_assets_are_served_with_csp() -> None:
    tiny = Litestar(route_handlers=web_routes.ROUTES)
    with TestClient(tiny) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        html = page.text
        assert '<script src="/static/panel.js"' in html
        assert "<script>" not in html and "style=" not in html  # CSP forbids inline code
        js = client.get("/static/panel.js")
        assert js.status_code == 200
        assert js.headers["content-type"].startswith("text/javascript")
        assert ".innerHTML" not in js.text  # user text goes through textContent only
        assert client.get("/static/panel.css").headers["content-type"].startswith("text/css")
        assert client.get("/static/index.html").status_code == 404
        assert client.get("/static/..%2Fapi%2Fapp.py").status_code == 404
        paths = client.get("/schema/openapi.json").json().get("paths", {})
        assert "/" not in paths and not any(p.startswith("/static") for p in paths)


def test_page_carries_security_headers_and_stays_out_of_the_schema(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    if not _has_route(client.app, "/"):
        pytest.skip("router.api.app does not mount web_routes.ROUTES yet")
    res = client.get("/")
    assert res.status_code == 200
    assert "default-src 'self'" in res.headers["content-security-policy"]
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert "/" not in paths and not any(p.startswith("/static") for p in paths)


# ---------------------------------------------------------------- live server and browser


def _has_route(app: Litestar, path: str) -> bool:
    return any(route.path == path for route in app.routes)


def _mount_missing(app: Litestar) -> None:
    """Until the app factory mounts the panel (and graph) routes, mount them for this server."""
    if not _has_route(app, "/"):
        for handler in web_routes.ROUTES:
            app.register(handler)
    if not _has_route(app, "/v1/failures/{failure_id:str}/related"):
        try:
            from router.api import graph_routes
        except ImportError:  # the panel falls back to the direct relations
            return
        for router in graph_routes.ROUTES:
            app.register(router)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(catalog: Catalog) -> Iterator[str]:
    app = create_app(Settings(), catalog)
    _mount_missing(app)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def expect(target: Any) -> Any:
    """Playwright's retrying assertion, imported late so this module loads without playwright."""
    from playwright.sync_api import expect as pw_expect

    pw_expect.set_options(timeout=WAIT_MS)
    return pw_expect(target)


def _need_browser(reason: str) -> None:
    if os.environ.get("AVA_ROUTER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (AVA_ROUTER_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # The page's CSP forbids eval, so the tests wait with locator assertions, never
    # wait_for_function (which evaluates a string in the page).
    if not CHROMIUM.exists():
        _need_browser(
            f"{CHROMIUM} is missing: install Debian's browser with `apt-get install -y chromium`"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need_browser("the playwright package is missing: pip install -e '.[test]'")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class PageErrors:
    """Console errors and uncaught exceptions (CSP violations show up here)."""

    def __init__(self, page: Any) -> None:
        self.messages: list[str] = []
        page.on("console", lambda m: self.messages.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.messages.append(str(e)))


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    context.set_default_timeout(WAIT_MS)
    tab = context.new_page()
    tab.errors = PageErrors(tab)
    yield tab
    context.close()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _open(page: Any, base_url: str, query: dict[str, str] | None = None) -> None:
    page.goto(base_url + "/" + (f"?{urlencode(query)}" if query else ""))
    expect(page.locator("#vendor option").nth(1)).to_be_attached()


def _wait_results(page: Any) -> None:
    page.wait_for_selector("#results:not([hidden]) #candidates li.cand")
    expect(page.locator("#results")).to_have_attribute("aria-busy", "false")


def _api(base_url: str, path: str, body: dict[str, Any]) -> Any:
    res = httpx.post(base_url + path, json=body, timeout=30)
    assert res.status_code == 200, res.text
    return res.json()


def test_typing_shows_highlights_lights_and_ranked_tools(page: Any, base_url: str) -> None:
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.url) if r.url.endswith("/v1/preflight") else None)
    _open(page, base_url)
    page.select_option("#vendor", "luma")
    page.fill("#duration", "9")
    page.locator("#prompt").press_sequentially(PROMPT, delay=4)
    page.wait_for_selector("#highlighted mark")
    _wait_results(page)
    expect(page.locator("#status")).to_contain_text("ranked")

    # Debounce: far fewer pre-flight calls than keystrokes.
    assert 1 <= len(posted) < len(PROMPT) / 4

    want = _api(base_url, "/v1/preflight", {"prompt": PROMPT, "vendor": "luma", "duration_s": 9})
    marks = page.locator("#highlighted mark").all_inner_texts()
    assert marks and all(m and m in PROMPT for m in marks)
    assert any("orbit" in m for m in marks)
    assert page.locator("#highlighted").inner_text().replace("  (no trigger words)", "") == PROMPT

    flagged = [c for c in want["classes"] if c["level"] != "green"]
    shown = page.locator("#classes li.cls")
    assert shown.count() == len(flagged) > 0
    for i, cls in enumerate(flagged):
        item = shown.nth(i)
        assert item.get_attribute("data-failure") == cls["failure_id"]
        badge = item.locator(".badge").inner_text()
        assert badge.strip() == cls["level"].capitalize()  # a text label, not colour alone
        if cls["rewrite"]:
            assert cls["rewrite"][0] in item.locator(".advice").inner_text()
    assert page.locator("#overall .badge").inner_text().startswith(want["light"].capitalize())

    route = _api(base_url, "/v1/route", {"prompt": PROMPT, "duration_s": 9, "top_k": 5})
    cands = page.locator("#candidates li.cand")
    assert [cands.nth(i).get_attribute("data-model") for i in range(cands.count())] == [
        c["model"] for c in route["candidates"]
    ]
    first = cands.first.inner_text()
    assert "Cost" in first and "risk" in first

    # "Check on this model" switches the pickers and re-runs the pre-flight for that model.
    other = cands.nth(1)
    model, vendor = other.get_attribute("data-model"), other.get_attribute("data-vendor")
    name = other.locator(".cand-model").inner_text()
    other.get_by_role("button").click()
    expect(page.locator("#overall")).to_contain_text(f"· {name}")
    assert (page.input_value("#vendor"), page.input_value("#model")) == (vendor, model)
    expect(page.locator(f'#candidates li.cand.current[data-model="{model}"]')).to_be_visible()
    assert not page.errors.messages
    _shot(page, "panel-desktop.png")


def test_stale_answers_never_overwrite_newer_ones(page: Any, base_url: str) -> None:
    held: list[Any] = []

    def hold_first(route: Any) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)  # answer the first pre-flight only after the second one

    page.route("**/v1/preflight", hold_first)
    _open(page, base_url, {"vendor": "luma"})
    page.fill("#prompt", "A dog runs along a beach")
    page.wait_for_timeout(600)
    assert held
    newer = "A cat sleeps on a red chair"
    page.fill("#prompt", newer)
    _wait_results(page)
    with contextlib.suppress(Exception):  # the page has aborted it already
        held[0].continue_()
    page.wait_for_timeout(300)
    assert page.locator("#highlighted").inner_text().startswith(newer)
    assert page.locator("#error").is_hidden()


def test_highlights_use_utf16_spans_after_emoji(page: Any, base_url: str) -> None:
    prompt = "🎬🎬 Ein Hund 🐕 runs fast; the camera pans left past a red car"
    _open(page, base_url, {"prompt": prompt, "vendor": "runway"})
    _wait_results(page)
    analysis = _api(base_url, "/v1/analyze", {"prompt": prompt})
    # Python spans count code points; every mark must be one of those exact slices or a piece.
    pieces = {prompt[a:b] for f in analysis["features"] for a, b in f["spans"]}
    marks = page.locator("#highlighted mark").all_inner_texts()
    assert marks
    assert all(any(m in p for p in pieces) for m in marks), (marks, pieces)
    assert any("pan" in m for m in marks)


def test_deep_link_prefills_and_runs(page: Any, base_url: str) -> None:
    vendors = httpx.get(base_url + "/v1/vendors", timeout=30).json()["vendors"]
    vendor = next(v for v in vendors if v["id"] == "kling")
    model = vendor["models"][-1]
    _open(
        page,
        base_url,
        {"prompt": "A red fox leaps over a log", "vendor": "kling", "model": model["id"]},
    )
    _wait_results(page)
    assert page.input_value("#prompt") == "A red fox leaps over a log"
    assert page.input_value("#vendor") == "kling"
    assert page.input_value("#model") == model["id"]
    assert model["name"] in page.locator("#overall").inner_text()
    assert page.locator("#error").is_hidden()


def test_api_errors_become_readable_messages(page: Any, base_url: str) -> None:
    _open(page, base_url, {"vendor": "luma"})
    page.fill("#prompt", "x" * 10_001)  # over the 10,000-character limit
    page.wait_for_selector("#error:not([hidden])")
    text = page.locator("#error").inner_text()
    assert "Invalid request" in text and "prompt" in text
    assert page.locator("#results").is_hidden()

    page.route("**/v1/route", lambda route: route.abort())
    page.fill("#prompt", "A cat sleeps on a windowsill")
    expect(page.locator("#error")).to_contain_text("Cannot reach")
    page.unroute("**/v1/route")
    page.fill("#prompt", "A cat sleeps on a sunny windowsill")
    _wait_results(page)
    assert page.locator("#error").is_hidden()

    _open(page, base_url, {"vendor": "no-such-vendor", "prompt": "A cat"})
    assert "Unknown vendor" in page.locator("#error").inner_text()


def test_analyst_view_lists_related_failures_and_models(
    page: Any, base_url: str, catalog: Catalog
) -> None:
    _open(page, base_url)
    page.focus("#tab-preflight")
    page.keyboard.press("ArrowRight")  # the tabs follow the ARIA keyboard pattern
    assert page.get_attribute("#tab-analyst", "aria-selected") == "true"
    expect(page.locator("#g-failure option").nth(1)).to_be_attached()
    page.select_option("#g-failure", "temporal_coherence_degradation")
    page.wait_for_selector("#g-results:not([hidden]) #g-models tbody tr")
    expect(page.locator("#g-status")).to_contain_text("models")
    expect(page.locator("#g-def-h")).not_to_be_empty()
    rows = page.locator("#g-models tbody tr")
    assert rows.count() == min(15, len(catalog.models))
    page.click("#g-more")
    expect(rows).to_have_count(len(catalog.models))
    exposure = [rows.nth(i).locator("meter").get_attribute("value") for i in range(rows.count())]
    assert [float(x) for x in exposure] == sorted((float(x) for x in exposure), reverse=True)
    related = page.locator("#g-related tbody tr[data-failure]")
    assert related.count() >= 1
    ids = {related.nth(i).get_attribute("data-failure") for i in range(related.count())}
    assert ids <= set(catalog.classes) and "temporal_coherence_degradation" not in ids

    page.select_option("#g-vendor", "luma")
    page.select_option("#g-scope", "vendor")
    luma = {m.id for m in catalog.vendors["luma"].models}
    expect(rows).to_have_count(len(luma))
    assert {rows.nth(i).get_attribute("data-model") for i in range(rows.count())} == luma
    assert not page.errors.messages
    _shot(page, "panel-analyst.png")


def test_narrow_side_panel_has_no_sideways_scroll(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 800})
    context.set_default_timeout(WAIT_MS)
    tab = context.new_page()
    try:
        _open(tab, base_url, {"prompt": PROMPT, "vendor": "luma"})
        _wait_results(tab)
        assert tab.evaluate("document.documentElement.scrollWidth") <= 360
        _shot(tab, "panel-360.png")
        tab.click("#tab-analyst")
        expect(tab.locator("#g-related tbody tr").first).to_be_visible()
        assert tab.evaluate("document.documentElement.scrollWidth") <= 360
        _shot(tab, "panel-360-analyst.png")
    finally:
        context.close()
