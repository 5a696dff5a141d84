"""The /orders and /consultations API against a real Neo4j: rights per role and action, 409 with
the allowed next states, reads filtered by role, the to-do, the access log, no route that edits
history, and the home page's orders panel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.tokens import create_token
from graph.orders.commands import order_app
from graph.settings import Settings
from tests.data.orders.world import build

pytestmark = pytest.mark.neo4j

# role → the unit its token acts for (None: only the bodies its role lists in roles.toml)
HOLDERS = {
    "strict_office": None,
    "discipline": None,
    "inspection": None,
    "audit": None,
    "leader": None,
    "external": "U3",
    "unit": "U2",
    "unit3": "U3",
}


@pytest.fixture
def world(db: neo4j.Driver, db_settings: Settings) -> neo4j.Driver:
    build(db, db_settings.neo4j_database)
    return db


@pytest.fixture
def client(world: neo4j.Driver, db_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(db_settings, token_ttl=0.0)) as c:
        yield c


@pytest.fixture
def tok(world: neo4j.Driver, db_settings: Settings) -> dict[str, dict[str, str]]:
    out = {}
    for name, unit in HOLDERS.items():
        role = "unit" if name.startswith("unit") else name
        secret = create_token(world, db_settings.neo4j_database, role, f"测试-{name}", unit)[1]
        out[name] = {"Authorization": f"Bearer {secret}"}
    return out


def new(kind: str = "督办单", **kw: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "title": "限期整改",
        "assignee_code": "U2",
        "targets": ["Unit:U2"],
        "issued_on": "2026-01-10",
        "deadline": "2026-02-10",
        **kw,
    }


def step(
    c: TestClient,
    h: dict[str, str],
    no: str,
    action: str,
    text: str | None = "办理情况",
    on: str = "2026-01-20",
) -> Any:
    return c.post(f"/orders/{no}/events", json={"action": action, "text": text, "on": on}, headers=h)


def test_issue_rights_per_role(client: TestClient, tok: dict[str, dict[str, str]]) -> None:
    c = client
    r = c.post("/orders", json=new(), headers=tok["strict_office"])
    assert r.status_code == 201 and (r.json()["order_no"], r.json()["issuer_code"]) == ("DB2026-0001", "B0")
    assert c.post("/orders", json=new(), headers=tok["leader"]).status_code == 201  # leaders: 督办单
    assert c.post("/orders", json=new("工作提示"), headers=tok["leader"]).status_code == 403
    r = c.post("/orders", json=new("工作提示", targets=["Clue:C1"]), headers=tok["inspection"])
    assert r.status_code == 201 and r.json()["issuer_code"] == "B2"  # its own body
    assert (
        c.post("/orders", json=new("工作提示", targets=["Clue:C2"]), headers=tok["inspection"]).status_code
        == 403
    )
    assert (
        c.post("/orders", json=new("工作提示", targets=["Case:K1"]), headers=tok["inspection"]).status_code
        == 403
    )
    assert c.post("/orders", json=new(issuer_code="B0"), headers=tok["inspection"]).status_code == 403
    assert c.post("/orders", json=new("纪检建议书"), headers=tok["audit"]).status_code == 403
    r = c.post(
        "/orders", json=new("纪检建议书", targets=["Case:K1", "Officer:010001"]), headers=tok["discipline"]
    )
    assert r.status_code == 201 and r.json()["issuer_code"] == "B1"
    for role in ("unit", "external"):
        assert c.post("/orders", json=new(), headers=tok[role]).status_code == 403
    assert c.post("/orders", json=new(assignee_code="NOPE"), headers=tok["strict_office"]).status_code == 404
    assert c.post("/orders", json=new(kind="督办令"), headers=tok["strict_office"]).status_code == 422
    assert c.post("/orders", json=new(targets=["Person:1"]), headers=tok["strict_office"]).status_code == 422
    assert (
        c.post("/orders", json={**new(), "state": "已办结"}, headers=tok["strict_office"]).status_code == 422
    )
    assert c.post("/orders", json=new()).status_code == 401


def test_steps_rights_and_state_machine(
    client: TestClient, tok: dict[str, dict[str, str]], world: neo4j.Driver, db_settings: Settings
) -> None:
    c = client
    no = c.post("/orders", json=new(), headers=tok["strict_office"]).json()["order_no"]
    r = step(c, tok["strict_office"], no, "close")
    assert r.status_code == 409
    assert r.json()["detail"] == {
        "order_no": no,
        "state": "已下发",
        "allowed": [
            {"action": "sign", "title": "签收", "to": "已签收"},
            {"action": "feedback", "title": "反馈", "to": "已反馈"},
            {"action": "cancel", "title": "撤销", "to": "已撤销"},
        ],
    }
    assert step(c, tok["unit3"], no, "sign").status_code == 403  # not its order
    assert step(c, tok["external"], no, "sign").status_code == 403
    assert step(c, tok["leader"], no, "cancel").status_code == 403
    r = step(c, tok["unit"], no, "sign", None, on="2026-01-11")
    assert (
        r.status_code == 200 and r.json()["state"] == "已签收" and r.json()["allowed_actions"] == ["feedback"]
    )
    assert step(c, tok["unit"], no, "feedback", None).status_code == 422  # feedback needs a text
    assert step(c, tok["unit"], no, "feedback", on="2026-01-12").json()["state"] == "已反馈"
    assert step(c, tok["unit"], no, "close").status_code == 403  # the assigned body does not close
    assert step(c, tok["inspection"], no, "close").status_code == 403  # nor another department
    r = step(c, tok["strict_office"], no, "return", "反馈不完整")
    assert r.status_code == 200 and r.json()["state"] == "已下发"
    step(c, tok["unit"], no, "feedback", on="2026-01-25")
    r = step(c, tok["strict_office"], no, "close", None, on="2026-01-26")
    assert r.status_code == 200 and r.json()["state"] == "已办结" and r.json()["allowed_actions"] == []
    r = step(c, tok["strict_office"], no, "cancel", "x", on="2026-01-27")
    assert r.status_code == 409 and r.json()["detail"]["allowed"] == []
    events = c.get(f"/orders/{no}", headers=tok["strict_office"]).json()["events"]
    assert [e["action"] for e in events] == ["下发", "签收", "反馈", "退回", "反馈", "办结"]
    # An order the issuing department may close: inspection's own.
    mine = c.post("/orders", json=new("工作提示", targets=["Clue:C1"]), headers=tok["inspection"]).json()[
        "order_no"
    ]
    step(c, tok["unit"], mine, "feedback", on="2026-01-12")
    assert step(c, tok["inspection"], mine, "close").status_code == 200
    # Every state change is in the access log, the refused ones too.
    assert c.app.state.audit.flush()  # type: ignore[attr-defined]
    records = world.execute_query(
        "MATCH (a:AccessRecord) WHERE $id IN a.entity_ids AND a.method = 'POST' RETURN a.role AS role, "
        "a.status AS status, a.params AS params ORDER BY a.at",
        id=f"SupervisionOrder:{no}",
        database_=db_settings.neo4j_database,
    ).records
    assert [(r["role"], r["status"]) for r in records] == [
        ("strict_office", 201),
        ("strict_office", 409),
        ("unit", 200),
        ("unit", 200),
        ("strict_office", 200),
        ("unit", 200),
        ("strict_office", 200),
        ("strict_office", 409),
    ]
    refused = world.execute_query(
        "MATCH (a:AccessRecord {outcome: 'forbidden'}) WHERE a.path = $p RETURN count(a) AS n",
        p=f"/orders/{no}/events",
        database_=db_settings.neo4j_database,
    ).records[0]["n"]
    assert refused == 5  # unit3 sign, external sign, leader cancel, unit close, inspection close


def test_reads_follow_the_role(client: TestClient, tok: dict[str, dict[str, str]]) -> None:
    c = client
    a = c.post("/orders", json=new(), headers=tok["strict_office"]).json()["order_no"]  # → U2
    b = c.post("/orders", json=new(assignee_code="U3"), headers=tok["strict_office"]).json()[
        "order_no"
    ]  # → U3
    d = c.post(
        "/orders",
        json=new("工作提示", targets=["Clue:C1"], assignee_code="U3", deadline="2026-12-31"),
        headers=tok["inspection"],
    ).json()["order_no"]  # B2 → U3
    step(c, tok["unit"], a, "feedback", on="2026-01-15")

    def nos(h: dict[str, str], **params: Any) -> set[str]:
        r = c.get("/orders", params={"as_of": "2026-03-01", **params}, headers=h)
        assert r.status_code == 200, r.text
        return {o["order_no"] for o in r.json()["items"]}

    assert nos(tok["strict_office"]) == nos(tok["leader"]) == {a, b, d}
    assert nos(tok["inspection"]) == {d}  # issued by its body
    assert nos(tok["unit"]) == {a} and nos(tok["external"]) == nos(tok["unit3"]) == {b, d}
    assert nos(tok["external"], assigned="U2") == set()  # cannot widen its filter
    assert nos(tok["strict_office"], overdue="true") == {b}
    assert nos(tok["strict_office"], overdue="true", as_of="2026-02-10") == set()
    assert nos(tok["strict_office"], state="已反馈") == {a}
    assert nos(tok["strict_office"], assigned="U3") == {b, d}
    assert c.get(f"/orders/{b}", headers=tok["unit"]).status_code == 403
    assert c.get(f"/orders/{b}", headers=tok["external"]).json()["assignee_code"] == "U3"
    assert c.get("/orders/DB1999-0001", headers=tok["strict_office"]).status_code == 404
    assert c.get("/orders", params={"overdu": "1"}, headers=tok["strict_office"]).status_code == 422
    todo = c.get("/orders/todo", params={"as_of": "2026-03-01"}, headers=tok["unit3"]).json()
    assert [o["order_no"] for o in todo["to_sign"]] == [d, b] and todo["to_close"] == []
    assert [o["order_no"] for o in todo["overdue"]] == [b]
    office = c.get("/orders/todo", params={"as_of": "2026-03-01"}, headers=tok["strict_office"]).json()
    assert [o["order_no"] for o in office["to_close"]] == [a] and office["to_sign"] == []
    assert office["overdue_by_body"] == [{"assignee_code": "U3", "assignee_name": "北关派出所", "overdue": 1}]


def test_consultation_issues_two_orders(client: TestClient, tok: dict[str, dict[str, str]]) -> None:
    c = client
    body = {
        "held_on": "2026-01-20",
        "kind": "个案",
        "subject": "C1 线索个案会商",
        "bodies": ["B0", "B1"],
        "about": ["Clue:C1", "Case:K1"],
        "decisions": ["U2 反馈核查结果", "U3 开展警示教育"],
        "orders": [
            new(title="反馈核查结果", issued_on=None),
            new("工作提示", title="开展警示教育", assignee_code="U3", issued_on=None),
        ],
    }
    r = c.post("/consultations", json=body, headers=tok["strict_office"])
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["consultation_no"], got["orders"], got["bodies"], got["about"]) == (
        "HS2026-0001",
        ["DB2026-0001", "DB2026-0002"],
        ["B0", "B1"],
        ["Case:K1", "Clue:C1"],
    )
    assert c.get("/orders/DB2026-0002", headers=tok["strict_office"]).json()["consultations"] == [
        "HS2026-0001"
    ]
    assert [x["consultation_no"] for x in c.get("/consultations", headers=tok["leader"]).json()["items"]] == [
        "HS2026-0001"
    ]
    assert c.post("/consultations", json=body, headers=tok["unit"]).status_code == 403
    assert c.get("/consultations", headers=tok["unit"]).status_code == 403


def test_no_route_or_command_edits_history(client: TestClient) -> None:
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    methods = {(p, m) for p, ops in paths.items() if p.startswith(("/orders", "/consultations")) for m in ops}
    assert {m for _, m in methods} == {"get", "post"}
    assert {p for p, m in methods if m == "post"} == {"/orders", "/orders/{no}/events", "/consultations"}
    commands = {c.name for c in order_app.registered_commands}
    assert commands == {
        "create",
        "list",
        "show",
        "sign",
        "feedback",
        "close",
        "return",
        "cancel",
        "import",
        "seed-sample",
    }


def test_home_page_includes_the_orders_panel(client: TestClient, tok: dict[str, dict[str, str]]) -> None:
    html = client.get("/", headers=tok["strict_office"]).text
    assert '<div id="kg-orders"></div><script src="/static/orders_panel.js"></script>' in html
    js = client.get("/static/orders_panel.js")
    assert (
        js.status_code == 200
        and "/orders/todo" in js.text
        and js.headers["content-type"].startswith("text/javascript")
    )
