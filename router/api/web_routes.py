"""The web panel: `GET /` serves the page and `/static/...` its script and stylesheet.

The page is plain HTML, CSS and JavaScript under `router/web/` with no external assets, so it
works offline and under the API's `Content-Security-Policy: default-src 'self'`. Only the files
named in `ASSETS` are served: a fixed table, so no request path ever reaches the file system.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
ASSETS = {
    "panel.js": "text/javascript",
    "panel.css": "text/css",
}
# Revalidate on every load: the files are tiny and a stale script after an upgrade would talk to
# an API whose shapes it no longer matches.
CACHE_CONTROL = "no-cache"


@cache
def _read(name: str) -> bytes:
    """A file of the panel, read once per process."""
    return (WEB_DIR / name).read_bytes()


@get("/", include_in_schema=False, sync_to_thread=False)
def panel_page() -> Response[bytes]:
    """The panel; `?prompt=&vendor=&model=` deep links are read by the script."""
    return Response(
        _read("index.html"),
        media_type="text/html",
        headers={"cache-control": CACHE_CONTROL},
    )


@get("/static/{name:str}", include_in_schema=False, sync_to_thread=False)
def panel_asset(name: FromPath[str]) -> Response[bytes]:
    """The panel's script or stylesheet."""
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFoundException(f"no static file {name!r}")
    return Response(_read(name), media_type=media_type, headers={"cache-control": CACHE_CONTROL})


@get("/favicon.ico", include_in_schema=False, sync_to_thread=False)
def favicon() -> Response[bytes]:
    """No icon: answer 204 so browsers do not log a 404 on every visit."""
    return Response(b"", status_code=204)


ROUTES = [panel_page, panel_asset, favicon]
