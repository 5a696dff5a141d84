"""Helpers shared by the query definitions: parameters, running a Cypher file, entity shapes."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

import neo4j
import neo4j.graph
import neo4j.time
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from graph import schema
from graph.orders.machine import ANSWERED_STATES, OPEN_STATES
from graph.schema import (
    NODE_SPECS,
    PETITION_SOURCES,
    RANK_ORDER,
    ClueStatus,
    CommitteePosition,
    Form,
    OrderAction,
    OrderState,
    PartyOrgKind,
    Rank,
    RankScope,
    RectificationStatus,
    UnitKind,
    UnitLevel,
    node_spec,
    parse_cn_date,
    rel_spec,
)
from graph.settings import get_settings
from graph.thresholds import STALE_DAYS
from queries.registry import load_cypher

log = logging.getLogger(__name__)
# Notifications about absent labels or types only mean an empty part of the graph here.
logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)

__all__ = [
    "AsOf",
    "Params",
    "UNKNOWN",
    "SUSTAINED_FINDINGS",
    "STALE_DAYS",
    "KNOWN_RANKS",
    "LEADER_RANKS",
    "RANK_SCOPES",
    "PETITION_SOURCE_VALUES",
    "SCHEMA_PARAMS",
    "EntityCollector",
    "entity_id",
    "node_entity",
    "plain",
    "run_cypher",
]

AsOf = Annotated[dt.date, BeforeValidator(parse_cn_date)]
"""A date parameter that accepts the Chinese forms (2026年6月30日) as well as ISO."""


def as_of_field() -> Any:
    return Field(
        None,
        title="截至日期",
        description="as_of：按此日期判断“当前”任职、职务与逾期；不填则为数据截至日期（图中最新的业务日期），"
        "图中没有带日期的数据时为今天",
    )


def date_from_field(default: str = "") -> Any:
    return Field(
        None,
        title="统计起始日期",
        description="date_from：统计期起点（含）" + (f"；不填则{default}" if default else ""),
    )


def date_to_field() -> Any:
    return Field(None, title="统计截止日期", description="date_to：统计期终点（含）；不填则为截至日期 as_of")


class Params(BaseModel):
    """Base of every parameter model: unknown parameters are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


UNKNOWN = "未知"
"""The enum member a source uses when it does not know a value. Queries treat it like null:
never as a real value (rank 未知 is not 科员 and not a leader; category 未知 is not 工作纪律)."""


SUSTAINED_FINDINGS: list[str] = sorted(f.value for f in schema.SUSTAINED_FINDINGS)
"""Findings of an allegation (``finding`` on CONCERNS / INVOLVES) that count as sustained."""

# Internal parameters derived from the schema's vocabulary (declared in the .cypher headers).
# Only ranks with a place in RANK_ORDER are real ranks; 未知 (or any member without an order) is not.
KNOWN_RANKS: list[Rank] = [r for r in Rank if r in RANK_ORDER and r.value != UNKNOWN]
LEADER_RANKS: list[str] = [r.value for r in KNOWN_RANKS if RANK_ORDER[r] >= RANK_ORDER[Rank.DIVISION]]
RANK_SCOPES: dict[str, list[str]] = {
    RankScope.ALL.value: [r.value for r in Rank],
    RankScope.DIVISION_AND_ABOVE.value: LEADER_RANKS,
    RankScope.SECTION_AND_BELOW.value: [
        r.value for r in KNOWN_RANKS if RANK_ORDER[r] <= RANK_ORDER[Rank.SECTION]
    ],
}
"""Ranks each rank scope admits. An officer whose rank is unknown is admitted only by 全部: a
rank-restricted rule cannot be judged for him (the queries count such officers in their notes)."""
PETITION_SOURCE_VALUES: list[str] = sorted(s.value for s in PETITION_SOURCES)

SCHEMA_PARAMS: dict[str, Any] = {
    "unknown": UNKNOWN,
    "grassroots_level": UnitLevel.GRASSROOTS.value,
    "police_branch_kind": UnitKind.POLICE_BRANCH.value,
    "excluded_kinds": [UnitKind.SUPERVISION_BODY.value, UnitKind.EXTERNAL.value],
    "committee_kind": PartyOrgKind.COMMITTEE.value,
    "secretary_position": CommitteePosition.SECRETARY.value,
    "leader_ranks": LEADER_RANKS,
    "rank_scope_all": RankScope.ALL.value,
    "rank_scopes": RANK_SCOPES,
    "petition_sources": PETITION_SOURCE_VALUES,
    "sustained": SUSTAINED_FINDINGS,
    "first_form": Form.FIRST.value,
    "concluded_status": ClueStatus.CONCLUDED.value,
    "done_status": RectificationStatus.DONE.value,
    "open_states": sorted(s.value for s in OPEN_STATES),
    "answered_states": sorted(s.value for s in ANSWERED_STATES),
    "feedback_action": OrderAction.FEEDBACK.value,
    "closed_state": OrderState.CLOSED.value,
    "cancelled_state": OrderState.CANCELLED.value,
}
"""The schema's vocabulary as Cypher parameters: a ``.cypher`` file writes ``$committee_kind``, never
``'党委'``, and ``run_cypher`` supplies every one the file uses, so renaming an enum member is one
edit in ``graph.schema``. These names are never user parameters nor passed by a query's code
(``tests/test_queries_registry.py`` checks both)."""


def run_cypher(
    driver: neo4j.Driver,
    database: str,
    name: str,
    params: Mapping[str, Any],
    slots: dict[str, str] | None = None,
) -> list[neo4j.Record]:
    """Run the Cypher file ``name`` (read routing, server-side timeout) with exactly its params.

    ``params`` may hold more keys than the file uses (a whole parameter model); the schema's
    vocabulary (``SCHEMA_PARAMS``) is added here. A key the file needs but neither supplies is a
    programming error, and so is a caller passing a vocabulary name itself.
    """
    cf = load_cypher(name)
    missing = cf.params - set(params) - set(SCHEMA_PARAMS)
    if missing:
        raise ValueError(f"{name}: parameters not supplied: {sorted(missing)}")
    shadowed = cf.params & set(params) & set(SCHEMA_PARAMS)
    if shadowed:
        raise ValueError(f"{name}: schema parameters passed by the caller: {sorted(shadowed)}")
    values = {k: params[k] if k in params else SCHEMA_PARAMS[k] for k in cf.params}
    query = neo4j.Query(cf.render(slots), timeout=get_settings().kg_query_timeout)  # type: ignore[arg-type]
    records, _, _ = driver.execute_query(
        query, values, database_=database, routing_=neo4j.RoutingControl.READ
    )
    log.debug("query %s returned %d records", name, len(records))
    return list(records)


def plain(value: Any) -> Any:
    """Neo4j values → JSON-friendly Python (dates as ISO strings)."""
    if isinstance(value, neo4j.time.Date | neo4j.time.DateTime | neo4j.time.Time):
        return value.iso_format()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, neo4j.time.Duration):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, float):
        return round(value, 4)
    return value


def record_rows(records: Iterable[neo4j.Record]) -> list[dict[str, Any]]:
    return [{k: plain(v) for k, v in r.items()} for r in records]


# ---------------------------------------------------------------------------------------------
# Entity shape (docs/architecture.md)
# ---------------------------------------------------------------------------------------------

_LABELS = {s.label for s in NODE_SPECS}


def entity_id(label: str, key: Any) -> str:
    return f"{label}:{key}"


def _schema_label(node: neo4j.graph.Node) -> str | None:
    for label in node.labels:
        if label in _LABELS:
            return label
    return None


def node_entity(node: neo4j.graph.Node | None) -> dict[str, Any] | None:
    """``{"id", "type", "key", "caption", "props"}``; None for nodes outside the schema (or no node)."""
    if node is None:
        return None
    label = _schema_label(node)
    if label is None:
        return None
    spec = node_spec(label)
    props = {f: plain(node.get(f)) for f in spec.fields if node.get(f) is not None}
    key = props.get(spec.key)
    return {
        "id": entity_id(label, key),
        "type": label,
        "key": key,
        "caption": props.get(spec.name_field, key),
        "props": props,
    }


class EntityCollector:
    """Collects nodes and relationships from records into the entity shape, without duplicates."""

    def __init__(self) -> None:
        self._nodes: dict[str, dict[str, Any]] = {}
        self._by_element: dict[str, str] = {}
        self._edges: dict[str, dict[str, Any]] = {}
        self._rel_seen: set[str] = set()
        self._pending: list[neo4j.graph.Relationship] = []

    def add_node(self, node: neo4j.graph.Node | None) -> str | None:
        if node is None:
            return None
        known = self._by_element.get(node.element_id)
        if known:
            return known
        ent = node_entity(node)
        if ent is None:
            return None
        self._nodes.setdefault(ent["id"], ent)
        self._by_element[node.element_id] = ent["id"]
        return str(ent["id"])

    def add_rel(self, rel: neo4j.graph.Relationship | None) -> None:
        if rel is None or rel.element_id in self._rel_seen:
            return
        self._rel_seen.add(rel.element_id)
        for end in (rel.start_node, rel.end_node):
            if end is not None and end.labels:
                self.add_node(end)
        self._pending.append(rel)

    def add_path(self, path: neo4j.graph.Path | None) -> None:
        if path is None:
            return
        for n in path.nodes:
            self.add_node(n)
        for r in path.relationships:
            self.add_rel(r)

    def add_any(self, value: Any) -> None:
        """Add nodes, relationships, paths, or (nested) lists of them."""
        if isinstance(value, neo4j.graph.Node):
            self.add_node(value)
        elif isinstance(value, neo4j.graph.Relationship):
            self.add_rel(value)
        elif isinstance(value, neo4j.graph.Path):
            self.add_path(value)
        elif isinstance(value, list | tuple):
            for v in value:
                self.add_any(v)

    def _resolve(self) -> None:
        for rel in self._pending:
            if rel.start_node is None or rel.end_node is None:
                continue
            src = self._by_element.get(rel.start_node.element_id)
            dst = self._by_element.get(rel.end_node.element_id)
            if src is None or dst is None or rel.type is None:
                continue
            try:
                spec = rel_spec(rel.type)
            except KeyError:
                continue
            props = {f: plain(rel.get(f)) for f in spec.prop_fields if rel.get(f) is not None}
            n = 0
            while (eid := f"{rel.type}:{src}->{dst}:{n}") in self._edges:
                n += 1
            self._edges[eid] = {"id": eid, "type": rel.type, "from": src, "to": dst, "props": props}
        self._pending.clear()

    @property
    def nodes(self) -> list[dict[str, Any]]:
        return list(self._nodes.values())

    @property
    def edges(self) -> list[dict[str, Any]]:
        self._resolve()
        return list(self._edges.values())

    def node_ids(self) -> set[str]:
        return set(self._nodes)


def parse_entity_id(value: str) -> tuple[str, str]:
    """``"Officer:010203"`` → ``("Officer", "010203")``; the label must be a schema label."""
    label, sep, key = value.partition(":")
    if not sep or not key or label not in _LABELS:
        raise ValueError(
            f"实体编号应为“类型:编号”，类型为 {', '.join(sorted(_LABELS))} 之一 / "
            f"an entity id is 'Label:key' with Label one of the schema labels, got {value!r}"
        )
    return label, key
