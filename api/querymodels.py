"""OpenAPI models of the prepared queries: one request model and one answer model per query.

The request model is the query's own parameter model (``QueryDef.params``); the route still
validates the body with ``QueryDef.validate`` (bilingual messages), the schema only describes it.
The answer model types each row from the column declarations (``queries/columns.toml``).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from api.models import Column, Edge, Entity
from queries.columns import ColumnSpec, columns_for
from queries.registry import QueryDef

__all__ = ["REQUEST_EXAMPLES", "answer_model", "request_example", "request_schemas"]

REQUEST_EXAMPLES: dict[str, Any] = {
    "case_no": "AJ2024-010001",
    "badge_no": "349563",
    "unit_code": "U01",
    "source": "Officer:349563",
    "target": "Unit:U01",
    "as_of": "2026-06-30",
}
"""Example values of parameters (those of the sample city), used in every request example."""

_ROW_TYPES: dict[str, Any] = {
    "text": str | None,
    "code": str | None,
    "int": int | None,
    "float": float | None,
    "percent": float | None,
    "date": dt.date | None,
    "bool": bool | None,
    "list": list[Any] | None,
}


def _row_model(q: QueryDef, cols: list[ColumnSpec]) -> type[BaseModel]:
    fields: dict[str, Any] = {
        c.name: (_ROW_TYPES[c.type], Field(None, title=c.title, description=c.meaning or None)) for c in cols
    }
    return create_model(f"Row_{q.name}", __config__=ConfigDict(extra="allow"), **fields)  # type: ignore[call-overload, no-any-return]


@cache
def answer_model(q: QueryDef) -> type[BaseModel]:
    """``{name, title, columns, rows, nodes, edges, summary, notes, period}`` with typed rows."""
    cols = columns_for(q.name, q.columns)
    row = _row_model(q, cols)
    return create_model(  # type: ignore[call-overload, no-any-return]
        f"Answer_{q.name}",
        __doc__=f"{q.title}：查询结果 / result of {q.name}",
        name=(str, Field(examples=[q.name])),
        title=(str, Field(examples=[q.title])),
        columns=(
            list[Column],
            Field(description="列：字段名、中文标题、类型 / columns with titles and types"),
        ),
        rows=(list[row], ...),  # type: ignore[valid-type]
        nodes=(list[Entity], []),
        edges=(list[Edge], []),
        summary=(dict[str, Any], {}),
        notes=(
            list[str],
            Field([], description="答案依赖缺失数据之处 / where the answer rests on missing data"),
        ),
        period=(
            dict[str, Any],
            Field({}, description="实际使用的统计期 / the period used: date_from, date_to"),
        ),
    )


def request_example(q: QueryDef) -> dict[str, Any]:
    """Required parameters with sample values, and ``as_of`` of the sample."""
    out: dict[str, Any] = {}
    for name, field in q.params.model_fields.items():
        if field.is_required() or name == "as_of":
            out[name] = REQUEST_EXAMPLES.get(name, "…")
    return out


def request_schemas(queries: list[QueryDef]) -> dict[str, dict[str, Any]]:
    """Component schemas of the parameter models (and the models they use), by name."""
    comps: dict[str, dict[str, Any]] = {}
    for q in queries:
        schema = q.params.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            comps.setdefault(name, sub)
        schema.setdefault("description", f"{q.title} 的参数 / parameters of {q.name}")
        schema["examples"] = [request_example(q)]
        comps.setdefault(q.params.__name__, schema)
    return comps
