"""Entities: one entity, its neighbourhood (the views' double-click expansion) and search."""

from __future__ import annotations

from typing import Annotated, Any

import neo4j
from fastapi import APIRouter, Depends, Path, Query, Request

from api.deps import (
    AsyncDriverDep,
    AuditDep,
    CurrentPrincipal,
    DriverDep,
    PurposeDep,
    SettingsDep,
    require,
)
from api.errors import ERROR_RESPONSES, NOT_FOUND, PURPOSE, BadRequest, Forbidden
from api.graphread import (
    current_units_plan,
    entities_batch,
    entity_plan,
    neighbors_plan,
    run_plan_async,
    search,
)
from api.limits import expensive
from api.models import Entity, EntityBatch, EntityBatchRequest, EntityType, Neighbors, RelType, SearchResult
from api.security import PURPOSE_LABELS, Principal, PurposeRequired, disclose, key_masked, resolve_key
from api.shape import json_response
from graph.errors import NotFound
from graph.schema import node_spec
from graph.settings import Settings
from graph.shape import EntityIdError, parse_entity_id

router = APIRouter(tags=["entities"], responses={**ERROR_RESPONSES, **NOT_FOUND})

"""Labels whose entities carry personal data; returning them appends an access record."""

EntitiesPrincipal = Annotated[Principal, Depends(require("entities"))]
SearchPrincipal = Annotated[Principal, Depends(require("search"))]
TypePath = Annotated[EntityType, Path(description="实体类型 / entity type")]  # type: ignore[valid-type]
KeyPath = Annotated[
    str, Path(min_length=1, max_length=200, description="业务主键 / business key (警号, 编码 …)")
]


def _check_type(principal: Principal, label: str) -> None:
    if not principal.role.reads_label(label):
        raise Forbidden(
            f"角色“{principal.role.title}”无权查看{node_spec(label).title} / role "
            f"{principal.role.name} may not read {label}"
        )


async def with_units(
    driver: neo4j.AsyncDriver, settings: Settings, principal: Principal, nodes: list[dict[str, Any]]
) -> None:
    """For roles that see officers only by masked name and alias, add each officer's current
    unit to what the caption shows (``张** · 科员 · 城东分局南街派出所``)."""
    if not key_masked(principal.role, "Officer"):
        return
    badges = [n["key"] for n in nodes if n.get("type") == "Officer"]
    if badges:
        plan = current_units_plan(badges, settings.kg_query_timeout)
        units = await run_plan_async(driver, settings.neo4j_database, plan)
        for n in nodes:
            if n.get("type") == "Officer" and n["key"] in units:
                n["_unit_name"] = units[n["key"]]


@router.get(
    "/entities/{type}/{key}", response_model=Entity, responses=PURPOSE, summary="查看实体 / one entity"
)
async def read_entity(
    type: TypePath,
    key: KeyPath,
    request: Request,
    principal: EntitiesPrincipal,
    purpose: PurposeDep,
    driver: AsyncDriverDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> Any:
    """One entity by type and business key. Clues and cases need a stated purpose (调阅事由);
    personal fields are in clear only with one."""
    label = str(type.value)
    _check_type(principal, label)
    if label in PURPOSE_LABELS and not purpose:  # refuse before reading
        raise PurposeRequired(
            "调阅线索或案件详情须说明调阅事由（请求头 X-Access-Purpose 或参数 purpose）"
            " / reading a clue's or case's details needs a purpose (X-Access-Purpose or ?purpose=)"
        )
    real = resolve_key(principal.role, label, key)
    plan = entity_plan(principal.role, label, real, settings.kg_query_timeout)
    entity = await run_plan_async(driver, settings.neo4j_database, plan)
    await with_units(driver, settings, principal, [entity])
    d = disclose(principal, purpose, nodes=[entity], prefiltered=True)
    if d.entity_ids:
        audit.record(principal, request, entity_ids=d.entity_ids)
    return json_response(d.nodes[0])


@router.get(
    "/entities/{type}/{key}/neighbors",
    response_model=Neighbors,
    responses=PURPOSE,
    summary="邻居展开 / neighbourhood",
)
async def read_neighbors(
    type: TypePath,
    key: KeyPath,
    request: Request,
    principal: EntitiesPrincipal,
    purpose: PurposeDep,
    driver: AsyncDriverDep,
    settings: SettingsDep,
    audit: AuditDep,
    depth: Annotated[
        int, Query(ge=1, le=3, description="展开层数 / hops (2 and 3 share a concurrency limit)")
    ] = 1,
    rel_types: Annotated[
        list[RelType] | None, Query(description="只沿这些关系 / only these relationship types")
    ] = None,  # type: ignore[valid-type]
    node_types: Annotated[
        list[EntityType] | None, Query(description="只要这些实体类型 / only these node types")
    ] = None,  # type: ignore[valid-type]
    limit: Annotated[
        int, Query(ge=1, le=2000, description="最多返回的邻居数 / most neighbours returned")
    ] = 200,
) -> Any:
    """Entities within ``depth`` hops, with the edges among them; what the role may not see is
    neither returned nor traversed. Clues or cases among them need a purpose. Read on the event
    loop with the async driver (the views' most frequent call; docs/performance.md, API)."""
    label = str(type.value)
    _check_type(principal, label)
    real = resolve_key(principal.role, label, key)
    with expensive(request, depth >= 2):
        plan = neighbors_plan(
            principal.role,
            label,
            real,
            depth=depth,
            rel_types=[str(t.value) for t in rel_types] if rel_types else None,
            node_types=[str(t.value) for t in node_types] if node_types else None,
            limit=limit,
            timeout=settings.kg_query_timeout,
        )
        exp = await run_plan_async(driver, settings.neo4j_database, plan)
    await with_units(driver, settings, principal, [exp.center, *exp.nodes])
    # Visibility was applied in Cypher (api.graphread); the same scope function checks it again,
    # demands the purpose and masks.
    d = disclose(principal, purpose, nodes=[exp.center, *exp.nodes], edges=exp.edges, prefiltered=True)
    if d.entity_ids:
        audit.record(principal, request, entity_ids=d.entity_ids)
    return json_response(
        {
            "center": d.nodes[0],
            "nodes": d.nodes[1:],
            "edges": d.edges,
            "total": exp.total,
            "truncated": exp.truncated,
        }
    )


@router.get(
    "/search",
    response_model=SearchResult,
    responses=PURPOSE,
    summary="按名称或警号搜索 / search by name or badge number",
)
def search_entities(
    request: Request,
    principal: SearchPrincipal,
    purpose: PurposeDep,
    driver: DriverDep,
    settings: SettingsDep,
    audit: AuditDep,
    q: Annotated[
        str,
        Query(min_length=1, max_length=100, description="名称片段、警号或编码 / name, badge number or code"),
    ],
    types: Annotated[list[EntityType] | None, Query(description="只搜这些类型 / only these types")] = None,  # type: ignore[valid-type]
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Any:
    """Names containing ``q`` and keys (警号, 编码) starting with it; exact matches first. A field
    the role sees masked is neither searched nor used to order: leaders find no officer here."""
    items, truncated = search(
        driver,
        settings.neo4j_database,
        principal.role,
        q.strip() or q,
        types=[str(t.value) for t in types] if types else None,
        limit=limit,
        timeout=settings.kg_query_timeout,
    )
    d = disclose(principal, purpose, nodes=items, prefiltered=True)
    if d.entity_ids:
        audit.record(principal, request, entity_ids=d.entity_ids)
    return json_response({"items": d.nodes, "truncated": truncated})


@router.post(
    "/entities:batch",
    response_model=EntityBatch,
    responses=PURPOSE,
    summary="批量查看实体 / many entities at once",
)
def read_entities_batch(
    body: EntityBatchRequest,
    request: Request,
    principal: CurrentPrincipal,
    purpose: PurposeDep,
    driver: DriverDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> Any:
    """Up to 500 entities by id (``<Type>:<key>``), e.g. to resolve the endpoints of
    ``/relationships`` in one call. Open to roles with the entity or the relationship endpoints,
    within their data scopes; what the role may not see is listed under ``missing`` like an id
    that does not exist. Clues and cases need a stated purpose. Roles that see badge numbers
    masked address officers by the alias the API gave them (a real badge number is ``missing``)."""
    role = principal.role
    if not (role.can("entities") or role.can("relationships")):
        raise Forbidden(
            f"角色“{role.title}”无权访问此接口 / role {role.name} may not use the entity endpoints"
        )
    asked: list[tuple[str, str, str]] = []  # (id as sent, label, real key)
    missing: list[str] = []
    for value in dict.fromkeys(body.ids):
        try:
            label, key = parse_entity_id(value)
        except EntityIdError:
            raise BadRequest(
                f"实体标识应为“类型:主键”，如 Officer:010203 / an entity id is <Type>:<key>; got {value!r}"
            ) from None
        try:
            asked.append((value, label, resolve_key(role, label, key)))
        except NotFound:
            missing.append(value)
    if not purpose and any(label in PURPOSE_LABELS and role.reads_label(label) for _, label, _ in asked):
        raise PurposeRequired(
            "调阅线索或案件详情须说明调阅事由（请求头 X-Access-Purpose 或参数 purpose）"
            " / reading clues' or cases' details needs a purpose (X-Access-Purpose or ?purpose=)"
        )
    found = entities_batch(
        driver,
        settings.neo4j_database,
        role,
        [(label, key) for _, label, key in asked],
        settings.kg_query_timeout,
    )
    d = disclose(principal, purpose, nodes=found, prefiltered=True)
    if d.entity_ids:
        audit.record(principal, request, entity_ids=d.entity_ids)
    got = {e["id"] for e in found}
    missing += [value for value, label, key in asked if f"{label}:{key}" not in got]
    return json_response({"items": d.nodes, "missing": missing})
