"""Neo4j records → the entity shape of docs/architecture.md (ids ``<Label>:<key>``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import neo4j.graph
import neo4j.time
import orjson
from fastapi.responses import Response

from graph.schema import NODE_SPECS, REL_SPECS, NodeSpec

_SPECS = {s.label: s for s in NODE_SPECS}
_RELS = {s.type: s for s in REL_SPECS}


def plain(value: Any) -> Any:
    """Driver values → JSON-friendly values (dates as ISO strings)."""
    if isinstance(value, (neo4j.time.Date, neo4j.time.DateTime, neo4j.time.Time)):
        return value.iso_format()
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def spec_of(node: neo4j.graph.Node) -> NodeSpec | None:
    for label in node.labels:
        spec = _SPECS.get(label)
        if spec is not None:
            return spec
    return None


def entity_id(label: str, key: Any) -> str:
    return f"{label}:{key}"


def parse_entity_id(value: str) -> tuple[str, str] | None:
    """``Officer:010203`` → ``("Officer", "010203")``; None when the label is unknown."""
    label, sep, key = value.partition(":")
    if not sep or label not in _SPECS or not key:
        return None
    return label, key


def node_entity(node: neo4j.graph.Node) -> dict[str, Any] | None:
    """One node as an entity; None for nodes outside the schema (bookkeeping nodes)."""
    spec = spec_of(node)
    if spec is None:
        return None
    props = {f: plain(node.get(f)) for f in spec.fields if node.get(f) is not None}
    key = props.get(spec.key)
    return {"id": entity_id(spec.label, key), "type": spec.label, "key": key,
            "caption": props.get(spec.name_field, key), "props": props}


def rel_props(rel: neo4j.graph.Relationship) -> dict[str, Any]:
    spec = _RELS.get(rel.type)
    if spec is None:
        return {}
    return {f: plain(rel.get(f)) for f in spec.prop_fields if rel.get(f) is not None}


def rel_edge(rel: neo4j.graph.Relationship, from_id: str, to_id: str, ordinal: int = 0) -> dict[str, Any]:
    return {"id": f"{rel.type}:{from_id}->{to_id}:{ordinal}", "type": rel.type, "from": from_id,
            "to": to_id, "props": rel_props(rel)}


def number_parallel(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give parallel edges (same type and ends) ordinals 0, 1, … in a stable order."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for e in edges:
        groups.setdefault((e["type"], e["from"], e["to"]), []).append(e)
    for (t, f, to), group in groups.items():
        group.sort(key=lambda e: sorted((k, str(v)) for k, v in e["props"].items()))
        for i, e in enumerate(group):
            e["id"] = f"{t}:{f}->{to}:{i}"
    return edges


def json_response(body: Any) -> Response:
    """A body already in the documented shape, serialised once with orjson.

    Returning a ``Response`` skips FastAPI's second pass (validating the dict against the
    ``response_model`` and serialising it again); the route keeps ``response_model`` for the
    OpenAPI schema.
    """
    return Response(orjson.dumps(body), media_type="application/json")
