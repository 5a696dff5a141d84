"""Rows 3 and 4 of the security review. A role that sees a field masked can neither search by it
nor sort by it, and the badge number goes with the name (leaders: ``张** · 科员 · 城东派出所``,
officers by alias only); and prepared-query rows are filtered by the same scope function as
nodes and edges (``path_between`` rows no longer show what the role may not see)."""

# ruff: noqa: F811  (pytest fixtures imported from tests.security_support)
from __future__ import annotations

import json

import neo4j
import pytest
from fastapi.testclient import TestClient

from graph.settings import Settings
from tests.security_support import PURPOSE, access_records, auth, client, graph, tokens  # noqa: F401

pytestmark = pytest.mark.neo4j

BADGES = ("010001", "010002")
NAMES = ("张伟", "李娜")


def test_leader_search_recovers_no_masked_name(client: TestClient, tokens: dict[str, str]) -> None:
    leader = auth(tokens["leader"])
    # Each prefix and the full name: no officer comes back, so matching cannot spell the name out.
    for q in ("张", "张伟", "伟", "李娜", "010001", "0100", "01"):
        body = client.get("/search", params={"q": q}, headers=leader).json()
        assert [i for i in body["items"] if i["type"] == "Officer"] == [], q
    # Other types still searchable for leaders; officers for roles that see names.
    assert {i["id"] for i in client.get("/search", params={"q": "城东"}, headers=leader).json()["items"]} == {
        "Unit:U1",
        "Unit:U2",
        "PartyOrg:P1",
    }
    assert [
        i["id"]
        for i in client.get("/search", params={"q": "张伟"}, headers=auth(tokens["personnel"])).json()[
            "items"
        ]
    ] == ["Officer:010001"]


def test_leader_never_sees_a_badge_number(client: TestClient, tokens: dict[str, str]) -> None:
    leader = auth(tokens["leader"])
    first = client.get("/entities/Unit/U2/neighbors", params={"depth": 2, "purpose": PURPOSE}, headers=leader)
    body = first.json()
    officers = [n for n in body["nodes"] if n["type"] == "Officer"]
    assert sorted(n["caption"] for n in officers) == ["张** · 科员 · 城东派出所", "李** · 科级 · 城东派出所"]
    zhang = next(n["key"] for n in officers if n["caption"].startswith("张"))
    answers = [
        first,
        client.get("/views/officer_ego", params={"badge_no": zhang, "purpose": PURPOSE}, headers=leader),
        client.get("/views/officer_ego.html", params={"badge_no": zhang, "purpose": PURPOSE}, headers=leader),
    ]
    for r in answers:
        assert r.status_code == 200, r.text[:300]
        hits = [
            r.text[max(0, r.text.find(x) - 150) : r.text.find(x) + 40] for x in BADGES + NAMES if x in r.text
        ]
        assert not hits, hits
    assert (
        client.get(
            "/views/officer_ego", params={"badge_no": "010001", "purpose": PURPOSE}, headers=leader
        ).status_code
        == 404
    )
    # Edges name the alias, consistently with the nodes.
    ids = {n["id"] for n in body["nodes"]} | {body["center"]["id"]}
    assert all(e["from"] in ids and e["to"] in ids for e in body["edges"])
    # The alias opens the officer (and his neighbourhood); a real badge number is unknown to leaders.
    alias = officers[0]["key"]
    assert (
        client.get(f"/entities/Officer/{alias}", headers=leader).json()["caption"] == officers[0]["caption"]
    )
    assert (
        client.get(
            f"/entities/Officer/{alias}/neighbors", params={"purpose": PURPOSE}, headers=leader
        ).status_code
        == 200
    )
    assert client.get("/entities/Officer/010001", headers=leader).status_code == 404
    assert client.get("/entities/Officer/~0000000000000000", headers=leader).status_code == 404


def test_path_between_rows_keep_to_the_role(
    client: TestClient, tokens: dict[str, str], graph: neo4j.Driver, db_settings: Settings
) -> None:
    """The only path from 010003 to 010002 runs through responsibility S1 (ASSIGNED_TO both)."""
    graph.execute_query(
        "CREATE (o:Officer {badge_no: '010003', name: '王强', rank: '科员'}) WITH o "
        "MATCH (s:Responsibility {code: 'S1'}) CREATE (s)-[:ASSIGNED_TO]->(o)",
        database_=db_settings.neo4j_database,
    )
    params = {"source": "Officer:010003", "target": "Officer:010002"}
    full = client.post(
        "/queries/path_between", json=params, headers=auth(tokens["strict_office"], PURPOSE)
    ).json()
    assert [(r["step"], r["via"], r["id"]) for r in full["rows"]] == [
        (0, None, "Officer:010003"),
        (1, "ASSIGNED_TO", "Responsibility:S1"),
        (2, "ASSIGNED_TO", "Officer:010002"),
    ]
    body = client.post(
        "/queries/path_between", json=params, headers=auth(tokens["discipline"], PURPOSE)
    ).json()
    assert [(r["step"], r["id"]) for r in body["rows"]] == [(0, "Officer:010003")]
    text = json.dumps(body, ensure_ascii=False)
    for leak in ("Responsibility", "ASSIGNED_TO", "落实党风廉政建设责任", "S1"):
        assert leak not in text, leak
    assert any("略去" in n for n in body["notes"])
    assert {n["id"] for n in body["nodes"]} == {"Officer:010003", "Officer:010002"} and body["edges"] == []


def test_rows_are_recorded_in_the_access_log(
    client: TestClient, tokens: dict[str, str], graph: neo4j.Driver, db_settings: Settings
) -> None:
    """Row 9: officers named only in rows (risk clusters, supervision coverage) are in the record."""
    db = db_settings.neo4j_database
    graph.execute_query(
        "CREATE (o:Officer {badge_no: '010003', name: '王强', rank: '科员'}) WITH o "
        "MATCH (a:Officer {badge_no: '010001'}), (b:Officer {badge_no: '010002'}) "
        "CREATE (k:Case {case_no: 'K2', violation_type: '廉洁纪律', status: '审理中'}) "
        "CREATE (k)-[:INVOLVES]->(a), (k)-[:INVOLVES]->(b), (k)-[:INVOLVES]->(o)",
        database_=db,
    )
    # Supervision data exists (B1 supervises U1 only), so the officers of U2 are unsupervised.
    graph.execute_query(
        "MATCH (b:Unit {code: 'B1'}), (u:Unit {code: 'U1'}) CREATE (b)-[:SUPERVISES {supervision_type: '纪律监督', "
        "rank_scope: '全部', include_subtree: false}]->(u)",
        database_=db,
    )
    h = auth(tokens["discipline"], PURPOSE)
    clusters = client.post("/queries/risk_clusters", json={}, headers=h).json()
    assert [sorted(r["officers"]) for r in clusters["rows"]] == [["010001", "010002", "010003"]]
    coverage = client.post(
        "/queries/supervision_coverage", json={}, headers=auth(tokens["discipline"])
    ).json()
    unsupervised = {r["id"] for r in coverage["rows"] if r["issue"] == "无监督主体民警"}
    assert unsupervised == {"Officer:010001", "Officer:010002"}  # 010003 serves nowhere: not listed
    recs = {a["endpoint"] + "|" + a["path"]: a for a in access_records(client, graph, db)}
    rc = recs["/queries/risk_clusters|/queries/risk_clusters"]
    assert {"Officer:010001", "Officer:010002", "Officer:010003", "Case:K2"} <= set(rc["entity_ids"])
    assert rc["purpose"] == PURPOSE
    sc = recs["/queries/supervision_coverage|/queries/supervision_coverage"]
    assert unsupervised <= set(sc["entity_ids"])
