"""ava-router: pre-flight failure scoring and vendor routing for AI video generation."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ava-router")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"
