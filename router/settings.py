"""Service settings, read from `AVA_ROUTER_*` environment variables (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import msgspec

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """An environment variable has a value we cannot use."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the service can be configured with; each field maps to `AVA_ROUTER_<NAME>`."""

    root: Path = PROJECT_ROOT
    """Folder that holds `vendors/` and `catalog/`."""
    host: str = "127.0.0.1"
    """Interface `serve` binds to."""
    port: int = 8000
    """TCP port `serve` listens on."""
    workers: int = 1
    """Worker processes for `serve`."""
    cors_origins: tuple[str, ...] = ()
    """Exact browser origins allowed by CORS, comma-separated (no wildcards)."""
    log_level: str = "info"
    """Log level of the server."""
    db: str = "ava-router.db"
    """Report store: a SQLite file path, or a `postgresql://` URL."""
    api_keys: tuple[str, ...] = ()
    """API keys allowed to post outcome reports, comma-separated (never logged)."""
    learning: bool = False
    """Let reported outcomes adjust susceptibility in pre-flight and routing."""
    learning_prior_strength: int = 20
    """Pseudo-count the catalog's susceptibility is worth against reported outcomes."""
    learning_min_reports: int = 20
    """Reports a model needs (after the per-key cap) before they carry any weight."""
    learning_key_cap: int = 10
    """Most reports one API key contributes per model (below the minimum: one key alone never
    moves a score)."""
    learning_refresh_s: int = 30
    """Seconds between rebuilds of the learned snapshot from the store."""
    rate_limit: int = 600
    """Requests per minute per API key (else per client address); 0 disables the limit."""
    bench_echo: bool = False
    """Serve `POST /bench/echo`, a trivial JSON echo used as the HTTP benchmark baseline."""
    metrics: bool = True
    """Serve Prometheus metrics at `/metrics`."""


_INT_FIELDS = {
    "port",
    "workers",
    "learning_prior_strength",
    "learning_min_reports",
    "learning_key_cap",
    "learning_refresh_s",
    "rate_limit",
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ApiKey(str):
    """An API key: a plain string whose repr never shows it (settings get logged)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ApiKey('***')"


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value not in _TRUE | _FALSE:
        msg = f"AVA_ROUTER_{name.upper()}: {raw!r} is not one of 1/0, true/false, yes/no, on/off"
        raise SettingsError(msg)
    return value in _TRUE


def _parse(name: str, raw: str) -> object:
    if name == "root":
        return Path(raw)
    if name == "cors_origins":
        origins = tuple(o.strip() for o in raw.split(",") if o.strip())
        for origin in origins:
            if "*" in origin or "://" not in origin:
                msg = f"AVA_ROUTER_CORS_ORIGINS: {origin!r} is not an exact origin (scheme://host)"
                raise SettingsError(msg)
        return origins
    if name == "api_keys":
        return tuple(ApiKey(k.strip()) for k in raw.split(",") if k.strip())
    if name in {"learning", "bench_echo", "metrics"}:
        return _parse_bool(name, raw)
    if name in _INT_FIELDS:
        try:
            value = int(raw)
        except ValueError:
            msg = f"AVA_ROUTER_{name.upper()}: {raw!r} is not a whole number"
            raise SettingsError(msg) from None
        if value < 0:
            msg = f"AVA_ROUTER_{name.upper()}: must not be negative"
            raise SettingsError(msg)
        return value
    return raw


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the environment (or a given mapping), validating each value."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for name in Settings.__struct_fields__:
        raw = env.get(f"AVA_ROUTER_{name.upper()}")
        if raw is not None and raw != "":
            values[name] = _parse(name, raw)
    return Settings(**values)  # type: ignore[arg-type]
