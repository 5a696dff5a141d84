"""Roles, masking and visibility without a database."""

from __future__ import annotations

from typing import Any

import pytest

from api.security import (
    Principal,
    RoleConfigError,
    entity_visible,
    filter_graph,
    get_role,
    load_roles,
    mask_entity,
    mask_name,
    mask_value,
    parse_roles,
)
from graph.errors import KgError


def who(role: str) -> Principal:
    return Principal("t1", "测试", get_role(role))


def test_roles_file_rights() -> None:
    """Scopes and sources: tests/test_expected_texts.py (hand-written); here the rights."""
    roles = load_roles()
    assert roles["strict_office"].can("audit")
    assert [r for r in roles.values() if r.can("audit")] == [roles["strict_office"]]
    assert roles["external"].endpoints == {"relationships"}
    assert roles["leader"].aggregate_only and not roles["leader"].personal
    assert get_role("纪检") is roles["discipline"] and get_role("discipline") is roles["discipline"]
    with pytest.raises(KgError, match="未知角色"):
        get_role("nobody")


def test_roles_config_rejects_unknown_scope_and_source() -> None:
    with pytest.raises(RoleConfigError, match="secrets"):
        parse_roles({"roles": {"x": {"title": "X", "scopes": ["secrets"]}}})
    with pytest.raises(RoleConfigError, match="clue_sources"):
        parse_roles({"roles": {"x": {"title": "X", "scopes": ["clues"], "clue_sources": ["小道消息"]}}})
    with pytest.raises(RoleConfigError, match="endpoints"):
        parse_roles({"roles": {"x": {"title": "X", "endpoints": ["admin"]}}})


def test_mask_values() -> None:
    assert mask_value("320102199001011234") == "3201**********1234"
    assert mask_value("13812345678") == "138****5678"
    assert mask_value(1985) == "19**"
    assert mask_value("收受财物，金额较大") == "（已屏蔽 / masked）"
    assert mask_value(None) is None
    assert mask_name("张伟") == "张**" and mask_name("欧阳明华") == "欧**"  # the length is not shown


OFFICER: dict[str, Any] = {
    "id": "Officer:010001",
    "type": "Officer",
    "key": "010001",
    "caption": "张伟",
    "props": {"badge_no": "010001", "name": "张伟", "phone": "13812345678", "rank": "科员"},
}
CLUE: dict[str, Any] = {
    "id": "Clue:C1",
    "type": "Clue",
    "key": "C1",
    "caption": "C1",
    "props": {"clue_no": "C1", "source": "信访举报", "summary": "反映收受财物一事"},
}
UNIT = {"id": "Unit:U1", "type": "Unit", "key": "U1", "caption": "城东分局", "props": {"code": "U1"}}


def test_mask_entity_by_role_and_purpose() -> None:
    assert mask_entity(OFFICER, who("discipline"), purpose="核查") == OFFICER
    assert mask_entity(OFFICER, who("discipline"))["props"]["phone"] == "138****5678"  # no purpose: masked
    leader = mask_entity(OFFICER, who("leader"))
    assert leader["caption"] == "张** · 科员" and leader["props"]["phone"] == "138****5678"
    assert leader["key"].startswith("~") and "010001" not in str(leader)
    assert OFFICER["props"]["phone"] == "13812345678"  # the input is not touched
    assert mask_entity(CLUE, who("petition"))["props"]["summary"] == "（已屏蔽 / masked）"
    assert mask_entity(CLUE, who("petition"), purpose="核查")["props"]["summary"] == "反映收受财物一事"
    assert mask_entity(CLUE, who("leader"), purpose="核查")["props"]["summary"] == "（已屏蔽 / masked）"


def test_visibility_and_filter_graph() -> None:
    assert entity_visible(CLUE, who("petition")) and not entity_visible(CLUE, who("audit"))
    assert not entity_visible(OFFICER, who("petition"))
    edges = [
        {
            "id": "CONCERNS:Clue:C1->Officer:010001:0",
            "type": "CONCERNS",
            "from": "Clue:C1",
            "to": "Officer:010001",
            "props": {},
        },
        {
            "id": "CONCERNS_UNIT:Clue:C1->Unit:U1:0",
            "type": "CONCERNS_UNIT",
            "from": "Clue:C1",
            "to": "Unit:U1",
            "props": {},
        },
    ]
    nodes, kept = filter_graph([OFFICER, CLUE, UNIT], edges, who("petition"))
    assert [n["id"] for n in nodes] == ["Clue:C1", "Unit:U1"]
    assert [e["type"] for e in kept] == ["CONCERNS_UNIT"]
    nodes, kept = filter_graph([OFFICER, CLUE, UNIT], edges, who("personnel"))
    assert [n["id"] for n in nodes] == ["Officer:010001", "Unit:U1"] and kept == []
