"""Make the generated OpenAPI document say what the API really does.

Litestar's schema generation leaves gaps that contract tests (schemathesis) trip over: strict
request Structs (`forbid_unknown_fields=True`) lack `additionalProperties: false`, and some
`msgspec.Meta` bounds are lost (`gt=0` on an optional number, bounds on list items, the length of
a span tuple), so valid-looking requests get rejected; every error is an RFC 9457
`application/problem+json` `Problem` although litestar documents a plain-JSON validation body;
and the API-key guard is invisible. `strict_openapi(app)` fixes the cached `OpenAPI` object that
`/schema/openapi.json` renders: call it once, right after the app is built. For strict Structs
it swaps in msgspec's own JSON schema, which is exactly what the decoder enforces.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator
from typing import Any

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    PathItem,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.routes import HTTPRoute

from router.api.problems import PROBLEM_MEDIA_TYPE, TITLES, Problem
from router.api.report_routes import require_api_key

__all__ = ["BEARER", "ERROR_STATUSES", "strict_openapi"]

BEARER = "bearerAuth"
ERROR_STATUSES = (400, 404, 413, 422, 429, 503)
"""Documented on every operation: any of them can come from validation, limits or the store."""
REF_PREFIX = "#/components/schemas/"


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


# JSON Schema keyword -> litestar `Schema` attribute, read from the dataclass itself.
_ATTRS = {f.metadata.get("alias") or _camel(f.name): f.name for f in dataclasses.fields(Schema)}
_ONE = {"items", "not", "if", "then", "else", "contains", "additionalProperties", "propertyNames"}
_MANY = {"allOf", "anyOf", "oneOf", "prefixItems"}
_MAP = {"properties", "patternProperties", "dependentSchemas"}


def _value(key: str, value: Any) -> Any:
    """One keyword's value in litestar's form: nested schemas become spec objects."""
    if key in _ONE and isinstance(value, dict):
        return _spec(value)
    if key in _MANY:
        return [_spec(v) for v in value]
    if key in _MAP:
        return {k: _spec(v) for k, v in value.items()}
    if key == "type":
        return [OpenAPIType(v) for v in value] if isinstance(value, list) else OpenAPIType(value)
    if key == "format":
        return OpenAPIFormat(value)
    return value


def _spec(node: dict[str, Any]) -> Schema | Reference:
    """Turn a msgspec JSON-schema dict into litestar spec objects."""
    if "$ref" in node:
        return Reference(ref=node["$ref"], description=node.get("description"))
    if node.get("items") is False and "maxItems" in node:
        node = {k: v for k, v in node.items() if k != "items"}  # a fixed-length tuple
    return Schema(**{_ATTRS[key]: _value(key, value) for key, value in node.items()})


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"].removeprefix(REF_PREFIX)
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _msgspec_schema(struct: type[msgspec.Struct]) -> tuple[str, dict[str, Any]]:
    """msgspec's component name and schema for one Struct (refs in OpenAPI form)."""
    (ref,), components = msgspec.json.schema_components(
        [struct], ref_template=REF_PREFIX + "{name}"
    )
    name = ref["$ref"].removeprefix(REF_PREFIX)
    return name, components[name]


def _structs(annotation: object, seen: set[type[msgspec.Struct]]) -> None:
    """Collect every Struct reachable from a type annotation (fields, unions, containers)."""
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        if annotation in seen:
            return
        seen.add(annotation)
        for info in msgspec.structs.fields(annotation):
            _structs(info.type, seen)
        return
    for arg in typing.get_args(annotation):
        _structs(arg, seen)


def _handlers(app: Litestar) -> Iterator[tuple[str, HTTPRouteHandler]]:
    """Every (OpenAPI path, handler) pair the app serves."""
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                yield route.path_format or "/", handler


def _strict_structs(app: Litestar) -> list[type[msgspec.Struct]]:
    """Structs with `forbid_unknown_fields=True` used by any handler's parameters or result."""
    seen: set[type[msgspec.Struct]] = set()
    for _, handler in _handlers(app):
        signature = handler.parsed_fn_signature
        for param in signature.parameters.values():
            _structs(param.annotation, seen)
        _structs(signature.return_type.annotation, seen)
    strict = [s for s in seen if s.__struct_config__.forbid_unknown_fields]
    return sorted(strict, key=lambda s: (s.__module__, s.__qualname__))


def _matches(component: str, struct: type[msgspec.Struct]) -> bool:
    """Litestar names a component by the class name, or (on a clash) a module-qualified tail."""
    full = "_".join([*struct.__module__.split("."), struct.__qualname__.replace(".", "_")])
    return full == component or full.endswith("_" + component)


def _use_msgspec_schemas(schemas: dict[str, Schema], structs: list[type[msgspec.Struct]]) -> None:
    """Swap each strict Struct's component for msgspec's schema (bounds and all)."""
    for key, component in list(schemas.items()):
        struct = next((s for s in structs if _matches(key, s)), None)
        if struct is None:
            continue
        _, exact = _msgspec_schema(struct)
        if all(ref in schemas for ref in _refs(exact)):
            replacement = _spec(exact)
            if isinstance(replacement, Schema):
                schemas[key] = replacement
                continue
        component.additional_properties = False  # a name clash: keep litestar's, but strict


def _add_problem(schemas: dict[str, Schema]) -> str:
    """Register the `Problem` schema (and what it references); returns its component name."""
    (ref,), found = msgspec.json.schema_components([Problem], ref_template=REF_PREFIX + "{name}")
    for name, node in found.items():
        converted = _spec(node)
        if isinstance(converted, Schema):
            schemas.setdefault(name, converted)
    return str(ref["$ref"])


def _operations(path_item: PathItem, handler: HTTPRouteHandler) -> Iterator[Operation]:
    for method in handler.http_methods:
        operation = getattr(path_item, method.lower(), None)
        if isinstance(operation, Operation):
            yield operation


def _document_errors(operation: Operation, statuses: tuple[int, ...], problem_ref: str) -> None:
    """Add problem responses; litestar's default 400 (plain JSON, wrong shape) is replaced."""
    responses = operation.responses if operation.responses is not None else {}
    for status in statuses:
        existing = responses.get(str(status))
        content = existing.content if isinstance(existing, OpenAPIResponse) else None
        if not content or PROBLEM_MEDIA_TYPE not in content:
            responses[str(status)] = OpenAPIResponse(
                description=TITLES.get(status, "Error") + " (RFC 9457 problem details)",
                content={PROBLEM_MEDIA_TYPE: OpenAPIMediaType(schema=Reference(ref=problem_ref))},
            )
    operation.responses = responses


def _components(schema: OpenAPI) -> Components:
    if not isinstance(schema.components, Components):
        schema.components = Components()
    return schema.components


def _needs_key(handler: HTTPRouteHandler, key_guards: tuple[object, ...]) -> bool:
    # Resolved guards are wrapped (AsyncCallable); the original function is on `.func`.
    return any(getattr(g, "func", g) in key_guards for g in handler.resolve_guards())


def strict_openapi(app: Litestar, key_guards: tuple[object, ...] = (require_api_key,)) -> None:
    """Tighten the app's OpenAPI document in place (see the module docstring); idempotent.

    Operations behind any of `key_guards` get the bearer security scheme and a 401 response.
    """
    schema = app.openapi_schema
    components = _components(schema)
    _use_msgspec_schemas(components.schemas, _strict_structs(app))
    problem_ref = _add_problem(components.schemas)
    guarded = False
    for path, handler in _handlers(app):
        path_item = (schema.paths or {}).get(path)
        if path_item is None:  # excluded from the schema
            continue
        needs_key = _needs_key(handler, key_guards)
        guarded |= needs_key
        statuses = (401, *ERROR_STATUSES) if needs_key else ERROR_STATUSES
        for operation in _operations(path_item, handler):
            _document_errors(operation, statuses, problem_ref)
            if needs_key:
                operation.security = [{BEARER: []}]
    if guarded:
        schemes = components.security_schemes or {}
        schemes[BEARER] = SecurityScheme(
            type="http", scheme="bearer", description="A key from AVA_ROUTER_API_KEYS."
        )
        components.security_schemes = schemes
    _document_graphml(schema)


def _document_graphml(schema: OpenAPI) -> None:
    """`GET /v1/graph?format=graphml` answers XML: document it beside the JSON form."""
    item = (schema.paths or {}).get("/v1/graph")
    if item is None or item.get is None or not item.get.responses:
        return
    ok = item.get.responses.get("200")
    if isinstance(ok, OpenAPIResponse) and ok.content is not None:
        ok.content["application/graphml+xml"] = OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.STRING, description="GraphML (format=graphml)")
        )
