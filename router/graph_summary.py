"""The analyst summary of the failure graph: sizes, most central classes, co-occurrence clusters.

Computed once by `router.graph.build_graph` over the class-to-class relations only (25 nodes), so
`GET /v1/graph/summary` just returns it. PageRank in networkx needs numpy/scipy, which this
project does not ship; weighted degree ("strength") plus betweenness over the strongest paths
answers the same question here: which failures sit in the middle of the others.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import msgspec
import networkx as nx

__all__ = ["Centrality", "Cluster", "GraphSummary", "class_graph", "summarize"]

TOP_CENTRAL = 10
CLASS_KINDS = frozenset({"co_occurs_with", "amplified_by", "causes", "confused_with"})


class Centrality(msgspec.Struct, frozen=True, kw_only=True):
    """How central one failure class is among the class-to-class relations."""

    id: str
    name: str
    degree: int
    """Distinct related classes."""
    strength: float
    """Sum of the weights of its class relations."""
    betweenness: float
    """Share of best (strongest) paths between other classes that pass through it."""


class Cluster(msgspec.Struct, frozen=True, kw_only=True):
    """A group of failures linked by co-occurrence: seeing one, check for the others."""

    members: list[str]
    links: int
    weight: float


class GraphSummary(msgspec.Struct, frozen=True, kw_only=True):
    """`GET /v1/graph/summary`: sizes, most central classes, co-occurrence clusters."""

    catalog_version: str
    nodes: dict[str, int]
    edges: dict[str, int]
    central: list[Centrality]
    clusters: list[Cluster]
    communities: list[list[str]]
    """Louvain communities over every class relation (seeded, so stable)."""


def class_graph(g: Any, kinds: frozenset[str]) -> Any:
    """Undirected class-to-class graph for the given kinds; parallel links add up."""
    h = nx.Graph()
    h.add_nodes_from(n for n, k in g.nodes(data="kind") if k == "class")
    for u, v, data in g.edges(data=True):
        if data["kind"] in kinds and u != v:
            w = h.get_edge_data(u, v, {"weight": 0.0, "links": 0})
            h.add_edge(u, v, weight=w["weight"] + data["weight"], links=w["links"] + 1)
    return h


def _central(g: Any, names: Mapping[str, str]) -> list[Centrality]:
    h = class_graph(g, CLASS_KINDS)
    for _, _, data in h.edges(data=True):
        # A strong link is a short hop: distance −log(w) makes path length match path score.
        data["distance"] = -math.log(min(max(data["weight"], 1e-6), 1.0)) + 1e-9
    between = nx.betweenness_centrality(h, weight="distance", normalized=True)
    rows = [
        Centrality(
            id=n[6:],
            name=names[n[6:]],
            degree=int(h.degree(n)),
            strength=round(float(h.degree(n, weight="weight")), 4),
            betweenness=round(float(between[n]), 4),
        )
        for n in h.nodes
    ]
    rows.sort(key=lambda c: (-c.strength, -c.betweenness, c.id))
    return rows[:TOP_CENTRAL]


def _clusters(g: Any) -> tuple[list[Cluster], list[list[str]]]:
    co = class_graph(g, frozenset({"co_occurs_with"}))
    clusters = [
        Cluster(
            members=sorted(n[6:] for n in comp),
            links=co.subgraph(comp).number_of_edges(),
            weight=round(float(co.subgraph(comp).size(weight="weight")), 4),
        )
        for comp in nx.connected_components(co)
        if len(comp) > 1
    ]
    clusters.sort(key=lambda c: (-len(c.members), -c.weight, c.members))
    every = class_graph(g, CLASS_KINDS)
    found = nx.community.louvain_communities(every, weight="weight", seed=0)
    communities = sorted(
        (sorted(n[6:] for n in c) for c in found if len(c) > 1), key=lambda c: (-len(c), c)
    )
    return clusters, communities


def summarize(g: Any, version: str, names: Mapping[str, str]) -> GraphSummary:
    """Count nodes and edges by kind, rank classes by centrality, group co-occurring ones."""
    nodes: dict[str, int] = {}
    for _, kind in g.nodes(data="kind"):
        nodes[kind] = nodes.get(kind, 0) + 1
    edges: dict[str, int] = {}
    for _, _, kind in g.edges(data="kind"):
        edges[kind] = edges.get(kind, 0) + 1
    clusters, communities = _clusters(g)
    return GraphSummary(
        catalog_version=version,
        nodes=dict(sorted(nodes.items())),
        edges=dict(sorted(edges.items())),
        central=_central(g, names),
        clusters=clusters,
        communities=communities,
    )
