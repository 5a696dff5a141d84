"""Every prepared query on the hand-built graph of tests/data/queries/world.py, answers worked out by hand."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import networkx as nx
import pytest

from graph.errors import NotFound
from queries.export import merge_results, query_stream, whole_graph_stream, write_export
from queries.period import data_as_of
from queries.registry import QueryResult, all_queries, get_query
from tests.data.queries import world

pytestmark = pytest.mark.neo4j
AS_OF = world.AS_OF.isoformat()
DB = "neo4j"


@pytest.fixture(scope="module")
def w(_db_driver: neo4j.Driver, db_settings: Any) -> Iterator[neo4j.Driver]:
    """The world, loaded once for this module into the wiped test database, wiped afterwards."""
    from graph.testing import wipe

    wipe(_db_driver, db_settings.neo4j_database)
    world.load(_db_driver, db_settings.neo4j_database)
    yield _db_driver
    wipe(_db_driver, db_settings.neo4j_database)


def run(driver: neo4j.Driver, name: str, **params: Any) -> QueryResult:
    q = get_query(name)
    if "as_of" in q.params.model_fields:
        params.setdefault("as_of", AS_OF)
    return q.execute(driver, DB, params)


def test_political_ecosystem(w: neo4j.Driver) -> None:
    r = run(w, "political_ecosystem")
    rows = {x["unit_code"]: x for x in r.rows}
    assert set(rows) == {"B", "P1", "P2", "P3", "XZ", "JZ"}  # supervision bodies and empty units left out
    p1 = rows["P1"]
    assert (
        p1["officers"],
        p1["clues"],
        p1["cases"],
        p1["leader_cases"],
        p1["nest_cases"],
        p1["linked_cases"],
        p1["overdue_rectifications"],
        p1["petition_clues"],
    ) == (4, 1, 1, 1, 1, 0, 1, 1)
    assert p1["first_form_share"] == pytest.approx(2 / 3, abs=1e-3)
    assert (p1["score"], p1["rating"]) == (35.2, "差") and any("窝案" in x for x in p1["reasons"])
    assert (rows["P2"]["repeat_clue_officers"], rows["P2"]["score"], rows["P2"]["rating"]) == (
        1,
        77.3,
        "较好",
    )
    assert rows["XZ"]["linked_cases"] == 2 and rows["JZ"]["linked_cases"] == 1
    assert (rows["P3"]["score"], rows["P3"]["rating"]) == (97.7, "好")
    # B has no clue, case, inspection or rectification in the period: nothing to rate it on
    assert (rows["B"]["score"], rows["B"]["rating"], rows["B"]["records"]) == (None, "无数据", 0)
    sub = {x["unit_code"]: x for x in run(w, "political_ecosystem", level="sub_bureau").rows}
    assert (sub["SB1"]["officers"], sub["SB1"]["clues"], sub["SB1"]["cases"]) == (6, 3, 1)
    assert "P1" not in sub


def test_political_ecosystem_trend(w: neo4j.Driver) -> None:
    rows = run(w, "political_ecosystem_trend", unit_code="B").rows
    assert [r["year"] for r in rows] == [2022, 2023, 2024, 2025, 2026]
    by_year = {r["year"]: r for r in rows}
    assert (by_year[2024]["cases"], by_year[2024]["leader_cases"]) == (1, 1)
    assert by_year[2026]["cases"] == 0
    with pytest.raises(NotFound):
        run(w, "political_ecosystem_trend", unit_code="NOPE")


def test_risk_clusters(w: neo4j.Driver) -> None:
    r = run(w, "risk_clusters", min_size=2)
    # 窝案 first whatever the risk value (docs/queries.md, "How risk clusters are ranked").
    assert [(x["cluster_id"], x["kind"], x["officers"], x["risk"]) for x in r.rows] == [
        ("K1", "窝案", ["A1", "A2", "A3"], 5),
        ("K2", "串案", ["D1", "E1"], 11),
    ]
    k2 = r.rows[1]
    assert (k2["units"], k2["cases"], k2["clues"]) == (["JZ", "XZ"], ["CASE2", "CASE3"], ["K2", "K3", "K6"])
    assert r.rows[0]["leaders"] == ["所长A3（A3）"]
    assert r.rows[0]["leader_badges"] == ["A3"] and r.rows[1]["leader_badges"] == []
    assert [x["officers"] for x in run(w, "risk_clusters").rows] == [["A1", "A2", "A3"]]  # min_size 3
    assert run(w, "risk_clusters", algorithm="louvain", min_size=2).rows == r.rows
    one = run(w, "risk_clusters", min_size=2, cluster_id="K1")
    assert {n["id"] for n in one.nodes} == {
        "Officer:A1",
        "Officer:A2",
        "Officer:A3",
        "Case:CASE1",
        "Clue:K1",
        "Unit:P1",
    }
    assert {e["type"] for e in one.edges} == {"SERVES_IN", "INVOLVES", "CONCERNS", "ARISES_FROM"} and len(
        one.edges
    ) == 10
    node = next(n for n in one.nodes if n["id"] == "Officer:A3")
    assert node == {
        "id": "Officer:A3",
        "type": "Officer",
        "key": "A3",
        "caption": "所长A3",
        "props": node["props"],
    }
    assert "ingest_run" not in node["props"] and node["props"]["rank"] == "科级"
    with pytest.raises(NotFound):
        run(w, "risk_clusters", cluster_id="K9")
    tied = run(w, "risk_clusters", min_size=2, unit_ties=True)
    assert {tuple(x["officers"]) for x in tied.rows} == {("D1", "E1"), ("A1", "A2", "A3")}


def test_liaison_coverage(w: neo4j.Driver) -> None:
    r = run(w, "liaison_coverage", graph=True)
    assert [(x["unit_code"], x["status"]) for x in r.rows] == [("P3", "未覆盖"), ("P2", "久未走访")]
    s = r.summary
    assert (s["grassroots_units"], s["covered_units"], s["coverage_rate"]) == (3, 2, 0.6667)
    assert (s["branches"], s["covered_branches"]) == (3, 2)
    assert [(m["badge_no"], m["units"], m["visited_recently"], m["stale"]) for m in s["members"]] == [
        ("L2", 2, 1, 1),
        ("L3", 1, 0, 1),
        ("L1", 0, 0, 0),
    ]
    assert {e["id"] for e in r.edges} == {
        "LIAISES_WITH:Officer:L2->Unit:P1:0",
        "LIAISES_WITH:Officer:L2->Unit:P2:0",
        "LIAISES_WITH:Officer:L3->Unit:P2:0",
    }
    longer = run(w, "liaison_coverage", stale_days=400)
    assert longer.summary["stale_units"] == []


def test_supervision_coverage(w: neo4j.Driver) -> None:
    s = run(w, "supervision_coverage").summary
    assert s["unsupervised_officers"] == ["C1", "E1"]
    assert s["double_claimed_officers"] == ["A1", "A2", "A3", "A4"]
    assert s["unsupervised_units"] == ["JZ", "P3", "SB2"]
    assert s["police_branches_without_discipline_staff"] == ["JZ"]
    cadre = run(w, "supervision_coverage", supervision_type="干部监督").summary
    assert cadre["unsupervised_officers"] == [] and cadre["double_claimed_officers"] == []


def test_supervision_coverage_graph(w: neo4j.Driver) -> None:
    plain, g = run(w, "supervision_coverage"), run(w, "supervision_coverage", graph=True)
    assert g.rows == plain.rows and g.summary == plain.summary and (plain.nodes, plain.edges) == ([], [])
    # Current 纪律监督: DG→B, JW→SB1, JW→XZ, CYB→P1 (JW→JZ ended 2025-01-01); gaps C1 (P3) and E1 (JZ);
    # A1–A4 in P1 claimed by JW (SB1 and below, 科级及以下) and CYB (P1, 全部); JZ has no discipline commissioner.
    assert {n["id"] for n in g.nodes} == {
        "Unit:DG",
        "Unit:JW",
        "Unit:CYB",
        "Unit:B",
        "Unit:SB1",
        "Unit:XZ",
        "Unit:P1",
        "Unit:P3",
        "Unit:JZ",
        "Officer:C1",
        "Officer:E1",
        "Officer:A1",
        "Officer:A2",
        "Officer:A3",
        "Officer:A4",
    }
    claims = {f"SUPERVISES:Unit:{b}->Officer:{a}:0" for b in ("JW", "CYB") for a in ("A1", "A2", "A3", "A4")}
    assert {e["id"] for e in g.edges} == {
        "SUPERVISES:Unit:DG->Unit:B:0",
        "SUPERVISES:Unit:JW->Unit:SB1:0",
        "SUPERVISES:Unit:JW->Unit:XZ:0",
        "SUPERVISES:Unit:CYB->Unit:P1:0",
        "SERVES_IN:Officer:C1->Unit:P3:0",
        "SERVES_IN:Officer:E1->Unit:JZ:0",
        *claims,
    }
    edges = {e["id"]: e for e in g.edges}
    assert edges["SUPERVISES:Unit:JW->Unit:SB1:0"] == {
        "id": "SUPERVISES:Unit:JW->Unit:SB1:0",
        "type": "SUPERVISES",
        "from": "Unit:JW",
        "to": "Unit:SB1",
        "props": {
            "start_date": "2020-01-01",
            "supervision_type": "纪律监督",
            "rank_scope": "科级及以下",
            "include_subtree": True,
        },
    }
    assert edges["SUPERVISES:Unit:DG->Unit:B:0"]["props"]["include_subtree"] is False
    assert edges["SUPERVISES:Unit:CYB->Officer:A3:0"]["props"] == {"supervision_type": "纪律监督"}
    node = next(n for n in g.nodes if n["id"] == "Unit:DG")
    assert (node["caption"], node["props"]["kind"]) == ("驻局纪检监察组", "监督机构")
    # 干部监督: DG over the whole tree for all ranks; nobody is left out or claimed twice.
    cadre = run(w, "supervision_coverage", supervision_type="干部监督", graph=True)
    assert {n["id"] for n in cadre.nodes} == {"Unit:DG", "Unit:B", "Unit:JZ"}
    assert {e["id"] for e in cadre.edges} == {"SUPERVISES:Unit:DG->Unit:B:0"}


@pytest.mark.parametrize(("days", "expected"), [(30, ["K2", "K3"]), (60, ["K2"]), (90, ["K2"]), (91, [])])
def test_closed_loop(w: neo4j.Driver, days: int, expected: list[str]) -> None:
    r = run(w, "closed_loop", days=days)
    assert r.summary["overdue_transfers"] == expected
    assert r.summary["clues_without_handler"] == ["K4"]
    assert r.summary["overdue_rectifications"] == ["R1", "R4"]
    if days == 30:
        assert r.summary["by_body"]["JW"]["移送未反馈"] == 1 and r.summary["by_unit"]["P1"]["整改逾期"] == 1


def test_accountability_chain(w: neo4j.Driver) -> None:
    r = run(w, "accountability_chain", case_no="CASE1")
    got = {(x["role"], x["responsibility"], x["id"]) for x in r.rows if x["for_officer"] == "A1"}
    assert got == {
        ("涉案民警（主要责任人）", "直接责任", "Officer:A1"),
        ("所在单位", "主体责任", "Unit:P1"),
        ("单位负责人", "一岗双责", "Officer:A3"),
        ("党支部", "主体责任", "PartyOrg:ZB_P1"),
        ("支部书记", "第一责任人责任", "Officer:A3"),
        ("分管领导", "一岗双责", "Officer:L2"),
        ("党委", "主体责任", "PartyOrg:DW"),
        ("党委书记", "第一责任人责任", "Officer:L1"),
        ("监督机构", "监督责任", "Unit:JW"),
        ("监督机构", "监督责任", "Unit:CYB"),
    }
    assert ("查办机构", "Unit:JW") in {(x["role"], x["id"]) for x in r.rows}
    edge_ids = {e["id"] for e in r.edges}
    assert {
        "IN_CHARGE_OF:Officer:L2->Unit:SB1:0",
        "PART_OF:Unit:P1->Unit:SB1:0",
        "SUPERVISES:Unit:JW->Unit:SB1:0",
        "SECRETARY_OF:Officer:A3->PartyOrg:ZB_P1:0",
    } <= edge_ids
    node_ids = {n["id"] for n in r.nodes}
    assert all(e["from"] in node_ids and e["to"] in node_ids for e in r.edges)
    xz = run(w, "accountability_chain", case_no="CASE2")
    assert {(x["role"], x["id"]) for x in xz.rows if x["role"] in ("分管领导", "党支部")} == {
        ("分管领导", "Officer:L3"),
        ("党支部", "PartyOrg:ZB_XZ"),
    }
    with pytest.raises(NotFound):
        run(w, "accountability_chain", case_no="NOPE")


def test_violation_statistics(w: neo4j.Driver) -> None:
    v = {
        (x["violation_type"], x["police_type"], x["rank"]): x["involvements"]
        for x in run(w, "violation_statistics").rows
    }
    assert v[("廉洁纪律", "派出所", "科员")] == 2 and sum(v.values()) == 7
    t = {
        (x["period"], x["district"]): x["cases"]
        for x in run(w, "violation_statistics_time", period_kind="quarter").rows
    }
    assert t == {("2024Q2", "市辖区"): 1, ("2026Q1", "东城区"): 1, ("2026Q1", "市辖区"): 2}
    y = {
        (x["violation_type"], x["year"]): (x["cases"], x["change"])
        for x in run(w, "violation_statistics_yoy").rows
    }
    assert y[("工作纪律", 2025)] == (0, -1) and y[("廉洁纪律", 2026)] == (2, 2)
    f = {x["year"]: x for x in run(w, "violation_statistics_forms").rows}
    assert (f[2026]["form1"], f[2026]["form2"], f[2026]["form3"], f[2026]["form2_share"]) == (2, 3, 1, 0.5)


def test_lookups(w: neo4j.Driver) -> None:
    p = run(w, "officer_profile", badge_no="A1")
    assert p.rows[0]["unit_code"] == "P1" and (p.rows[0]["clues"], p.rows[0]["cases"]) == (1, 1)
    assert {n["id"] for n in p.nodes} == {"Officer:A1", "Unit:P1", "PartyOrg:ZB_P1", "Case:CASE1", "Clue:K1"}
    two_hops = {n["id"] for n in run(w, "officer_profile", badge_no="A1", depth=2).nodes}
    assert two_hops == {n["id"] for n in p.nodes} | {  # P1's people, tree, inspection, supervisor
        "Officer:A2",
        "Officer:A3",
        "Officer:A4",
        "Officer:L2",
        "PartyOrg:DW",
        "Unit:SB1",
        "Unit:CYB",
        "Unit:JW",
        "Inspection:I1",
        "Rectification:R1",
    }
    with pytest.raises(NotFound):
        run(w, "officer_profile", badge_no="ZZ")
    u = run(w, "unit_overview", unit_code="SB1")
    assert {"Unit:SB1", "Unit:P1", "Unit:P2", "Unit:B", "Officer:L2", "Unit:JW"} <= {n["id"] for n in u.nodes}
    assert ("分管领导", "Officer:L2") in {(x["relation"], x["id"]) for x in u.rows}
    with pytest.raises(NotFound):
        run(w, "unit_overview", unit_code="NOPE")
    path = run(w, "path_between", source="Officer:A1", target="Officer:A2", max_hops=2)
    assert path.summary == {"found": True, "hops": 2} and path.rows[0]["id"] == "Officer:A1"
    assert (
        run(w, "path_between", source="Officer:A1", target="Officer:E1", max_hops=1).summary["found"] is False
    )
    with pytest.raises(NotFound):
        run(w, "path_between", source="Officer:A1", target="Officer:ZZ")


class CountingDriver:
    """The real driver, counting the statements sent through ``execute_query``."""

    def __init__(self, driver: neo4j.Driver) -> None:
        self.driver, self.sent = driver, 0

    def execute_query(self, *args: Any, **kwargs: Any) -> Any:
        self.sent += 1
        return self.driver.execute_query(*args, **kwargs)


def test_officer_profile_is_one_read_with_the_datas_date(w: neo4j.Driver) -> None:
    """The data's date, the summary and the network travel in one statement; with no as_of the
    profile is as at the data's date, like every query (queries.period.window_for)."""
    counting = CountingDriver(w)
    p = get_query("officer_profile").execute(counting, DB, {"badge_no": "A1"})  # type: ignore[arg-type]
    assert counting.sent == 1
    latest = data_as_of(w, DB)
    assert latest is not None
    assert p.summary["as_of"] == p.summary["data_as_of"] == latest.isoformat()
    assert p.notes == [] and p.rows[0]["unit_code"] == "P1"
    assert list(p.rows[0]) == list(p.columns)
    later = (latest + dt.timedelta(days=400)).isoformat()
    stale = get_query("officer_profile").execute(w, DB, {"badge_no": "A1", "as_of": later})
    assert stale.summary["as_of"] == later and any("晚于数据截至日期" in n for n in stale.notes)


def test_export(w: neo4j.Driver, tmp_path: Path) -> None:
    n_nodes, n_edges = sum(len(v) for v in world.NODES.values()), len(world.RELS)
    for fmt in ("graphml", "gexf"):
        out = tmp_path / f"g.{fmt}"
        g = write_export(whole_graph_stream(w, DB), out, fmt)  # type: ignore[arg-type]
        assert (g.node_count, g.edge_count) == (n_nodes, n_edges)
        back = nx.read_graphml(out) if fmt == "graphml" else nx.read_gexf(out)
        assert back.number_of_nodes() == n_nodes and back.number_of_edges() == n_edges
        assert back.nodes["Officer:A1"]["type"] == "Officer"
        assert out.stat().st_mode & 0o777 == 0o600
    for fmt, id_col, src_col in (("csv", "Id", "Source"), ("neo4j-csv", "id:ID", ":START_ID")):
        folder = tmp_path / fmt
        write_export(whole_graph_stream(w, DB), folder, fmt)  # type: ignore[arg-type]
        with (folder / "nodes.csv").open(encoding="utf-8") as f:
            nodes = list(csv.DictReader(f))
        with (folder / "edges.csv").open(encoding="utf-8") as f:
            edges = list(csv.DictReader(f))
        assert len(nodes) == n_nodes and len(edges) == n_edges
        assert "Officer:A1" in {r[id_col] for r in nodes} and {r[src_col] for r in edges} <= {
            r[id_col] for r in nodes
        }
    assert (
        "birth_year:long"
        in (tmp_path / "neo4j-csv" / "nodes.csv").read_text(encoding="utf-8").splitlines()[0]
    )
    sub_nodes, sub_edges = merge_results(
        [run(w, "accountability_chain", case_no="CASE1"), run(w, "officer_profile", badge_no="E1")]
    )
    assert {"Officer:E1", "Unit:JZ", "Case:CASE1"} <= {n["id"] for n in sub_nodes}
    g = write_export(query_stream(sub_nodes, sub_edges), tmp_path / "sub.graphml", "graphml")
    assert g.node_count == len(sub_nodes) and 0 < g.edge_count <= len(sub_edges)


@pytest.fixture
def emptied(w: neo4j.Driver, db_settings: Any) -> Iterator[neo4j.Driver]:
    """The test database wiped for one test, then the world loaded again: the module's other
    tests find it whatever order they run in."""
    from graph.testing import wipe

    wipe(w, db_settings.neo4j_database)
    try:
        yield w
    finally:
        wipe(w, db_settings.neo4j_database)
        world.load(w, db_settings.neo4j_database)


def test_empty_graph_never_crashes(emptied: neo4j.Driver) -> None:
    db = emptied
    for q in all_queries():
        raw: dict[str, Any] = {"as_of": AS_OF} if "as_of" in q.params.model_fields else {}
        for key in ("case_no", "badge_no", "unit_code"):
            if key in q.params.model_fields and q.params.model_fields[key].is_required():
                raw[key] = "NOPE"
        if q.name == "path_between":
            raw = {"source": "Officer:X", "target": "Unit:Y"}
        try:
            r = q.execute(db, DB, raw)
        except NotFound:
            continue
        assert r.rows == [] or q.name == "liaison_coverage", q.name
