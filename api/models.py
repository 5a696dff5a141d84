"""Request and response models. Types and fields come from graph.schema."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from graph.schema import NODE_SPECS, REL_SPECS

EntityType = StrEnum("EntityType", [(s.label, s.label) for s in NODE_SPECS])  # type: ignore[misc]
"""Node types, from graph.schema.NODE_SPECS."""

RelType = StrEnum("RelType", [(s.type, s.type) for s in REL_SPECS])  # type: ignore[misc]
"""Relationship types, from graph.schema.REL_SPECS."""


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def _iso(pattern: re.Pattern[str], what: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, str) and not pattern.match(value):
            raise ValueError(f"应为 ISO 格式{what} / expected an ISO {what}")
        return value

    return check


def _aware(value: dt.datetime) -> dt.datetime:
    """Normalise to UTC: Neo4j accepts zone offsets only up to ±18:00, Python up to ±24:00."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as e:
        raise ValueError("时间超出范围 / datetime out of range") from e


IsoDate = Annotated[dt.date, BeforeValidator(_iso(_ISO_DATE, "date 2024-03-05"))]
"""A date given as ``YYYY-MM-DD`` (numbers are not taken as timestamps)."""
IsoDateTime = Annotated[
    dt.datetime, BeforeValidator(_iso(_ISO_DATETIME, "datetime 2024-03-05T08:00:00Z")), AfterValidator(_aware)
]
"""A datetime given in ISO form, normalised to UTC; without a zone it is UTC."""


class Entity(BaseModel):
    """A node: ``id`` is ``<Label>:<business key>``; ``props`` are schema fields (dates ISO)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "Officer:010203",
                    "type": "Officer",
                    "key": "010203",
                    "caption": "张伟",
                    "props": {
                        "badge_no": "010203",
                        "name": "张伟",
                        "rank": "科员",
                        "id_number": "3201**********1234",
                    },
                }
            ]
        }
    )

    id: str
    type: EntityType  # type: ignore[valid-type]
    key: str | int
    caption: Any = None
    props: dict[str, Any] = {}


class Edge(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
        serialize_by_alias=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "SERVES_IN:Officer:010203->Unit:U0101:0",
                    "type": "SERVES_IN",
                    "from": "Officer:010203",
                    "to": "Unit:U0101",
                    "props": {"start_date": "2020-01-01", "post": "社区民警"},
                }
            ]
        },
    )

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


class EndpointRef(BaseModel):
    """A relationship's endpoint as the role may see it (names masked where the role masks them)."""

    id: str = Field(examples=["Officer:010203"])
    type: EntityType  # type: ignore[valid-type]
    key: str | int = Field(examples=["010203"])
    name: str | int | None = Field(None, description="显示名称 / display name", examples=["张伟"])


class Relationship(Edge):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "SERVES_IN:Officer:010203->Unit:U0101:0",
                    "type": "SERVES_IN",
                    "from": "Officer:010203",
                    "to": "Unit:U0101",
                    "props": {"start_date": "2020-01-01"},
                    "from_entity": {
                        "id": "Officer:010203",
                        "type": "Officer",
                        "key": "010203",
                        "name": "张伟",
                    },
                    "to_entity": {
                        "id": "Unit:U0101",
                        "type": "Unit",
                        "key": "U0101",
                        "name": "城东分局南街派出所",
                    },
                }
            ]
        }
    )

    from_entity: EndpointRef
    to_entity: EndpointRef


class RelationshipPage(BaseModel):
    items: list[Relationship]
    total: int = Field(
        description="满足筛选条件的关系总数（所有页）/ relationships matching the filters, all pages"
    )
    next_cursor: str | None = Field(None, description="下一页游标 / pass as ?cursor= for the next page")


class EntityBatchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"ids": ["Officer:010203", "Unit:U01"]}]}
    )

    ids: list[str] = Field(
        min_length=1,
        max_length=500,
        description="实体标识“类型:主键”，至多 500 个 / entity ids <Type>:<key>, up to 500",
    )


class EntityBatch(BaseModel):
    items: list[Entity] = Field(
        description="找到且可见的实体，按请求顺序 / found and visible, in request order"
    )
    missing: list[str] = Field(
        description="不存在或无权查看的标识 / ids not found or not visible to the role"
    )


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


class Column(BaseModel):
    name: str = Field(description="字段名（行中的键）/ field name (the key in each row)")
    title: str = Field(description="中文列标题 / Chinese column title")
    type: str = Field(description="text | code | int | float | percent | date | bool | list")
    unit: str = ""
    meaning: str = ""


class QueryAnswer(BaseModel):
    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    nodes: list[Entity] = []
    edges: list[Edge] = []
    summary: dict[str, Any] = {}
    notes: list[str] = []
    """Where the answer rests on missing data (plain Chinese sentences)."""
    period: dict[str, Any] = {}
    """``{"date_from", "date_to"}`` of the period a time-based query used."""


class AccessRecordOut(BaseModel):
    record_id: str
    at: str
    token_id: str | None = None
    """None for a failed login or an unknown token, and for command-line reads (role ``local``)."""
    name: str | None = None
    role: str | None = None
    endpoint: str
    method: str | None = None
    path: str | None = None
    params: Any = None
    entity_ids: list[str] = []
    purpose: str | None = None
    outcome: str
    status: int | None = None
    client: str | None = None
    """The client address (``local:<host>`` for command-line reads)."""


class AuditPage(BaseModel):
    items: list[AccessRecordOut]
    next_cursor: str | None = None


class Health(BaseModel):
    status: str = Field(description="ok | degraded")
    neo4j: str = Field(description="up | down")
    message: str
