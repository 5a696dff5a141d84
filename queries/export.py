"""Export a subgraph to GraphML or GEXF for Gephi: query results, or the whole domain graph."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import neo4j
import networkx as nx

from graph.constraints import q
from graph.schema import NODE_SPECS, REL_SPECS
from queries.common import EntityCollector, run_cypher
from queries.registry import QueryResult

log = logging.getLogger(__name__)

__all__ = ["whole_graph", "to_networkx", "write_graph"]

ExportFormat = Literal["graphml", "gexf"]


def whole_graph(driver: neo4j.Driver, database: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every schema node and relationship (labels and types from the schema only)."""
    col = EntityCollector()
    for spec in NODE_SPECS:
        for rec in run_cypher(driver, database, "export_nodes", {}, slots={"label": q(spec.label)}):
            col.add_node(rec["n"])
    for rs in REL_SPECS:
        slots = {"from_label": q(rs.from_label), "rel_type": q(rs.type), "to_label": q(rs.to_label)}
        for rec in run_cypher(driver, database, "export_rels", {}, slots=slots):
            col.add_node(rec["a"])
            col.add_node(rec["b"])
            col.add_rel(rec["r"])
    return col.nodes, col.edges


def _scalar(value: Any) -> str | int | float | bool:
    if isinstance(value, bool | int | float | str):
        return value
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def to_networkx(nodes: Iterable[Mapping[str, Any]], edges: Iterable[Mapping[str, Any]]) -> nx.MultiDiGraph:
    """Entity-shaped nodes/edges → a MultiDiGraph with flat, GraphML/GEXF-safe attributes."""
    g = nx.MultiDiGraph()
    for n in nodes:
        attrs = {"label": str(n.get("caption") or n["key"]), "type": n["type"], "key": str(n["key"])}
        for k, v in (n.get("props") or {}).items():
            attrs[k] = _scalar(v)
        g.add_node(n["id"], **attrs)
    for e in edges:
        if e["from"] not in g or e["to"] not in g:
            continue
        attrs = {"type": e["type"], "label": e["type"]}
        for k, v in (e.get("props") or {}).items():
            attrs[k] = _scalar(v)
        g.add_edge(e["from"], e["to"], key=e["id"], **attrs)
    return g


def merge_results(results: Iterable[QueryResult]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[str, dict[str, Any]] = {}
    for r in results:
        for n in r.nodes:
            nodes.setdefault(n["id"], n)
        for e in r.edges:
            edges.setdefault(e["id"], e)
    return list(nodes.values()), list(edges.values())


def write_graph(g: nx.MultiDiGraph, path: Path, fmt: ExportFormat) -> None:
    """Write GraphML or GEXF; attributes of one name must share a type, so mixed ones become text."""
    for _, data in list(g.nodes(data=True)) + [(None, d) for _, _, d in g.edges(data=True)]:
        for k, v in list(data.items()):
            if v == "":
                del data[k]
    _unify_types(g)
    if fmt == "graphml":
        nx.write_graphml(g, path)
    else:
        nx.write_gexf(g, path)
    log.info("wrote %s nodes, %s edges to %s", g.number_of_nodes(), g.number_of_edges(), path)


def _unify_types(g: nx.MultiDiGraph) -> None:
    for items in (list(g.nodes(data=True)), [(None, d) for _, _, d in g.edges(data=True)]):
        types: dict[str, set[type]] = {}
        for _, data in items:
            for k, v in data.items():
                types.setdefault(k, set()).add(type(v))
        mixed = {k for k, ts in types.items() if len(ts) > 1}
        for _, data in items:
            for k in mixed & set(data):
                data[k] = str(data[k])
