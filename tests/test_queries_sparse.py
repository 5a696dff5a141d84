"""No query or view raises on a sparse graph.

Random sparse graphs are built through the ingest contract (hypothesis, derandomized): a random
subset of the input files, each with its required columns and a random subset of the optional
ones, random values of each field's own type, isolated nodes and units with no link at all;
endpoints are drawn from small key pools, so some rows point at nothing and are rejected, as in
real exports. Every prepared query and every view then runs on a sample of keys and must answer
with rows (possibly none) or a clean NotFound: never an exception. The field types come from
the schema, so the test follows the contract as it changes.

Plus every unit of the sample city through ``unit_overview`` and ``unit_view``, and the
acceptance checks of the period and 无数据 rules on the city.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import tempfile
import types
import typing
from pathlib import Path
from typing import Any

import annotated_types
import neo4j
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic.fields import FieldInfo

from graph.errors import NotFound
from graph.schema import NODE_SPECS, REL_SPECS, NodeSpec, RelSpec
from graph.testing import wipe
from ingest.job import run_ingest
from queries.registry import QueryResult, all_queries
from viz.views import all_views

pytestmark = pytest.mark.neo4j
DB = "neo4j"

POOL = 5
"""Keys per label: ``<label initial><n>`` for n < POOL. Endpoints outside the loaded nodes are rejected."""


def pool(label: str) -> list[str]:
    return [f"{label[:2].upper()}{n}" for n in range(POOL)]


def _base(annotation: Any) -> tuple[Any, list[Any]]:
    """The field's type without Optional/Annotated, and the Annotated metadata."""
    meta: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            meta += extra
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation, meta


def value_strategy(info: FieldInfo) -> st.SearchStrategy[str]:
    """Values a department export could hold for this field, as CSV text."""
    typ, meta = _base(info.annotation)
    meta = meta + list(info.metadata)
    if isinstance(typ, type) and issubclass(typ, enum.Enum):
        return st.sampled_from([m.value for m in typ])
    if typ is dt.date:
        return st.dates(dt.date(1985, 1, 1), dt.date(2026, 12, 31)).map(dt.date.isoformat)
    if typ is bool:
        return st.sampled_from(["是", "否"])
    if typ is int:
        lo: int = next((int(m.ge) for m in meta if isinstance(m, annotated_types.Ge)), 0)  # type: ignore[call-overload]
        hi: int = next((int(m.le) for m in meta if isinstance(m, annotated_types.Le)), lo + 50)  # type: ignore[call-overload]
        return st.integers(lo, min(hi, lo + 200)).map(str)
    return st.sampled_from(["甲", "乙某", "A-1", "张·三", "说明，含逗号"])


def first_value(info: FieldInfo) -> str:
    """A fixed valid value of the field (the first enum member, a date, the lower bound)."""
    typ, meta = _base(info.annotation)
    meta = meta + list(info.metadata)
    if isinstance(typ, type) and issubclass(typ, enum.Enum):
        return str(next(iter(typ)).value)
    if typ is dt.date:
        return "2020-01-01"
    if typ is int:
        return str(next((m.ge for m in meta if isinstance(m, annotated_types.Ge)), 1))
    return "甲"


def key_field(spec: NodeSpec | RelSpec, name: str) -> str | None:
    """The label whose key the field holds (node key or relationship endpoint), else None."""
    if isinstance(spec, NodeSpec):
        return spec.label if name == spec.key else None
    if name == spec.from_field:
        return spec.from_label
    if name == spec.to_field:
        return spec.to_label
    return None


@st.composite
def export_file(draw: st.DrawFn, spec: NodeSpec | RelSpec) -> tuple[list[str], list[list[str]]]:
    fields = spec.model.model_fields
    required = [n for n, f in fields.items() if f.is_required()]
    optional = [n for n, f in fields.items() if not f.is_required() and key_field(spec, n) is None]
    chosen = (
        draw(st.lists(st.sampled_from(optional), unique=True, max_size=len(optional))) if optional else []
    )
    columns = required + chosen
    keys: list[str | None]
    if isinstance(spec, NodeSpec):
        keys = list(draw(st.lists(st.sampled_from(pool(spec.label)), unique=True, max_size=POOL)))
    else:
        keys = [None] * draw(st.integers(0, 6))
    rows = []
    for key in keys:
        row = []
        for name in columns:
            label = key_field(spec, name)
            if label is not None:
                row.append(key if key is not None else draw(st.sampled_from(pool(label))))
            elif name in chosen and draw(st.booleans()):
                row.append("")  # an optional value the source does not know
            else:
                row.append(draw(value_strategy(fields[name])))
        rows.append(row)
    return columns, rows


@st.composite
def sparse_export(draw: st.DrawFn) -> dict[str, tuple[list[str], list[list[str]]]]:
    specs: list[NodeSpec | RelSpec] = [*NODE_SPECS, *REL_SPECS]
    chosen = draw(
        st.lists(st.sampled_from(specs), unique_by=lambda s: s.file, min_size=1, max_size=len(specs))
    )
    return {s.file: draw(export_file(s)) for s in chosen}


def write_folder(folder: Path, export: dict[str, tuple[list[str], list[list[str]]]]) -> None:
    folder.mkdir(parents=True)
    for stem, (columns, rows) in export.items():
        with open(folder / f"{stem}.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(columns)
            w.writerows(rows)


def loaded_keys(driver: neo4j.Driver) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for spec in NODE_SPECS:
        recs = driver.execute_query(
            f"MATCH (n:`{spec.label}`) RETURN n[$key] AS k ORDER BY k", {"key": spec.key}, database_=DB
        ).records
        out[spec.label] = [r["k"] for r in recs]
    return out


ENTITY_PARAM = {"Officer": "badge_no", "Unit": "unit_code", "Case": "case_no"}


def query_calls(keys: dict[str, list[str]]) -> list[tuple[str, dict[str, Any]]]:
    """Every prepared query with its defaults, a few variants, and a sample of existing and missing keys."""
    calls: list[tuple[str, dict[str, Any]]] = []
    for q in all_queries():
        if q.name == "path_between":
            a = (keys["Officer"] or ["NOPE"])[0]
            b = (keys["Unit"] or ["NOPE"])[-1]
            calls += [
                (q.name, {"source": f"Officer:{a}", "target": f"Unit:{b}"}),
                (q.name, {"source": "Case:NOPE", "target": f"Unit:{b}"}),
            ]
            continue
        if q.entity is not None:
            param = ENTITY_PARAM[q.entity]
            sample = keys[q.entity][:1] + ["NOPE"]
            calls += [(q.name, {param: k}) for k in dict.fromkeys(sample)]
            continue
        calls.append((q.name, {}))
    calls += [
        ("political_ecosystem", {"level": "sub_bureau"}),
        ("political_ecosystem", {"date_from": "1990-01-01", "date_to": "1990-12-31"}),
        ("risk_clusters", {"findings": "sustained", "max_subjects": 2, "min_size": 2, "unit_ties": True}),
        ("risk_clusters", {"cluster_id": "K1", "min_size": 2}),
        ("liaison_coverage", {"graph": True, "include_covered": True}),
        ("supervision_coverage", {"graph": True}),
        ("violation_statistics_time", {"period_kind": "quarter"}),
    ]
    return calls


def view_calls(keys: dict[str, list[str]]) -> list[tuple[str, dict[str, Any]]]:
    calls: list[tuple[str, dict[str, Any]]] = []
    for v in all_views():
        if v.entity is not None:
            param = ENTITY_PARAM[v.entity]
            calls += [(v.name, {param: k}) for k in dict.fromkeys(keys[v.entity][:1] + ["NOPE"])]
        else:
            calls.append((v.name, {}))
    calls.append(("ecosystem_map", {"group_by": "sub_bureau"}))
    return calls


def check_everything_answers(driver: neo4j.Driver) -> None:
    keys = loaded_keys(driver)
    queries = {q.name: q for q in all_queries()}
    for name, params in query_calls(keys):
        try:
            result = queries[name].execute(driver, DB, params)
        except NotFound:
            continue
        assert isinstance(result, QueryResult), name
        assert all(isinstance(n, str) and n for n in result.notes), (name, result.notes)
    views = {v.name: v for v in all_views()}
    for name, params in view_calls(keys):
        try:
            views[name].build(driver, DB, params)
        except NotFound:
            continue


@settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(export=sparse_export())
def test_random_sparse_graphs_never_raise(db: neo4j.Driver, export: dict[str, Any]) -> None:
    wipe(db, DB)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "export"
        write_folder(folder, export)
        report = run_ingest(db, DB, folder)
    assert all(f.error is None for f in report.files.values()), {k: f.error for k, f in report.files.items()}
    check_everything_answers(db)


def test_isolated_nodes_only(db: neo4j.Driver, tmp_path: Path) -> None:
    """One node of each label with only its required fields and no link at all."""
    export = {}
    for spec in NODE_SPECS:
        fields = spec.model.model_fields
        required = [n for n, f in fields.items() if f.is_required()]
        row = [pool(spec.label)[0] if n == spec.key else first_value(fields[n]) for n in required]
        export[spec.file] = (required, [row])
    write_folder(tmp_path / "lone", export)
    report = run_ingest(db, DB, tmp_path / "lone")
    assert sum(f.rejected for f in report.files.values()) == 0
    check_everything_answers(db)


# --- the sample city ------------------------------------------------------------------------


def test_every_city_unit_through_unit_overview_and_unit_view(city_driver: neo4j.Driver) -> None:
    codes = [
        r["code"]
        for r in city_driver.execute_query(
            "MATCH (u:Unit) RETURN u.code AS code ORDER BY code", database_=DB
        ).records
    ]
    assert {"U01SSJW", "U01SZFW"} <= set(codes)  # 市纪委监委 and 市委政法委: no head, leader or supervisor
    overview = next(q for q in all_queries() if q.name == "unit_overview")
    view = next(v for v in all_views() if v.name == "unit_view")
    for code in codes:
        r = overview.execute(city_driver, DB, {"unit_code": code})
        assert f"Unit:{code}" in {n["id"] for n in r.nodes}, code
        v = view.build(city_driver, DB, {"unit_code": code})
        assert v.nodes and v.as_of == r.summary["as_of"], code
    lone = overview.execute(city_driver, DB, {"unit_code": "U01SSJW"})
    assert any("负责人" in n for n in lone.notes)


def test_city_old_period_rates_every_unit_no_data(city_driver: neo4j.Driver) -> None:
    eco = next(q for q in all_queries() if q.name == "political_ecosystem")
    r = eco.execute(city_driver, DB, {"date_from": "1990-01-01", "date_to": "1990-12-31"})
    assert len(r.rows) > 100 and {x["rating"] for x in r.rows} == {"无数据"}
    assert r.notes and any("1990-01-01~1990-12-31" in n for n in r.notes)
    assert r.period == {"date_from": "1990-01-01", "date_to": "1990-12-31"}


def test_city_risk_clusters_with_a_period_and_a_cap(
    city_driver: neo4j.Driver, city_sample: tuple[Path, dict[str, Any]]
) -> None:
    q = next(q for q in all_queries() if q.name == "risk_clusters")
    r = q.execute(city_driver, DB, {"date_from": "2010-01-01", "max_subjects": 10})
    assert r.rows and r.period["date_from"] == "2010-01-01"
    assert r.summary["max_subjects"] == 10 and isinstance(r.summary["skipped_mass"], list)
    assert r.summary["as_of"] == r.period["date_to"]
    # the city's archive holds one mass complaint (14 officers): it is skipped and named; the planted clusters stand
    import csv
    from collections import Counter

    with (city_sample[0] / "clue_subjects.csv").open(encoding="utf-8", newline="") as f:
        named = Counter(
            row["clue_no"] for row in {(r["clue_no"], r["badge_no"]): r for r in csv.DictReader(f)}.values()
        )
    mass = sorted(k for k, n in named.items() if n > 10)
    assert len(mass) == 1
    assert [(m["key"], m["officers"]) for m in r.summary["skipped_mass"]] == [(mass[0], named[mass[0]])]
    assert any(f"线索 {mass[0]}（{named[mass[0]]} 人）" in n for n in r.notes)
    assert r.summary["clusters"] >= len(city_sample[1]["clusters"])
    wide = q.execute(city_driver, DB, {"date_from": "2010-01-01", "max_subjects": 20})
    assert wide.summary["skipped_mass"] == [] and wide.summary["ties"] >= r.summary["ties"] + 14 * 13 // 2
