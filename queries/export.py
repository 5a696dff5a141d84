"""Graph exports for Gephi and ``neo4j-admin import``: GraphML, GEXF and CSV node/edge lists.

Streamed: the whole graph is read label by label and type by type with the driver's record
stream and written as it arrives, so memory does not grow with the graph. Attribute names and
types are declared from the schema (graph/schema.py) before the first node is written; a field
name that two types declare differently is exported as text.

Formats:

* ``graphml`` and ``gexf`` (1.2): one file; node ids ``<Label>:<key>``, node attributes
  ``label`` (the caption), ``type`` (the label) and the schema fields; edges carry ``type``.
* ``csv`` (Gephi's spreadsheet import): a folder with ``nodes.csv`` (``Id,Label,type,…``) and
  ``edges.csv`` (``Source,Target,Type,Id,Label,…``; ``Type`` is ``Directed``).
* ``neo4j-csv`` (``neo4j-admin database import full --nodes=nodes.csv --relationships=edges.csv
  --multiline-fields=true``): ``id:ID,:LABEL,field:type…`` and ``:START_ID,:END_ID,:TYPE,…``;
  lists as ``string[]`` separated by ``;``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import os
import re
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import IO, Any, Literal

import neo4j

from graph.constraints import q, rel_slots
from graph.schema import NODE_SPECS, REL_SPECS
from graph.shape import plain
from queries.registry import QueryResult, load_cypher

log = logging.getLogger(__name__)

__all__ = [
    "ExportFormat",
    "GraphStream",
    "merge_results",
    "query_stream",
    "whole_graph_stream",
    "write_export",
]

ExportFormat = Literal["graphml", "gexf", "csv", "neo4j-csv"]
Kind = Literal["string", "int", "double", "boolean", "date", "list"]

NodeRow = tuple[str, str, str, dict[str, Any]]  # (id, label, caption, props)
EdgeRow = tuple[str, str, str, dict[str, Any]]  # (type, from id, to id, props)

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CHUNK = 2000
"""Rows per record of the export queries."""


# -- attribute declarations from the schema -----------------------------------------------------


def _kind(annotation: Any) -> Kind:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set):
        return "list"
    if args and origin is not None:
        return _kind(args[0])
    if annotation is bool:
        return "boolean"
    if annotation is int:
        return "int"
    if annotation is float:
        return "double"
    if annotation in (dt.date, dt.datetime):
        return "date"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "string"
    return "string"


def _merge(decls: dict[str, Kind], name: str, kind: Kind) -> None:
    if decls.get(name, kind) != kind:
        kind = "string"
    decls[name] = kind


def node_attributes() -> dict[str, Kind]:
    decls: dict[str, Kind] = {"label": "string", "type": "string"}
    for spec in NODE_SPECS:
        for name, info in spec.fields.items():
            _merge(decls, name, _kind(info.annotation))
    return decls


def edge_attributes() -> dict[str, Kind]:
    decls: dict[str, Kind] = {"type": "string"}
    for spec in REL_SPECS:
        fields = spec.model.model_fields
        for name in spec.prop_fields:
            _merge(decls, name, _kind(fields[name].annotation))
    return decls


# -- sources --------------------------------------------------------------------------------------


class GraphStream:
    """Nodes then edges, each an iterator produced on demand (the edges after the nodes)."""

    def __init__(
        self, nodes: Callable[[], Iterable[NodeRow]], edges: Callable[[], Iterable[EdgeRow]]
    ) -> None:
        self.nodes = nodes
        self.edges = edges
        self.node_count = 0
        self.edge_count = 0


def _rows(driver: neo4j.Driver, database: str, text: str) -> Iterator[list[Any]]:
    """The rows of a chunked export query, one chunk in memory at a time."""
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS, fetch_size=1) as s:
        for rec in s.run(neo4j.Query(text), {"chunk": CHUNK}):  # type: ignore[arg-type]
            yield from rec["chunk"]


def whole_graph_stream(driver: neo4j.Driver, database: str) -> GraphStream:
    """Every schema node and relationship (labels and types from the schema only)."""

    def nodes() -> Iterator[NodeRow]:
        for spec in NODE_SPECS:
            text = load_cypher("export_nodes").render({"label": q(spec.label), "key": q(spec.key)})
            fields = spec.fields
            for key, p in _rows(driver, database, text):
                props = {k: plain(v) for k, v in p.items() if k in fields}
                yield f"{spec.label}:{key}", spec.label, str(props.get(spec.name_field, key)), props

    def edges() -> Iterator[EdgeRow]:
        for spec in REL_SPECS:
            slots = rel_slots(spec)
            allowed = set(spec.prop_fields)
            for a, b, p in _rows(driver, database, load_cypher("export_rels").render(slots)):
                props = {k: plain(v) for k, v in p.items() if k in allowed}
                yield spec.type, f"{spec.from_label}:{a}", f"{spec.to_label}:{b}", props

    return GraphStream(nodes, edges)


def merge_results(results: Iterable[QueryResult]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The distinct nodes and edges of several query results (entity shape)."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[str, dict[str, Any]] = {}
    for r in results:
        for n in r.nodes:
            nodes.setdefault(n["id"], n)
        for e in r.edges:
            edges.setdefault(e["id"], e)
    return list(nodes.values()), list(edges.values())


def query_stream(nodes: Sequence[Mapping[str, Any]], edges: Sequence[Mapping[str, Any]]) -> GraphStream:
    """A stream over entity-shaped query results; edges whose ends are not exported are left out."""
    ids = {n["id"] for n in nodes}

    def node_rows() -> Iterator[NodeRow]:
        for n in nodes:
            yield n["id"], n["type"], str(n.get("caption") or n["key"]), dict(n.get("props") or {})

    def edge_rows() -> Iterator[EdgeRow]:
        for e in edges:
            if e["from"] in ids and e["to"] in ids:
                yield e["type"], e["from"], e["to"], dict(e.get("props") or {})

    return GraphStream(node_rows, edge_rows)


# -- values ---------------------------------------------------------------------------------------


def _text(value: Any, kind: Kind) -> str | None:
    """A value as attribute text of its declared kind; None to leave it out."""
    if value is None or value == "":
        return None
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "list" or isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False)
    if kind in ("int", "double") and isinstance(value, bool):
        return str(int(value))
    if kind == "int" and not isinstance(value, int):
        return None  # a value that does not fit the declared type is left out rather than break a reader
    if kind == "double" and not isinstance(value, int | float):
        return None
    return _ILLEGAL_XML.sub("", str(value))


_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)


def _esc(text: str) -> str:
    return text.translate(_ESCAPES)


_GRAPHML_TYPE = {
    "string": "string",
    "int": "long",
    "double": "double",
    "boolean": "boolean",
    "date": "string",
    "list": "string",
}
_GEXF_TYPE = {
    "string": "string",
    "int": "long",
    "double": "double",
    "boolean": "boolean",
    "date": "string",
    "list": "string",
}
_NEO4J_TYPE = {
    "string": "",
    "int": ":long",
    "double": ":double",
    "boolean": ":boolean",
    "date": ":date",
    "list": ":string[]",
}


# -- writers --------------------------------------------------------------------------------------


def _graphml(out: IO[str], g: GraphStream) -> None:
    nattrs, eattrs = node_attributes(), edge_attributes()
    nid = {name: f"n{i}" for i, name in enumerate(nattrs)}
    eid = {name: f"e{i}" for i, name in enumerate(eattrs)}
    w = out.write
    w(
        '<?xml version="1.0" encoding="utf-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    )
    for name, kind in nattrs.items():
        w(f'<key id="{nid[name]}" for="node" attr.name="{_esc(name)}" attr.type="{_GRAPHML_TYPE[kind]}"/>\n')
    for name, kind in eattrs.items():
        w(f'<key id="{eid[name]}" for="edge" attr.name="{_esc(name)}" attr.type="{_GRAPHML_TYPE[kind]}"/>\n')
    w('<graph edgedefault="directed">\n')
    for node_id, label, caption, props in g.nodes():
        parts = [
            f'<node id="{_esc(node_id)}">',
            f'<data key="{nid["label"]}">{_esc(caption)}</data>',
            f'<data key="{nid["type"]}">{label}</data>',
        ]
        parts += _graphml_data(props, nattrs, nid)
        w("".join(parts) + "</node>\n")
        g.node_count += 1
    for i, (rtype, src, dst, props) in enumerate(g.edges()):
        parts = [
            f'<edge id="r{i}" source="{_esc(src)}" target="{_esc(dst)}">',
            f'<data key="{eid["type"]}">{rtype}</data>',
        ]
        parts += _graphml_data(props, eattrs, eid)
        w("".join(parts) + "</edge>\n")
        g.edge_count += 1
    w("</graph>\n</graphml>\n")


def _graphml_data(props: Mapping[str, Any], attrs: Mapping[str, Kind], ids: Mapping[str, str]) -> list[str]:
    """The ``<data>`` elements of one node or edge: declared keys only, empty values left out."""
    out = []
    for k, v in props.items():
        t = _text(v, attrs.get(k, "string"))
        if t is not None and k in ids:
            out.append(f'<data key="{ids[k]}">{_esc(t)}</data>')
    return out


def _gexf(out: IO[str], g: GraphStream) -> None:
    nattrs, eattrs = node_attributes(), edge_attributes()
    nattrs.pop("label")  # the node's label attribute of GEXF itself
    nid = {name: str(i) for i, name in enumerate(nattrs)}
    eid = {name: str(i) for i, name in enumerate(eattrs)}
    w = out.write
    w(
        '<?xml version="1.0" encoding="utf-8"?>\n<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
        '<graph defaultedgetype="directed" mode="static">\n<attributes class="node" mode="static">\n'
    )
    for name, kind in nattrs.items():
        w(f'<attribute id="{nid[name]}" title="{_esc(name)}" type="{_GEXF_TYPE[kind]}"/>\n')
    w('</attributes>\n<attributes class="edge" mode="static">\n')
    for name, kind in eattrs.items():
        w(f'<attribute id="{eid[name]}" title="{_esc(name)}" type="{_GEXF_TYPE[kind]}"/>\n')
    w("</attributes>\n<nodes>\n")
    for node_id, label, caption, props in g.nodes():
        vals = [f'<attvalue for="{nid["type"]}" value="{label}"/>']
        for k, v in props.items():
            t = _text(v, nattrs.get(k, "string"))
            if t is not None and k in nid:
                vals.append(f'<attvalue for="{nid[k]}" value="{_esc(t)}"/>')
        w(
            f'<node id="{_esc(node_id)}" label="{_esc(caption)}"><attvalues>{"".join(vals)}</attvalues></node>\n'
        )
        g.node_count += 1
    w("</nodes>\n<edges>\n")
    for i, (rtype, src, dst, props) in enumerate(g.edges()):
        vals = [f'<attvalue for="{eid["type"]}" value="{rtype}"/>']
        for k, v in props.items():
            t = _text(v, eattrs.get(k, "string"))
            if t is not None and k in eid:
                vals.append(f'<attvalue for="{eid[k]}" value="{_esc(t)}"/>')
        w(
            f'<edge id="{i}" source="{_esc(src)}" target="{_esc(dst)}" label="{rtype}">'
            f"<attvalues>{''.join(vals)}</attvalues></edge>\n"
        )
        g.edge_count += 1
    w("</edges>\n</graph>\n</gexf>\n")


def _csv_value(value: Any, kind: Kind, neo4j_flavour: bool) -> str:
    if value is None:
        return ""
    if kind == "list" and isinstance(value, list | tuple):
        return ";".join(str(v) for v in value) if neo4j_flavour else json.dumps(value, ensure_ascii=False)
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("int", "double") and not isinstance(value, int | float):
        return ""
    return str(value)


def _csv(folder: Path, g: GraphStream, neo4j_flavour: bool) -> None:
    nattrs, eattrs = node_attributes(), edge_attributes()
    nfields = [k for k in nattrs if k not in ("label", "type")]
    efields = [k for k in eattrs if k != "type"]
    with _private(folder / "nodes.csv") as f:
        w = csv.writer(f, lineterminator="\n")
        if neo4j_flavour:
            w.writerow(["id:ID", ":LABEL", "caption", *(f"{k}{_NEO4J_TYPE[nattrs[k]]}" for k in nfields)])
        else:
            w.writerow(["Id", "Label", "type", *nfields])
        for node_id, label, caption, props in g.nodes():
            w.writerow(
                [
                    node_id,
                    label,
                    caption,
                    *(_csv_value(props.get(k), nattrs[k], neo4j_flavour) for k in nfields),
                ]
            )
            g.node_count += 1
    with _private(folder / "edges.csv") as f:
        w = csv.writer(f, lineterminator="\n")
        if neo4j_flavour:
            w.writerow([":START_ID", ":END_ID", ":TYPE", *(f"{k}{_NEO4J_TYPE[eattrs[k]]}" for k in efields)])
        else:
            w.writerow(["Source", "Target", "Type", "Id", "Label", *efields])
        for i, (rtype, src, dst, props) in enumerate(g.edges()):
            values = [_csv_value(props.get(k), eattrs[k], neo4j_flavour) for k in efields]
            w.writerow(
                [src, dst, rtype, *values]
                if neo4j_flavour
                else [src, dst, "Directed", f"r{i}", rtype, *values]
            )
            g.edge_count += 1


@contextmanager
def _private(path: Path) -> Iterator[IO[str]]:
    """A text file readable by its owner only (exports hold personal data)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="", buffering=1 << 20) as f:
        yield f


def write_export(g: GraphStream, path: Path, fmt: ExportFormat) -> GraphStream:
    """Write ``g`` to ``path`` (a file; a folder for the CSV formats). Returns ``g`` with counts."""
    if fmt in ("csv", "neo4j-csv"):
        path.mkdir(parents=True, exist_ok=True)
        _csv(path, g, fmt == "neo4j-csv")
    else:
        with _private(path) as f:
            (_graphml if fmt == "graphml" else _gexf)(f, g)
    log.info("wrote %s nodes, %s edges to %s", g.node_count, g.edge_count, path)
    return g
