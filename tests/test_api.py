"""The HTTP API against a real Neo4j: a hand-built graph, one token per role, known answers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import socket
import threading
from collections.abc import Iterator
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from api.tokens import create_token, list_tokens, revoke_token
from graph.settings import Settings
from graph.testing import load_graph
from queries import registry
from queries.registry import QueryDef, QueryResult

pytestmark = pytest.mark.neo4j

ROLES = ["strict_office", "discipline", "inspection", "audit", "petition", "personnel", "leader", "external"]
D = dt.date

# -- the hand-built graph ------------------------------------------------------------------------

NODES: dict[str, list[dict[str, Any]]] = {
    "Unit": [
        {"code": "U0", "name": "市公安局", "kind": "市公安局", "level": "市级"},
        {"code": "U1", "name": "城东分局", "kind": "分局", "level": "区县级", "district": "城东区"},
        {"code": "U2", "name": "城东派出所", "kind": "派出所", "level": "基层", "district": "城东区"},
        {
            "code": "B1",
            "name": "驻局纪检监察组",
            "kind": "监督机构",
            "level": "市级",
            "supervision_function": "驻局纪检监察组",
        },
    ],
    "PartyOrg": [{"code": "P1", "name": "城东派出所党支部", "kind": "党支部"}],
    "Officer": [
        {
            "badge_no": "010001",
            "name": "张伟",
            "rank": "科员",
            "birth_year": 1985,
            "id_number": "320102198501011234",
            "phone": "13812345678",
            "high_risk_post": False,
            "auxiliary": False,
        },
        {
            "badge_no": "010002",
            "name": "李娜",
            "rank": "科级",
            "birth_year": 1979,
            "id_number": "320102197903035678",
            "phone": "13987654321",
            "high_risk_post": True,
            "auxiliary": False,
        },
    ],
    "Clue": [
        {
            "clue_no": "C1",
            "received_on": D(2024, 1, 2),
            "source": "信访举报",
            "category": "廉洁纪律",
            "status": "已移送",
            "summary": "反映张伟在办案中收受财物",
        },
        {
            "clue_no": "C2",
            "received_on": D(2024, 3, 1),
            "source": "督察发现",
            "category": "工作纪律",
            "status": "初核中",
            "summary": "执法记录仪未开启",
        },
        {
            "clue_no": "C3",
            "received_on": D(2024, 5, 1),
            "source": "审计发现",
            "category": "廉洁纪律",
            "status": "已受理",
            "summary": "经费报销不规范",
        },
    ],
    "Case": [
        {
            "case_no": "K1",
            "violation_type": "廉洁纪律",
            "opened_on": D(2024, 2, 1),
            "status": "审理中",
            "form": "第二种形态",
            "summary": "收受财物案",
        }
    ],
    "Inspection": [
        {"code": "I1", "name": "2024年经费审计", "kind": "审计", "started_on": D(2024, 4, 1)},
        {"code": "I2", "name": "2024年政治督察", "kind": "政治督察", "started_on": D(2024, 6, 1)},
    ],
    "Rectification": [
        {"code": "R1", "problem": "报销单据不全", "deadline": D(2024, 9, 30), "status": "整改中"},
        {"code": "R2", "problem": "学习制度落实不到位", "deadline": D(2024, 10, 31), "status": "未整改"},
    ],
    "Responsibility": [{"code": "S1", "year": 2024, "task": "落实党风廉政建设责任", "duty_type": "一岗双责"}],
}

RELS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "PART_OF": [("U1", "U0", {}), ("U2", "U1", {}), ("B1", "U0", {})],
    "SET_UP_IN": [("P1", "U2", {})],
    "SERVES_IN": [
        ("010001", "U2", {"start_date": D(2020, 1, 1)}),
        ("010002", "U2", {"start_date": D(2018, 6, 1)}),
        ("010002", "U1", {"start_date": D(2015, 1, 1), "end_date": D(2018, 5, 31)}),
    ],
    "LIAISES_WITH": [("010002", "U2", {"last_visit_on": D(2024, 3, 3), "visits": 2})],
    "CONCERNS": [("C1", "010001", {}), ("C2", "010001", {}), ("C3", "010002", {})],
    "TRANSFERRED_TO": [("C1", "B1", {"transferred_on": D(2024, 1, 5)})],
    "INVOLVES": [("K1", "010001", {"role": "主要责任人"})],
    "ARISES_FROM": [("K1", "C1", {})],
    "FOUND_BY": [("R1", "I1", {}), ("R2", "I2", {})],
    "ISSUED_TO": [("R1", "U2", {}), ("R2", "U2", {})],
    "ASSIGNED_TO": [("S1", "010002", {})],
}


def build_graph(driver: neo4j.Driver, database: str) -> None:
    load_graph(driver, database, NODES, [(t, a, b, p) for t, triples in RELS.items() for a, b, p in triples])


# -- two test-only prepared queries (registered for the test, removed after) -----------------------


def _officer_clues(driver: neo4j.Driver, database: str, params: Any) -> QueryResult:
    records, _, _ = driver.execute_query(
        "MATCH (c:Clue)-[:CONCERNS]->(o:Officer) RETURN o.badge_no AS badge_no, o.name AS name, "
        "o.id_number AS id_number, c.clue_no AS clue_no, c.summary AS summary ORDER BY clue_no",
        database_=database,
    )
    rows = [dict(r) for r in records]
    nodes = [
        {
            "id": f"Officer:{r['badge_no']}",
            "type": "Officer",
            "key": r["badge_no"],
            "caption": r["name"],
            "props": {"badge_no": r["badge_no"], "name": r["name"], "id_number": r["id_number"]},
        }
        for r in rows
    ]
    return QueryResult(
        columns=["badge_no", "name", "id_number", "clue_no", "summary"], rows=rows, nodes=nodes
    )


def _clue_counts(driver: neo4j.Driver, database: str, params: Any) -> QueryResult:
    records, _, _ = driver.execute_query(
        "MATCH (c:Clue) WHERE c.received_on >= $since RETURN c.source AS source, count(*) AS clues "
        "ORDER BY source",
        since=params.since,
        database_=database,
    )
    return QueryResult(columns=["source", "clues"], rows=[dict(r) for r in records])


class _CountParams(registry.NoParams):
    since: dt.date = D(2000, 1, 1)


OFFICER_CLUES = QueryDef(
    "test_api_officer_clues",
    "测试：民警与线索",
    "测试用",
    registry.NoParams,
    _officer_clues,
    scopes=frozenset({"officers", "clues"}),
)
CLUE_COUNTS = QueryDef(
    "test_api_clue_counts",
    "测试：线索来源统计",
    "测试用",
    _CountParams,
    _clue_counts,
    scopes=frozenset({"clues"}),
    aggregate=True,
)


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def graph(db: neo4j.Driver, db_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> neo4j.Driver:
    build_graph(db, db_settings.neo4j_database)
    registry.all_queries()
    for qd in (OFFICER_CLUES, CLUE_COUNTS):
        monkeypatch.setitem(registry._QUERIES, qd.name, qd)
    return db


@pytest.fixture
def client(graph: neo4j.Driver, db_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(db_settings, token_ttl=0.0)) as c:
        yield c


@pytest.fixture
def tokens(graph: neo4j.Driver, db_settings: Settings) -> dict[str, str]:
    return {r: create_token(graph, db_settings.neo4j_database, r, f"测试-{r}")[1] for r in ROLES}


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def flush(client: TestClient) -> None:
    assert client.app.state.audit.flush()  # type: ignore[attr-defined]


# -- the role matrix ------------------------------------------------------------------------------

PURPOSE = {"purpose": "核查信访件"}

# (method, path, params) → role → expected status
MATRIX: list[tuple[str, str, dict[str, Any], dict[str, int]]] = [
    # Leaders address officers only by the alias the API hands out: a real badge number is unknown.
    (
        "GET",
        "/entities/Officer/010001",
        {},
        {
            "strict_office": 200,
            "discipline": 200,
            "inspection": 403,
            "audit": 403,
            "petition": 403,
            "personnel": 200,
            "leader": 404,
            "external": 403,
        },
    ),
    (
        "GET",
        "/entities/Clue/C1",
        PURPOSE,
        {
            "strict_office": 200,
            "discipline": 200,
            "inspection": 404,
            "audit": 404,
            "petition": 200,
            "personnel": 403,
            "leader": 200,
            "external": 403,
        },
    ),
    (
        "GET",
        "/entities/Clue/C1",
        {},
        {
            "strict_office": 400,
            "discipline": 400,
            "inspection": 400,
            "audit": 400,
            "petition": 400,
            "personnel": 403,
            "leader": 400,
            "external": 403,
        },
    ),
    (
        "GET",
        "/entities/Inspection/I2",
        {},
        {
            "strict_office": 200,
            "discipline": 403,
            "inspection": 200,
            "audit": 404,
            "petition": 403,
            "personnel": 403,
            "leader": 200,
            "external": 403,
        },
    ),
    ("GET", "/entities/Unit/U2/neighbors", {}, {r: (403 if r == "external" else 200) for r in ROLES}),
    ("GET", "/search", {"q": "张"}, {r: (403 if r == "external" else 200) for r in ROLES}),
    # A page of clue relationships needs a purpose (empty pages for roles that see no such edge).
    (
        "GET",
        "/relationships",
        {"type": "CONCERNS"},
        {
            "strict_office": 400,
            "discipline": 400,
            "inspection": 200,
            "audit": 200,
            "petition": 200,
            "personnel": 200,
            "leader": 403,
            "external": 400,
        },
    ),
    (
        "GET",
        "/relationships",
        {"type": "CONCERNS", **PURPOSE},
        {r: (403 if r == "leader" else 200) for r in ROLES},
    ),
    ("GET", "/queries", {}, {r: (403 if r == "external" else 200) for r in ROLES}),
    (
        "POST",
        "/queries/test_api_officer_clues",
        PURPOSE,
        {
            "strict_office": 200,
            "discipline": 200,
            "inspection": 403,
            "audit": 403,
            "petition": 403,
            "personnel": 403,
            "leader": 403,
            "external": 403,
        },
    ),
    (
        "POST",
        "/queries/test_api_officer_clues",
        {},  # rows with clue detail: a purpose first
        {
            "strict_office": 400,
            "discipline": 400,
            "inspection": 403,
            "audit": 403,
            "petition": 403,
            "personnel": 403,
            "leader": 403,
            "external": 403,
        },
    ),
    (
        "POST",
        "/queries/test_api_clue_counts",
        {},
        {
            "strict_office": 200,
            "discipline": 200,
            "inspection": 200,
            "audit": 200,
            "petition": 200,
            "personnel": 403,
            "leader": 200,
            "external": 403,
        },
    ),
    ("GET", "/audit", {}, {r: (200 if r == "strict_office" else 403) for r in ROLES}),
]


def call(client: TestClient, method: str, path: str, params: dict[str, Any], secret: str) -> Any:
    if method == "POST":
        return client.post(path, params=params, json={}, headers=auth(secret))
    return client.get(path, params=params, headers=auth(secret))


def test_role_matrix_status(client: TestClient, tokens: dict[str, str]) -> None:
    got = {
        (m, p, str(ps), r): call(client, m, p, ps, tokens[r]).status_code
        for m, p, ps, _ in MATRIX
        for r in ROLES
    }
    want = {(m, p, str(ps), r): exp[r] for m, p, ps, exp in MATRIX for r in ROLES}
    assert got == want
    for resp in (
        call(client, "GET", "/entities/Officer/010001", {}, tokens["inspection"]),
        call(client, "GET", "/entities/Clue/C1", {}, tokens["strict_office"]),
    ):
        body = resp.json()
        assert set(body) >= {"error", "message"} and any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])


def test_masking_by_role(client: TestClient, tokens: dict[str, str]) -> None:
    clear = client.get("/entities/Officer/010001", params=PURPOSE, headers=auth(tokens["discipline"])).json()
    assert clear["caption"] == "张伟"
    assert clear["props"]["id_number"] == "320102198501011234"
    assert clear["props"]["phone"] == "13812345678" and clear["props"]["birth_year"] == 1985
    # Without a purpose personal fields are masked even for a role that may see them.
    plain_read = client.get("/entities/Officer/010001", headers=auth(tokens["discipline"])).json()
    assert plain_read["caption"] == "张伟" and plain_read["props"]["id_number"] == "3201**********1234"
    # Leaders: name and badge number masked together; the alias the API hands out opens the officer.
    unit = client.get("/entities/Unit/U2/neighbors", headers=auth(tokens["leader"])).json()
    alias = next(
        n["key"]
        for n in unit["nodes"]
        if n["type"] == "Officer" and n["caption"].endswith("科员 · 城东派出所")
    )
    masked = client.get(f"/entities/Officer/{alias}", params=PURPOSE, headers=auth(tokens["leader"])).json()
    assert masked["caption"] == "张** · 科员 · 城东派出所" and masked["props"]["name"] == "张**"
    assert masked["props"]["id_number"] == "3201**********1234"
    assert masked["props"]["phone"] == "138****5678"
    assert masked["props"]["birth_year"] == "19**"
    assert masked["props"]["rank"] == "科员" and masked["key"] == alias != "010001"
    assert "010001" not in masked["id"] + str(masked["props"])
    # Clue summaries: clear with the scope and a purpose, masked for leaders even with one.
    c1 = client.get("/entities/Clue/C1", params=PURPOSE, headers=auth(tokens["petition"])).json()
    assert c1["props"]["summary"] == "反映张伟在办案中收受财物" and c1["props"]["received_on"] == "2024-01-02"
    c1 = client.get("/entities/Clue/C1", params=PURPOSE, headers=auth(tokens["leader"])).json()
    assert c1["props"]["summary"] != "反映张伟在办案中收受财物" and "屏蔽" in c1["props"]["summary"]
    # The purpose may also come as a (percent-encoded) header.
    r = client.get(
        "/entities/Case/K1", headers={**auth(tokens["discipline"]), "X-Access-Purpose": "%E6%A0%B8%E6%9F%A5"}
    )
    assert r.status_code == 200 and r.json()["props"]["summary"] == "收受财物案"


def _ids(body: dict[str, Any]) -> set[str]:
    return {n["id"] for n in body["nodes"]}


def test_neighbors_filtered_by_role(client: TestClient, tokens: dict[str, str]) -> None:
    want = {
        "strict_office": {
            "Officer:010001",
            "Officer:010002",
            "PartyOrg:P1",
            "Rectification:R1",
            "Rectification:R2",
            "Unit:U1",
        },
        "discipline": {"Officer:010001", "Officer:010002", "PartyOrg:P1", "Unit:U1"},
        "inspection": {"PartyOrg:P1", "Unit:U1", "Rectification:R1", "Rectification:R2"},
        "audit": {"PartyOrg:P1", "Unit:U1", "Rectification:R1"},
        "petition": {"PartyOrg:P1", "Unit:U1"},
        "personnel": {"Officer:010001", "Officer:010002", "PartyOrg:P1", "Unit:U1"},
        "leader": set(),  # officers by alias: checked in the loop
    }
    for role, ids in want.items():
        body = client.get("/entities/Unit/U2/neighbors", headers=auth(tokens[role])).json()
        if role == "leader":  # officers by alias only
            assert sorted(i if not i.startswith("Officer:~") else "Officer:~" for i in _ids(body)) == sorted(
                ["Officer:~", "Officer:~", "PartyOrg:P1", "Rectification:R1", "Rectification:R2", "Unit:U1"]
            )
            assert body["total"] == 6
            continue
        assert _ids(body) == ids, role
        assert body["total"] == len(ids) and body["truncated"] is False
        assert body["center"]["id"] == "Unit:U2"
        for e in body["edges"]:
            assert {e["from"], e["to"]} <= ids | {"Unit:U2"}
    strict = client.get("/entities/Unit/U2/neighbors", headers=auth(tokens["strict_office"])).json()
    assert {(e["type"], e["from"], e["to"]) for e in strict["edges"]} == {
        ("SERVES_IN", "Officer:010001", "Unit:U2"),
        ("SERVES_IN", "Officer:010002", "Unit:U2"),
        ("LIAISES_WITH", "Officer:010002", "Unit:U2"),
        ("SET_UP_IN", "PartyOrg:P1", "Unit:U2"),
        ("ISSUED_TO", "Rectification:R1", "Unit:U2"),
        ("ISSUED_TO", "Rectification:R2", "Unit:U2"),
        ("PART_OF", "Unit:U2", "Unit:U1"),
    }
    leader = client.get("/entities/Unit/U2/neighbors", headers=auth(tokens["leader"])).json()
    assert {n["caption"] for n in leader["nodes"] if n["type"] == "Officer"} == {
        "张** · 科员 · 城东派出所",
        "李** · 科级 · 城东派出所",
    }


def test_neighbors_depth_filters_and_limit(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["strict_office"])
    r = client.get(
        "/entities/Officer/010001/neighbors", params={"depth": 2, "node_types": ["Clue", "Case"]}, headers=h
    )
    assert r.status_code == 400 and r.json()["error"] == "purpose_required"  # clues and cases: purpose first
    body = client.get(
        "/entities/Officer/010001/neighbors",
        params={"depth": 2, "node_types": ["Clue", "Case"], **PURPOSE},
        headers=h,
    ).json()
    # Depth 2 through clues and cases only: C1, C2, K1 (direct), and nothing else of those types.
    assert _ids(body) == {"Clue:C1", "Clue:C2", "Case:K1"}
    body = client.get(
        "/entities/Officer/010001/neighbors",
        params={"depth": 3, "rel_types": ["SERVES_IN", "PART_OF"]},
        headers=h,
    ).json()
    assert _ids(body) == {"Unit:U2", "Unit:U1", "Officer:010002", "Unit:U0"}
    body = client.get(
        "/entities/Officer/010001/neighbors",
        params={"depth": 3, "rel_types": ["SERVES_IN", "PART_OF"], "limit": 2},
        headers=h,
    ).json()
    assert len(body["nodes"]) == 2 and body["total"] == 4 and body["truncated"] is True
    assert _ids(body) == {"Unit:U2", "Officer:010002"} or _ids(body) == {"Unit:U2", "Unit:U1"}
    # Nothing of the asked types around it: the center alone, no edges (an empty first level).
    body = client.get(
        "/entities/Officer/010001/neighbors", params={"node_types": ["Inspection"]}, headers=h
    ).json()
    assert body["center"]["id"] == "Officer:010001"
    assert (body["nodes"], body["edges"], body["total"], body["truncated"]) == ([], [], 0, False)
    assert client.get("/entities/Officer/010001/neighbors", params={"depth": 4}, headers=h).status_code == 422
    r = client.get("/entities/Officer/010001/neighbors", params={"depht": 2}, headers=h)
    assert r.status_code == 422 and "depht" in r.json()["message"]
    assert client.get("/entities/Officer/nobody/neighbors", headers=h).status_code == 404
    assert client.get("/entities/Nope/x", headers=h).status_code == 422
    assert client.get("/entities/Officer/nobody", headers=h).status_code == 404


def test_search(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["strict_office"])
    assert [e["id"] for e in client.get("/search", params={"q": "张"}, headers=h).json()["items"]] == [
        "Officer:010001"
    ]
    assert [e["id"] for e in client.get("/search", params={"q": "010002"}, headers=h).json()["items"]] == [
        "Officer:010002"
    ]
    names = [e["id"] for e in client.get("/search", params={"q": "城东"}, headers=h).json()["items"]]
    assert set(names) == {"Unit:U1", "Unit:U2", "PartyOrg:P1"}
    assert client.get("/search", params={"q": "张"}, headers=auth(tokens["petition"])).json()["items"] == []
    assert client.get("/search", params={"q": ""}, headers=h).status_code == 422


def _walk(client: TestClient, secret: str, params: dict[str, Any]) -> list[tuple[str, str, str]]:
    out, cursor = [], None
    for _ in range(100):
        p = dict(params, **PURPOSE, **({"cursor": cursor} if cursor else {}))
        body = client.get("/relationships", params=p, headers=auth(secret)).json()
        out += [(e["type"], e["from"], e["to"]) for e in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            return out
    raise AssertionError("pagination does not end")


def test_relationships_pagination_and_filters(client: TestClient, tokens: dict[str, str]) -> None:
    ext = tokens["external"]
    everything = _walk(client, ext, {"limit": 1000})
    assert len(everything) == sum(len(v) for v in RELS.values())
    assert everything == sorted(
        everything, key=lambda t: (t[0], t[1].split(":", 1)[1], t[2].split(":", 1)[1])
    )
    for size in (1, 2, 7):
        assert _walk(client, ext, {"limit": size}) == everything
    assert _walk(client, ext, {"from": "Officer:010002"}) == [
        ("LIAISES_WITH", "Officer:010002", "Unit:U2"),
        ("SERVES_IN", "Officer:010002", "Unit:U1"),
        ("SERVES_IN", "Officer:010002", "Unit:U2"),
    ]
    assert _walk(client, ext, {"to": "Officer:010001", "type": "CONCERNS"}) == [
        ("CONCERNS", "Clue:C1", "Officer:010001"),
        ("CONCERNS", "Clue:C2", "Officer:010001"),
    ]
    # Time range: postings overlapping 2016 and dated relationships in 2024-01.
    assert _walk(client, ext, {"type": "SERVES_IN", "since": "2016-01-01", "until": "2016-12-31"}) == [
        ("SERVES_IN", "Officer:010002", "Unit:U1")
    ]
    # (postings still open overlap; the liaison has no assigned_on date, so it does not match)
    assert _walk(client, ext, {"since": "2024-01-01", "until": "2024-01-31"}) == [
        ("SERVES_IN", "Officer:010001", "Unit:U2"),
        ("SERVES_IN", "Officer:010002", "Unit:U2"),
        ("TRANSFERRED_TO", "Clue:C1", "Unit:B1"),
    ]
    # Row filters: the petition office sees the petition clue's transfer; the audit office does not.
    assert _walk(client, tokens["petition"], {"type": "TRANSFERRED_TO"}) == [
        ("TRANSFERRED_TO", "Clue:C1", "Unit:B1")
    ]
    assert _walk(client, tokens["audit"], {"type": "TRANSFERRED_TO"}) == []
    assert _walk(client, tokens["audit"], {"type": "FOUND_BY"}) == [
        ("FOUND_BY", "Rectification:R1", "Inspection:I1")
    ]
    h = auth(ext)
    assert client.get("/relationships", params={"cursor": "garbage!"}, headers=h).status_code == 422
    assert client.get("/relationships", params={"from": "Nope:1"}, headers=h).status_code == 422
    assert client.get("/relationships", params={"type": "NOPE"}, headers=h).status_code == 422
    assert (
        client.get(
            "/relationships", params={"since": "2024-02-01", "until": "2024-01-01"}, headers=h
        ).status_code
        == 422
    )


def test_prepared_queries_json_csv_xlsx(client: TestClient, tokens: dict[str, str]) -> None:
    names = {i["name"] for i in client.get("/queries", headers=auth(tokens["leader"])).json()["items"]}
    assert "test_api_clue_counts" in names and "test_api_officer_clues" not in names
    h = auth(tokens["strict_office"])
    body = client.post("/queries/test_api_clue_counts", json={"since": "2024-02-01"}, headers=h).json()
    assert body["rows"] == [{"source": "审计发现", "clues": 1}, {"source": "督察发现", "clues": 1}]
    r = client.post("/queries/test_api_clue_counts", json={"since": "not a date"}, headers=h)
    assert r.status_code == 422 and "since" in r.json()["message"]
    assert client.post("/queries/test_api_clue_counts", json={"bogus": 1}, headers=h).status_code == 422
    assert client.post("/queries/no_such_query", json={}, headers=h).status_code == 404
    r = client.post("/queries/test_api_clue_counts", params={"format": "csv"}, json={}, headers=h)
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    # "source" is not declared in queries/columns.toml (shown by its field name); "clues" is.
    assert rows == [["source", "线索数"], ["信访举报", "1"], ["审计发现", "1"], ["督察发现", "1"]]
    r = client.post(
        "/queries/test_api_clue_counts", params={"format": "csv", "titles": "en"}, json={}, headers=h
    )
    assert list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[0] == ["source", "clues"]
    r = client.post(
        "/queries/test_api_clue_counts",
        json={},
        headers={**h, "Accept": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [list(row) for row in ws.iter_rows(values_only=True)] == [
        ["source", "线索数"],
        ["信访举报", 1],
        ["审计发现", 1],
        ["督察发现", 1],
    ]
    # Row masking: summaries need a purpose, personal columns need the scope.
    # Rows with clue detail need a purpose; with it, personal columns are in clear for the scope.
    assert client.post("/queries/test_api_officer_clues", json={}, headers=h).status_code == 400
    rows = client.post("/queries/test_api_officer_clues", params=PURPOSE, json={}, headers=h).json()["rows"]
    assert rows[0]["summary"] == "反映张伟在办案中收受财物" and rows[0]["id_number"] == "320102198501011234"


def test_access_log(
    client: TestClient, tokens: dict[str, str], graph: neo4j.Driver, db_settings: Settings
) -> None:
    client.get("/entities/Officer/010001", headers=auth(tokens["discipline"]))
    client.get("/entities/Clue/C1", params=PURPOSE, headers=auth(tokens["petition"]))
    client.get("/entities/Clue/C1", headers=auth(tokens["petition"]))
    client.get("/entities/Unit/U2", headers=auth(tokens["petition"]))  # no personal data: not logged
    client.post(
        "/queries/test_api_clue_counts", json={}, headers=auth(tokens["leader"])
    )  # aggregate: not logged
    client.get("/entities/Officer/010001", headers=auth(tokens["audit"]))  # denied: logged
    flush(client)
    h = auth(tokens["strict_office"])
    items = client.get("/audit", headers=h).json()["items"]
    got = sorted(
        (i["role"], i["endpoint"], tuple(i["entity_ids"]), i["purpose"], i["outcome"], i["status"])
        for i in items
    )
    assert got == sorted(
        [
            ("discipline", "/entities/{type}/{key}", ("Officer:010001",), None, "ok", 200),
            ("petition", "/entities/{type}/{key}", ("Clue:C1",), "核查信访件", "ok", 200),
            ("petition", "/entities/{type}/{key}", (), None, "purpose_required", 400),
            ("audit", "/entities/{type}/{key}", (), None, "forbidden", 403),
        ]
    )
    rec = next(i for i in items if i["role"] == "discipline")
    assert rec["name"] == "测试-discipline" and rec["params"] == {"type": "Officer", "key": "010001"}
    # Filters and pagination.
    only = client.get("/audit", params={"entity": "Clue:C1"}, headers=h).json()["items"]
    assert [i["role"] for i in only] == ["petition"]
    page1 = client.get("/audit", params={"limit": 3}, headers=h).json()
    page2 = client.get("/audit", params={"limit": 3, "cursor": page1["next_cursor"]}, headers=h).json()
    ids = [i["record_id"] for i in page1["items"] + page2["items"]]
    assert len(ids) == len(set(ids)) >= 4
    assert client.get("/audit", params={"cursor": "x"}, headers=h).status_code == 422
    # No route edits or deletes records.
    assert client.delete("/audit", headers=h).status_code == 405
    n = graph.execute_query(
        "MATCH (a:AccessRecord) RETURN count(a) AS n", database_=db_settings.neo4j_database
    )
    assert n.records[0]["n"] >= 4


def test_authentication_tokens_and_cookie(
    client: TestClient, graph: neo4j.Driver, db_settings: Settings
) -> None:
    db = db_settings.neo4j_database
    info, secret = create_token(graph, db, "纪检", "王检查")
    assert info.role == "discipline" and secret.startswith("kg_")
    stored = graph.execute_query(
        "MATCH (t:ApiToken {token_id: $id}) RETURN properties(t) AS p", id=info.token_id, database_=db
    ).records[0]["p"]
    assert secret not in {str(v) for v in stored.values()} and len(stored["token_hash"]) == 64
    assert client.get("/entities/Unit/U2").status_code == 401
    assert client.get("/entities/Unit/U2", headers=auth("kg_wrong")).status_code == 401
    assert client.get("/entities/Unit/U2", headers=auth(secret)).status_code == 200
    # Cookie login for the HTML views.
    assert "访问令牌" in client.get("/login").text
    assert client.post("/login", data={"token": "kg_wrong"}, follow_redirects=False).status_code == 401
    r = client.post("/login", data={"token": secret}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "httponly" in r.headers["set-cookie"].lower()
    assert client.get("/entities/Unit/U2").status_code == 200
    assert client.post("/logout", follow_redirects=False).status_code == 303  # logout is a POST
    client.cookies.clear()
    assert client.get("/entities/Unit/U2").status_code == 401
    # Revocation: refused from the next request.
    assert [t.token_id for t in list_tokens(graph, db)] == [info.token_id]
    revoke_token(graph, db, info.token_id)
    assert client.get("/entities/Unit/U2", headers=auth(secret)).status_code == 401
    assert list_tokens(graph, db)[0].revoked_at is not None


# -- Neo4j down and back --------------------------------------------------------------------------


class TcpRelay:
    """A loopback TCP relay in front of the real Neo4j that the test can cut and restore."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(64)
        self._server = srv
        threading.Thread(target=self._accept, args=(srv,), daemon=True).start()

    def _accept(self, srv: socket.socket) -> None:
        while True:
            try:
                client, _ = srv.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        if self._server is not None:
            try:
                self._server.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            self._server.close()
            self._server = None
        with self._lock:
            for c in self._conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                    c.close()
                except OSError:
                    pass
            self._conns.clear()


def test_neo4j_down_then_back(graph: neo4j.Driver, db_settings: Settings, tokens: dict[str, str]) -> None:
    port = int((db_settings.neo4j_uri or "").rsplit(":", 1)[1])
    relay = TcpRelay(port)
    settings = db_settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{relay.port}"})
    h = auth(tokens["strict_office"])
    # Down at start-up: the app starts anyway and answers 503.
    with TestClient(create_app(settings, token_ttl=0.0)) as client:
        r = client.get("/health")
        assert r.status_code == 503 and r.json()["neo4j"] == "down"
        r = client.get("/entities/Unit/U2", headers=h)
        assert r.status_code == 503 and "Neo4j" in r.json()["message"]
        relay.start()
        assert client.get("/health").status_code == 200
        assert client.get("/entities/Unit/U2", headers=h).status_code == 200
        relay.stop()
        assert client.get("/entities/Unit/U2", headers=h).status_code == 503
        relay.start()
        assert client.get("/entities/Unit/U2", headers=h).json()["caption"] == "城东派出所"
        relay.stop()
