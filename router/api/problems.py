"""RFC 9457 problem details: one mapping from every error to `application/problem+json`.

Litestar's own problem-details plugin puts the specific message into `title`; here `title` is a
stable summary of the problem type and `detail` says what happened in this request.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://ava-router.dev/problems/"
log = logging.getLogger("router.api")

TITLES = {
    400: "Invalid request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Request cannot be processed",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}
_AT = re.compile(r" - at `\$\.?([^`]*)`$")


class FieldError(msgspec.Struct, frozen=True):
    """One problem with one field of the request."""

    field: str
    message: str


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """An RFC 9457 problem details object."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] = []


class ApiError(Exception):
    """A domain error with an HTTP status, raised by handlers and services."""

    def __init__(
        self, status: int, detail: str, slug: str = "", errors: list[FieldError] | None = None
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug or TITLES.get(status, "error").lower().replace(" ", "-")
        self.errors = errors or []


def _field_errors(extra: Any) -> list[FieldError]:
    """Turn litestar's validation `extra` list into field-level errors."""
    errors: list[FieldError] = []
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "invalid value"))
        match = _AT.search(message)
        field = match.group(1) if match else str(item.get("key") or "body")
        if match:
            message = message[: match.start()]
        if field == "data":
            field = "body"
        if message in {"'data'", "data"}:
            message = "a JSON request body is required"
        errors.append(FieldError(field or "body", message))
    return errors


def problem_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """Render any exception as problem details; unexpected errors never leak their text."""
    headers: dict[str, str] = {}
    if isinstance(exc, ApiError):
        status, slug, detail, errors = exc.status, exc.slug, exc.detail, exc.errors
    elif isinstance(exc, ValidationException):
        errors = _field_errors(exc.extra)
        status, slug = 400, "invalid-request"
        detail = (
            "; ".join(f"{e.field}: {e.message}" for e in errors) or "the request body is invalid"
        )
    elif isinstance(exc, RecursionError):
        status, slug, errors = 400, "invalid-request", [FieldError("body", "nested too deeply")]
        detail = "body: the JSON is nested too deeply"
    elif isinstance(exc, HTTPException):
        status = exc.status_code
        slug = TITLES.get(status, "error").lower().replace(" ", "-")
        detail, errors = exc.detail, []
        headers = dict(exc.headers or {})
    else:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        status, slug, errors = HTTP_500_INTERNAL_SERVER_ERROR, "internal-error", []
        detail = "the server failed to handle this request; it has been logged"
    problem = Problem(
        type=PROBLEM_BASE + slug,
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
    )
    return Response(problem, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)
