"""Prepared queries: the list from the registry, and running one (JSON, CSV or XLSX)."""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any, Literal

import neo4j
from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import Response

from api.deps import AuditDep, DriverDep, PurposeDep, SettingsDep, require
from api.errors import ERROR_RESPONSES, NOT_FOUND, PURPOSE, BadRequest, Forbidden
from api.limits import expensive
from api.models import QueryAnswer, QueryInfo, QueryList
from api.querymodels import answer_model, request_example
from api.security import PURPOSE_LABELS, PURPOSE_SCOPES, Principal, PurposeRequired, disclose, mask_value
from api.shape import json_response
from graph.schema import NODE_SPECS
from graph.shape import plain
from queries.columns import columns_for
from queries.period import data_as_of
from queries.registry import QueryDef, all_queries, get_query
from queries.tabular import build_export, write_csv, write_xlsx

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
        return (
            f"角色“{role.title}”无权查看此查询涉及的数据（{', '.join(sorted(missing))}） / role {role.name} "
            f"lacks the scopes {sorted(missing)} this query touches"
        )
    if role.aggregate_only and not q.aggregate:
        return f"角色“{role.title}”只能运行统计类查询 / role {role.name} may run aggregate queries only"
    filtered = set(q.scopes) & role.row_filtered_scopes
    if filtered and not q.aggregate:
        return (
            f"角色“{role.title}”只能查看部分{', '.join(sorted(filtered))}数据，此查询无法按行过滤 / role "
            f"{role.name} sees only part of {sorted(filtered)}; this query cannot be filtered by row"
        )
    return None


def _params_schema(q: QueryDef) -> dict[str, Any]:
    try:
        return q.params.model_json_schema()
    except Exception as e:  # noqa: BLE001 - a schema the generator cannot express is not fatal here
        log.warning("no JSON schema for query %s: %s", q.name, e)
        return {}


def _info(q: QueryDef) -> QueryInfo:
    return QueryInfo(
        name=q.name,
        title=q.title,
        description=q.description,
        scopes=sorted(q.scopes),
        entity=q.entity,
        aggregate=q.aggregate,
        params_schema=_params_schema(q),
    )


@router.get("/queries", response_model=QueryList, summary="预置查询列表 / prepared queries")
def list_queries(principal: QueriesPrincipal) -> Any:
    """The prepared queries this role may run."""
    return {"items": [_info(q) for q in all_queries() if denial(q, principal) is None]}


def _row_masker(principal: Principal, purpose: str | None) -> Any:
    """Personal columns in clear only for a role with their scopes in ``personal`` and a purpose."""
    role = principal.role
    masked_cols = {
        c for c, scopes in _PERSONAL_COLUMNS.items() if not scopes <= role.personal or purpose is None
    }
    if not masked_cols:
        return None
    return lambda r: {k: (mask_value(v) if k in masked_cols else v) for k, v in r.items()}


async def json_body(request: Request) -> dict[str, Any] | None:
    """The request body as a JSON object (its schema is the query's own parameter model)."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        body = json.loads(raw)
    except ValueError as e:
        raise BadRequest(f"请求体不是 JSON / the body is not JSON: {e}") from e
    if body is not None and not isinstance(body, dict):
        raise BadRequest("请求体应为 JSON 对象（参数名: 值）/ the body must be a JSON object of parameters")
    return body


FormatQuery = Annotated[
    Literal["json", "csv", "xlsx"] | None,
    Query(description="下载格式 / download format (or the Accept header)"),
]
TitlesQuery = Annotated[
    Literal["zh", "en"],
    Query(
        description="CSV/XLSX 列标题：zh 中文（默认）或 en 字段名 / column titles: Chinese "
        "(default) or field names"
    ),
]


def answer(
    q: QueryDef,
    request: Request,
    principal: Principal,
    purpose: str | None,
    driver: neo4j.Driver,
    settings: Any,
    audit: Any,
    params: dict[str, Any] | None,
    format: str | None,
    headers: str,
) -> Any:
    """Run ``q`` for ``principal``: JSON, or CSV/XLSX from the one export writer (queries.tabular)."""
    why = denial(q, principal)
    if why:
        raise Forbidden(why)
    detail = q.entity in PURPOSE_LABELS or (not q.aggregate and bool(set(q.scopes) & PURPOSE_SCOPES))
    if detail and not purpose:  # refused before anything runs
        raise PurposeRequired(
            "此查询的结果含线索或案件详情，须说明调阅事由 / this query's answer carries clue or case "
            "detail: state a purpose (X-Access-Purpose or ?purpose=)"
        )
    validated = q.validate(params or {})
    with expensive(request, q.entity is None):  # not about one entity: reads the whole graph
        result = q.answer(driver, settings.neo4j_database, validated)
    d = disclose(
        principal,
        purpose,
        nodes=result.nodes,
        edges=result.edges,
        rows=[plain(r) for r in result.rows],
        rows_carry_detail=detail,
        mask_row=_row_masker(principal, purpose),
    )
    notes = list(result.notes)
    if d.dropped_rows:
        notes.append(f"有 {d.dropped_rows} 行涉及本角色无权查看的数据，已略去。")
    if not q.aggregate or d.entity_ids:
        audit.record(principal, request, entity_ids=d.entity_ids, params=params or {})
    if format is None:
        accept = request.headers.get("accept", "")
        format = "csv" if "text/csv" in accept else "xlsx" if XLSX_TYPE in accept else "json"
    if format in ("csv", "xlsx"):
        as_of = data_as_of(driver, settings.neo4j_database) if format == "xlsx" else None
        export = build_export(
            q.name,
            q.title,
            q.description,
            result.model_copy(update={"notes": notes}),
            params=validated,
            rows=d.rows,
            data_as_of=as_of,
        )
        data = write_csv(export, headers) if format == "csv" else write_xlsx(export, headers)
        return Response(
            data,
            media_type=CSV_TYPE if format == "csv" else XLSX_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{q.name}.{format}"'},
        )
    return json_response(
        {
            "name": q.name,
            "title": q.title,
            "columns": [c.as_dict() for c in columns_for(q.name, result.columns)],
            "rows": d.rows,
            "nodes": d.nodes,
            "edges": d.edges,
            "summary": plain(result.summary),
            "notes": notes,
            "period": plain(result.period),
        }
    )


def _typed_route(q: QueryDef) -> None:
    """``POST /queries/<name>`` with the query's parameter model as its documented body."""

    def run(
        request: Request,
        principal: QueriesPrincipal,
        purpose: PurposeDep,
        driver: DriverDep,
        settings: SettingsDep,
        audit: AuditDep,
        body: Annotated[dict[str, Any] | None, Depends(json_body)],
        format: FormatQuery = None,
        titles: TitlesQuery = "zh",
    ) -> Any:
        return answer(q, request, principal, purpose, driver, settings, audit, body, format, titles)

    run.__doc__ = q.description
    example = request_example(q)
    router.add_api_route(
        f"/queries/{q.name}",
        run,
        methods=["POST"],
        response_model=answer_model(q),
        summary=f"{q.title} / {q.name}",
        operation_id=f"query_{q.name}",
        responses={**NOT_FOUND, **PURPOSE, 200: {"content": {"text/csv": {}, XLSX_TYPE: {}}}},
        openapi_extra={
            "requestBody": {
                "required": False,
                "description": f"{q.title}的参数：未给出的取默认值，必填的见 required / parameters (defaults apply; see required)",
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{q.params.__name__}"},
                        "examples": {"sample": {"summary": "样例城市 / sample city", "value": example}},
                    }
                },
            }
        },
    )


for _q in sorted(all_queries(), key=lambda q: q.name):
    _typed_route(_q)


@router.post(
    "/queries/{name}",
    response_model=QueryAnswer,
    summary="运行预置查询 / run a prepared query",
    responses={**NOT_FOUND, **PURPOSE, 200: {"content": {"text/csv": {}, XLSX_TYPE: {}}}},
    include_in_schema=False,
)
def run_query(
    request: Request,
    principal: QueriesPrincipal,
    purpose: PurposeDep,
    driver: DriverDep,
    settings: SettingsDep,
    audit: AuditDep,
    name: Annotated[str, Path(max_length=100, description="查询名 / query name (GET /queries)")],
    params: Annotated[dict[str, Any] | None, Body(description="查询参数 / the query's parameters")] = None,
    format: FormatQuery = None,
    titles: TitlesQuery = "zh",
) -> Any:
    """Any registered query by name (the typed routes above document each one)."""
    return answer(
        get_query(name), request, principal, purpose, driver, settings, audit, params, format, titles
    )
