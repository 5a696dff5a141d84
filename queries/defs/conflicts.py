"""``conflict_of_interest``: handlers who served in the accused officer's unit at the time."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import neo4j
from pydantic import BeforeValidator, Field, model_validator

from graph.schema import parse_cn_date
from queries.common import Params, record_rows, run_cypher
from queries.registry import QueryDef, QueryResult, load_cypher, register

OptionalDate = Annotated[dt.date | None, BeforeValidator(parse_cn_date)]


class ConflictParams(Params):
    date_from: OptionalDate = Field(
        None, title="起始日期", description="只看受理（立案）日期不早于此日的线索和案件；留空不限"
    )
    date_to: OptionalDate = Field(
        None, title="截止日期", description="只看受理（立案）日期不晚于此日的线索和案件；留空不限"
    )
    limit: int = Field(5000, ge=1, le=100000, title="最多返回行数")

    @model_validator(mode="after")
    def _ordered(self) -> ConflictParams:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from 晚于 date_to / date_from is after date_to")
        return self


def run_conflicts(driver: neo4j.Driver, database: str, p: ConflictParams) -> QueryResult:
    rows = record_rows(run_cypher(driver, database, "conflict_of_interest", p.model_dump()))
    basis = run_cypher(driver, database, "conflict_of_interest_basis", {})[0]
    notes: list[str] = []
    if basis["clue_workers"] + basis["case_workers"] == 0:
        notes.append(
            "未导入办理人员数据（clue_workers、case_workers），无法判断利益冲突；结果为空不代表没有利益冲突。"
        )
    if basis["postings"] == 0:
        notes.append("未导入任职数据（postings），无法判断办理人员与被反映民警是否同一单位。")
    elif basis["postings_start_unknown"]:
        notes.append(
            f"{basis['postings_start_unknown']} 条任职记录开始日期未知，按“当时在任”处理；"
            "依据这类任职的结果以 start_unknown 标出，需人工核实。"
        )
    summary: dict[str, Any] = {
        "conflicts": len(rows),
        "clues": sorted({r["key"] for r in rows if r["kind"] == "Clue"}),
        "cases": sorted({r["key"] for r in rows if r["kind"] == "Case"}),
        "handlers": sorted({r["handler_badge"] for r in rows}),
        "start_unknown": sum(1 for r in rows if r["start_unknown"]),
        "basis": dict(basis.items()),
    }
    period = {
        "date_from": p.date_from.isoformat() if p.date_from else None,
        "date_to": p.date_to.isoformat() if p.date_to else None,
    }
    return QueryResult(
        columns=list(load_cypher("conflict_of_interest").columns),
        rows=rows,
        summary=summary,
        notes=notes,
        period=period,
    )


register(
    QueryDef(
        name="conflict_of_interest",
        title="办理人员利益冲突",
        description="线索受理日（案件立案日）办理人员与被反映（被调查）民警任职于同一单位的情形：承办人、核查人、审理人"
        "与当事人同单位即可能存在利益冲突。任职开始日期未知的按当时在任处理并标出（start_unknown）。",
        params=ConflictParams,
        run=run_conflicts,
        scopes=frozenset({"officers", "clues", "cases"}),
        columns=load_cypher("conflict_of_interest").columns,
        cypher=("conflict_of_interest", "conflict_of_interest_basis"),
    )
)
