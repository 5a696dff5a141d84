"""Entities: one entity, its neighbourhood (the views' double-click expansion) and search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from api.deps import AuditDep, CurrentPrincipal, DriverDep, PurposeDep, SettingsDep, require
from api.errors import ERROR_RESPONSES, NOT_FOUND, PURPOSE, BadRequest, Forbidden, PurposeRequired
from api.graphread import entities_batch, get_entity, neighbors, search
from api.models import Entity, EntityBatch, EntityBatchRequest, EntityType, Neighbors, RelType, SearchResult
from api.security import PURPOSE_LABELS, Principal, mask_entity
from api.shape import json_response, parse_entity_id
from graph.schema import NODE_SPECS, node_spec

router = APIRouter(tags=["entities"], responses={**ERROR_RESPONSES, **NOT_FOUND})

PERSONAL_LABELS = frozenset(s.label for s in NODE_SPECS if s.personal_fields)
"""Labels whose entities carry personal data; returning them appends an access record."""

EntitiesPrincipal = Annotated[Principal, Depends(require("entities"))]
SearchPrincipal = Annotated[Principal, Depends(require("search"))]
TypePath = Annotated[EntityType, Path(description="实体类型 / entity type")]  # type: ignore[valid-type]
KeyPath = Annotated[str, Path(min_length=1, max_length=200, description="业务主键 / business key (警号, 编码 …)")]


def personal_ids(entities: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in entities if e["type"] in PERSONAL_LABELS]


def _check_type(principal: Principal, label: str) -> None:
    if not principal.role.reads_label(label):
        raise Forbidden(f"角色“{principal.role.title}”无权查看{node_spec(label).title} / role "
                        f"{principal.role.name} may not read {label}")


@router.get("/entities/{type}/{key}", response_model=Entity, responses=PURPOSE,
            summary="查看实体 / one entity")
def read_entity(type: TypePath, key: KeyPath, request: Request, principal: EntitiesPrincipal,
                purpose: PurposeDep, driver: DriverDep, settings: SettingsDep, audit: AuditDep) -> Any:
    """One entity by type and business key. Clues and cases need a stated purpose (调阅事由)."""
    label = str(type.value)
    _check_type(principal, label)
    if label in PURPOSE_LABELS and not purpose:
        raise PurposeRequired("调阅线索或案件详情须说明调阅事由（请求头 X-Access-Purpose 或参数 purpose）"
                              " / reading a clue's or case's details needs a purpose (X-Access-Purpose or ?purpose=)")
    entity = get_entity(driver, settings.neo4j_database, principal.role, label, key, settings.kg_query_timeout)
    if label in PERSONAL_LABELS:
        audit.record(principal, request, entity_ids=[entity["id"]])
    return json_response(mask_entity(entity, principal, purpose))


@router.get("/entities/{type}/{key}/neighbors", response_model=Neighbors, summary="邻居展开 / neighbourhood")
def read_neighbors(
    type: TypePath, key: KeyPath, request: Request, principal: EntitiesPrincipal, purpose: PurposeDep,
    driver: DriverDep, settings: SettingsDep, audit: AuditDep,
    depth: Annotated[int, Query(ge=1, le=3, description="展开层数 / hops")] = 1,
    rel_types: Annotated[list[RelType] | None, Query(description="只沿这些关系 / only these relationship types")] = None,  # type: ignore[valid-type]
    node_types: Annotated[list[EntityType] | None, Query(description="只要这些实体类型 / only these node types")] = None,  # type: ignore[valid-type]
    limit: Annotated[int, Query(ge=1, le=2000, description="最多返回的邻居数 / most neighbours returned")] = 200,
) -> Any:
    """Entities within ``depth`` hops, with the edges among them; what the role may not see is
    neither returned nor traversed."""
    label = str(type.value)
    _check_type(principal, label)
    exp = neighbors(driver, settings.neo4j_database, principal.role, label, key, depth=depth,
                    rel_types=[str(t.value) for t in rel_types] if rel_types else None,
                    node_types=[str(t.value) for t in node_types] if node_types else None,
                    limit=limit, timeout=settings.kg_query_timeout)
    # Visibility was applied in Cypher (api.graphread); only masking is left.
    nodes = [mask_entity(n, principal, purpose) for n in exp.nodes]
    ids = personal_ids([exp.center, *exp.nodes])
    if ids:
        audit.record(principal, request, entity_ids=ids)
    return json_response({"center": mask_entity(exp.center, principal, purpose), "nodes": nodes,
                          "edges": exp.edges, "total": exp.total, "truncated": exp.truncated})


@router.get("/search", response_model=SearchResult, summary="按名称或警号搜索 / search by name or badge number")
def search_entities(
    request: Request, principal: SearchPrincipal, driver: DriverDep, settings: SettingsDep, audit: AuditDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="名称片段、警号或编码 / name, badge number or code")],
    types: Annotated[list[EntityType] | None, Query(description="只搜这些类型 / only these types")] = None,  # type: ignore[valid-type]
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Any:
    """Names containing ``q`` and keys (警号, 编码) starting with it; exact matches first."""
    items, truncated = search(driver, settings.neo4j_database, principal.role, q.strip() or q,
                              types=[str(t.value) for t in types] if types else None, limit=limit,
                              timeout=settings.kg_query_timeout)
    ids = personal_ids(items)
    if ids:
        audit.record(principal, request, entity_ids=ids)
    return json_response({"items": [mask_entity(e, principal) for e in items], "truncated": truncated})


@router.post("/entities:batch", response_model=EntityBatch, responses=PURPOSE,
             summary="批量查看实体 / many entities at once")
def read_entities_batch(body: EntityBatchRequest, request: Request, principal: CurrentPrincipal,
                        purpose: PurposeDep, driver: DriverDep, settings: SettingsDep, audit: AuditDep) -> Any:
    """Up to 500 entities by id (``<Type>:<key>``), e.g. to resolve the endpoints of
    ``/relationships`` in one call. Open to roles with the entity or the relationship endpoints,
    within their data scopes; what the role may not see is listed under ``missing`` like an id
    that does not exist. Clues and cases need a stated purpose."""
    role = principal.role
    if not (role.can("entities") or role.can("relationships")):
        raise Forbidden(f"角色“{role.title}”无权访问此接口 / role {role.name} may not use the entity endpoints")
    parsed: list[tuple[str, str]] = []
    for value in dict.fromkeys(body.ids):
        p = parse_entity_id(value)
        if p is None:
            raise BadRequest(f"实体标识应为“类型:主键”，如 Officer:010203 / an entity id is <Type>:<key>; got {value!r}")
        parsed.append(p)
    if not purpose and any(label in PURPOSE_LABELS and role.reads_label(label) for label, _ in parsed):
        raise PurposeRequired("调阅线索或案件详情须说明调阅事由（请求头 X-Access-Purpose 或参数 purpose）"
                              " / reading clues' or cases' details needs a purpose (X-Access-Purpose or ?purpose=)")
    found = entities_batch(driver, settings.neo4j_database, role, parsed, settings.kg_query_timeout)
    ids = personal_ids(found)
    if ids:
        audit.record(principal, request, entity_ids=ids)
    got = {e["id"] for e in found}
    return json_response({"items": [mask_entity(e, principal, purpose) for e in found],
                          "missing": [f"{label}:{key}" for label, key in parsed if f"{label}:{key}" not in got]})
