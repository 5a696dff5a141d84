"""Supervision orders against a real Neo4j: the hand-built bureau of tests/data/orders/world.py.

Known answers: the events each step writes, overdue at several as_of dates, a consultation that
issues two orders (and one that fails and writes nothing), orders in closed_loop, order_statistics
and the political ecosystem, ingest reruns that leave orders alone, backup → wipe → restore,
a spreadsheet import with bad rows, and the README's command-line check.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import neo4j
import pytest
from neo4j.exceptions import ConstraintError

from graph.backup import backup, restore
from graph.errors import NotFound, QueryParamError
from graph.orders.machine import IllegalTransition
from graph.orders.store import (
    Actor,
    ConsultationInput,
    OrderConflict,
    act,
    create_consultation,
    create_order,
    get_order,
    list_orders,
)
from graph.schema import ConsultationKind, OrderInput
from graph.settings import Settings
from graph.testing import wipe
from ingest.job import run_ingest
from queries.registry import get_query
from tests.data.orders.world import build

pytestmark = pytest.mark.neo4j

D = dt.date
OFFICE = Actor("王主任", "从严办")
UNIT = Actor("城关所联络员", "责任单位")
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(db: neo4j.Driver, db_settings: Settings) -> tuple[neo4j.Driver, str]:
    build(db, db_settings.neo4j_database)
    return db, db_settings.neo4j_database


def order(**kw: Any) -> OrderInput:
    base = {
        "kind": "督办单",
        "title": "限期整改",
        "assignee_code": "U2",
        "issuer_code": "B0",
        "targets": ("Unit:U2",),
        "issued_on": "2026-01-10",
        "deadline": "2026-02-10",
    }
    return OrderInput.model_validate({**base, **kw})


def test_issue_feedback_close_writes_three_events(world: tuple[neo4j.Driver, str]) -> None:
    drv, db = world
    no = create_order(
        drv,
        db,
        order(targets=("Unit:U2", "Officer:010001", "Clue:C1", "Case:K1", "Rectification:R1")),
        OFFICE,
    )
    assert no == "DB2026-0001"
    assert create_order(drv, db, order(), OFFICE) == "DB2026-0002"
    act(
        drv,
        db,
        no,
        "feedback",
        UNIT,
        text="已整改",
        on=D(2026, 2, 1),
        attachments=[("整改报告.pdf", "a" * 64)],
    )
    act(drv, db, no, "close", OFFICE, on=D(2026, 2, 3))
    o = get_order(drv, db, no, as_of=D(2026, 3, 1))
    assert (o["state"], o["answered_on"], o["closed_on"], o["overdue"]) == (
        "已办结",
        "2026-02-01",
        "2026-02-03",
        False,
    )
    assert o["targets"] == ["Case:K1", "Clue:C1", "Officer:010001", "Rectification:R1", "Unit:U2"]
    assert [
        (e["seq"], e["action"], e.get("state_from"), e["state_to"], e["on"], e["actor"], e["role"])
        for e in o["events"]
    ] == [
        (1, "下发", None, "已下发", "2026-01-10", "王主任", "从严办"),
        (2, "反馈", "已下发", "已反馈", "2026-02-01", "城关所联络员", "责任单位"),
        (3, "办结", "已反馈", "已办结", "2026-02-03", "王主任", "从严办"),
    ]
    assert (
        o["events"][1]["text"],
        o["events"][1]["attachment_names"],
        o["events"][1]["attachment_hashes"],
    ) == ("已整改", ["整改报告.pdf"], ["a" * 64])


def test_illegal_steps_change_nothing(world: tuple[neo4j.Driver, str]) -> None:
    drv, db = world
    no = create_order(drv, db, order(), OFFICE)
    with pytest.raises(IllegalTransition) as info:
        act(drv, db, no, "close", OFFICE, on=D(2026, 1, 20))
    assert {a.value for a in info.value.allowed} == {"签收", "反馈", "撤销"}
    with pytest.raises(QueryParamError, match="reason|理由"):
        act(drv, db, no, "cancel", OFFICE)  # a cancel needs its reason
    with pytest.raises(QueryParamError, match="previous step|上一环节"):
        act(drv, db, no, "sign", UNIT, on=D(2026, 1, 9))  # before the issue date
    with pytest.raises(QueryParamError, match="issue|下发"):
        act(drv, db, no, "issue", OFFICE)
    assert [e["action"] for e in get_order(drv, db, no)["events"]] == ["下发"]
    with pytest.raises(NotFound):
        act(drv, db, "DB1999-0001", "sign", UNIT)
    with pytest.raises(NotFound, match="Unit:NOPE"):
        create_order(drv, db, order(assignee_code="NOPE"), OFFICE)
    with pytest.raises(QueryParamError, match="deadline"):
        create_order(drv, db, order(deadline="2026-01-01"), OFFICE)
    with pytest.raises(OrderConflict):
        create_order(drv, db, order(order_no=no), OFFICE)
    assert len(list_orders(drv, db)) == 1


def test_events_are_append_only(world: tuple[neo4j.Driver, str]) -> None:
    drv, db = world
    no = create_order(drv, db, order(), OFFICE)
    act(drv, db, no, "sign", UNIT, on=D(2026, 1, 11))
    # The uniqueness constraint refuses a second event with a taken sequence number (a concurrent step).
    with pytest.raises(ConstraintError):
        drv.execute_query("CREATE (:OrderEvent {event_id: $id})", id=f"{no}#2", database_=db)
    act(drv, db, no, "return", OFFICE, text="签收单位有误", on=D(2026, 1, 12))
    act(drv, db, no, "sign", UNIT, on=D(2026, 1, 13))
    events = get_order(drv, db, no)["events"]
    assert [(e["seq"], e["action"], e["state_to"]) for e in events] == [
        (1, "下发", "已下发"),
        (2, "签收", "已签收"),
        (3, "退回", "已下发"),
        (4, "签收", "已签收"),
    ]


def test_overdue_at_as_of(world: tuple[neo4j.Driver, str]) -> None:
    drv, db = world
    no = create_order(drv, db, order(), OFFICE)  # issued 01-10, deadline 02-10
    act(drv, db, no, "sign", UNIT, on=D(2026, 1, 12))
    act(drv, db, no, "feedback", UNIT, text="已办理", on=D(2026, 3, 1))

    def at(day: dt.date) -> tuple[Any, bool, int]:
        o = list_orders(drv, db, as_of=day)[0]
        return o["state_at"], o["overdue"], o["days_overdue"]

    assert at(D(2026, 1, 9)) == (None, False, 0)  # not issued yet
    assert at(D(2026, 2, 10)) == ("已签收", False, 0)  # on the deadline
    assert at(D(2026, 2, 11)) == ("已签收", True, 1)
    assert at(D(2026, 2, 28)) == ("已签收", True, 18)
    assert at(D(2026, 3, 1)) == ("已反馈", False, 0)  # answered (late)
    assert [o["order_no"] for o in list_orders(drv, db, as_of=D(2026, 2, 20), overdue=True)] == [no]
    assert list_orders(drv, db, as_of=D(2026, 3, 2), overdue=True) == []


def test_consultation_issues_two_orders_in_one_step(world: tuple[neo4j.Driver, str]) -> None:
    drv, db = world
    data = ConsultationInput(
        held_on=D(2026, 1, 20),
        kind=ConsultationKind.CASE,
        subject="C1 线索个案会商",
        bodies=("B0", "B1"),
        about=("Clue:C1", "Case:K1", "Unit:U2"),
        decisions=("U2 限期反馈 C1 核查结果", "U1 开展警示教育"),
        orders=(
            order(title="反馈 C1 核查结果", targets=("Clue:C1",), issued_on=None),
            order(
                kind="工作提示",
                title="开展警示教育",
                assignee_code="U1",
                issued_on=None,
                deadline="2026-03-01",
            ),
        ),
    )
    number, orders = create_consultation(drv, db, data, OFFICE)
    assert (number, orders) == ("HS2026-0001", ["DB2026-0001", "DB2026-0002"])
    rows = {o["order_no"]: o for o in list_orders(drv, db, as_of=D(2026, 2, 15))}
    assert {
        n: (o["assignee_code"], o["issued_on"], o["consultations"], o["overdue"]) for n, o in rows.items()
    } == {
        "DB2026-0001": ("U2", "2026-01-20", ["HS2026-0001"], True),
        "DB2026-0002": ("U1", "2026-01-20", ["HS2026-0001"], False),
    }
    # One transaction: a decision with an unknown assigned body writes neither the meeting nor any order.
    bad = ConsultationInput(
        held_on=D(2026, 1, 21),
        kind=ConsultationKind.REGULAR,
        subject="x",
        bodies=("B0",),
        orders=(order(issued_on=None), order(assignee_code="NOPE", issued_on=None)),
    )
    with pytest.raises(NotFound):
        create_consultation(drv, db, bad, OFFICE)
    counts = drv.execute_query(
        "MATCH (c:Consultation) WITH count(c) AS c MATCH (o:SupervisionOrder) RETURN c, count(o) AS o",
        database_=db,
    ).records[0]
    assert (counts["c"], counts["o"]) == (1, 2)


def _three_orders(drv: neo4j.Driver, db: str) -> list[str]:
    """On time (closed), late (answered after the deadline), overdue (signed, never answered)."""
    a = create_order(drv, db, order(), OFFICE)
    act(drv, db, a, "feedback", UNIT, text="ok", on=D(2026, 2, 1))
    act(drv, db, a, "close", OFFICE, on=D(2026, 2, 2))
    b = create_order(drv, db, order(kind="工作提示", assignee_code="U3"), OFFICE)
    act(drv, db, b, "feedback", UNIT, text="迟报", on=D(2026, 2, 20))
    c = create_order(drv, db, order(), OFFICE)
    act(drv, db, c, "sign", UNIT, on=D(2026, 1, 11))
    d = create_order(drv, db, order(issued_on="2026-01-11", deadline="2026-01-31"), OFFICE)
    act(drv, db, d, "cancel", OFFICE, text="重复", on=D(2026, 1, 12))
    return [a, b, c, d]


def test_orders_in_closed_loop_statistics_and_ecosystem(world: tuple[neo4j.Driver, str]) -> None:
    drv, db = world
    a, b, c, d = _three_orders(drv, db)
    loop = get_query("closed_loop").execute(drv, db, {"as_of": "2026-02-15"})
    rows = [r for r in loop.rows if r["issue"] == "督办逾期"]
    assert [(r["key"], r["days_overdue"], r["status"], r["units"], r["body_code"]) for r in rows] == [
        (b, 5, "已下发", ["U3"], "B0"),
        (c, 5, "已签收", ["U2"], "B0"),
    ]
    assert loop.summary["overdue_orders"] == sorted([b, c]) and loop.summary["by_unit"]["U2"]["督办逾期"] == 1
    later = get_query("closed_loop").execute(drv, db, {"as_of": "2026-03-01"}).summary["overdue_orders"]
    assert later == [c]  # b was answered on 02-20

    stats = get_query("order_statistics").execute(
        drv, db, {"date_from": "2026-01-01", "date_to": "2026-01-31", "as_of": "2026-03-01"}
    )
    got = {
        (r["body_code"], r["kind"]): tuple(
            r[k]
            for k in ("issued", "answered_on_time", "answered_late", "overdue", "open", "closed", "cancelled")
        )
        for r in stats.rows
    }
    assert got == {("U2", "督办单"): (3, 1, 0, 1, 1, 1, 1), ("U3", "工作提示"): (1, 0, 1, 0, 0, 0, 0)}
    assert {r["body_code"]: r["body"] for r in stats.rows} == {"U2": "城关派出所", "U3": "北关派出所"}
    assert (stats.summary["issued"], stats.summary["on_time_rate"], stats.period) == (
        4,
        0.5,
        {"date_from": "2026-01-01", "date_to": "2026-01-31"},
    )
    empty = get_query("order_statistics").execute(
        drv, db, {"date_from": "2025-01-01", "date_to": "2025-12-31"}
    )
    assert empty.rows == [] and empty.notes

    eco = {
        r["unit_code"]: r
        for r in get_query("political_ecosystem").execute(drv, db, {"as_of": "2026-02-15"}).rows
    }
    assert eco["U2"]["overdue_orders"] == 1
    assert any("逾期未反馈督办单数 1" in x for x in eco["U2"]["reasons"])
    sub = {
        r["unit_code"]: r
        for r in get_query("political_ecosystem")
        .execute(drv, db, {"as_of": "2026-02-15", "level": "sub_bureau"})
        .rows
    }
    assert sub["U1"]["overdue_orders"] == 2  # U2's and U3's roll up into U1


def _dump(drv: neo4j.Driver, db: str) -> dict[str, Any]:
    def rows(cypher: str) -> list[Any]:
        return sorted(
            json.dumps(r.data(), default=str, ensure_ascii=False, sort_keys=True)
            for r in drv.execute_query(cypher, database_=db).records
        )

    return {
        "orders": rows("MATCH (o:SupervisionOrder) RETURN properties(o) AS p"),
        "events": rows(
            "MATCH (o:SupervisionOrder)-[:ORDER_HISTORY]->(e:OrderEvent) RETURN o.order_no AS o, properties(e) AS p"
        ),
        "links": rows(
            "MATCH (o:SupervisionOrder)-[r]->(t) RETURN o.order_no AS o, type(r) AS t, "
            "coalesce(t.code, t.badge_no, t.clue_no, t.case_no, t.event_id, t.consultation_no) AS k"
        ),
        "consultations": rows(
            "MATCH (c:Consultation)-[r]->(t) RETURN properties(c) AS p, type(r) AS t, t.code AS k"
        ),
    }


def test_ingest_reruns_leave_orders_alone(world: tuple[neo4j.Driver, str]) -> None:
    drv, db = world
    _three_orders(drv, db)
    create_consultation(
        drv,
        db,
        ConsultationInput(
            held_on=D(2026, 1, 20), kind=ConsultationKind.REGULAR, subject="例会", bodies=("B0",)
        ),
        OFFICE,
    )
    before = _dump(drv, db)
    for _ in range(2):
        report = run_ingest(drv, db, REPO / "tests" / "data" / "ingest" / "clean")
        assert report.ok and report.totals["loaded"] > 0
    assert _dump(drv, db) == before


def test_backup_wipe_restore(world: tuple[neo4j.Driver, str], tmp_path: Path) -> None:
    drv, db = world
    _three_orders(drv, db)
    data = ConsultationInput(
        held_on=D(2026, 1, 20),
        kind=ConsultationKind.CASE,
        subject="会商",
        bodies=("B0", "B1"),
        about=("Clue:C1",),
        decisions=("督办",),
        orders=(order(issued_on=None),),
    )
    create_consultation(drv, db, data, OFFICE)
    before = _dump(drv, db)
    total = drv.execute_query("MATCH (n) RETURN count(n) AS n", database_=db).records[0]["n"]
    rep = backup(drv, db, tmp_path / "kg.jsonl.gz")
    assert rep["nodes"] == total
    with pytest.raises(Exception, match="--replace"):
        restore(drv, db, tmp_path / "kg.jsonl.gz")  # refuses a non-empty database
    wipe(drv, db)
    assert _dump(drv, db) == {k: [] for k in before}
    rep2 = restore(drv, db, tmp_path / "kg.jsonl.gz")
    assert (rep2["nodes"], rep2["relationships"]) == (rep["nodes"], rep["relationships"])
    assert _dump(drv, db) == before
    # Types survive: dates stay dates, the state machine goes on where it stopped, numbering continues.
    assert (
        drv.execute_query(
            "MATCH (e:OrderEvent) WHERE e.on IS :: DATE AND e.at IS :: ZONED DATETIME RETURN count(e) AS c",
            database_=db,
        ).records[0]["c"]
        == 10
    )
    assert create_order(drv, db, order(), OFFICE) == "DB2026-0006"
    leftover = drv.execute_query("MATCH (n:KgRestoreTmp) RETURN count(n) AS c", database_=db).records[0]["c"]
    assert leftover == 0
    restore(drv, db, tmp_path / "kg.jsonl.gz", replace=True)
    assert _dump(drv, db) == before


def test_import_orders_from_a_spreadsheet(world: tuple[neo4j.Driver, str], tmp_path: Path) -> None:
    from graph.orders.importer import import_orders

    drv, db = world
    path = tmp_path / "orders.csv"
    path.write_text(
        "督办编号,督办类型,标题,承办单位编码,督办对象,下发日期,办理期限\n"
        "DBX-1,督办单,限期整改,U2,Unit:U2；Clue:C1,2026/1/10,2026年2月10日\n"
        "DBX-2,督办令,种类不对,U2,,2026-01-10,2026-02-10\n"
        "DBX-3,工作提示,单位不存在,U9,,2026-01-10,2026-02-10\n"
        "DBX-4,工作提示,期限缺失,U2,,2026-01-10,\n",
        encoding="utf-8-sig",
    )
    rep = import_orders(drv, db, path, OFFICE, default_issuer="B0")
    assert (rep.read, rep.loaded, rep.rejected, rep.orders) == (4, 1, 3, ["DBX-1"])
    assert [(r.file, r.line, r.field) for r in rep.rejects] == [
        ("orders.csv", 3, "督办类型"),
        ("orders.csv", 5, "办理期限"),
        ("orders.csv", 4, "承办单位编码/下发单位编码/督办对象"),
    ]
    assert "U9" in rep.rejects[2].reason
    o = get_order(drv, db, "DBX-1")
    assert (o["issuer_code"], o["targets"], o["deadline"]) == ("B0", ["Clue:C1", "Unit:U2"], "2026-02-10")
    again = import_orders(drv, db, path, OFFICE, default_issuer="B0")  # a rerun changes nothing
    assert (again.read, again.loaded, again.unchanged, again.rejected) == (4, 1, 1, 3)
    path.write_text(
        "督办编号,督办类型,标题,承办单位编码,办理期限\nDBX-1,督办单,另一份,U3,2026-02-10\n", encoding="utf-8"
    )
    other = import_orders(drv, db, path, OFFICE, default_issuer="B0")
    assert (other.loaded, other.rejected, other.rejects[0].field) == (0, 1, "督办编号")
    assert len(get_order(drv, db, "DBX-1")["events"]) == 1


def _kg(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NEO4J_URI": settings.neo4j_uri or "",
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_password or "",
        "NEO4J_DATABASE": settings.neo4j_database,
    }
    return subprocess.run(
        [sys.executable, "-m", "kg", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=120
    )


def test_command_line_check(world: tuple[neo4j.Driver, str], db_settings: Settings) -> None:
    drv, db = world
    r = _kg(
        db_settings,
        "order",
        "create",
        "--kind",
        "督办单",
        "--title",
        "城关派出所执法规范化整改",
        "--assigned",
        "U1",
        "--target",
        "Unit:U2",
        "--deadline",
        "2026-12-31",
    )
    assert r.returncode == 0, r.stderr
    no = r.stdout.strip().splitlines()[-1]
    assert no.startswith("DB") and get_order(drv, db, no)["issuer_code"] == "B0"  # default issuer: the 从严办
    listed = json.loads(_kg(db_settings, "order", "list", "--format", "json").stdout)
    assert [o["order_no"] for o in listed["items"]] == [no]
    assert _kg(db_settings, "order", "feedback", no, "--text", "已完成整改").returncode == 0
    assert _kg(db_settings, "order", "close", no).returncode == 0
    o = get_order(drv, db, no)
    assert o["state"] == "已办结" and [e["action"] for e in o["events"]] == ["下发", "反馈", "办结"]
    again = _kg(db_settings, "order", "close", no)
    assert again.returncode == 2 and "Traceback" not in again.stderr and "已办结" in again.stderr
    bad = _kg(
        db_settings,
        "order",
        "create",
        "--kind",
        "督办令",
        "--title",
        "x",
        "--assigned",
        "U1",
        "--deadline",
        "2026-12-31",
    )
    assert bad.returncode == 2 and "kind" in bad.stderr and "Traceback" not in bad.stderr


def test_cluster_target_is_frozen_in_a_snapshot(world: tuple[neo4j.Driver, str]) -> None:
    drv, db = world
    drv.execute_query(
        "MATCH (k:Case {case_no: 'K1'}), (u:Unit {code: 'U2'}) UNWIND ['010002', '010003'] AS b "
        "CREATE (o:Officer {badge_no: b, name: '李' + b, rank: '科员', high_risk_post: false, auxiliary: false})"
        "-[:SERVES_IN {start_date: date('2020-01-01')}]->(u) CREATE (k)-[:INVOLVES {role: '参与人'}]->(o)",
        database_=db,
    )
    no = create_order(drv, db, order(targets=("Cluster:K1",)), OFFICE)
    (target,) = get_order(drv, db, no)["targets"]
    assert target.startswith("ClusterSnapshot:CS20260110-")
    snap = drv.execute_query(
        "MATCH (:SupervisionOrder {order_no: $no})-[:ORDER_ABOUT]->(s:ClusterSnapshot)-[:SNAPSHOT_MEMBER]->(o:Officer) "
        "RETURN s.cluster_id AS k, s.as_of AS d, collect(o.badge_no) AS members",
        no=no,
        database_=db,
    ).records[0]
    assert (snap["k"], str(snap["d"]), sorted(snap["members"])) == (
        "K1",
        "2026-01-10",
        ["010001", "010002", "010003"],
    )
    again = create_order(
        drv, db, order(targets=("Cluster:K1",)), OFFICE
    )  # the same cluster: the same snapshot
    assert get_order(drv, db, again)["targets"] == [target]
    with pytest.raises(NotFound, match="K9"):
        create_order(drv, db, order(targets=("Cluster:K9",)), OFFICE)
