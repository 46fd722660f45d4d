"""The real catalog loads cleanly; broken copies fail with file and field, never a traceback."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import feature_ids
import pytest

from router.cli import main
from router.loader import Catalog, CatalogError, load_catalog, yaml_shape
from router.settings import PROJECT_ROOT

SPEC_FEATURES = set(feature_ids.SPEC_IDS)


def test_real_catalog_meets_the_minimums(catalog: Catalog) -> None:
    assert len(catalog.vendors) >= 15
    assert len(catalog.models) >= 30
    assert len(catalog.classes) >= 20
    assert "temporal_coherence_degradation" in catalog.classes
    assert catalog.rules.feature_ids() >= SPEC_FEATURES
    assert len(catalog.version) == 16


def test_every_class_is_derived_for_every_model(catalog: Catalog) -> None:
    for model_id, per_class in catalog.susceptibility.items():
        assert set(per_class) == set(catalog.classes), model_id
        assert all(0.0 <= s.value <= 1.0 for s in per_class.values())


def test_benchmark_rows_are_named_by_models(catalog: Catalog) -> None:
    named = {(b, row) for ref in catalog.models.values() for b, row in ref.model.benchmarks.items()}
    assert len(named) >= 30
    assert ("vbench", "luma-dream-machine") in named


def test_aliases_resolve(catalog: Catalog) -> None:
    openai = catalog.vendor("sora")
    assert openai is not None and openai.id == "openai"
    assert catalog.vendor("LUMA") is catalog.vendors["luma"]
    assert catalog.vendor("nope") is None


@pytest.fixture
def broken(tmp_path: Path) -> Callable[[str, Callable[[str], str]], Path]:
    """Copy the catalog, then rewrite one file's text."""
    for name in ("vendors", "catalog"):
        shutil.copytree(PROJECT_ROOT / name, tmp_path / name)

    def rewrite(rel: str, change: Callable[[str], str]) -> Path:
        path = tmp_path / rel
        path.write_text(change(path.read_text()))
        return tmp_path

    return rewrite


def problems_of(root: Path) -> list[str]:
    with pytest.raises(CatalogError) as info:
        load_catalog(root)
    return [str(p) for p in info.value.problems]


def test_yaml_syntax_error_names_the_file(broken: Callable[..., Path]) -> None:
    root = broken("vendors/luma.yaml", lambda t: t + "\n  - : [unclosed\n")
    found = problems_of(root)
    assert any(p.startswith("vendors/luma.yaml: $: not valid YAML") for p in found)


def test_duplicate_key_names_the_file_and_line(broken: Callable[..., Path]) -> None:
    # PyYAML keeps the last of two equal keys: a second `patterns:` would drop the first list.
    def twice(text: str) -> str:
        head, sep, rest = text.partition("\n  - id: camera.pan\n")
        return head + sep + "    confidence: 0.5\n" + rest

    root = broken("catalog/features.yaml", twice)
    found = problems_of(root)
    assert any(
        p.startswith("catalog/features.yaml: line ") and "duplicate key 'confidence'" in p
        for p in found
    ), found


def test_equal_keys_in_different_mappings_are_fine() -> None:
    depth, duplicates = yaml_shape(b"a: {x: 1, y: [ {x: 2}, {x: 3} ]}\nb: {x: 4}\n")
    assert (depth, duplicates) == (4, [])
    assert yaml_shape(b"a: 1\nb: [1, 2]\na: 3\n")[1] == [("a", 3)]


def test_unknown_field_names_file_and_path(broken: Callable[..., Path]) -> None:
    root = broken(
        "vendors/luma.yaml", lambda t: t.replace("\nmodels:", "\nbogus_field: 1\nmodels:", 1)
    )
    found = problems_of(root)
    assert any("vendors/luma.yaml" in p and "bogus_field" in p for p in found), found


def test_wrong_type_names_the_field_path(broken: Callable[..., Path]) -> None:
    root = broken(
        "catalog/relations.yaml", lambda t: re.sub(r"weight: [0-9.]+", "weight: heavy", t, count=1)
    )
    found = problems_of(root)
    assert any(
        p.startswith("catalog/relations.yaml: $.relations[0].weight: Expected `float`")
        for p in found
    ), found


def test_unknown_failure_class_in_vendor(broken: Callable[..., Path]) -> None:
    root = broken(
        "vendors/luma.yaml",
        lambda t: t.replace(
            "failure_id: temporal_coherence_degradation", "failure_id: time_travel", 1
        ),
    )
    found = problems_of(root)
    assert any("vendors/luma.yaml" in p and "time_travel" in p and "failure_id" in p for p in found)


def test_duplicate_model_id_across_vendors(broken: Callable[..., Path], catalog: Catalog) -> None:
    runway_model = catalog.vendors["runway"].models[0].id
    luma_model = catalog.vendors["luma"].models[0].id
    root = broken(
        "vendors/luma.yaml", lambda t: t.replace(f"id: {luma_model}\n", f"id: {runway_model}\n", 1)
    )
    found = problems_of(root)
    assert any("duplicate model id" in p and runway_model in p for p in found), found


def test_unknown_trigger_feature(broken: Callable[..., Path]) -> None:
    root = broken(
        "catalog/failures.yaml",
        lambda t: t.replace("feature: duration.long", "feature: duration.forever", 1),
    )
    found = problems_of(root)
    assert any("catalog/failures.yaml" in p and "duration.forever" in p for p in found), found


def test_dangling_relation(broken: Callable[..., Path]) -> None:
    root = broken(
        "catalog/relations.yaml",
        lambda t: t.replace("target: identity_drift", "target: identity_drifting", 1),
    )
    found = problems_of(root)
    assert any("catalog/relations.yaml" in p and "identity_drifting" in p for p in found), found


def test_vendor_id_must_match_file_name(broken: Callable[..., Path]) -> None:
    root = broken("vendors/luma.yaml", lambda t: t.replace("id: luma\n", "id: lumalabs\n", 1))
    found = problems_of(root)
    assert any("must match the file name" in p for p in found), found


def test_unknown_benchmark_row(broken: Callable[..., Path]) -> None:
    root = broken(
        "vendors/luma.yaml",
        lambda t: t.replace("vbench: luma-dream-machine", "vbench: luma-dream-machine-9", 1),
    )
    found = problems_of(root)
    assert any("luma-dream-machine-9" in p for p in found), found


def test_catalog_check_cli_lists_problems_and_exits_nonzero(
    broken: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = broken(
        "catalog/failures.yaml",
        lambda t: t.replace("feature: duration.long", "feature: duration.forever", 1),
    )
    assert main(["catalog", "check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "catalog/failures.yaml" in err and "duration.forever" in err
    assert "Traceback" not in err


def test_catalog_check_cli_is_clean_on_the_real_catalog() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "router", "catalog", "check"],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT_ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("catalog ok:")


def test_broken_catalog_never_starts_a_server(broken: Callable[..., Path]) -> None:
    root = broken("vendors/luma.yaml", lambda t: "not: [valid")
    done = subprocess.run(
        [sys.executable, "-m", "router", "serve", "--root", str(root), "--port", "8799"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "vendors/luma.yaml" in done.stderr and "Traceback" not in done.stderr
