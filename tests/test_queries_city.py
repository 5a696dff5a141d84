"""The prepared queries against the sample city's answer key (tests/conftest.py ``city_driver``)."""

from __future__ import annotations

from typing import Any

import neo4j
import pytest

from queries.registry import QueryResult, get_query

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def key(city_sample: tuple[Any, dict[str, Any]]) -> dict[str, Any]:
    return city_sample[1]


def run(driver: neo4j.Driver, key: dict[str, Any], name: str, **params: Any) -> QueryResult:
    return get_query(name).execute(driver, "neo4j", {"as_of": key["as_of"], **params})


@pytest.mark.parametrize("algorithm", ["leiden", "louvain"])
def test_planted_clusters_recovered(city_driver: neo4j.Driver, key: dict[str, Any], algorithm: str) -> None:
    found = [
        set(r["officers"])
        for r in run(city_driver, key, "risk_clusters", algorithm=algorithm, min_size=2, limit=5000).rows
    ]
    assert key["clusters"]
    for planted in key["clusters"]:
        officers = set(planted["officers"])
        best = max(found, key=lambda f: len(f & officers))
        inter = len(best & officers)
        assert inter / len(best) >= 0.9 and inter / len(officers) >= 0.9, (
            planted["id"],
            sorted(best),
            sorted(officers),
        )


def test_planted_cluster_kinds(city_driver: neo4j.Driver, key: dict[str, Any]) -> None:
    rows = run(city_driver, key, "risk_clusters", min_size=2, limit=5000).rows
    by_officers = {frozenset(r["officers"]): r for r in rows}
    for planted in key["clusters"]:
        row = by_officers.get(frozenset(planted["officers"]))
        if row is not None:
            assert row["kind"] == planted["kind"], planted["id"]


def test_liaison_gaps(city_driver: neo4j.Driver, key: dict[str, Any]) -> None:
    s = run(city_driver, key, "liaison_coverage", stale_days=key["stale_days"]).summary
    assert set(s["uncovered_units"]) == set(key["liaison"]["uncovered_units"])
    assert set(s["stale_units"]) == set(key["liaison"]["stale_units"])


def test_supervision_gaps_and_overlaps(city_driver: neo4j.Driver, key: dict[str, Any]) -> None:
    sup = key["supervision"]
    s = run(city_driver, key, "supervision_coverage", supervision_type=sup["type"]).summary
    for field in (
        "unsupervised_officers",
        "double_claimed_officers",
        "police_branches_without_discipline_staff",
    ):
        assert set(s[field]) == set(sup[field]), field


def test_closed_loop(city_driver: neo4j.Driver, key: dict[str, Any]) -> None:
    for days, expected in key["overdue_transfers"].items():
        s = run(city_driver, key, "closed_loop", days=int(days)).summary
        assert set(s["overdue_transfers"]) == set(expected), days
    assert set(s["clues_without_handler"]) == set(key["clues_without_handler"])
    assert set(s["overdue_rectifications"]) == set(key["overdue_rectifications"])


def test_whole_graph_queries_run(city_driver: neo4j.Driver, key: dict[str, Any]) -> None:
    eco = run(city_driver, key, "political_ecosystem")
    assert eco.rows and {r["rating"] for r in eco.rows} <= {"好", "较好", "一般", "差", "无数据"}
    assert sum(r["rating"] != "无数据" for r in eco.rows) > len(eco.rows) // 2  # most units have records
    assert any(r["nest_cases"] > 0 for r in eco.rows)
    case = key["clusters"][0]["cases"][0]
    chain = run(city_driver, key, "accountability_chain", case_no=case)
    assert {r["responsibility"] for r in chain.rows} >= {"直接责任", "主体责任"}
