"""`ava-router graph ...`: export the failure graph and run its analyst queries from a shell.

`router.cli` calls `add_graph_commands(subparsers, common)` to attach the verbs; each verb loads
the catalog, builds the graph and prints JSON (or GraphML for `export --format graphml`).
A query the graph cannot answer prints `error: <param>: <why>` and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from router.graph import FailureGraph, build_graph, export_graphml, export_json
from router.graph_queries import MAX_DEPTH, GraphError, equivalents, exposure, path, related
from router.loader import load_catalog
from router.risk import FeatureMatch
from router.settings import load_settings

__all__ = ["add_graph_commands"]

Query = Callable[[FailureGraph, argparse.Namespace], object]


def _graph(args: argparse.Namespace) -> FailureGraph:
    return build_graph(load_catalog(args.root or load_settings().root))


def _csv(raw: str | None) -> list[str]:
    return [p.strip() for p in (raw or "").split(",") if p.strip()]


def _print(obj: object) -> None:
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(obj)).decode() + "\n")


def _run(query: Query) -> Callable[[argparse.Namespace], int]:
    """Wrap a query as a command: print its JSON result, or the error and exit code 2."""

    def command(args: argparse.Namespace) -> int:
        try:
            _print(query(_graph(args), args))
        except GraphError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0

    command.__doc__ = query.__doc__
    return command


def cmd_export(args: argparse.Namespace) -> int:
    """Write the graph as GraphML or node-link JSON, to --out or stdout."""
    fg = _graph(args)
    if args.format == "graphml":
        text = export_graphml(fg) + "\n"
    else:
        text = msgspec.json.format(msgspec.json.encode(export_json(fg))).decode() + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(
            f"wrote {args.out} ({fg.graph.number_of_nodes()} nodes, "
            f"{fg.graph.number_of_edges()} edges)",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text)
    return 0


def _related(fg: FailureGraph, args: argparse.Namespace) -> object:
    return related(fg, args.id, args.depth, vendor=args.vendor, kinds=_csv(args.kinds))


def _equivalents(fg: FailureGraph, args: argparse.Namespace) -> object:
    return equivalents(fg, args.id, args.order)


def _exposure(fg: FailureGraph, args: argparse.Namespace) -> object:
    feats = [FeatureMatch(id=f, confidence=1.0) for f in dict.fromkeys(_csv(args.features))]
    if not feats:
        raise GraphError(400, "features", "give one or more comma-separated feature ids")
    return exposure(fg, feats, args.order, args.limit)


def _path(fg: FailureGraph, args: argparse.Namespace) -> object:
    return path(fg, args.source, args.target, _csv(args.kinds))


def _summary(fg: FailureGraph, args: argparse.Namespace) -> object:
    return fg.summary


def add_graph_commands(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add `graph export|related|equivalents|exposure|path|summary` to the CLI."""
    graph = subparsers.add_parser("graph", help="the cross-model failure graph")
    sub = graph.add_subparsers(dest="graph_command", required=True)

    def verb(name: str, func: Callable[[argparse.Namespace], int], text: str) -> Any:
        parser = sub.add_parser(name, parents=[common], help=text, description=text)
        parser.set_defaults(func=func)
        return parser

    export = verb("export", cmd_export, "write the graph as GraphML or node-link JSON")
    export.add_argument("--format", choices=["graphml", "json"], default="graphml")
    export.add_argument("--out", type=Path, help="file to write (default: stdout)")
    rel = verb("related", _run(_related), "failures related to a class or manifestation")
    rel.add_argument("id", help="failure class id, or manifest:<model>:<class>")
    rel.add_argument("--depth", type=int, default=2, help=f"1-{MAX_DEPTH} hops (default 2)")
    rel.add_argument("--vendor", help="show this vendor's term for each related failure")
    rel.add_argument("--kinds", help="comma-separated relation kinds to follow")
    eq = verb("equivalents", _run(_equivalents), "what each vendor and model calls a class")
    eq.add_argument("id")
    eq.add_argument("--order", choices=["asc", "desc"], default="asc")
    exp = verb("exposure", _run(_exposure), "models ranked by exposure to a feature set")
    exp.add_argument("features", help="comma-separated prompt feature ids")
    exp.add_argument("--order", choices=["asc", "desc"], default="asc")
    exp.add_argument("--limit", type=int, default=20)
    pth = verb("path", _run(_path), "the strongest explained path between two failures")
    pth.add_argument("source")
    pth.add_argument("target")
    pth.add_argument("--kinds", help="comma-separated relation kinds to follow")
    verb("summary", _run(_summary), "most central classes and co-occurrence clusters")
