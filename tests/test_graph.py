"""The failure graph: build, export round-trip, and every query on a small hand-made catalog.

The tiny catalog has known weights, so scores and paths can be checked by hand:

    a ─co 0.6─ b ─co 0.5─ d        a ─causes 0.4→ f        e (no relations)
    a ─co 0.5─ c ─confused 0.3─ f  a ─mitigated_by 0.8→ mitigation m   a ─causes 0.1→ c
    triggers: a ← duration.long 0.9; b ← duration.long 0.5, subject.human 0.4; e ← text.render 0.8

The last tests run on the real catalog (issue 5's done-criterion).
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import msgspec
import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from router.catalog import (
    Capabilities,
    Evidence,
    FailureCatalog,
    FailureClass,
    FailureMode,
    Levels,
    Mitigation,
    Model,
    RefundPolicy,
    Relation,
    RelationCatalog,
    Source,
    Trigger,
    Vendor,
    VendorTerm,
)
from router.graph import FailureGraph, build_graph, export_graphml, export_json
from router.graph_cli import add_graph_commands
from router.graph_queries import (
    GraphError,
    equivalents,
    exposure,
    path,
    related,
    summary,
)
from router.loader import Catalog, ModelRef
from router.risk import CORRELATION_EXPONENT, FeatureMatch, index_triggers
from router.susceptibility import Susceptibility

SRC = Source(url="https://example.org/evidence", as_of="undated", verified=False)
CLASSES = {
    "a": ("Temporal Coherence Degradation", [("duration.long", 0.9)]),
    "b": ("Identity Drift", [("duration.long", 0.5), ("subject.human", 0.4)]),
    "c": ("Flicker", []),
    "d": ("Face Distortion", []),
    "e": ("Text Rendering", [("text.render", 0.8)]),
    "f": ("Camera Control Ignored", []),
}
RELATIONS = [
    ("a", "b", "co_occurs_with", 0.6),
    ("a", "c", "co_occurs_with", 0.5),
    ("b", "d", "co_occurs_with", 0.5),
    ("a", "f", "causes", 0.4),
    ("c", "f", "confused_with", 0.3),
    ("a", "c", "causes", 0.1),  # a second, parallel edge a→c: GraphML must keep both
    ("a", "m", "mitigated_by", 0.8),
]
SUSCEPT = {
    "ray-2": {"a": 0.7, "b": 0.3, "c": 0.2, "d": 0.2, "e": 0.5, "f": 0.6},
    "gen-4": {"a": 0.4, "b": 0.5, "c": 0.3, "d": 0.1, "e": 0.6, "f": 0.2},
    "kling-2": {"a": 0.2, "b": 0.6, "c": 0.1, "d": 0.7, "e": 0.4, "f": 0.3},
}


@dataclass(frozen=True)
class Rules:
    """Stands in for FeatureRules: the graph only asks it for the feature ids."""

    ids: frozenset[str]

    def feature_ids(self) -> frozenset[str]:
        return self.ids


def _model(mid: str, modes: list[FailureMode]) -> Model:
    caps = Capabilities(modes=["text_to_video"], sources=[SRC])
    return Model(id=mid, name=mid.upper(), status="ga", capabilities=caps, failure_modes=modes)


def _mode(cid: str, term: str | None = None, severity: str = "medium") -> FailureMode:
    evidence = [Evidence(kind="failure_catalog", source=SRC)]
    return msgspec.convert(
        {
            "failure_id": cid,
            "vendor_term": term,
            "severity": severity,
            "evidence": msgspec.to_builtins(evidence),
        },
        FailureMode,
    )


def _vendor(vid: str, model: Model, terms: list[VendorTerm] | None = None) -> Vendor:
    return Vendor(
        id=vid,
        name=vid.title(),
        aliases=[f"{vid}-ai"],
        models=[model],
        refund_policy=RefundPolicy(summary="none found"),
        failure_terms=terms or [],
    )


def small_catalog() -> Catalog:
    classes = [
        FailureClass(
            id=cid,
            name=name,
            group="g",
            definition="d",
            symptoms=["s"],
            triggers=[Trigger(feature=f, weight=w, rewrite="r") for f, w in trig],
            documentation_strength="medium",
            escalation="x",
            prior=0.3,
        )
        for cid, (name, trig) in CLASSES.items()
    ]
    relations = RelationCatalog(
        mitigations=[Mitigation(id="m", name="Short clips", description="keep it short")],
        relations=[
            Relation(source=s, target=t, kind=k, weight=w, evidence=[SRC])  # type: ignore[arg-type]
            for s, t, k, w in RELATIONS
        ],
    )
    luma = _vendor(
        "luma",
        _model("ray-2", [_mode("a", "Temporal Coherence Degradation")]),
        [VendorTerm(failure_id="f", term="Camera Path Drift", source=SRC)],
    )
    runway = _vendor(
        "runway",
        _model(
            "gen-4",
            [_mode("a", "Temporal inconsistency", "high"), _mode("a", None, "low"), _mode("b")],
        ),
    )
    kling = _vendor("kling", _model("kling-2", [_mode("b", "Face drift"), _mode("d")]))
    vendors = {v.id: v for v in (kling, luma, runway)}
    susceptibility = {
        mid: {
            cid: Susceptibility(
                value=v, prior=0.3, benchmark=None, n_dimensions=0, evidence=None, basis=["test"]
            )
            for cid, v in by.items()
        }
        for mid, by in SUSCEPT.items()
    }
    return Catalog(
        root=Path(),
        version="test",
        vendors=vendors,
        aliases={a: v.id for v in vendors.values() for a in v.aliases},
        models={m.id: ModelRef(v, m) for v in vendors.values() for m in v.models},
        failures=FailureCatalog(levels=Levels(yellow=0.3, red=0.6), classes=classes),
        classes={c.id: c for c in classes},
        relations=relations,
        rules=Rules(frozenset({"duration.long", "subject.human", "text.render", "camera.pan"})),  # type: ignore[arg-type]
        matcher=None,
        benchmarks=None,
        susceptibility=susceptibility,  # type: ignore[arg-type]
        baseline={},
        triggers=index_triggers(classes),
    )


SMALL = build_graph(small_catalog())


@pytest.fixture
def fg() -> FailureGraph:
    return SMALL


def kinds_of(fg: FailureGraph) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, _, kind in fg.graph.edges(data="kind"):
        counts[kind] = counts.get(kind, 0) + 1
    return counts


# --- build ---------------------------------------------------------------------------------


def test_nodes_of_every_kind(fg: FailureGraph) -> None:
    g = fg.graph
    assert {n for n, k in g.nodes(data="kind") if k == "class"} == {f"class:{c}" for c in CLASSES}
    assert g.nodes["feature:camera.pan"]["kind"] == "feature"
    assert g.nodes["mitigation:m"]["name"] == "Short clips"
    # Documented manifestations only: ray-2 a (+ f via the vendor term), gen-4 a b, kling-2 b d.
    manifests = {n for n, k in g.nodes(data="kind") if k == "manifestation"}
    assert manifests == {
        "manifest:ray-2:a",
        "manifest:ray-2:f",
        "manifest:gen-4:a",
        "manifest:gen-4:b",
        "manifest:kling-2:b",
        "manifest:kling-2:d",
    }


def test_edges_typed_weighted_and_sourced(fg: FailureGraph) -> None:
    assert kinds_of(fg) == {
        "manifests_as": 6,
        "equivalent_to": 2,
        "co_occurs_with": 3,
        "causes": 2,
        "confused_with": 1,
        "mitigated_by": 1,
        "triggered_by": 4,
    }
    for _, _, data in fg.graph.edges(data=True):
        assert 0.0 <= data["weight"] <= 1.0
        assert data["source"]
    edge = fg.graph.get_edge_data("class:a", "feature:duration.long")[0]
    assert (edge["weight"], edge["source"]) == (0.9, "catalog/failures.yaml")
    rel = fg.graph.get_edge_data("class:a", "class:b")[0]
    assert rel["source"] == SRC.url and rel["symmetric"] is True


def test_manifestation_attributes(fg: FailureGraph) -> None:
    node = fg.graph.nodes["manifest:gen-4:a"]
    # Two entries for one class merge: the first term, the strongest severity.
    assert node["vendor_term"] == "Temporal inconsistency"
    assert node["severity"] == "high"
    assert node["susceptibility"] == 0.4
    assert node["vendor"] == "runway"
    assert fg.graph.nodes["manifest:ray-2:f"]["term_from"] == "vendor_term"
    assert fg.graph.get_edge_data("class:a", "manifest:ray-2:a")[0]["weight"] == 0.7


def test_attributes_are_graphml_types(fg: FailureGraph) -> None:
    items = [*fg.graph.nodes(data=True), *((u, d) for u, _, d in fg.graph.edges(data=True))]
    for _, data in items:
        for value in data.values():
            assert isinstance(value, str | int | float | bool), value


# --- export --------------------------------------------------------------------------------


def test_graphml_round_trip(fg: FailureGraph) -> None:
    back = nx.read_graphml(io.BytesIO(export_graphml(fg).encode()))
    assert back.number_of_nodes() == fg.graph.number_of_nodes()
    assert back.number_of_edges() == fg.graph.number_of_edges()
    assert back.nodes["manifest:ray-2:a"]["susceptibility"] == 0.7


def test_node_link_json(fg: FailureGraph) -> None:
    data = json.loads(json.dumps(export_json(fg)))
    assert len(data["nodes"]) == fg.graph.number_of_nodes()
    assert len(data["links"]) == fg.graph.number_of_edges()
    back = nx.node_link_graph(data, edges="links")
    assert back.number_of_edges() == fg.graph.number_of_edges()


# --- related -------------------------------------------------------------------------------


def test_related_depth_one(fg: FailureGraph) -> None:
    res = related(fg, "a", depth=1)
    assert [(r.id, r.score) for r in res.related] == [("b", 0.6), ("c", 0.5), ("f", 0.4)]
    assert all(len(r.path) == 1 and r.depth == 1 for r in res.related)
    assert res.related[0].path[0].sources == [SRC.url]


def test_related_depth_two_takes_strongest_path(fg: FailureGraph) -> None:
    res = {r.id: r for r in related(fg, "a", depth=2).related}
    assert set(res) == {"b", "c", "d", "f"}
    assert res["d"].score == pytest.approx(0.3)
    assert [h.to_id for h in res["d"].path] == ["class:b", "class:d"]
    # f: direct 0.4 beats a→c→f 0.15
    assert res["f"].depth == 1
    assert res["b"].vendors == ["kling", "runway"]


def test_related_walks_edges_backwards(fg: FailureGraph) -> None:
    res = {r.id: r for r in related(fg, "f", depth=1).related}
    hop = res["a"].path[0]
    assert hop.reverse is True and hop.kind == "causes"
    assert hop.says == "Temporal Coherence Degradation often leads to Camera Control Ignored"


def test_related_kind_filter_and_shared_triggers(fg: FailureGraph) -> None:
    assert [r.id for r in related(fg, "a", 3, kinds=["causes"]).related] == ["f", "c"]
    shared = related(fg, "a", 2, kinds=["triggered_by"]).related
    assert [(r.id, r.score) for r in shared] == [("b", 0.45)]
    assert [h.to_id for h in shared[0].path] == ["feature:duration.long", "class:b"]


def test_related_with_vendor_lists_its_manifestations(fg: FailureGraph) -> None:
    res = related(fg, "a", 1, vendor="kling-ai")  # an alias
    assert res.vendor == "kling"
    b = next(r for r in res.related if r.id == "b")
    assert [(m.model, m.term, m.documented) for m in b.manifestations] == [
        ("kling-2", "Face drift", True)
    ]
    c = next(r for r in res.related if r.id == "c")
    assert [(m.term, m.documented) for m in c.manifestations] == [("Flicker", False)]


def test_related_from_a_manifestation(fg: FailureGraph) -> None:
    res = related(fg, "manifest:ray-2:a", 1)
    assert res.failure == "a" and res.vendor == "luma"
    first = res.related[0]
    assert first.path[0].kind == "manifests_as" and first.path[0].reverse
    assert first.score == pytest.approx(0.7 * 0.6)
    f = next(r for r in res.related if r.id == "f")
    assert f.manifestations[0].term == "Camera Path Drift"


@pytest.mark.parametrize(
    ("kwargs", "status", "param"),
    [
        ({"ident": "a", "depth": 0}, 400, "depth"),
        ({"ident": "a", "depth": 4}, 400, "depth"),
        ({"ident": "nope"}, 404, "failure_id"),
        ({"ident": "manifest:ray-2:b"}, 404, "failure_id"),
        ({"ident": "a", "kinds": ["friends_with"]}, 400, "kinds"),
        ({"ident": "a", "vendor": "acme"}, 404, "vendor"),
    ],
)
def test_related_rejects_bad_input(fg: FailureGraph, kwargs: dict, status: int, param: str) -> None:
    with pytest.raises(GraphError) as err:
        related(fg, **kwargs)
    assert (err.value.status, err.value.param) == (status, param)


@settings(max_examples=60, deadline=None)
@given(
    start=st.sampled_from(sorted(CLASSES)),
    depth=st.integers(1, 3),
    kinds=st.sets(st.sampled_from(["co_occurs_with", "causes", "confused_with", "triggered_by"])),
)
def test_related_invariants(start: str, depth: int, kinds: set[str]) -> None:
    graph = SMALL
    res = related(graph, start, depth, kinds=kinds).related
    scores = [r.score for r in res]
    assert scores == sorted(scores, reverse=True)
    for r in res:
        assert r.id != start and 0 < r.score <= 1
        assert len(r.path) == r.depth <= depth
        assert r.score == pytest.approx(math.prod(h.weight for h in r.path), abs=1e-6)
        assert r.path[0].from_id == f"class:{start}" and r.path[-1].to_id == f"class:{r.id}"
    deeper = {r.id for r in related(graph, start, 3, kinds=kinds).related}
    assert {r.id for r in res} <= deeper  # more depth never loses a class


# --- equivalents, exposure, path, summary -----------------------------------------------------


def test_equivalents_names_and_exposure(fg: FailureGraph) -> None:
    eq = equivalents(fg, "a")
    assert [(m.model, m.susceptibility) for m in eq.models] == [
        ("kling-2", 0.2),
        ("gen-4", 0.4),
        ("ray-2", 0.7),
    ]
    terms = {v.vendor: v.terms for v in eq.vendors}
    assert terms == {
        "luma": ["Temporal Coherence Degradation"],
        "runway": ["Temporal inconsistency"],
        "kling": ["Temporal Coherence Degradation"],  # no term of its own: the class name
    }
    assert [v.vendor for v in eq.vendors][-1] == "kling"  # undocumented vendors last
    desc = equivalents(fg, "manifest:ray-2:a", order="desc")
    assert desc.focus == "manifest:ray-2:a" and desc.models[0].model == "ray-2"


def test_exposure_matches_noisy_or(fg: FailureGraph) -> None:
    res = exposure(
        fg,
        [
            FeatureMatch(id="duration.long", confidence=1.0),
            FeatureMatch(id="subject.human", confidence=1.0),
        ],
    )
    load_b = 1 - (1 - 0.5) * (1 - 0.4)
    assert res.triggered == {"a": 0.9, "b": pytest.approx(load_b)}
    expected = {
        mid: 1 - ((1 - s["a"] * 0.9) * (1 - s["b"] * load_b)) ** CORRELATION_EXPONENT
        for mid, s in SUSCEPT.items()
    }
    assert [m.model for m in res.models] == sorted(expected, key=expected.__getitem__)
    for row in res.models:
        assert row.exposure == pytest.approx(expected[row.model], abs=1e-4)
    assert exposure(fg, [FeatureMatch(id="camera.pan", confidence=1.0)]).models[0].exposure == 0.0
    with pytest.raises(GraphError) as err:
        exposure(fg, [FeatureMatch(id="camera.nope", confidence=1.0)])
    assert (err.value.status, err.value.param) == (404, "features")


def test_path_is_explained(fg: FailureGraph) -> None:
    res = path(fg, "d", "c")
    assert res.found and res.score == pytest.approx(0.5 * 0.6 * 0.5)
    assert [h.to_id for h in res.hops] == ["class:b", "class:a", "class:c"]
    assert "Identity Drift co-occurs with Face Distortion" in res.explanation
    assert not path(fg, "a", "e").found
    assert path(fg, "a", "e", ["triggered_by", "co_occurs_with"]).found is False
    assert path(fg, "a", "a").score == 1.0
    to_manifest = path(fg, "b", "manifest:ray-2:a")
    assert to_manifest.hops[-1].to_id == "manifest:ray-2:a"
    assert to_manifest.score == pytest.approx(0.6 * 0.7)


def test_summary_centrality_and_clusters(fg: FailureGraph) -> None:
    s = summary(fg)
    assert s.central[0].id == "a" and s.central[0].strength == pytest.approx(1.6)
    assert [c.members for c in s.clusters] == [["a", "b", "c", "d"]]
    assert s.nodes["class"] == 6 and s.edges["equivalent_to"] == 2


# --- CLI -----------------------------------------------------------------------------------


def test_cli_verbs_parse() -> None:
    import argparse

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", type=Path)
    parser = argparse.ArgumentParser()
    add_graph_commands(parser.add_subparsers(dest="command"), common)
    args = parser.parse_args(["graph", "related", "a", "--depth", "3", "--vendor", "luma"])
    assert (args.id, args.depth, args.vendor) == ("a", 3, "luma")
    args = parser.parse_args(["graph", "export", "--format", "json", "--out", "g.json"])
    assert (args.format, args.out) == ("json", Path("g.json"))
    with pytest.raises(SystemExit):
        parser.parse_args(["graph", "export", "--format", "gexf"])


# --- the real catalog ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(catalog: Catalog) -> FailureGraph:
    return build_graph(catalog)


def test_real_temporal_coherence_related(real: FailureGraph) -> None:
    res = related(real, "temporal_coherence_degradation", depth=2)
    assert len(res.related) >= 3
    vendors = {v for r in res.related for v in r.vendors}
    assert len(vendors) >= 3
    for r in res.related:
        assert r.path and r.path[0].from_id == "class:temporal_coherence_degradation"
        assert r.path[-1].to_id == f"class:{r.id}"
        assert all(h.sources for h in r.path)


def test_real_graphml_round_trip(real: FailureGraph) -> None:
    back = nx.read_graphml(io.BytesIO(export_graphml(real).encode()))
    assert back.number_of_nodes() == real.graph.number_of_nodes()
    assert back.number_of_edges() == real.graph.number_of_edges()


def test_real_equivalents_cover_every_model(real: FailureGraph, catalog: Catalog) -> None:
    eq = equivalents(real, "temporal_coherence_degradation")
    assert len(eq.models) == len(catalog.models)
    values = [m.susceptibility for m in eq.models]
    assert values == sorted(values)
