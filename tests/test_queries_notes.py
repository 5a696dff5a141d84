"""What the queries say when their answer rests on missing data: notes, periods, 无数据, unknowns.

Small graphs built by hand with parameterised Cypher (the schema's labels and types only), each
holding exactly the gap a test is about; the answers are worked out by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import neo4j
import pytest

from graph.constraints import q
from graph.schema import node_spec, rel_spec
from queries.registry import QueryResult, get_query
from tests.data.queries import world

pytestmark = pytest.mark.neo4j
DB = "neo4j"
D = dt.date


def load(
    driver: neo4j.Driver,
    nodes: dict[str, list[dict[str, Any]]],
    rels: list[tuple[str, str, str, dict[str, Any]]],
) -> None:
    for label, rows in nodes.items():
        spec = node_spec(label)
        driver.execute_query(
            f"UNWIND $rows AS row MERGE (n:{q(label)} {{{q(spec.key)}: row[$key]}}) SET n += row",
            {"rows": rows, "key": spec.key},
            database_=DB,
        )
    for rel_type, src, dst, props in rels:
        r = rel_spec(rel_type)
        a, b = node_spec(r.from_label), node_spec(r.to_label)
        summary = driver.execute_query(
            f"MATCH (a:{q(r.from_label)} {{{q(a.key)}: $src}}) MATCH (b:{q(r.to_label)} {{{q(b.key)}: $dst}}) "
            f"CREATE (a)-[x:{q(rel_type)}]->(b) SET x = $props",
            {"src": src, "dst": dst, "props": props},
            database_=DB,
        ).summary
        assert summary.counters.relationships_created == 1, (rel_type, src, dst)


def run(driver: neo4j.Driver, name: str, **params: Any) -> QueryResult:
    return get_query(name).execute(driver, DB, params)


def has_note(result: QueryResult, *fragments: str) -> bool:
    return any(all(f in n for f in fragments) for n in result.notes)


# --- the world of tests/data/queries/world.py, loaded once for the module --------------------


@pytest.fixture(scope="module")
def w(_db_driver: neo4j.Driver, db_settings: Any) -> Iterator[neo4j.Driver]:
    from graph.testing import wipe

    wipe(_db_driver, db_settings.neo4j_database)
    world.load(_db_driver, db_settings.neo4j_database)
    yield _db_driver
    wipe(_db_driver, db_settings.neo4j_database)


def test_default_period_ends_at_the_data_date(w: neo4j.Driver) -> None:
    # newest dated record of the world: L4's visit to P3 on 2026-06-01 (clues end 2026-05-15)
    r = run(w, "political_ecosystem")
    assert r.period == {"date_from": "2025-06-02", "date_to": "2026-06-01"}
    assert (r.summary["as_of"], r.summary["data_as_of"]) == ("2026-06-01", "2026-06-01")
    assert {x["period"] for x in r.rows} == {"2025-06-02~2026-06-01"}
    stats = run(w, "violation_statistics")
    assert stats.period == {"date_from": "2022-01-01", "date_to": "2026-06-01"}
    clusters = run(w, "risk_clusters", min_size=2)
    assert clusters.period == {"date_from": None, "date_to": "2026-06-01"}


def test_empty_period_rates_every_unit_no_data(w: neo4j.Driver) -> None:
    r = run(w, "political_ecosystem", date_from="1990-01-01", date_to="1990-12-31")
    assert r.period == {"date_from": "1990-01-01", "date_to": "1990-12-31"}
    assert r.rows and {x["rating"] for x in r.rows} == {"无数据"} and {x["score"] for x in r.rows} == {None}
    assert has_note(r, "统计期 1990-01-01~1990-12-31 内没有任何", "数据截至 2026-06-01")
    assert has_note(r, f"{len(r.rows)} 个单位统计期内没有线索")
    assert r.summary["ratings"] == {"无数据": len(r.rows)}


def test_year_is_a_shortcut_and_cannot_be_mixed(w: neo4j.Driver) -> None:
    r = run(w, "political_ecosystem", year=2024, as_of="2026-06-30")
    assert r.period == {"date_from": "2024-01-01", "date_to": "2024-12-31"}
    assert {x["unit_code"]: x["cases"] for x in r.rows}["B"] == 1  # CASE4, opened 2024-05-01, involves L2
    from graph.errors import QueryParamError

    with pytest.raises(QueryParamError, match="year"):
        run(w, "political_ecosystem", year=2024, date_from="2024-01-01")
    with pytest.raises(QueryParamError, match="date_from"):
        run(w, "political_ecosystem", date_from="2026-01-01", date_to="2025-01-01")


def test_as_of_long_after_the_data_is_noted(w: neo4j.Driver) -> None:
    r = run(w, "closed_loop", as_of="2027-06-30")
    assert has_note(r, "截至日期 2027-06-30 晚于数据截至日期 2026-06-01")
    assert run(w, "closed_loop", as_of="2026-06-30").notes == []


def test_closed_loop_period_filters_by_item_date(w: neo4j.Driver) -> None:
    # K2 transferred 2026-04-01, K3 2026-05-20: only K3 falls in May
    r = run(w, "closed_loop", as_of="2026-06-30", days=30, date_from="2026-05-01", date_to="2026-05-31")
    assert r.summary["overdue_transfers"] == ["K3"] and r.summary["clues_without_handler"] == ["K4"]
    assert r.summary["overdue_rectifications"] == []  # R1 due 2026-03-31, R4 2026-06-29


def test_accountability_chain_without_findings_says_so(w: neo4j.Driver) -> None:
    r = run(w, "accountability_chain", case_no="CASE1", as_of="2026-06-30")
    a1 = next(x for x in r.rows if x["id"] == "Officer:A1" and x["level"] == 1)
    assert (a1["allegation"], a1["finding"], a1["disposition"]) == (None, None, "第二种形态")
    assert has_note(r, "没有认定结果")


# --- hand-built sparse graphs (the db fixture: wiped before and after each test) ---------------


def test_unknown_rank_is_not_a_leader_nor_a_staff_member(db: neo4j.Driver) -> None:
    load(
        db,
        {
            "Unit": [{"code": "U", "name": "一所", "kind": "派出所", "level": "基层"}],
            "Officer": [
                {"badge_no": "X1", "rank": "未知"},
                {"badge_no": "X2"},
                {"badge_no": "X3", "rank": "处级"},
            ],
            "Case": [
                {"case_no": "C1", "opened_on": D(2026, 3, 1), "violation_type": "未知"},
                {"case_no": "C2", "opened_on": D(2026, 4, 1), "violation_type": "廉洁纪律"},
            ],
        },
        [
            ("SERVES_IN", "X1", "U", {}),
            ("SERVES_IN", "X2", "U", {}),
            ("SERVES_IN", "X3", "U", {}),
            ("INVOLVES", "C1", "X1", {}),
            ("INVOLVES", "C1", "X2", {}),
            ("INVOLVES", "C2", "X3", {}),
        ],
    )
    eco = run(db, "political_ecosystem")
    (row,) = eco.rows
    assert (row["officers"], row["cases"], row["leader_cases"], row["unknown_rank_officers"]) == (3, 2, 1, 2)
    assert has_note(eco, "2 名涉案民警职级未知")
    assert has_note(eco, "未导入整改数据") and has_note(eco, "未导入单位负责人和党委班子成员数据")
    stats = run(db, "violation_statistics")
    got = {(x["violation_type"], x["rank"]): x["involvements"] for x in stats.rows}
    assert got == {("未知", "未知"): 2, ("廉洁纪律", "处级"): 1}  # 未知 never becomes 科员 or 工作纪律
    assert has_note(stats, "2 个涉案人次的职级未知") and has_note(stats, "2 个涉案人次的违纪违法类型未知")


def test_liaison_coverage_without_liaison_data(db: neo4j.Driver) -> None:
    load(
        db,
        {
            "Unit": [
                {"code": "P1", "name": "一所", "kind": "派出所", "level": "基层"},
                {"code": "P2", "name": "二所", "kind": "派出所", "level": "基层"},
                {"code": "Q", "name": "某单位", "kind": "未知", "level": "未知"},
            ],
            "Clue": [{"clue_no": "K1", "received_on": D(2026, 1, 1)}],
        },
        [("CONCERNS_UNIT", "K1", "P1", {})],
    )
    r = run(db, "liaison_coverage")
    s = r.summary
    assert s["coverage"] == "未导入联系基层数据"
    assert (s["grassroots_units"], s["coverage_rate"], s["uncovered_units"], s["stale_units"]) == (
        2,
        None,
        [],
        [],
    )
    assert [(x["unit_code"], x["status"], x["risk"]) for x in r.rows] == [
        ("P1", "无法判断", 1),
        ("P2", "无法判断", 0),
    ]
    assert has_note(r, "未导入联系基层数据") and has_note(r, "1 个单位层级未知")


def test_liaison_without_visit_dates_is_not_stale(db: neo4j.Driver) -> None:
    load(
        db,
        {
            "Unit": [
                {"code": "P1", "name": "一所", "kind": "派出所", "level": "基层"},
                {"code": "P2", "name": "二所", "kind": "派出所", "level": "基层"},
            ],
            "PartyOrg": [{"code": "DW", "name": "党委", "kind": "党委"}],
            "Officer": [{"badge_no": "L1", "name": "甲"}],
            "Clue": [{"clue_no": "K1", "received_on": D(2026, 1, 1)}],
        },
        [("COMMITTEE_MEMBER_OF", "L1", "DW", {}), ("LIAISES_WITH", "L1", "P1", {})],
    )
    r = run(db, "liaison_coverage", include_covered=True)
    assert {x["unit_code"]: x["status"] for x in r.rows} == {"P1": "已覆盖", "P2": "未覆盖"}
    assert r.summary["coverage_rate"] == 0.5 and has_note(r, "没有最近走访日期")


def test_flat_unit_tree_sub_bureau_equals_unit(db: neo4j.Driver) -> None:
    load(
        db,
        {
            "Unit": [
                {"code": "B", "name": "局", "kind": "市公安局", "level": "市级"},
                {"code": "P1", "name": "一所", "kind": "派出所", "level": "基层"},
            ],
            "Officer": [{"badge_no": "A"}, {"badge_no": "B1"}],
            "Clue": [{"clue_no": "K1", "received_on": D(2026, 1, 1)}],
        },
        [
            ("PART_OF", "P1", "B", {}),
            ("SERVES_IN", "A", "P1", {}),
            ("SERVES_IN", "B1", "B", {}),
            ("CONCERNS", "K1", "A", {}),
        ],
    )
    unit = run(db, "political_ecosystem")
    sub = run(db, "political_ecosystem", level="sub_bureau")
    assert [x["unit_code"] for x in sub.rows] == [x["unit_code"] for x in unit.rows]
    assert has_note(sub, "没有分局一级") and not has_note(unit, "没有分局一级")
    rated = {x["unit_code"]: (x["score"], x["rating"]) for x in unit.rows}
    assert rated == {
        "P1": (85.0, "好"),
        "B": (None, "无数据"),
    }  # P1: 100 clues per 100 officers (−15); B: no record


def test_supervision_coverage_without_rules_and_with_unknown_ranks(db: neo4j.Driver) -> None:
    load(
        db,
        {
            "Unit": [
                {"code": "U", "name": "一所", "kind": "派出所", "level": "基层"},
                {"code": "JW", "name": "机关纪委", "kind": "监督机构", "level": "市级"},
            ],
            "Officer": [
                {"badge_no": "A", "rank": "科员"},
                {"badge_no": "X", "rank": "未知"},
                {"badge_no": "Y"},
            ],
        },
        [("SERVES_IN", "A", "U", {}), ("SERVES_IN", "X", "U", {}), ("SERVES_IN", "Y", "U", {})],
    )
    bare = run(db, "supervision_coverage")
    assert bare.rows == [] and bare.summary["unsupervised_officers"] == []
    assert has_note(bare, "未导入“纪律监督”的监督关系数据") and has_note(bare, "未导入纪检委员数据")
    load(
        db,
        {},
        [
            (
                "SUPERVISES",
                "JW",
                "U",
                {"supervision_type": "纪律监督", "rank_scope": "科级及以下", "include_subtree": True},
            )
        ],
    )
    r = run(db, "supervision_coverage")
    # A (科员) is claimed by JW; X and Y have no known rank, so the 科级及以下 rule cannot be judged
    assert r.summary["unsupervised_officers"] == [] and r.summary["rank_unknown_officers"] == 2
    assert has_note(r, "2 名民警职级未知")
    load(
        db,
        {},
        [
            (
                "SUPERVISES",
                "JW",
                "U",
                {"supervision_type": "干部监督", "rank_scope": "全部", "include_subtree": True},
            )
        ],
    )
    cadre = run(db, "supervision_coverage", supervision_type="干部监督")
    assert cadre.summary["unsupervised_officers"] == [] and cadre.summary["rank_unknown_officers"] == 0


def test_closed_loop_without_handling_data(db: neo4j.Driver) -> None:
    load(
        db,
        {
            "Clue": [
                {"clue_no": "K1", "received_on": D(2026, 1, 1), "status": "已受理"},
                {"clue_no": "K2", "received_on": D(2026, 2, 1)},
            ]
        },
        [],
    )
    r = run(db, "closed_loop")
    assert r.rows == [] and r.summary["clues_without_handler"] == []
    assert has_note(r, "未导入线索承办和移送数据") and has_note(r, "未导入整改数据")
    load(
        db,
        {"Unit": [{"code": "JW", "name": "机关纪委", "kind": "监督机构", "level": "市级"}]},
        [("HANDLED_BY", "K1", "JW", {})],
    )
    # with handling data, K2 (status unknown: not concluded) has no handler
    assert run(db, "closed_loop").summary["clues_without_handler"] == ["K2"]


def test_accountability_chain_shows_each_allegation(db: neo4j.Driver) -> None:
    load(
        db,
        {
            "Unit": [{"code": "U", "name": "一所", "kind": "派出所", "level": "基层"}],
            "Officer": [{"badge_no": "A", "name": "张三"}, {"badge_no": "B", "name": "李四"}],
            "Case": [{"case_no": "C1", "opened_on": D(2026, 3, 1)}],
        },
        [
            ("SERVES_IN", "A", "U", {}),
            (
                "INVOLVES",
                "C1",
                "A",
                {
                    "role": "主要责任人",
                    "allegation_category": "廉洁纪律",
                    "allegation": "收受礼金",
                    "finding": "查实",
                    "disposition": "党内警告",
                    "disposition_form": "第二种形态",
                },
            ),
            (
                "INVOLVES",
                "C1",
                "A",
                {
                    "role": "主要责任人",
                    "allegation_category": "工作纪律",
                    "allegation": "违规办案",
                    "finding": "不实",
                    "finding_raw": "Unfounded",
                },
            ),
            ("INVOLVES", "C1", "B", {"allegation": "打人", "finding": "未知"}),
        ],
    )
    r = run(db, "accountability_chain", case_no="C1")
    officers = {x["id"]: x for x in r.rows if x["level"] == 1}
    assert officers["Officer:A"]["role"] == "涉案民警（主要责任人）"
    assert (
        officers["Officer:A"]["allegation"],
        officers["Officer:A"]["finding"],
        officers["Officer:A"]["disposition"],
    ) == ("工作纪律：违规办案；廉洁纪律：收受礼金", "不实（Unfounded）；查实", "—；党内警告，第二种形态")
    assert (officers["Officer:B"]["allegation"], officers["Officer:B"]["finding"]) == ("打人", "未知")
    assert len([e for e in r.edges if e["type"] == "INVOLVES"]) == 3
    assert has_note(r, "1 名涉案民警没有当前任职数据（B）") and has_note(r, "未导入分管领导数据")
    assert r.summary["officers"] == ["A", "B"]


def test_unit_overview_of_a_unit_with_no_links(db: neo4j.Driver) -> None:
    load(db, {"Unit": [{"code": "LONE", "name": "孤立单位"}]}, [])
    r = run(db, "unit_overview", unit_code="LONE")
    assert r.rows == [] and [n["id"] for n in r.nodes] == ["Unit:LONE"] and r.edges == []
    assert has_note(r, "没有当前在职人员数据") and has_note(r, "没有覆盖该单位的监督关系数据")
    assert has_note(r, "图中没有任何带日期的业务数据")
