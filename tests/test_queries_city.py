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


TOLERANCE = 0.9
"""A found cluster matches a planted one when each holds at least 90 % of the other's officers
(community detection may attach or drop a stray member)."""


def matching(rows: list[dict[str, Any]], planted: dict[str, Any]) -> dict[str, Any]:
    """The found cluster sharing the most officers with ``planted``; fails if below the tolerance."""
    officers = set(planted["officers"])
    best = max(rows, key=lambda r: len(set(r["officers"]) & officers))
    inter = len(set(best["officers"]) & officers)
    assert inter / len(best["officers"]) >= TOLERANCE and inter / len(officers) >= TOLERANCE, (
        planted["id"],
        sorted(best["officers"]),
        sorted(officers),
    )
    return best


@pytest.mark.parametrize("algorithm", ["leiden", "louvain"])
def test_planted_clusters_recovered(city_driver: neo4j.Driver, key: dict[str, Any], algorithm: str) -> None:
    rows = run(city_driver, key, "risk_clusters", algorithm=algorithm, min_size=2, limit=5000).rows
    assert len(key["clusters"]) == 16
    for planted in key["clusters"]:
        matching(rows, planted)


def test_planted_cluster_kinds(city_driver: neo4j.Driver, key: dict[str, Any]) -> None:
    """Every planted cluster (8 窝案, 8 串案) is found within the tolerance, with its kind and cases."""
    rows = run(city_driver, key, "risk_clusters", min_size=2, limit=5000).rows
    assert sorted(c["kind"] for c in key["clusters"]) == ["串案"] * 8 + ["窝案"] * 8
    for planted in key["clusters"]:
        row = matching(rows, planted)
        assert row["kind"] == planted["kind"], planted["id"]
        assert set(row["cases"]) == set(planted["cases"]), planted["id"]


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
