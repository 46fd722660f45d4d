"""The `ava-router` command line: serve the API and run the engine from a shell."""

from __future__ import annotations

import argparse
import csv
import gc
import io
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from router.batch import Plan, Shot, Storyboard
from router.graph_cli import add_graph_commands
from router.loader import Catalog, CatalogError, load_catalog
from router.logs import log_config
from router.routing_model import RouteResult, Weights
from router.service import (
    PreflightRequest,
    RequestError,
    RouteRequest,
    preflight_prompt,
    route_batch,
    route_prompt,
)
from router.settings import SettingsError, load_settings
from router.ticket_cli import add_ticket_commands

CSV_FIELDS = (
    "id",
    "prompt",
    "duration_s",
    "aspect_ratio",
    "resolution",
    "mode",
    "audio",
    "max_cost_usd",
    "group",
    "continuity",
    "top_k",
)


def _catalog(args: argparse.Namespace) -> Catalog:
    return load_catalog(args.root or load_settings().root)


def _print_json(obj: object) -> None:
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(obj)).decode() + "\n")


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the HTTP API with uvicorn (the catalog is checked before the port opens)."""
    import uvicorn

    from router.api.app import create_app

    base = load_settings()
    settings = msgspec.structs.replace(
        base,
        root=args.root or base.root,
        host=args.host or base.host,
        port=args.port or base.port,
        workers=args.workers or base.workers,
    )
    catalog = load_catalog(settings.root)  # fail fast, before the port opens
    # The catalog, rules automaton and graph live for the whole process: keep the cyclic GC
    # from rescanning them on every collection (long pauses under load otherwise).
    gc.freeze()
    if settings.workers > 1:
        uvicorn.run(
            "router.api.asgi:app",
            log_config=log_config(settings.log_level),
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level=settings.log_level,
            access_log=False,
        )
    else:
        uvicorn.run(
            create_app(settings, catalog),
            log_config=log_config(settings.log_level),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
            access_log=False,
        )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Check the catalog; print every problem with file and field; exit 1 if any."""
    catalog = _catalog(args)
    print(
        f"catalog ok: {len(catalog.vendors)} vendors, {len(catalog.models)} models, "
        f"{len(catalog.classes)} failure classes, {len(catalog.relations.relations)} relations, "
        f"{len(catalog.rules.feature_ids())} features (version {catalog.version})"
    )
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    """Print the features of a prompt as JSON."""
    _print_json(_catalog(args).matcher.analyze(args.prompt, args.duration))
    return 0


def _constraints(args: argparse.Namespace) -> dict[str, Any]:
    values = {
        "duration_s": args.duration,
        "aspect_ratio": args.aspect_ratio,
        "resolution": args.resolution,
        "mode": args.mode,
        "audio": args.audio,
    }
    return {k: v for k, v in values.items() if v is not None}


def cmd_route(args: argparse.Namespace) -> int:
    """Rank models for one prompt."""
    extra: dict[str, Any] = _constraints(args)
    if args.max_cost is not None:
        extra["max_cost_usd"] = args.max_cost
    for name in ("vendors", "models", "exclude"):
        if getattr(args, name):
            extra[name] = getattr(args, name).split(",")
    weights = Weights(risk=args.risk_weight, cost=args.cost_weight)
    req = msgspec.convert({"prompt": args.prompt, "top_k": args.top_k, **extra}, RouteRequest)
    _print_json(route_prompt(_catalog(args), msgspec.structs.replace(req, weights=weights)))
    return 0


def cmd_preflight(args: argparse.Namespace) -> int:
    """Score a prompt against every failure class of a vendor's model."""
    data = {"prompt": args.prompt, "vendor": args.vendor, **_constraints(args)}
    if args.model:
        data["model"] = args.model
    _print_json(preflight_prompt(_catalog(args), msgspec.convert(data, PreflightRequest)))
    return 0


def _read_shots(path: Path) -> list[Shot]:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        rows = []
        for i, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            clean = {k: v for k, v in row.items() if k in CSV_FIELDS and v not in (None, "")}
            try:
                rows.append(msgspec.convert(clean, Shot, strict=False))
            except msgspec.ValidationError as exc:
                raise RequestError(400, f"{path.name}:{i}", str(exc)) from None
        return rows
    shots = []
    for i, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                shots.append(msgspec.json.decode(line, type=Shot))
            except (msgspec.ValidationError, msgspec.DecodeError) as exc:
                raise RequestError(400, f"{path.name}:{i}", str(exc)) from None
    return shots


class Progress:
    """A one-line progress bar on stderr, shown only for large inputs."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.enabled = total, 0, enabled
        self.start = self.last = time.monotonic()

    def tick(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.enabled and (now - self.last > 0.2 or self.done == self.total):
            self.last = now
            width = 30
            filled = width * self.done // max(self.total, 1)
            rate = self.done / max(now - self.start, 1e-9)
            sys.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] "
                f"{self.done}/{self.total} shots {rate:,.0f}/s"
            )
            if self.done == self.total:
                sys.stderr.write("\n")


def _write_plan(plan: Plan, out: Any, fmt: str) -> None:
    if fmt == "jsonl":
        enc = msgspec.json.Encoder()
        for item in plan.results:
            out.write(enc.encode(item).decode() + "\n")
        out.write(enc.encode({"summary": plan.summary}).decode() + "\n")
        return
    writer = csv.writer(out)
    writer.writerow(
        ["index", "id", "group", "vendor", "model", "score", "risk", "est_cost_usd", "downgraded"]
    )
    for r in plan.results:
        c = r.choice
        writer.writerow(
            [
                r.index,
                r.id or "",
                r.group or "",
                c.vendor if c else "",
                c.model if c else "",
                c.score if c else "",
                c.risk if c else "",
                "" if c is None or c.est_cost_usd is None else c.est_cost_usd,
                r.downgraded,
            ]
        )


def cmd_batch(args: argparse.Namespace) -> int:
    """Route every shot of a CSV or JSONL file; write JSONL or CSV."""
    catalog = _catalog(args)
    shots = _read_shots(args.file)
    if not shots:
        raise RequestError(400, str(args.file), "no shots in the file")
    progress = Progress(len(shots), enabled=len(shots) >= 200 and not args.quiet)

    def route_one(shot: Shot) -> RouteResult:
        progress.tick()
        return route_prompt(catalog, shot)

    board = Storyboard(shots=shots, budget_usd=args.budget)
    plan = route_batch(catalog, board, route_one)
    fmt = args.format or ("csv" if args.out and args.out.suffix == ".csv" else "jsonl")
    if args.out:
        with args.out.open("w", encoding="utf-8", newline="") as out:
            _write_plan(plan, out, fmt)
    else:
        _write_plan(plan, sys.stdout, fmt)
    return 0


def _shot_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--duration", type=float, help="clip length in seconds")
    p.add_argument("--aspect-ratio", dest="aspect_ratio")
    p.add_argument("--resolution")
    p.add_argument("--mode", choices=["text_to_video", "image_to_video", "video_to_video"])
    p.add_argument("--audio", action=argparse.BooleanOptionalAction, default=None)


def _add(
    sub: Any, name: str, func: Callable[[argparse.Namespace], int], common: Any, help_text: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, parents=[common], help=help_text)
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--root",
        type=Path,
        default=None,
        help="folder holding vendors/ and catalog/ (default: AVA_ROUTER_ROOT)",
    )
    parser = argparse.ArgumentParser(prog="ava-router", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = _add(sub, "serve", cmd_serve, common, "serve the HTTP API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    catalog = sub.add_parser("catalog", help="catalog tools")
    _add(
        catalog.add_subparsers(dest="catalog_command", required=True),
        "check",
        cmd_check,
        common,
        "validate the catalog",
    )
    analyze = _add(sub, "analyze", cmd_analyze, common, "features of a prompt, as JSON")
    analyze.add_argument("prompt")
    analyze.add_argument("--duration", type=float)
    route = _add(sub, "route", cmd_route, common, "rank models for a prompt")
    route.add_argument("prompt")
    _shot_options(route)
    route.add_argument("--max-cost", type=float, dest="max_cost")
    route.add_argument("--vendors", help="comma-separated allow list")
    route.add_argument("--models", help="comma-separated allow list")
    route.add_argument("--exclude", help="comma-separated vendor or model ids")
    route.add_argument("--risk-weight", type=float, default=0.8)
    route.add_argument("--cost-weight", type=float, default=0.2)
    route.add_argument("--top-k", type=int, default=5, dest="top_k")
    pre = _add(sub, "preflight", cmd_preflight, common, "per-failure lights for a prompt")
    pre.add_argument("prompt")
    pre.add_argument("--vendor", required=True)
    pre.add_argument("--model")
    _shot_options(pre)
    batch = _add(sub, "batch", cmd_batch, common, "route every shot of a CSV or JSONL file")
    batch.add_argument("file", type=Path)
    batch.add_argument("--out", type=Path)
    batch.add_argument("--format", choices=["jsonl", "csv"])
    batch.add_argument("--budget", type=float)
    batch.add_argument("--quiet", action="store_true")
    add_graph_commands(sub, common)
    add_ticket_commands(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code. User errors print a message, never a traceback."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CatalogError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"catalog check failed: {len(exc.problems)} problem(s)", file=sys.stderr)
        return 1
    except (SettingsError, RequestError, msgspec.ValidationError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
