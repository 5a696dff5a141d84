"""The registry and the .cypher files: no database needed."""

from __future__ import annotations

import random
import re

import networkx as nx
import pytest

from graph.errors import NotFound, QueryParamError
from graph.schema import NODE_SPECS, ORDER_NODE_SPECS, ORDER_REL_TYPES, REL_SPECS
from queries.analysis.communities import SEED, leiden, louvain
from queries.analysis.ecosystem import derive_rates, load_config, score_unit
from queries.analysis.projection import add_unit_ties, co_involvement_graph
from queries.commands import parse_params
from queries.common import SCHEMA_PARAMS
from queries.registry import FRAGMENTS_FILE, all_queries, get_query, load_cypher, query_files

REQUIRED = {
    "political_ecosystem",
    "political_ecosystem_trend",
    "risk_clusters",
    "liaison_coverage",
    "supervision_coverage",
    "closed_loop",
    "accountability_chain",
    "violation_statistics",
    "officer_profile",
    "unit_overview",
    "path_between",
}


def test_required_queries_registered() -> None:
    names = {q.name for q in all_queries()}
    assert REQUIRED <= names
    assert all(n.startswith("violation_statistics") for n in names if "violation" in n)


def test_unknown_query_is_not_found() -> None:
    with pytest.raises(NotFound, match="no query named"):
        get_query("no_such_query")


def test_every_cypher_param_matches_its_model() -> None:
    used_files: set[str] = set()
    for q in all_queries():
        fields = set(q.params.model_fields)
        assert not (fields & set(SCHEMA_PARAMS)), f"{q.name}: a user parameter shadows a schema parameter"
        for name in q.cypher:
            cf = load_cypher(name)
            used_files.add(name)
            assert not (cf.internal & fields), f"{name}: internal params shadow user params"
            assert cf.internal <= cf.params, (
                f"{name}: declared internal but unused: {cf.internal - cf.params}"
            )
            assert not (cf.internal & set(SCHEMA_PARAMS)), f"{name}: schema parameters declared internal"
            unknown = cf.params - fields - cf.internal - set(SCHEMA_PARAMS)
            assert not unknown, (
                f"{q.name}/{name}: $params not in the parameter model nor declared internal: {unknown}"
            )
    on_disk = {p.stem for p in query_files()}
    assert on_disk - used_files <= {
        "export_nodes",
        "export_rels",
        "data_as_of",
        "relationship_page",
        "relationship_count",
    }, on_disk - used_files


def test_cypher_uses_only_schema_labels_and_types() -> None:
    labels = {s.label for s in NODE_SPECS} | {s.label for s in ORDER_NODE_SPECS}
    types = {s.type for s in REL_SPECS} | {r.type for r in ORDER_REL_TYPES}
    for path in [*query_files(), FRAGMENTS_FILE]:
        body = "\n".join(line.split("//", 1)[0] for line in path.read_text(encoding="utf-8").splitlines())
        for lab in re.findall(r"\(\w*:(\w+)", body):
            assert lab in labels, f"{path.name}: unknown label {lab}"
        for group in re.findall(r"\[\w*:([\w|]+)", body):
            for t in group.split("|"):
                assert t in types, f"{path.name}: unknown relationship type {t}"


def test_required_keys_and_bad_params() -> None:
    for name, key in (
        ("accountability_chain", "case_no"),
        ("officer_profile", "badge_no"),
        ("unit_overview", "unit_code"),
        ("political_ecosystem_trend", "unit_code"),
    ):
        q = get_query(name)
        assert q.params.model_fields[key].is_required()
        with pytest.raises(QueryParamError, match=key):
            q.validate({})
    with pytest.raises(QueryParamError, match="days"):
        get_query("closed_loop").validate({"days": "abc"})
    with pytest.raises(QueryParamError):
        get_query("closed_loop").validate({"dayz": 3})
    with pytest.raises(QueryParamError):
        get_query("path_between").validate({"source": "Nope:1", "target": "Unit:B"})
    p = get_query("closed_loop").validate({"as_of": "2026年6月30日", "days": "60"})
    assert str(p.as_of) == "2026-06-30" and p.days == 60  # type: ignore[attr-defined]


def test_param_specs_and_parse() -> None:
    specs = {p["name"]: p for p in get_query("closed_loop").param_list()}
    assert specs["days"] == {**specs["days"], "type": "integer", "required": False, "default": 30}
    assert specs["as_of"]["required"] is False
    assert parse_params(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}
    with pytest.raises(QueryParamError):
        parse_params(["novalue"])


def test_ecosystem_score_worked_example() -> None:
    cfg = load_config()
    row = derive_rates(
        {
            "officers": 4,
            "clues": 1,
            "cases": 1,
            "leader_cases": 1,
            "nest_cases": 1,
            "linked_cases": 0,
            "repeat_clue_officers": 0,
            "formed_involvements": 3,
            "first_form_involvements": 2,
            "overdue_rectifications": 1,
            "petition_clues": 1,
        }
    )
    out = score_unit(row, cfg)
    # 100 - (15 + 20 + 7.5 + 15 + 7/3 + 5) = 35.17
    assert out["score"] == 35.2 and out["rating"] == "差"
    assert out["reasons"][0].startswith("每百人案件数")
    capped = score_unit(derive_rates({"officers": 1000, "nest_cases": 1}), cfg)
    assert capped["score"] == 85.0 and capped["rating"] == "一般" and "窝案" in capped["reasons"][0]


def test_projection_and_communities() -> None:
    groups = [
        ("Case", "C1", ["a", "b", "c"]),
        ("Clue", "K1", ["a", "b"]),
        ("Case", "C2", ["x", "y"]),
        ("Case", "C3", ["y", "z"]),
        ("Case", "C4", ["solo"]),
    ]
    g = co_involvement_graph(groups)
    assert g["a"]["b"]["weight"] == 4.0 and "solo" in g
    for algo in (leiden, louvain):
        parts = algo(g)
        assert parts[:2] == [{"a", "b", "c"}, {"x", "y", "z"}] and parts == algo(g)
    h = add_unit_ties(
        g,
        {"a": {"unit_code": "U"}, "x": {"unit_code": "U", "post": "p"}, "y": {"unit_code": "U", "post": "p"}},
    )
    assert h["a"]["x"]["weight"] == pytest.approx(0.2) and h["x"]["y"]["weight"] == pytest.approx(3.5)


def test_leiden_is_seeded_and_gives_igraph_its_generator_back() -> None:
    """igraph draws from one generator for the whole process: ``leiden`` seeds it for its call
    (same graph, same partition; another seed, another partition on a graph without planted
    structure) and gives back Python's ``random``, so other igraph users see no change."""
    import igraph as ig

    rng = random.Random(3)
    g = nx.gnm_random_graph(400, 1200, seed=5)
    for u, v in g.edges:
        g[u][v]["weight"] = rng.choice([1.0, 3.0, 4.0])
    g = nx.relabel_nodes(g, {i: f"n{i:03d}" for i in g})
    first = leiden(g)
    assert 1 < len(first) < 400
    assert leiden(g) == first and leiden(g, seed=SEED + 1) != first
    plain = ig.Graph(n=400, edges=list(nx.convert_node_labels_to_integers(g).edges))

    def after_reseeding() -> list[int]:
        random.seed(7)
        return list(plain.community_leiden(objective_function="modularity", n_iterations=-1).membership)

    assert after_reseeding() == after_reseeding()  # igraph draws from `random` again
