"""The entity shape (docs/architecture.md): the one place Neo4j records become entities and edges.

A node outside Neo4j is ``{"id", "type", "key", "caption", "props"}`` with ``id`` =
``<Label>:<business key>``; an edge is ``{"id", "type", "from", "to", "props"}`` with ``id`` =
``<TYPE>:<from id>-><to id>:<n>``, ``n`` numbering parallel edges (same type and ends) 0, 1, …
in the order of their properties. Queries, views and the API all build and read ids here.

>>> entity_id("Officer", "010203")
'Officer:010203'
>>> parse_entity_id("Unit:U01:A")
('Unit', 'U01:A')
>>> edge_id("SERVES_IN", "Officer:010203", "Unit:U0101")
'SERVES_IN:Officer:010203->Unit:U0101:0'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import neo4j.graph
import neo4j.time

from graph.schema import NODE_SPECS, REL_SPECS, node_spec

__all__ = [
    "EntityCollector",
    "EntityIdError",
    "edge",
    "edge_id",
    "entity_id",
    "node_entity",
    "number_parallel",
    "parse_entity_id",
    "plain",
    "rel_edge",
    "REL_MAP_KEYS",
    "map_edge",
]

_LABELS = frozenset(s.label for s in NODE_SPECS)
_RELS = {s.type: s for s in REL_SPECS}


class EntityIdError(ValueError):
    """A string that is not ``<schema label>:<key>``."""


_AS_IS = frozenset({str, int, bool, type(None)})
_NEO4J_TEMPORAL = (neo4j.time.Date, neo4j.time.DateTime, neo4j.time.Time)


def plain(value: Any) -> Any:
    """Neo4j values → JSON-friendly Python (dates as ISO strings, floats to 4 places).

    >>> plain([neo4j.time.Date(2026, 6, 30), 1 / 3])
    ['2026-06-30', 0.3333]
    """
    if type(value) in _AS_IS:  # most property values: answered without a chain of isinstance checks
        return value
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, _NEO4J_TEMPORAL):
        return value.iso_format()
    if isinstance(value, dt.date):  # datetime too
        return value.isoformat()
    if isinstance(value, neo4j.time.Duration):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def entity_id(label: str, key: Any) -> str:
    return f"{label}:{key}"


def parse_entity_id(value: str) -> tuple[str, str]:
    """``"Officer:010203"`` → ``("Officer", "010203")``; the label must be a schema label.

    >>> parse_entity_id("Nope:1")
    Traceback (most recent call last):
    ...
    graph.shape.EntityIdError: 实体编号应为“类型:编号”...
    """
    label, sep, key = value.partition(":")
    if not sep or not key or label not in _LABELS:
        raise EntityIdError(
            f"实体编号应为“类型:编号”，类型为 {', '.join(sorted(_LABELS))} 之一 / "
            f"an entity id is 'Label:key' with Label one of the schema labels, got {value!r}"
        )
    return label, key


def edge_id(rel_type: str, from_id: str, to_id: str, ordinal: int = 0) -> str:
    return f"{rel_type}:{from_id}->{to_id}:{ordinal}"


def edge(
    rel_type: str, from_id: str, to_id: str, props: Mapping[str, Any] | None = None, ordinal: int = 0
) -> dict[str, Any]:
    """An edge built from ids (a relationship the code infers or draws, not one read from Neo4j)."""
    return {
        "id": edge_id(rel_type, from_id, to_id, ordinal),
        "type": rel_type,
        "from": from_id,
        "to": to_id,
        "props": dict(props or {}),
    }


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
    raw = dict(node.items())
    props = {f: plain(v) for f in spec.fields if (v := raw.get(f)) is not None}
    key = props.get(spec.key)
    return {
        "id": entity_id(label, key),
        "type": label,
        "key": key,
        "caption": props.get(spec.name_field, key),
        "props": props,
    }


def _schema_rel_props(rel_type: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The schema properties of a ``rel_type`` relationship among ``raw`` (all its properties;
    provenance stamps left out)."""
    spec = _RELS.get(rel_type)
    if spec is None:
        return {}
    return {f: plain(v) for f in spec.prop_fields if (v := raw.get(f)) is not None}


def map_edge(rel_type: str, props: Mapping[str, Any], from_id: str, to_id: str) -> dict[str, Any]:
    """A relationship, given by its type and all its properties (a relationship object's, or a
    map's: ``REL_MAP_KEYS``), as an edge between the given entity ids."""
    return edge(rel_type, from_id, to_id, _schema_rel_props(rel_type, props))


def rel_edge(rel: neo4j.graph.Relationship, from_id: str, to_id: str) -> dict[str, Any]:
    """A relationship read from Neo4j as an edge between the given entity ids."""
    return map_edge(str(rel.type), dict(rel.items()), from_id, to_id)


def number_parallel(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give parallel edges (same type and ends) ordinals 0, 1, … in the order of their properties.

    >>> es = [edge("SERVES_IN", "Officer:1", "Unit:U", {"start_date": d}) for d in ("2024", "2020")]
    >>> [e["id"].rsplit(":", 1)[1] + "@" + e["props"]["start_date"] for e in number_parallel(es)]
    ['1@2024', '0@2020']
    """
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for e in edges:
        groups.setdefault((e["type"], e["from"], e["to"]), []).append(e)
    for (t, f, to), group in groups.items():
        group.sort(key=lambda e: sorted((k, str(v)) for k, v in e["props"].items()))
        for i, e in enumerate(group):
            e["id"] = edge_id(t, f, to, i)
    return edges


REL_MAP_KEYS = frozenset({"eid", "type", "from", "to", "props"})
"""The keys of a relationship read as a map (the ``rel_map`` fragment of queries/cypher)."""


class EntityCollector:
    """Collects nodes and relationships from records into the entity shape, without duplicates.

    A relationship comes either as the driver's object or as a map (``REL_MAP_KEYS``, the
    ``rel_map`` fragment): a result holding relationship objects makes the driver build a class
    per relationship type, measurable on the API's hot reads."""

    def __init__(self) -> None:
        self._nodes: dict[str, dict[str, Any]] = {}
        self._by_element: dict[str, str] = {}
        # element id → (type, start element id, end element id, all properties)
        self._rels: dict[str, tuple[str, str | None, str | None, Mapping[str, Any]]] = {}

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
        if rel is None or rel.element_id in self._rels:
            return
        for end in (rel.start_node, rel.end_node):
            if end is not None and end.labels:
                self.add_node(end)
        start = rel.start_node.element_id if rel.start_node is not None else None
        end_id = rel.end_node.element_id if rel.end_node is not None else None
        self._rels[rel.element_id] = (rel.type or "", start, end_id, dict(rel.items()))

    def add_rel_map(self, rel: Mapping[str, Any]) -> None:
        """A relationship read as a map; its end nodes must be added as nodes."""
        self._rels.setdefault(rel["eid"], (rel["type"], rel["from"], rel["to"], rel["props"] or {}))

    def add_path(self, path: neo4j.graph.Path | None) -> None:
        if path is None:
            return
        for n in path.nodes:
            self.add_node(n)
        for r in path.relationships:
            self.add_rel(r)

    def add_any(self, value: Any) -> None:
        """Add nodes, relationships (objects or maps), paths, or (nested) lists of them."""
        if isinstance(value, neo4j.graph.Node):
            self.add_node(value)
        elif isinstance(value, neo4j.graph.Relationship):
            self.add_rel(value)
        elif isinstance(value, neo4j.graph.Path):
            self.add_path(value)
        elif isinstance(value, dict) and value.keys() == REL_MAP_KEYS:
            self.add_rel_map(value)
        elif isinstance(value, list | tuple):
            for v in value:
                self.add_any(v)

    @property
    def nodes(self) -> list[dict[str, Any]]:
        return list(self._nodes.values())

    @property
    def edges(self) -> list[dict[str, Any]]:
        """The relationships whose ends are both schema entities, in the order they were added."""
        out = []
        for rel_type, start, end, props in self._rels.values():
            if start is None or end is None or rel_type not in _RELS:
                continue
            src = self._by_element.get(start)
            dst = self._by_element.get(end)
            if src is not None and dst is not None:
                out.append(map_edge(rel_type, props, src, dst))
        return number_parallel(out)

    def node_ids(self) -> set[str]:
        return set(self._nodes)
