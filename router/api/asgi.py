"""ASGI entry point for multi-worker servers: `uvicorn router.api.asgi:app`."""

from router.api.app import create_app

app = create_app()
