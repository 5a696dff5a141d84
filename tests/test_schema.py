"""The schema module: declarations are consistent and values parse as the exports write them."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from graph import schema
from graph.constraints import schema_statements


@pytest.mark.parametrize(
    "text", ["2024-03-05", "2024/3/5", "2024年3月5日", "2024.3.5", "20240305", "2024-3-5 00:00:00"]
)
def test_chinese_dates_parse(text: str) -> None:
    assert schema.parse_cn_date(text) == dt.date(2024, 3, 5)


@pytest.mark.parametrize("text", ["2024-02-30", "3/5/2024", "去年", "2024年13月1日"])
def test_bad_dates_are_rejected_with_a_clear_reason(text: str) -> None:
    with pytest.raises(ValueError, match="日期"):
        schema.parse_cn_date(text)


def test_enum_accepts_chinese_value_member_name_and_alias() -> None:
    assert schema.Rank("处级") is schema.Rank("DIVISION") is schema.Rank.DIVISION
    assert schema.Form("2") is schema.Form("第二种形态") is schema.Form.SECOND
    with pytest.raises(ValueError):
        schema.Rank("局长")


def test_row_model_strips_blanks_and_parses_yes_no() -> None:
    o = schema.Officer.model_validate(
        {
            "badge_no": " 010001 ",
            "name": "欧阳·娜娜",
            "rank": "科员",
            "high_risk_post": "是",
            "birth_year": "",
            "phone": " ",
        }
    )
    assert (o.badge_no, o.high_risk_post, o.birth_year, o.phone) == ("010001", True, None, None)
    with pytest.raises(ValidationError):
        schema.Officer.model_validate({"badge_no": "", "name": "张三", "rank": "科员"})


def test_every_type_and_field_has_a_chinese_title() -> None:
    for spec in schema.NODE_SPECS:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in spec.title)
        for name, info in spec.model.model_fields.items():
            assert info.title and any("\u4e00" <= ch <= "\u9fff" for ch in info.title), (spec.label, name)
    for rel in schema.REL_SPECS:
        assert rel.title
        for name, info in rel.model.model_fields.items():
            assert info.title, (rel.type, name)


def test_personal_fields_are_marked() -> None:
    assert {"id_number", "phone", "birth_year"} <= schema.node_spec("Officer").personal_fields
    assert "summary" in schema.node_spec("Clue").personal_fields
    assert not schema.node_spec("Unit").personal_fields


def test_unknown_types_name_the_known_ones() -> None:
    with pytest.raises(KeyError, match="Officer"):
        schema.node_spec("Person")
    with pytest.raises(KeyError, match="SERVES_IN"):
        schema.rel_spec("WORKS_AT")


def test_one_constraint_per_business_key() -> None:
    """The names themselves: tests/test_expected_texts.py (written out by hand)."""
    constrained = {
        s.cypher.split("FOR (n:`")[1].split("`")[0] for s in schema_statements() if s.kind == "constraint"
    }
    assert {n.label for n in schema.NODE_SPECS} <= constrained
    assert all("IF NOT EXISTS" in s.cypher for s in schema_statements())
