"""A small hand-built supervision graph with answers worked out by hand (as of 2026-06-30).

Units: bureau B; sub-bureaus SB1 (P1, P2 below) and SB2 (P3 below); police branches XZ (刑侦)
and JZ (交管); supervision bodies DG (驻局纪检监察组), JW (机关纪委), CYB (从严办).
The expected answers are in ``EXPECTED``; tests/test_queries_world.py checks them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import neo4j

from graph.testing import load_graph

D = dt.date
AS_OF = D(2026, 6, 30)

NODES: dict[str, list[dict[str, Any]]] = {
    "Unit": [
        {"code": "B", "name": "市公安局", "kind": "市公安局", "level": "市级", "district": "市辖区"},
        {"code": "SB1", "name": "东城分局", "kind": "分局", "level": "区县级", "district": "东城区"},
        {"code": "SB2", "name": "西城分局", "kind": "分局", "level": "区县级", "district": "西城区"},
        {"code": "P1", "name": "东城一所", "kind": "派出所", "level": "基层", "district": "东城区"},
        {"code": "P2", "name": "东城二所", "kind": "派出所", "level": "基层", "district": "东城区"},
        {"code": "P3", "name": "西城一所", "kind": "派出所", "level": "基层", "district": "西城区"},
        {"code": "XZ", "name": "刑侦支队", "kind": "警种支队", "level": "市级", "police_type": "刑侦"},
        {"code": "JZ", "name": "交管支队", "kind": "警种支队", "level": "市级", "police_type": "交管"},
        {
            "code": "DG",
            "name": "驻局纪检监察组",
            "kind": "监督机构",
            "level": "市级",
            "supervision_function": "驻局纪检监察组",
        },
        {
            "code": "JW",
            "name": "机关纪委",
            "kind": "监督机构",
            "level": "市级",
            "supervision_function": "机关纪委",
        },
        {
            "code": "CYB",
            "name": "从严办",
            "kind": "监督机构",
            "level": "市级",
            "supervision_function": "从严办",
        },
    ],
    "PartyOrg": [
        {"code": "DW", "name": "市局党委", "kind": "党委"},
        {"code": "ZB_P1", "name": "东城一所党支部", "kind": "党支部"},
        {"code": "ZB_P2", "name": "东城二所党支部", "kind": "党支部"},
        {"code": "ZB_P3", "name": "西城一所党支部", "kind": "党支部"},
        {"code": "ZB_XZ", "name": "刑侦支队党支部", "kind": "党支部"},
        {"code": "ZB_JZ", "name": "交管支队党支部", "kind": "党支部"},
    ],
    "Officer": [
        {"badge_no": "L1", "name": "局长甲", "rank": "厅局级", "high_risk_post": False, "auxiliary": False},
        {"badge_no": "L2", "name": "副局长乙", "rank": "处级", "high_risk_post": False, "auxiliary": False},
        {"badge_no": "L3", "name": "副局长丙", "rank": "处级", "high_risk_post": False, "auxiliary": False},
        {"badge_no": "L4", "name": "前委员丁", "rank": "处级", "high_risk_post": False, "auxiliary": False},
        {
            "badge_no": "A1",
            "name": "民警A1",
            "rank": "科员",
            "police_type": "派出所",
            "high_risk_post": False,
            "auxiliary": False,
        },
        {
            "badge_no": "A2",
            "name": "民警A2",
            "rank": "科员",
            "police_type": "派出所",
            "high_risk_post": False,
            "auxiliary": False,
        },
        {
            "badge_no": "A3",
            "name": "所长A3",
            "rank": "科级",
            "police_type": "派出所",
            "high_risk_post": False,
            "auxiliary": False,
        },
        {
            "badge_no": "A4",
            "name": "辅警A4",
            "rank": "辅警",
            "police_type": "派出所",
            "high_risk_post": False,
            "auxiliary": True,
        },
        {
            "badge_no": "B1",
            "name": "民警B1",
            "rank": "科员",
            "police_type": "派出所",
            "high_risk_post": False,
            "auxiliary": False,
        },
        {
            "badge_no": "B2",
            "name": "民警B2",
            "rank": "科员",
            "police_type": "派出所",
            "high_risk_post": False,
            "auxiliary": False,
        },
        {
            "badge_no": "C1",
            "name": "民警C1",
            "rank": "科员",
            "police_type": "派出所",
            "high_risk_post": False,
            "auxiliary": False,
        },
        {
            "badge_no": "D1",
            "name": "民警D1",
            "rank": "科级",
            "police_type": "刑侦",
            "post": "涉案财物管理",
            "high_risk_post": True,
            "auxiliary": False,
        },
        {
            "badge_no": "D2",
            "name": "民警D2",
            "rank": "科员",
            "police_type": "刑侦",
            "high_risk_post": False,
            "auxiliary": False,
        },
        {
            "badge_no": "E1",
            "name": "民警E1",
            "rank": "科员",
            "police_type": "交管",
            "post": "车管窗口",
            "high_risk_post": True,
            "auxiliary": False,
        },
    ],
    "Clue": [
        {
            "clue_no": "K1",
            "received_on": D(2026, 1, 10),
            "source": "信访举报",
            "category": "廉洁纪律",
            "status": "已立案",
        },
        {
            "clue_no": "K2",
            "received_on": D(2026, 3, 1),
            "source": "12389热线",
            "category": "工作纪律",
            "status": "已移送",
        },
        {
            "clue_no": "K3",
            "received_on": D(2026, 5, 1),
            "source": "网络舆情",
            "category": "群众纪律",
            "status": "已移送",
        },
        {
            "clue_no": "K4",
            "received_on": D(2026, 5, 15),
            "source": "督察发现",
            "category": "工作纪律",
            "status": "已受理",
        },
        {
            "clue_no": "K5",
            "received_on": D(2025, 12, 1),
            "source": "信访举报",
            "category": "廉洁纪律",
            "status": "已了结",
        },
        {
            "clue_no": "K6",
            "received_on": D(2026, 2, 10),
            "source": "审计发现",
            "category": "廉洁纪律",
            "status": "已立案",
        },
    ],
    "Case": [
        {
            "case_no": "CASE1",
            "violation_type": "廉洁纪律",
            "opened_on": D(2026, 2, 1),
            "status": "已结案",
            "form": "第二种形态",
        },
        {
            "case_no": "CASE2",
            "violation_type": "廉洁纪律",
            "opened_on": D(2026, 3, 10),
            "status": "审理中",
            "form": "第三种形态",
        },
        {
            "case_no": "CASE3",
            "violation_type": "工作纪律",
            "opened_on": D(2026, 3, 15),
            "status": "审查调查中",
            "form": "第二种形态",
        },
        {
            "case_no": "CASE4",
            "violation_type": "工作纪律",
            "opened_on": D(2024, 5, 1),
            "status": "已结案",
            "form": "第一种形态",
        },
    ],
    "Inspection": [
        {"code": "I1", "name": "2025年政治督察", "kind": "政治督察", "started_on": D(2025, 9, 1)},
    ],
    "Rectification": [
        {"code": "R1", "problem": "台账不全", "deadline": D(2026, 3, 31), "status": "整改中"},
        {"code": "R2", "problem": "学习不足", "deadline": D(2026, 12, 31), "status": "未整改"},
        {"code": "R3", "problem": "窗口纪律", "deadline": D(2025, 12, 31), "status": "已整改"},
        {"code": "R4", "problem": "值班制度", "deadline": D(2026, 6, 29), "status": "未整改"},
    ],
}

S = D(2020, 1, 1)
RELS: list[tuple[str, str, str, dict[str, Any]]] = [
    # unit tree
    *[("PART_OF", u, "B", {}) for u in ("SB1", "SB2", "XZ", "JZ", "DG", "JW", "CYB")],
    ("PART_OF", "P1", "SB1", {}),
    ("PART_OF", "P2", "SB1", {}),
    ("PART_OF", "P3", "SB2", {}),
    # Party orgs
    ("SET_UP_IN", "DW", "B", {}),
    *[("SET_UP_IN", f"ZB_{u}", u, {}) for u in ("P1", "P2", "P3", "XZ", "JZ")],
    *[("ORG_PART_OF", f"ZB_{u}", "DW", {}) for u in ("P1", "P2", "P3", "XZ", "JZ")],
    # postings
    *[("SERVES_IN", b, "B", {"start_date": S}) for b in ("L1", "L2", "L3", "L4")],
    *[("SERVES_IN", b, "P1", {"start_date": S}) for b in ("A1", "A2", "A3", "A4")],
    ("SERVES_IN", "B1", "P2", {"start_date": S}),
    ("SERVES_IN", "B2", "P3", {"start_date": S, "end_date": D(2024, 12, 31)}),
    ("SERVES_IN", "B2", "P2", {"start_date": D(2025, 1, 1)}),
    ("SERVES_IN", "C1", "P3", {"start_date": S}),
    ("SERVES_IN", "D1", "XZ", {"start_date": S, "post": "涉案财物管理"}),
    ("SERVES_IN", "D2", "XZ", {"start_date": S}),
    ("SERVES_IN", "E1", "JZ", {"start_date": S, "post": "车管窗口"}),
    # memberships and roles
    *[("MEMBER_OF", b, "ZB_P1", {}) for b in ("A1", "A2", "A3", "A4")],
    ("MEMBER_OF", "B1", "ZB_P2", {}),
    ("MEMBER_OF", "B2", "ZB_P2", {}),
    ("MEMBER_OF", "C1", "ZB_P3", {}),
    ("MEMBER_OF", "D1", "ZB_XZ", {}),
    ("MEMBER_OF", "D2", "ZB_XZ", {}),
    ("MEMBER_OF", "E1", "ZB_JZ", {}),
    ("SECRETARY_OF", "A3", "ZB_P1", {"start_date": S}),
    ("DISCIPLINE_COMMISSIONER_OF", "D2", "ZB_XZ", {"start_date": S}),
    ("DISCIPLINE_COMMISSIONER_OF", "E1", "ZB_JZ", {"start_date": S, "end_date": D(2025, 1, 1)}),
    ("COMMITTEE_MEMBER_OF", "L1", "DW", {"start_date": S, "position": "书记"}),
    ("COMMITTEE_MEMBER_OF", "L2", "DW", {"start_date": S, "position": "委员"}),
    ("COMMITTEE_MEMBER_OF", "L3", "DW", {"start_date": S, "position": "委员"}),
    ("COMMITTEE_MEMBER_OF", "L4", "DW", {"start_date": S, "end_date": D(2025, 12, 31), "position": "委员"}),
    ("HEADS", "A3", "P1", {"start_date": S}),
    ("IN_CHARGE_OF", "L2", "SB1", {"start_date": S}),
    ("IN_CHARGE_OF", "L3", "XZ", {"start_date": S}),
    # liaison
    ("LIAISES_WITH", "L2", "P1", {"last_visit_on": D(2026, 5, 1), "visits": 3}),
    ("LIAISES_WITH", "L2", "P2", {"last_visit_on": D(2025, 6, 1), "visits": 1}),
    ("LIAISES_WITH", "L3", "P2", {"visits": 0}),
    ("LIAISES_WITH", "L4", "P3", {"last_visit_on": D(2026, 6, 1), "visits": 2}),
    # supervision (纪律监督)
    (
        "SUPERVISES",
        "DG",
        "B",
        {
            "supervision_type": "纪律监督",
            "rank_scope": "处级及以上",
            "include_subtree": False,
            "start_date": S,
        },
    ),
    (
        "SUPERVISES",
        "JW",
        "SB1",
        {
            "supervision_type": "纪律监督",
            "rank_scope": "科级及以下",
            "include_subtree": True,
            "start_date": S,
        },
    ),
    (
        "SUPERVISES",
        "JW",
        "XZ",
        {
            "supervision_type": "纪律监督",
            "rank_scope": "科级及以下",
            "include_subtree": False,
            "start_date": S,
        },
    ),
    (
        "SUPERVISES",
        "CYB",
        "P1",
        {"supervision_type": "纪律监督", "rank_scope": "全部", "include_subtree": False, "start_date": S},
    ),
    (
        "SUPERVISES",
        "JW",
        "JZ",
        {
            "supervision_type": "纪律监督",
            "rank_scope": "科级及以下",
            "include_subtree": True,
            "start_date": S,
            "end_date": D(2025, 1, 1),
        },
    ),
    (
        "SUPERVISES",
        "DG",
        "B",
        {"supervision_type": "干部监督", "rank_scope": "全部", "include_subtree": True, "start_date": S},
    ),
    # clues
    *[("CONCERNS", "K1", b, {}) for b in ("A1", "A2", "A3")],
    ("CONCERNS_UNIT", "K1", "P1", {}),
    ("HANDLED_BY", "K1", "JW", {"assigned_on": D(2026, 1, 12)}),
    ("CONCERNS", "K2", "D1", {}),
    ("TRANSFERRED_TO", "K2", "JW", {"transferred_on": D(2026, 4, 1)}),
    ("CONCERNS", "K3", "E1", {}),
    ("TRANSFERRED_TO", "K3", "DG", {"transferred_on": D(2026, 5, 20)}),
    ("CONCERNS", "K4", "B1", {}),
    ("CONCERNS", "K5", "B1", {}),
    ("CONCERNS", "K6", "D1", {}),
    (
        "TRANSFERRED_TO",
        "K6",
        "JW",
        {"transferred_on": D(2026, 2, 15), "feedback_on": D(2026, 3, 1), "feedback_result": "已立案"},
    ),
    # cases
    ("ARISES_FROM", "CASE1", "K1", {}),
    ("INVOLVES", "CASE1", "A1", {"role": "主要责任人", "form": "第二种形态"}),
    ("INVOLVES", "CASE1", "A2", {"role": "参与人", "form": "第一种形态"}),
    ("INVOLVES", "CASE1", "A3", {"role": "领导责任", "form": "第一种形态"}),
    ("INVESTIGATED_BY", "CASE1", "JW", {}),
    ("ARISES_FROM", "CASE2", "K6", {}),
    ("INVOLVES", "CASE2", "D1", {"role": "主要责任人", "form": "第三种形态"}),
    ("ARISES_FROM", "CASE3", "K6", {}),
    ("INVOLVES", "CASE3", "D1", {"role": "参与人", "form": "第二种形态"}),
    ("INVOLVES", "CASE3", "E1", {"role": "主要责任人", "form": "第二种形态"}),
    ("INVOLVES", "CASE4", "L2", {"role": "领导责任", "form": "第一种形态"}),
    # inspections and rectifications
    ("TARGETS", "I1", "P1", {}),
    *[("FOUND_BY", r, "I1", {}) for r in ("R1", "R2", "R3", "R4")],
    ("ISSUED_TO", "R1", "P1", {}),
    ("ISSUED_TO", "R2", "P2", {}),
    ("ISSUED_TO", "R3", "JZ", {}),
    ("ISSUED_TO", "R4", "P3", {}),
]


def load(driver: neo4j.Driver, database: str) -> None:
    """Load the world (graph.testing.load_graph: schema-named, parameterised)."""
    load_graph(driver, database, NODES, RELS)
