"""Neo4j records → the entity shape of docs/architecture.md (ids ``<Label>:<key>``).

Nodes and values are converted by ``queries.common`` (one conversion for queries, views and
the API); this module adds the API's edge numbering and pre-serialised responses.
"""

from __future__ import annotations

from typing import Any

import neo4j.graph
import orjson
from fastapi.responses import Response

from graph.schema import REL_SPECS
from queries.common import entity_id, node_entity, plain
from queries.common import parse_entity_id as _parse_entity_id

__all__ = [
    "entity_id",
    "json_response",
    "node_entity",
    "number_parallel",
    "parse_entity_id",
    "plain",
    "rel_edge",
    "rel_props",
]

_RELS = {s.type: s for s in REL_SPECS}


def parse_entity_id(value: str) -> tuple[str, str] | None:
    """``Officer:010203`` → ``("Officer", "010203")``; None when it is not a schema entity id."""
    try:
        return _parse_entity_id(value)
    except ValueError:
        return None


def rel_props(rel: neo4j.graph.Relationship) -> dict[str, Any]:
    spec = _RELS.get(rel.type)
    if spec is None:
        return {}
    return {f: plain(rel.get(f)) for f in spec.prop_fields if rel.get(f) is not None}


def rel_edge(rel: neo4j.graph.Relationship, from_id: str, to_id: str, ordinal: int = 0) -> dict[str, Any]:
    return {
        "id": f"{rel.type}:{from_id}->{to_id}:{ordinal}",
        "type": rel.type,
        "from": from_id,
        "to": to_id,
        "props": rel_props(rel),
    }


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
