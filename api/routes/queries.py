"""Prepared queries: the list from the registry, and running one (JSON, CSV or XLSX)."""

from __future__ import annotations

import csv
import io
import json
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import Response

from api.deps import AuditDep, DriverDep, PurposeDep, SettingsDep, require
from api.errors import ERROR_RESPONSES, NOT_FOUND, PURPOSE, Forbidden, PurposeRequired
from api.models import QueryAnswer, QueryInfo, QueryList
from api.routes.entities import personal_ids
from api.security import PURPOSE_LABELS, Principal, filter_graph, mask_value
from api.shape import plain
from graph.schema import NODE_SPECS
from queries.registry import QueryDef, all_queries, get_query

log = logging.getLogger(__name__)

router = APIRouter(tags=["queries"], responses=ERROR_RESPONSES)

QueriesPrincipal = Annotated[Principal, Depends(require("queries"))]

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Personal field name → the scopes of the labels that declare it (for masking result columns).
_PERSONAL_COLUMNS: dict[str, set[str]] = {}
for _s in NODE_SPECS:
    for _f in _s.personal_fields:
        _PERSONAL_COLUMNS.setdefault(_f, set()).add(_s.scope)


def denial(q: QueryDef, principal: Principal) -> str | None:
    """Why the role may not run ``q`` (Chinese / English), or None when it may."""
    role = principal.role
    missing = set(q.scopes) - role.scopes
    if missing:
        return (f"角色“{role.title}”无权查看此查询涉及的数据（{', '.join(sorted(missing))}） / role {role.name} "
                f"lacks the scopes {sorted(missing)} this query touches")
    if role.aggregate_only and not q.aggregate:
        return f"角色“{role.title}”只能运行统计类查询 / role {role.name} may run aggregate queries only"
    filtered = set(q.scopes) & role.row_filtered_scopes
    if filtered and not q.aggregate:
        return (f"角色“{role.title}”只能查看部分{', '.join(sorted(filtered))}数据，此查询无法按行过滤 / role "
                f"{role.name} sees only part of {sorted(filtered)}; this query cannot be filtered by row")
    return None


def _params_schema(q: QueryDef) -> dict[str, Any]:
    try:
        return q.params.model_json_schema()
    except Exception as e:  # noqa: BLE001 - a schema the generator cannot express is not fatal here
        log.warning("no JSON schema for query %s: %s", q.name, e)
        return {}


def _info(q: QueryDef) -> QueryInfo:
    return QueryInfo(name=q.name, title=q.title, description=q.description, scopes=sorted(q.scopes),
                     entity=q.entity, aggregate=q.aggregate, params_schema=_params_schema(q))


@router.get("/queries", response_model=QueryList, summary="预置查询列表 / prepared queries")
def list_queries(principal: QueriesPrincipal) -> Any:
    """The prepared queries this role may run."""
    return {"items": [_info(q) for q in all_queries() if denial(q, principal) is None]}


def _mask_rows(rows: list[dict[str, Any]], principal: Principal, purpose: str | None) -> list[dict[str, Any]]:
    role = principal.role
    masked_cols = {c for c, scopes in _PERSONAL_COLUMNS.items()
                   if not scopes <= role.personal or (c == "summary" and purpose is None)}
    if not masked_cols:
        return rows
    return [{k: (mask_value(v) if k in masked_cols else v) for k, v in r.items()} for r in rows]


def _cell(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    for r in rows:
        writer.writerow(["" if r.get(c) is None else _cell(r.get(c)) for c in columns])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Chinese correctly


def _xlsx(title: str, columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    safe = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31]
    ws = wb.create_sheet(title=safe or "result")
    ws.append(columns)
    for r in rows:
        ws.append([_cell(r.get(c)) for c in columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@router.post(
    "/queries/{name}", response_model=QueryAnswer, summary="运行预置查询 / run a prepared query",
    responses={**NOT_FOUND, **PURPOSE, 200: {"content": {"text/csv": {}, XLSX_TYPE: {}}}},
)
def run_query(
    request: Request, principal: QueriesPrincipal, purpose: PurposeDep, driver: DriverDep,
    settings: SettingsDep, audit: AuditDep,
    name: Annotated[str, Path(max_length=100, description="查询名 / query name (GET /queries)")],
    params: Annotated[dict[str, Any] | None, Body(description="查询参数 / the query's parameters")] = None,
    format: Annotated[Literal["json", "csv", "xlsx"] | None,
                      Query(description="下载格式 / download format (or the Accept header)")] = None,
) -> Any:
    """Parameters are checked by the query's own model (422 with what is wrong)."""
    q = get_query(name)
    why = denial(q, principal)
    if why:
        raise Forbidden(why)
    if q.entity in PURPOSE_LABELS and not purpose:
        raise PurposeRequired("此查询针对单个线索或案件，须说明调阅事由 / this query reads one clue or case: "
                              "state a purpose (X-Access-Purpose or ?purpose=)")
    result = q.execute(driver, settings.neo4j_database, params or {})
    nodes, edges = filter_graph(result.nodes, result.edges, principal, purpose)
    rows = _mask_rows([plain(r) for r in result.rows], principal, purpose)
    if not q.aggregate:
        audit.record(principal, request, entity_ids=personal_ids(result.nodes), params=params or {})
    if format is None:
        accept = request.headers.get("accept", "")
        format = "csv" if "text/csv" in accept else "xlsx" if XLSX_TYPE in accept else "json"
    if format == "csv":
        return Response(_csv(result.columns, rows), media_type=CSV_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="{q.name}.csv"'})
    if format == "xlsx":
        return Response(_xlsx(q.title, result.columns, rows), media_type=XLSX_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="{q.name}.xlsx"'})
    return {"name": q.name, "title": q.title, "columns": result.columns, "rows": rows, "nodes": nodes,
            "edges": edges, "summary": plain(result.summary), "notes": result.notes, "period": result.period}
