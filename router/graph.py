"""The cross-model failure graph: built once from the catalog, queried by `router.graph_queries`.

One networkx MultiDiGraph holds four kinds of node, each id prefixed by its kind:

- `class:<failure_id>` — a cross-vendor failure class (catalog/failures.yaml);
- `manifest:<model_id>:<failure_id>` — a model's own documented form of a class (a vendor file's
  `failure_modes` entry or the vendor's `failure_terms`), with its term, severity, susceptibility
  and evidence URLs;
- `feature:<feature_id>` — a prompt feature that triggers classes;
- `mitigation:<id>` — a remedy from catalog/relations.yaml.

Edges are typed (`kind`) and weighted (`weight` in [0, 1]) and every edge names its `source`:
the evidence URLs, or the catalog file the link comes from. Every attribute is a string, float or
bool, so the graph exports to GraphML as is. Next to the graph, `FailureGraph` keeps the small
indices the queries need (adjacency per node, every model's view of every class, the summary),
so a request does only a bounded walk over precomputed tuples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

import msgspec
import networkx as nx

from router.catalog import FailureMode, Model, Relation, Vendor
from router.graph_summary import GraphSummary, summarize
from router.loader import Catalog
from router.risk import TriggerRef

__all__ = [
    "CLASS_KINDS",
    "EDGE_KINDS",
    "FailureGraph",
    "Link",
    "ManifestationView",
    "ModelInfo",
    "build_graph",
    "class_node",
    "export_graphml",
    "export_json",
    "manifest_node",
]

EdgeKind = Literal[
    "manifests_as",
    "equivalent_to",
    "co_occurs_with",
    "amplified_by",
    "causes",
    "confused_with",
    "mitigated_by",
    "triggered_by",
]
EDGE_KINDS: tuple[EdgeKind, ...] = get_args(EdgeKind)
CLASS_KINDS: tuple[EdgeKind, ...] = ("co_occurs_with", "amplified_by", "causes", "confused_with")
"""Relation kinds that link one failure class to another."""
SYMMETRIC_KINDS = frozenset({"co_occurs_with", "confused_with", "equivalent_to"})
SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}
FAILURES_FILE = "catalog/failures.yaml"


def class_node(failure_id: str) -> str:
    """Node id of a failure class."""
    return f"class:{failure_id}"


def manifest_node(model_id: str, failure_id: str) -> str:
    """Node id of one model's manifestation of a class."""
    return f"manifest:{model_id}:{failure_id}"


@dataclass(frozen=True, slots=True)
class Link:
    """One edge as seen from one of its ends, for walking the graph in either direction."""

    node: str
    """The neighbour this link leads to."""
    kind: str
    weight: float
    sources: tuple[str, ...]
    start: str
    """The edge's own tail: with `end`, tells the walk whether it follows or reverses the edge."""
    end: str


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """Who offers a model, for labelling results."""

    vendor: str
    vendor_name: str
    model_name: str


class ManifestationView(msgspec.Struct, frozen=True, kw_only=True):
    """How one model shows one failure class: the name to use with that vendor, and exposure."""

    vendor: str
    vendor_name: str
    model: str
    model_name: str
    term: str
    """The vendor's term for the class on this model, else the class name."""
    term_from: Literal["failure_mode", "vendor_term", "class_name"]
    documented: bool
    """True when the vendor file itself maps this model (or vendor) onto the class."""
    severity: str | None
    susceptibility: float
    basis: list[str]
    """Where the susceptibility comes from (benchmarks, vendor evidence, class prior)."""
    sources: list[str]


@dataclass(frozen=True)
class FailureGraph:
    """The graph plus the precomputed indices its queries read; never mutated after build."""

    graph: Any
    """The networkx MultiDiGraph (networkx ships no type hints)."""
    catalog_version: str
    class_names: Mapping[str, str]
    feature_ids: frozenset[str]
    aliases: Mapping[str, str]
    """Vendor alias or id → vendor id."""
    links: Mapping[str, tuple[Link, ...]]
    """Node id → its class relations and trigger links, both directions, strongest first."""
    views: Mapping[str, tuple[ManifestationView, ...]]
    """Class id → every model's view of it, least exposed first."""
    documented_vendors: Mapping[str, tuple[str, ...]]
    susceptibility: Mapping[str, Mapping[str, float]]
    triggers: Mapping[str, tuple[TriggerRef, ...]]
    models: Mapping[str, ModelInfo]
    summary: GraphSummary


def _sources(urls: list[str], fallback: str) -> tuple[str, ...]:
    unique = tuple(dict.fromkeys(u for u in urls if u))
    return unique or (fallback,)


def _add_edge(
    g: Any, u: str, v: str, kind: str, *, weight: float, sources: tuple[str, ...], note: str = ""
) -> None:
    g.add_edge(
        u,
        v,
        kind=kind,
        weight=float(weight),
        source="; ".join(sources),
        note=note,
        symmetric=kind in SYMMETRIC_KINDS,
    )


def _merge_modes(modes: list[FailureMode]) -> tuple[str | None, str | None, list[str]]:
    """One model may list a class twice: first term, strongest severity, all evidence."""
    term = next((m.vendor_term for m in modes if m.vendor_term), None)
    severity = max((m.severity for m in modes), key=SEVERITY_RANK.__getitem__, default=None)
    urls = [e.source.url for m in modes for e in m.evidence]
    return term, severity, urls


def _view(catalog: Catalog, vendor: Vendor, model: Model, failure_id: str) -> ManifestationView:
    modes = [m for m in model.failure_modes if m.failure_id == failure_id]
    vterm = next((t for t in vendor.failure_terms if t.failure_id == failure_id), None)
    term, severity, urls = _merge_modes(modes)
    term_from: Literal["failure_mode", "vendor_term", "class_name"] = "failure_mode"
    if term is None and vterm is not None:
        term, term_from = vterm.term, "vendor_term"
    if term is None:
        term, term_from = catalog.classes[failure_id].name, "class_name"
    if vterm is not None:
        urls.append(vterm.source.url)
    sus = catalog.susceptibility[model.id][failure_id]
    return ManifestationView(
        vendor=vendor.id,
        vendor_name=vendor.name,
        model=model.id,
        model_name=model.name,
        term=term,
        term_from=term_from,
        documented=bool(modes) or vterm is not None,
        severity=severity,
        susceptibility=round(sus.value, 4),
        basis=list(sus.basis),
        sources=list(dict.fromkeys(urls)),
    )


def _add_manifestations(g: Any, catalog: Catalog) -> dict[str, tuple[ManifestationView, ...]]:
    views: dict[str, list[ManifestationView]] = {cid: [] for cid in catalog.classes}
    for ref in catalog.models.values():
        for cid in catalog.classes:
            view = _view(catalog, ref.vendor, ref.model, cid)
            views[cid].append(view)
            if not view.documented:
                continue
            node = manifest_node(view.model, cid)
            g.add_node(
                node,
                kind="manifestation",
                failure=cid,
                vendor=view.vendor,
                vendor_name=view.vendor_name,
                model=view.model,
                model_name=view.model_name,
                vendor_term=view.term,
                term_from=view.term_from,
                severity=view.severity or "",
                susceptibility=view.susceptibility,
                sources="; ".join(view.sources),
            )
            fallback = f"vendors/{view.vendor}.yaml"
            _add_edge(
                g,
                class_node(cid),
                node,
                "manifests_as",
                weight=view.susceptibility,
                sources=_sources(view.sources, fallback),
            )
    return {
        cid: tuple(sorted(vs, key=lambda v: (v.susceptibility, v.vendor, v.model)))
        for cid, vs in views.items()
    }


def _add_equivalences(g: Any, views: Mapping[str, tuple[ManifestationView, ...]]) -> None:
    """Same class, different vendors: one undirected-in-meaning edge per pair of manifestations."""
    for cid, class_views in views.items():
        named = sorted((v for v in class_views if v.documented), key=lambda v: (v.vendor, v.model))
        for i, a in enumerate(named):
            for b in named[i + 1 :]:
                if a.vendor != b.vendor:
                    sources = (f"vendors/{a.vendor}.yaml", f"vendors/{b.vendor}.yaml")
                    _add_edge(
                        g,
                        manifest_node(a.model, cid),
                        manifest_node(b.model, cid),
                        "equivalent_to",
                        weight=1.0,
                        sources=sources,
                        note=f"{a.term} = {b.term}",
                    )


def _relation_target(rel: Relation) -> str:
    prefix = "mitigation:" if rel.kind == "mitigated_by" else "class:"
    return prefix + rel.target


def _add_catalog_nodes(g: Any, catalog: Catalog) -> None:
    for cls in catalog.classes.values():
        g.add_node(
            class_node(cls.id),
            kind="class",
            name=cls.name,
            group=cls.group,
            prior=float(cls.prior),
            documentation_strength=cls.documentation_strength,
            refundable=cls.refundable,
        )
    for fid in sorted(catalog.rules.feature_ids()):
        g.add_node(f"feature:{fid}", kind="feature", name=fid)
    for mit in catalog.relations.mitigations:
        g.add_node(
            f"mitigation:{mit.id}", kind="mitigation", name=mit.name, description=mit.description
        )
    for cls in catalog.classes.values():
        for trig in cls.triggers:
            _add_edge(
                g,
                class_node(cls.id),
                f"feature:{trig.feature}",
                "triggered_by",
                weight=trig.weight,
                sources=(FAILURES_FILE,),
                note=trig.rewrite,
            )
    for rel in catalog.relations.relations:
        sources = _sources([e.url for e in rel.evidence], "catalog/relations.yaml")
        _add_edge(
            g,
            class_node(rel.source),
            _relation_target(rel),
            rel.kind,
            weight=rel.weight,
            sources=sources,
            note=rel.note or "",
        )


def _links(g: Any) -> dict[str, tuple[Link, ...]]:
    """Adjacency for the walks: class relations and trigger edges, each seen from both ends."""
    walkable = {*CLASS_KINDS, "triggered_by"}
    out: dict[str, list[Link]] = {}
    for u, v, data in g.edges(data=True):
        if data["kind"] not in walkable:
            continue
        sources = tuple(data["source"].split("; "))
        out.setdefault(u, []).append(Link(v, data["kind"], data["weight"], sources, u, v))
        out.setdefault(v, []).append(Link(u, data["kind"], data["weight"], sources, u, v))
    return {
        n: tuple(sorted(ls, key=lambda x: (-x.weight, x.node, x.kind))) for n, ls in out.items()
    }


def build_graph(catalog: Catalog) -> FailureGraph:
    """Build the failure graph and its query indices from a loaded catalog (once, at start-up)."""
    g = nx.MultiDiGraph(name="ava-router failure graph", catalog_version=catalog.version)
    _add_catalog_nodes(g, catalog)
    views = _add_manifestations(g, catalog)
    _add_equivalences(g, views)
    names = {cid: cls.name for cid, cls in catalog.classes.items()}
    documented = {
        cid: tuple(sorted({v.vendor for v in vs if v.documented})) for cid, vs in views.items()
    }
    return FailureGraph(
        graph=g,
        catalog_version=catalog.version,
        class_names=names,
        feature_ids=frozenset(catalog.rules.feature_ids()),
        aliases={**{v: v for v in catalog.vendors}, **catalog.aliases},
        links=_links(g),
        views=views,
        documented_vendors=documented,
        susceptibility={
            m: {c: s.value for c, s in by.items()} for m, by in catalog.susceptibility.items()
        },
        triggers=catalog.triggers,
        models={
            mid: ModelInfo(ref.vendor.id, ref.vendor.name, ref.model.name)
            for mid, ref in catalog.models.items()
        },
        summary=summarize(g, catalog.version, names),
    )


def export_json(fg: FailureGraph) -> dict[str, Any]:
    """Node-link JSON (networkx `node_link_data`, edges under "links")."""
    data: dict[str, Any] = nx.node_link_data(fg.graph, edges="links")
    return data


def export_graphml(fg: FailureGraph) -> str:
    """GraphML text; `networkx.read_graphml` loads it back with the same nodes and edges."""
    return "\n".join(nx.generate_graphml(fg.graph))
