"""A small hand-built bureau for the order tests: bodies, units, an officer, clues, a case, a rectification.

::

    U0 市公安局 ─┬─ B0 从严办 (监督机构, 从严办)      ─ B1 驻局纪检监察组 (监督机构)
                 ├─ B2 督察支队 (监督机构, 督察)      ─ B3 审计处 (监督机构, 审计)
                 └─ U1 城东分局 ─┬─ U2 城关派出所 (officer 010001, rectification R1 owner)
                                └─ U3 北关派出所
    C1 督察发现 → 010001 (transferred to B1 on 2026-01-05, no feedback);  C2 信访举报 → 010001
    K1 case involving 010001;  R1 rectification (inspection I1, kind 审计), deadline 2026-03-31
"""

from __future__ import annotations

import datetime as dt

import neo4j

D = dt.date

UNITS = [
    ("U0", "市公安局", "市公安局", "市级", None, None),
    ("B0", "全面从严管党治警领导小组办公室", "监督机构", "市级", "从严办", "U0"),
    ("B1", "驻局纪检监察组", "监督机构", "市级", "驻局纪检监察组", "U0"),
    ("B2", "督察支队", "监督机构", "市级", "督察", "U0"),
    ("B3", "审计处", "监督机构", "市级", "审计", "U0"),
    ("U1", "城东分局", "分局", "区县级", None, "U0"),
    ("U2", "城关派出所", "派出所", "基层", None, "U1"),
    ("U3", "北关派出所", "派出所", "基层", None, "U1"),
]


def build(driver: neo4j.Driver, database: str) -> None:
    driver.execute_query(
        "UNWIND $units AS u CREATE (:Unit {code: u[0], name: u[1], kind: u[2], level: u[3], supervision_function: u[4]}) "
        "WITH collect(u) AS us UNWIND us AS u MATCH (c:Unit {code: u[0]}), (p:Unit {code: u[5]}) CREATE (c)-[:PART_OF]->(p)",
        units=[list(u) for u in UNITS],
        database_=database,
    )
    driver.execute_query(
        "MATCH (u2:Unit {code: 'U2'}), (b1:Unit {code: 'B1'}) "
        "CREATE (o:Officer {badge_no: '010001', name: '张伟', rank: '科员', high_risk_post: false, auxiliary: false})"
        "-[:SERVES_IN {start_date: $d0}]->(u2) "
        "CREATE (c1:Clue {clue_no: 'C1', received_on: $d1, source: '督察发现', category: '工作纪律', status: '已移送'})"
        "-[:CONCERNS]->(o) "
        "CREATE (c1)-[:TRANSFERRED_TO {transferred_on: $d2}]->(b1) "
        "CREATE (c2:Clue {clue_no: 'C2', received_on: $d1, source: '信访举报', category: '廉洁纪律', status: '已受理'})"
        "-[:CONCERNS]->(o) "
        "CREATE (k:Case {case_no: 'K1', violation_type: '廉洁纪律', opened_on: $d2, status: '审理中'})-[:INVOLVES "
        "{role: '主要责任人'}]->(o) "
        "CREATE (i:Inspection {code: 'I1', name: '经费审计', kind: '审计', started_on: $d1}) "
        "CREATE (r:Rectification {code: 'R1', problem: '报销单据不全', deadline: $d3, status: '整改中'})-[:FOUND_BY]->(i) "
        "CREATE (r)-[:ISSUED_TO]->(u2)",
        d0=D(2020, 1, 1),
        d1=D(2026, 1, 2),
        d2=D(2026, 1, 5),
        d3=D(2026, 3, 31),
        database_=database,
    )
