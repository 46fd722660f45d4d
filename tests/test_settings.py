from __future__ import annotations

from pathlib import Path

import pytest

from router.settings import Settings, SettingsError, load_settings


def test_defaults_without_environment() -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.cors_origins == ()


def test_values_are_parsed() -> None:
    settings = load_settings(
        {
            "AVA_ROUTER_PORT": "9000",
            "AVA_ROUTER_ROOT": "/tmp/x",
            "AVA_ROUTER_CORS_ORIGINS": "chrome-extension://abc, https://app.example.com",
        }
    )
    assert settings.port == 9000
    assert settings.root == Path("/tmp/x")
    assert settings.cors_origins == ("chrome-extension://abc", "https://app.example.com")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AVA_ROUTER_PORT", "eighty"),
        ("AVA_ROUTER_WORKERS", "-1"),
        ("AVA_ROUTER_CORS_ORIGINS", "chrome-extension://*"),
        ("AVA_ROUTER_CORS_ORIGINS", "*"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match="AVA_ROUTER_"):
        load_settings({name: value})
