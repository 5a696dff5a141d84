"""The risk-cluster ranking: 窝案 first, then 串案, then 关联 (docs/queries.md), on hand-made rows
and on the sample city's answer key."""

from __future__ import annotations

from typing import Any

import neo4j
import pytest

from graph.settings import Settings
from queries.analysis.ranking import cluster_rank_key, cluster_reason
from queries.registry import get_query


def test_kind_outranks_risk_and_size() -> None:
    loose = {"kind": "关联", "risk": 30, "size": 5, "officers": ["1"]}
    nest = {"kind": "窝案", "risk": 4, "size": 5, "officers": ["2"]}
    linked = {"kind": "串案", "risk": 9, "size": 9, "officers": ["3"]}
    smaller_nest = {"kind": "窝案", "risk": 4, "size": 3, "officers": ["4"]}
    ranked = sorted([loose, linked, smaller_nest, nest], key=cluster_rank_key)
    assert ranked == [nest, smaller_nest, linked, loose]


def test_reason_names_kind_and_units_not_people() -> None:
    row = {
        "kind": "窝案",
        "risk": 6,
        "size": 5,
        "unit_names": ["江北分局城关派出所"],
        "cases": ["A"],
        "clues": ["X", "Y"],
        "leaders": ["张三（0001）"],
        "high_risk_posts": [],
        "officers": ["0001"],
    }
    reason = cluster_reason(row)
    assert reason.startswith("窝案：") and "江北分局城关派出所" in reason and "1 案 2 线索" in reason
    assert "含领导干部 1 人" in reason and "张三" not in reason


@pytest.mark.neo4j
def test_planted_nests_rank_first_on_the_sample(
    city_driver: neo4j.Driver, city_settings: Settings, city_sample: tuple[Any, dict[str, Any]]
) -> None:
    rows = (
        get_query("risk_clusters")
        .execute(city_driver, city_settings.neo4j_database, {"as_of": "2026-06-30", "limit": 500})
        .rows
    )
    kinds = [r["kind"] for r in rows]
    assert kinds == sorted(kinds, key=["窝案", "串案", "关联"].index)
    nests = [c for c in city_sample[1]["clusters"] if c["kind"] == "窝案"]
    found = sum(k == "窝案" for k in kinds)
    assert nests and found >= len(nests)
    for planted in nests:  # each planted 窝案 lies in a cluster ranked among the 窝案 (K1…Kn)
        rank = next(i for i, r in enumerate(rows, 1) if set(planted["officers"]) & set(r["officers"]))
        assert rank <= found, (planted["id"], rank)
