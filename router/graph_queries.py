"""Analyst queries over the failure graph: related, equivalents, exposure, path, summary.

Every query is a pure function of a built `FailureGraph` and its arguments, bounded by design:
walks stop at `MAX_DEPTH` hops (`PATH_MAX_HOPS` for `path`) and results are capped, so no input
can make a request expensive. Bad input raises `GraphError`, which names the parameter at fault
and carries the HTTP status the API answers with (400 malformed, 404 unknown id).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import msgspec

from router.graph import (
    CLASS_KINDS,
    FailureGraph,
    Link,
    ManifestationView,
    class_node,
)
from router.graph_summary import GraphSummary
from router.risk import FeatureMatch, class_loads, combined_risk

__all__ = [
    "MAX_DEPTH",
    "RELATED_KINDS",
    "Equivalents",
    "Exposure",
    "GraphError",
    "Hop",
    "ModelExposure",
    "PathResult",
    "Related",
    "RelatedClass",
    "equivalents",
    "exposure",
    "path",
    "related",
    "summary",
]

MAX_DEPTH = 3
PATH_MAX_HOPS = 5
RESULT_CAP = 50
EXPOSURE_LIMIT = 20
MAX_FEATURES = 64
TOP_CLASSES = 5
RELATED_KINDS: tuple[str, ...] = (*CLASS_KINDS, "triggered_by")
"""Kinds a related/path walk may follow; `triggered_by` (a shared prompt trigger) is opt-in."""
DEFAULT_KINDS = frozenset(CLASS_KINDS)
Order = Literal["asc", "desc"]
_SAYS = {
    "co_occurs_with": "{a} co-occurs with {b}",
    "amplified_by": "{a} is made more likely by {b}",
    "causes": "{a} often leads to {b}",
    "confused_with": "{a} is easily confused with {b}",
    "triggered_by": "{a} is triggered by the prompt feature {b}",
    "manifests_as": "{a} shows as {b}",
}


class GraphError(ValueError):
    """A query the graph cannot answer: `status` is 400 or 404, `param` names the culprit."""

    def __init__(self, status: int, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.status = status
        self.param = param
        self.message = message


class Hop(msgspec.Struct, frozen=True, kw_only=True):
    """One step of an explained path; `says` reads the edge in its own direction."""

    from_id: str
    to_id: str
    kind: str
    weight: float
    reverse: bool
    """True when the walk went against the stored edge (e.g. from the amplifier to the class)."""
    says: str
    sources: list[str]


class RelatedClass(msgspec.Struct, frozen=True, kw_only=True):
    """A class related to the query, with the best path that links them."""

    id: str
    name: str
    score: float
    """Product of the edge weights along `path`."""
    depth: int
    path: list[Hop]
    vendors: list[str]
    """Vendors whose own files document this class."""
    manifestations: list[ManifestationView] = []
    """With `vendor`: that vendor's models and what each calls this class."""


class Related(msgspec.Struct, frozen=True, kw_only=True):
    """`GET /v1/failures/{failure_id}/related`."""

    catalog_version: str
    query: str
    failure: str
    depth: int
    kinds: list[str]
    vendor: str | None
    related: list[RelatedClass]


class VendorNames(msgspec.Struct, frozen=True, kw_only=True):
    """What one vendor calls a class, over its models."""

    vendor: str
    vendor_name: str
    terms: list[str]
    documented: bool
    min_susceptibility: float
    max_susceptibility: float


class Equivalents(msgspec.Struct, frozen=True, kw_only=True):
    """`GET /v1/graph/equivalents/{failure_id}`."""

    catalog_version: str
    failure: str
    name: str
    focus: str | None
    """The manifestation asked about, when the query named one."""
    vendors: list[VendorNames]
    models: list[ManifestationView]
    """Every model's view of the class, ordered by susceptibility (`order`)."""


class ClassExposure(msgspec.Struct, frozen=True, kw_only=True):
    """One triggered class's share of a model's exposure."""

    failure: str
    load: float
    susceptibility: float
    risk: float


class ModelExposure(msgspec.Struct, frozen=True, kw_only=True):
    """How exposed one model is to the failures a feature set triggers."""

    vendor: str
    model: str
    model_name: str
    exposure: float
    """Chance that at least one triggered failure shows (noisy-OR of the class risks)."""
    classes: list[ClassExposure]


class Exposure(msgspec.Struct, frozen=True, kw_only=True):
    """`GET /v1/graph/exposure`."""

    catalog_version: str
    features: list[str]
    triggered: dict[str, float]
    """Triggered class → trigger load (noisy-OR of the trigger weights)."""
    models: list[ModelExposure]


class PathResult(msgspec.Struct, frozen=True, kw_only=True):
    """`GET /v1/graph/path`: the strongest chain of relations between two failures."""

    catalog_version: str
    source: str
    target: str
    found: bool
    score: float
    hops: list[Hop]
    explanation: str


def _start(fg: FailureGraph, ident: str, param: str) -> tuple[str, list[Hop], str | None]:
    """Resolve a class or manifestation id: (class id, lead-in hops, manifestation's vendor)."""
    ident = ident.strip()
    bare = ident.removeprefix("class:")
    if bare in fg.class_names:
        return bare, [], None
    node = ident if ident.startswith("manifest:") else f"manifest:{ident}"
    data = fg.graph.nodes.get(node)
    if data is None or data.get("kind") != "manifestation":
        raise GraphError(
            404,
            param,
            f"no failure class or manifestation {ident!r}; GET /v1/failures lists the classes",
        )
    cid = data["failure"]
    hop = Hop(
        from_id=node,
        to_id=class_node(cid),
        kind="manifests_as",
        weight=data["susceptibility"],
        reverse=True,
        sources=data["sources"].split("; "),
        says=_SAYS["manifests_as"].format(
            a=fg.class_names[cid], b=f"{data['vendor_term']!r} on {data['model']}"
        ),
    )
    return cid, [hop], data["vendor"]


def _kinds(kinds: Iterable[str] | None) -> frozenset[str]:
    chosen = frozenset(k.strip() for k in kinds or () if k.strip())
    unknown = sorted(chosen - set(RELATED_KINDS))
    if unknown:
        raise GraphError(
            400, "kinds", f"unknown relation kind(s) {unknown}; allowed: {', '.join(RELATED_KINDS)}"
        )
    return chosen or DEFAULT_KINDS


def _label(fg: FailureGraph, node: str) -> str:
    kind, _, rest = node.partition(":")
    return fg.class_names.get(rest, rest) if kind == "class" else rest


def _hop(fg: FailureGraph, here: str, link: Link) -> Hop:
    says = _SAYS[link.kind].format(a=_label(fg, link.start), b=_label(fg, link.end))
    return Hop(
        from_id=here,
        to_id=link.node,
        kind=link.kind,
        weight=link.weight,
        reverse=link.start != here,
        says=says,
        sources=list(link.sources),
    )


Best = dict[str, tuple[float, tuple[tuple[str, Link], ...]]]


def _walk(fg: FailureGraph, start: str, kinds: frozenset[str], max_hops: int) -> Best:
    """Strongest path (max product of weights) to every node within `max_hops` hops."""
    best: Best = {start: (1.0, ())}
    frontier: list[tuple[str, float, tuple[tuple[str, Link], ...]]] = [(start, 1.0, ())]
    for _ in range(max_hops):
        grown = []
        for node, score, trail in frontier:
            for link in fg.links.get(node, ()):
                if link.kind not in kinds:
                    continue
                cand = score * link.weight
                old = best.get(link.node)
                if old is None or cand > old[0]:
                    entry = (*trail, (node, link))
                    best[link.node] = (cand, entry)
                    grown.append((link.node, cand, entry))
        frontier = grown
    return best


def _check_depth(depth: int) -> None:
    if not 1 <= depth <= MAX_DEPTH:
        raise GraphError(400, "depth", f"must be between 1 and {MAX_DEPTH} (got {depth})")


def _vendor(fg: FailureGraph, vendor: str | None) -> str | None:
    if vendor is None or not vendor.strip():
        return None
    found = fg.aliases.get(vendor.strip().lower())
    if found is None:
        raise GraphError(404, "vendor", f"no vendor {vendor!r}; GET /v1/vendors lists them")
    return found


def related(
    fg: FailureGraph,
    ident: str,
    depth: int = 2,
    *,
    vendor: str | None = None,
    kinds: Iterable[str] | None = None,
    limit: int = RESULT_CAP,
) -> Related:
    """Classes related to a class (or to a model's manifestation of one), strongest path first."""
    _check_depth(depth)
    chosen = _kinds(kinds)
    cid, lead, own_vendor = _start(fg, ident, "failure_id")
    vid = _vendor(fg, vendor) or own_vendor
    lead_score = lead[0].weight if lead else 1.0
    start = class_node(cid)
    found = []
    for node, (score, trail) in _walk(fg, start, chosen, depth).items():
        if node == start or not node.startswith("class:"):
            continue
        other = node[6:]
        views = [v for v in fg.views[other] if v.vendor == vid] if vid else []
        found.append(
            RelatedClass(
                id=other,
                name=fg.class_names[other],
                score=round(score * lead_score, 6),
                depth=len(trail),
                path=lead + [_hop(fg, here, link) for here, link in trail],
                vendors=list(fg.documented_vendors[other]),
                manifestations=views,
            )
        )
    found.sort(key=lambda r: (-r.score, r.depth, r.id))
    return Related(
        catalog_version=fg.catalog_version,
        query=ident,
        failure=cid,
        depth=depth,
        kinds=sorted(chosen),
        vendor=vid,
        related=found[: max(1, min(limit, RESULT_CAP))],
    )


def _vendor_names(views: Sequence[ManifestationView]) -> list[VendorNames]:
    by: dict[str, list[ManifestationView]] = {}
    for v in views:
        by.setdefault(v.vendor, []).append(v)
    rows = [
        VendorNames(
            vendor=vid,
            vendor_name=vs[0].vendor_name,
            terms=list(dict.fromkeys(v.term for v in vs if v.documented)) or [vs[0].term],
            documented=any(v.documented for v in vs),
            min_susceptibility=min(v.susceptibility for v in vs),
            max_susceptibility=max(v.susceptibility for v in vs),
        )
        for vid, vs in by.items()
    ]
    rows.sort(key=lambda r: (not r.documented, r.min_susceptibility, r.vendor))
    return rows


def equivalents(fg: FailureGraph, ident: str, order: Order = "asc") -> Equivalents:
    """What each vendor and model calls a class, and how exposed each model is to it."""
    if order not in ("asc", "desc"):
        raise GraphError(400, "order", "must be 'asc' (least exposed first) or 'desc'")
    cid, lead, _ = _start(fg, ident, "failure_id")
    views = fg.views[cid]
    models = list(views) if order == "asc" else list(reversed(views))
    return Equivalents(
        catalog_version=fg.catalog_version,
        failure=cid,
        name=fg.class_names[cid],
        focus=lead[0].from_id if lead else None,
        vendors=_vendor_names(views),
        models=models,
    )


def _model_exposure(
    fg: FailureGraph, mid: str, value: float, triggered: list[tuple[str, float]]
) -> ModelExposure:
    sus = fg.susceptibility[mid]
    top = sorted((-sus[c] * load, c, load) for c, load in triggered)[:TOP_CLASSES]
    parts = [
        ClassExposure(
            failure=c, load=round(load, 4), susceptibility=round(sus[c], 4), risk=round(-neg, 4)
        )
        for neg, c, load in top
    ]
    info = fg.models[mid]
    return ModelExposure(
        vendor=info.vendor,
        model=mid,
        model_name=info.model_name,
        exposure=round(value, 4),
        classes=parts[:TOP_CLASSES],
    )


def exposure(
    fg: FailureGraph,
    features: Sequence[FeatureMatch],
    order: Order = "asc",
    limit: int = EXPOSURE_LIMIT,
) -> Exposure:
    """Models ranked by exposure to the failures these features trigger (least exposed first)."""
    if len(features) > MAX_FEATURES:
        raise GraphError(400, "features", f"at most {MAX_FEATURES} features per query")
    unknown = sorted({f.id for f in features} - fg.feature_ids)
    if unknown:
        raise GraphError(404, "features", f"unknown feature id(s) {unknown}")
    loads = {cid: load for cid, (load, _) in class_loads(features, fg.triggers).items()}
    triggered = list(loads.items())
    # Rank every model on the exact noisy-OR first; build result Structs only for those shown.
    ranked = sorted(
        (combined_risk((fg.susceptibility[mid][c] * load for c, load in triggered), 0.0), mid)
        for mid in fg.models
    )
    if order == "desc":
        ranked.sort(key=lambda pair: (-pair[0], pair[1]))
    rows = [
        _model_exposure(fg, mid, value, triggered)
        for value, mid in ranked[: max(1, min(limit, RESULT_CAP))]
    ]
    return Exposure(
        catalog_version=fg.catalog_version,
        features=sorted({f.id for f in features}),
        triggered={c: round(v, 4) for c, v in sorted(loads.items())},
        models=rows,
    )


def path(
    fg: FailureGraph, source: str, target: str, kinds: Iterable[str] | None = None
) -> PathResult:
    """The strongest chain of relations from one failure to another, hop by hop, explained."""
    chosen = _kinds(kinds)
    a, lead, _ = _start(fg, source, "source")
    b, tail, _ = _start(fg, target, "target")
    score, trail = _walk(fg, class_node(a), chosen, PATH_MAX_HOPS).get(class_node(b), (0.0, ()))
    found = a == b or bool(trail)
    hops = [_hop(fg, here, link) for here, link in trail]
    # A manifestation at the far end is reached from its class: flip the lead-in hop around.
    outro = [
        msgspec.structs.replace(h, from_id=h.to_id, to_id=h.from_id, reverse=False) for h in tail
    ]
    hops = lead + hops + outro if found else []
    for h in lead + outro if found else ():
        score *= h.weight
    explanation = (
        "; ".join(h.says for h in hops)
        if hops
        else (
            "the same failure class"
            if found
            else f"no chain of {', '.join(sorted(chosen))} relations within {PATH_MAX_HOPS} hops"
        )
    )
    return PathResult(
        catalog_version=fg.catalog_version,
        source=source,
        target=target,
        found=found,
        score=round(score if found else 0.0, 6),
        hops=hops,
        explanation=explanation,
    )


def summary(fg: FailureGraph) -> GraphSummary:
    """Sizes, the most central classes and the co-occurrence clusters (precomputed at build)."""
    return fg.summary
