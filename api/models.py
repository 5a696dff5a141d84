"""Request and response models. Types and fields come from graph.schema."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from graph.schema import NODE_SPECS, REL_SPECS

EntityType = StrEnum("EntityType", [(s.label, s.label) for s in NODE_SPECS])  # type: ignore[misc]
"""Node types, from graph.schema.NODE_SPECS."""

RelType = StrEnum("RelType", [(s.type, s.type) for s in REL_SPECS])  # type: ignore[misc]
"""Relationship types, from graph.schema.REL_SPECS."""


class Entity(BaseModel):
    """A node: ``id`` is ``<Label>:<business key>``; ``props`` are schema fields (dates ISO)."""

    id: str
    type: EntityType  # type: ignore[valid-type]
    key: str | int
    caption: Any = None
    props: dict[str, Any] = {}


class Edge(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: str
    type: RelType  # type: ignore[valid-type]
    from_: str = Field(alias="from")
    to: str
    props: dict[str, Any] = {}


class Neighbors(BaseModel):
    center: Entity
    nodes: list[Entity]
    edges: list[Edge]
    total: int = Field(description="满足条件的邻居总数（上限内）/ matching neighbours found")
    truncated: bool


class SearchResult(BaseModel):
    items: list[Entity]
    truncated: bool


class RelationshipPage(BaseModel):
    items: list[Edge]
    next_cursor: str | None = Field(None, description="下一页游标 / pass as ?cursor= for the next page")


class QueryInfo(BaseModel):
    name: str
    title: str
    description: str
    scopes: list[str]
    entity: str | None
    aggregate: bool
    params_schema: dict[str, Any]


class QueryList(BaseModel):
    items: list[QueryInfo]


class QueryAnswer(BaseModel):
    name: str
    title: str
    columns: list[str]
    rows: list[dict[str, Any]]
    nodes: list[Entity] = []
    edges: list[Edge] = []
    summary: dict[str, Any] = {}


class AccessRecordOut(BaseModel):
    record_id: str
    at: str
    token_id: str
    name: str | None = None
    role: str
    endpoint: str
    method: str | None = None
    path: str | None = None
    params: Any = None
    entity_ids: list[str] = []
    purpose: str | None = None
    outcome: str
    status: int | None = None


class AuditPage(BaseModel):
    items: list[AccessRecordOut]
    next_cursor: str | None = None


class Health(BaseModel):
    status: str = Field(description="ok | degraded")
    neo4j: str = Field(description="up | down")
    message: str
