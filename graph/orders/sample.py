"""The sample city's orders and consultations, so the demo shows the office's own work.

Run after the sample city is loaded (``make demo``: ``kg order seed-sample``). Everything is
derived from the loaded graph (the 从严办 and the discipline group, overdue transfers and
rectifications, recent cases, sub-bureaus and stations) and dated relative to the data's own
as-of date; numbers are fixed (``SDB-001`` …, ``SHS-001`` …), so a second run adds nothing.
The mix: orders closed on time, answered late, signed and overdue, issued and never touched,
returned and overdue again, cancelled, still open; one thematic consultation issuing two
orders and one regular consultation issuing one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import neo4j

from graph.orders.store import Actor, ConsultationInput, act, create_consultation, create_order, order_exists
from graph.schema import ConsultationKind, OrderAction, OrderInput, SupervisionFunction

__all__ = ["seed_sample"]

OFFICE = Actor("从严办 王主任", "从严办")
GROUP = Actor("驻局纪检监察组 刘组长", "纪检")
UNIT = Actor("承办单位联络员", "责任单位")

_FACTS = """
CALL () { MATCH (u:Unit {supervision_function: $office}) RETURN u.code AS office ORDER BY office LIMIT 1 }
CALL () { MATCH (u:Unit {supervision_function: $group}) RETURN u.code AS grp ORDER BY grp LIMIT 1 }
CALL () { MATCH (u:Unit {supervision_function: $plc}) RETURN collect(u.code)[0] AS plc }
CALL () { MATCH (u:Unit {kind: '分局'}) RETURN collect(u.code) AS subs }
CALL () { MATCH (u:Unit {kind: '派出所'}) WITH u ORDER BY u.code RETURN collect(u.code) AS stations, collect(u.name) AS station_names }
CALL () {
  MATCH (c:Clue)-[t:TRANSFERRED_TO]->(b:Unit) WHERE t.feedback_on IS NULL AND t.transferred_on <= $as_of
  WITH c, b, t ORDER BY t.transferred_on, c.clue_no
  RETURN collect([c.clue_no, b.code])[..4] AS transfers
}
CALL () {
  MATCH (r:Rectification)-[:ISSUED_TO]->(u:Unit) WHERE r.status <> '已整改' AND r.deadline < $as_of
  WITH r, u ORDER BY r.deadline, r.code
  RETURN collect([r.code, u.code])[..3] AS rects
}
CALL () {
  MATCH (k:Case)-[:INVOLVES]->(o:Officer)-[s:SERVES_IN]->(u:Unit)
  WHERE s.end_date IS NULL AND k.opened_on <= $as_of
  WITH k, o, u ORDER BY k.opened_on DESC, k.case_no, o.badge_no
  WITH k, collect([o.badge_no, u.code])[0] AS first
  RETURN collect([k.case_no] + first)[..3] AS cases
}
RETURN office, grp, plc, subs, stations, station_names, transfers, rects, cases
"""


@dataclass(frozen=True)
class _Plan:
    no: str
    kind: str
    title: str
    assignee: str
    targets: tuple[str, ...]
    issued: int  # days before as_of
    deadline: int  # days before as_of (negative: after)
    steps: tuple[tuple[OrderAction, int, str], ...] = ()
    issuer: str = "office"


def _facts(driver: neo4j.Driver, database: str, as_of: dt.date) -> dict[str, Any]:
    records, _, _ = driver.execute_query(
        _FACTS,
        office=SupervisionFunction.STRICT_GOVERNANCE_OFFICE.value,
        group=SupervisionFunction.STATIONED_DISCIPLINE_GROUP.value,
        plc=SupervisionFunction.POLITICAL_LEGAL_COMMITTEE.value,
        as_of=as_of,
        database_=database,
        routing_=neo4j.RoutingControl.READ,
    )
    f = dict(records[0])
    f["subs"] = sorted(f["subs"])
    f["names"] = dict(zip(f["stations"], f["station_names"], strict=True))
    return f


def _plans(f: dict[str, Any]) -> list[_Plan]:
    subs, stations = f["subs"], f["stations"]
    tr, rects, cases = f["transfers"], f["rects"], f["cases"]
    plans: list[_Plan] = []
    if len(tr) >= 2:
        plans += [
            _Plan(
                "SDB-001",
                "督办单",
                f"督促反馈线索 {tr[0][0]} 办理结果",
                tr[0][1],
                (f"Clue:{tr[0][0]}",),
                100,
                70,
                (
                    (OrderAction.SIGN, 98, "已签收"),
                    (OrderAction.FEEDBACK, 75, "已完成初核，反映问题部分属实，拟给予诫勉谈话"),
                    (OrderAction.CLOSE, 72, "同意办结"),
                ),
            ),
            _Plan(
                "SDB-002",
                "督办单",
                f"线索 {tr[1][0]} 移送逾期未反馈",
                tr[1][1],
                (f"Clue:{tr[1][0]}",),
                90,
                60,
                ((OrderAction.SIGN, 88, "已签收，正在核查"),),
            ),
        ]
    if len(rects) >= 2:
        plans += [
            _Plan(
                "SDB-003",
                "工作提示",
                f"整改事项 {rects[0][0]} 已超期，请加快推进",
                rects[0][1],
                (f"Rectification:{rects[0][0]}", f"Unit:{rects[0][1]}"),
                60,
                30,
            ),
            _Plan(
                "SDB-004",
                "督办单",
                f"整改事项 {rects[1][0]} 限期整改到位",
                rects[1][1],
                (f"Rectification:{rects[1][0]}",),
                45,
                15,
                (
                    (OrderAction.SIGN, 44, "已签收"),
                    (OrderAction.FEEDBACK, 10, "已制定整改方案并落实，附整改台账"),
                ),
            ),
        ]
    if len(cases) >= 2:
        plans += [
            _Plan(
                "SDB-005",
                "提醒谈话",
                f"对案件 {cases[0][0]} 涉案民警所在单位负责人开展提醒谈话",
                cases[0][2],
                (f"Case:{cases[0][0]}", f"Officer:{cases[0][1]}"),
                40,
                20,
                (
                    (OrderAction.FEEDBACK, 25, "已于当日完成提醒谈话，谈话记录已归档"),
                    (OrderAction.CLOSE, 22, "办结"),
                ),
            ),
            _Plan(
                "SDB-006",
                "约谈函询",
                f"就案件 {cases[1][0]} 暴露问题约谈单位主要负责人",
                cases[1][2],
                (f"Case:{cases[1][0]}", f"Officer:{cases[1][1]}"),
                30,
                -10,
                ((OrderAction.SIGN, 29, "已签收"),),
                issuer="grp",
            ),
        ]
    if len(subs) >= 3 and len(stations) >= 3:
        plans += [
            _Plan(
                "SDB-007",
                "纪检建议书",
                "关于加强执法办案监督管理的纪检建议",
                subs[1],
                (f"Unit:{subs[1]}",),
                50,
                20,
                (
                    (OrderAction.FEEDBACK, 30, "已组织自查"),
                    (OrderAction.RETURN, 28, "整改措施不具体，请补充时间表和责任人"),
                ),
                issuer="grp",
            ),
            _Plan(
                "SDB-008",
                "工作提示",
                "做好节日期间纪律作风提醒",
                stations[0],
                (f"Unit:{stations[0]}",),
                20,
                -20,
            ),
            _Plan(
                "SDB-009",
                "督办单",
                "落实联系点走访制度",
                stations[1],
                (f"Unit:{stations[1]}",),
                35,
                5,
                ((OrderAction.CANCEL, 33, "与 SDB-008 重复下发，撤销"),),
            ),
            _Plan(
                "SDB-010",
                "督办单",
                "派出所执法记录仪使用专项检查",
                stations[2],
                (f"Unit:{stations[2]}",),
                15,
                -15,
                ((OrderAction.SIGN, 14, "已签收"),),
            ),
        ]
    return plans


def _input(**fields: Any) -> OrderInput:
    return OrderInput.model_validate(fields)


def _order(p: _Plan, f: dict[str, Any], as_of: dt.date) -> OrderInput:
    return _input(
        order_no=p.no,
        kind=p.kind,
        title=p.title,
        assignee_code=p.assignee,
        issuer_code=f[p.issuer] or f["office"],
        targets=p.targets,
        issued_on=as_of - dt.timedelta(days=p.issued),
        deadline=as_of - dt.timedelta(days=p.deadline),
        requirement=f"请于 {as_of - dt.timedelta(days=p.deadline)} 前书面反馈办理情况。",
    )


def _steps(
    driver: neo4j.Driver,
    database: str,
    no: str,
    steps: tuple[tuple[OrderAction, int, str], ...],
    as_of: dt.date,
) -> None:
    for action, days, text in steps:
        actor = UNIT if action in (OrderAction.SIGN, OrderAction.FEEDBACK) else OFFICE
        act(driver, database, no, action, actor, text=text, on=as_of - dt.timedelta(days=days))


def seed_sample(driver: neo4j.Driver, database: str, *, as_of: dt.date | None = None) -> dict[str, int]:
    """Create the sample orders and consultations that do not exist yet; returns counts."""
    if as_of is None:
        from queries.period import data_as_of  # the query layer sits above graph/: imported only here

        as_of = data_as_of(driver, database) or dt.date.today()
    as_of = min(as_of, dt.date.today())
    f = _facts(driver, database, as_of)
    if not f["office"]:
        return {"orders": 0, "consultations": 0, "created": 0}
    created = 0
    plans = _plans(f)
    for p in plans:
        if order_exists(driver, database, p.no):
            continue
        no = create_order(driver, database, _order(p, f, as_of), OFFICE if p.issuer == "office" else GROUP)
        _steps(driver, database, no, p.steps, as_of)
        created += 1
    consultations = 0
    subs, stations, tr, cases = f["subs"], f["stations"], f["transfers"], f["cases"]
    bodies = tuple(b for b in (f["office"], f["grp"], f["plc"]) if b)
    if len(subs) >= 3 and len(stations) >= 4 and len(tr) >= 3 and cases:
        consultations += 1
        if not order_exists(driver, database, "SDB-011"):
            held = as_of - dt.timedelta(days=55)
            decisions = (f"线索 {tr[2][0]} 限期办结并反馈", f"{f['names'][stations[3]]}开展警示教育")
            o1 = _input(
                order_no="SDB-011",
                kind="督办单",
                title=decisions[0],
                assignee_code=tr[2][1],
                issuer_code=f["office"],
                targets=(f"Clue:{tr[2][0]}",),
                deadline=held + dt.timedelta(days=30),
            )
            o2 = _input(
                order_no="SDB-012",
                kind="工作提示",
                title=decisions[1],
                assignee_code=stations[3],
                issuer_code=f["office"],
                targets=(f"Unit:{stations[3]}", f"Case:{cases[0][0]}"),
                deadline=held + dt.timedelta(days=45),
            )
            create_consultation(
                driver,
                database,
                ConsultationInput(
                    consultation_no="SHS-001",
                    held_on=held,
                    kind=ConsultationKind.THEMATIC,
                    subject="重点问题线索和案件专题会商",
                    bodies=bodies,
                    about=(f"Clue:{tr[2][0]}", f"Case:{cases[0][0]}", f"Unit:{stations[3]}"),
                    decisions=decisions,
                    orders=(o1, o2),
                ),
                OFFICE,
            )
            _steps(
                driver,
                database,
                "SDB-012",
                ((OrderAction.SIGN, 50, "已签收"), (OrderAction.FEEDBACK, 20, "已召开警示教育大会")),
                as_of,
            )
            created += 3
        consultations += 1
        if not order_exists(driver, database, "SDB-013"):
            held = as_of - dt.timedelta(days=10)
            o3 = _input(
                order_no="SDB-013",
                kind="督办单",
                title="各分局开展廉政风险点排查",
                assignee_code=subs[2],
                issuer_code=f["office"],
                targets=(f"Unit:{subs[2]}",),
                deadline=held + dt.timedelta(days=30),
            )
            create_consultation(
                driver,
                database,
                ConsultationInput(
                    consultation_no="SHS-002",
                    held_on=held,
                    kind=ConsultationKind.REGULAR,
                    subject="季度监督工作联席会商",
                    bodies=bodies[:2],
                    about=tuple(f"Unit:{s}" for s in subs[:3]),
                    decisions=("各分局开展廉政风险点排查",),
                    orders=(o3,),
                ),
                OFFICE,
            )
            created += 2
    return {
        "orders": len(plans) + (3 if consultations else 0),
        "consultations": consultations,
        "created": created,
    }
