"""Reads behind the entity, search and relationship endpoints, with the role's visibility in Cypher.

Labels, relationship types and property names enter query text only from graph.schema, quoted
with ``graph.constraints.q``; every value is a parameter.
"""

from __future__ import annotations

import datetime as dt
import typing
from dataclasses import dataclass
from typing import Any

import neo4j

from api.security import Role, key_masked, visibility_predicate
from graph.constraints import q
from graph.errors import NotFound
from graph.schema import CHANGE_STAMP, INTERNAL_LABELS, NODE_SPECS, REL_SPECS, RelSpec, node_spec
from graph.shape import entity_id, node_entity, number_parallel, rel_edge

LEVEL_CAP = 5000
"""Most neighbour rows read per level of an expansion (``truncated`` says when it was reached)."""


def _query(text: str, timeout: float) -> neo4j.Query:
    return neo4j.Query(text, timeout=timeout)  # type: ignore[arg-type]


def get_entity(
    driver: neo4j.Driver, database: str, role: Role, label: str, key: str, timeout: float
) -> dict[str, Any]:
    spec = node_spec(label)
    vis, params = visibility_predicate("n", role)
    records, _, _ = driver.execute_query(
        _query(f"MATCH (n:{q(label)} {{{q(spec.key)}: $key}}) WHERE {vis} RETURN n", timeout),
        key=key,
        **params,
        database_=database,
        routing_="r",
    )
    if not records:
        raise NotFound(f"没有{spec.title} {key!r} / no {label} with key {key!r}")
    entity = node_entity(records[0]["n"])
    assert entity is not None
    return entity


def current_units(driver: neo4j.Driver, database: str, badges: list[str], timeout: float) -> dict[str, str]:
    """Each officer's current unit name (open posting, latest start)."""
    records, _, _ = driver.execute_query(
        _query(
            "UNWIND $badges AS b MATCH (o:Officer {badge_no: b})-[s:SERVES_IN]->(u:Unit) "
            "WHERE s.end_date IS NULL OR s.end_date >= date() "
            "WITH b, u, s ORDER BY s.start_date DESC RETURN b, collect(u.name)[0] AS unit",
            timeout,
        ),
        badges=badges,
        database_=database,
        routing_="r",
    )
    return {r["b"]: r["unit"] for r in records if r["unit"]}


@dataclass
class Expansion:
    center: dict[str, Any]
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    total: int
    truncated: bool


def neighbors(
    driver: neo4j.Driver,
    database: str,
    role: Role,
    label: str,
    key: str,
    *,
    depth: int,
    rel_types: list[str] | None,
    node_types: list[str] | None,
    limit: int,
    timeout: float,
) -> Expansion:
    """Breadth-first expansion, one query per level, only through what the role may see."""
    spec = node_spec(label)
    types = [
        r.type for r in REL_SPECS if role.reads_rel(r.type) and (rel_types is None or r.type in rel_types)
    ]
    labels = [n.label for n in NODE_SPECS if node_types is None or n.label in node_types]
    vis_c, params = visibility_predicate("c", role)
    vis_m, _ = visibility_predicate("m", role)
    step = f"type(r) IN $types AND any(l IN labels(m) WHERE l IN $labels) AND {vis_m}"
    # The center and its first level in one round trip; further levels from element ids.
    first = (
        f"MATCH (c:{q(label)} {{{q(spec.key)}: $key}}) WHERE {vis_c} "
        f"OPTIONAL CALL (c) {{ MATCH (c)-[r]-(m) WHERE {step} RETURN r, m LIMIT $cap }} "
        "RETURN c, r, m"
    )
    more = (
        f"UNWIND $frontier AS eid MATCH (n) WHERE elementId(n) = eid "
        f"MATCH (n)-[r]-(m) WHERE {step} RETURN r, m LIMIT $cap"
    )
    args = {"types": types, "labels": labels, "cap": LEVEL_CAP, **params}
    records, _, _ = driver.execute_query(
        _query(first, timeout), key=key, **args, database_=database, routing_="r"
    )
    if not records:
        raise NotFound(f"没有{spec.title} {key!r} / no {label} with key {key!r}")
    center_node = records[0]["c"]
    center = node_entity(center_node)
    assert center is not None
    if records[0]["r"] is None or depth < 1:
        records = []
    by_element: dict[str, dict[str, Any]] = {center_node.element_id: center}
    order: list[str] = []
    rels: dict[str, neo4j.graph.Relationship] = {}
    truncated = False
    frontier: list[str] = []
    for level in range(depth):
        if level > 0:
            if not frontier or not types:
                break
            records, _, _ = driver.execute_query(
                _query(more, timeout), frontier=frontier, **args, database_=database, routing_="r"
            )
        truncated = truncated or len(records) >= LEVEL_CAP
        found: list[tuple[str, dict[str, Any]]] = []
        for rec in records:
            m, r = rec["m"], rec["r"]
            rels.setdefault(r.element_id, r)
            if m.element_id not in by_element:
                ent = node_entity(m)
                if ent is not None:
                    by_element[m.element_id] = ent
                    found.append((m.element_id, ent))
        found.sort(key=lambda pair: (pair[1]["type"], str(pair[1]["key"])))
        frontier = [eid for eid, _ in found]
        order.extend(frontier)
    total = len(order)
    kept = order[:limit]
    truncated = truncated or total > limit
    keep = set(kept) | {center_node.element_id}
    edges = []
    for r in rels.values():
        s, e = r.start_node.element_id, r.end_node.element_id  # type: ignore[union-attr]
        if s in keep and e in keep:
            edges.append(rel_edge(r, by_element[s]["id"], by_element[e]["id"]))
    edges.sort(key=lambda e: (e["type"], e["from"], e["to"]))
    return Expansion(center, [by_element[eid] for eid in kept], number_parallel(edges), total, truncated)


def search(
    driver: neo4j.Driver,
    database: str,
    role: Role,
    text: str,
    *,
    types: list[str] | None,
    limit: int,
    timeout: float,
) -> tuple[list[dict[str, Any]], bool]:
    """Entities whose name contains ``text`` or whose key (badge number, code) starts with it."""
    # A field the role sees masked is neither matched nor used to order the answer: a role that
    # sees officers' names (and so their badge numbers) masked does not search officers at all.
    specs = [
        s
        for s in NODE_SPECS
        if role.reads_label(s.label) and (types is None or s.label in types) and not key_masked(role, s.label)
    ]
    if not specs:
        return [], False
    parts = []
    for s in specs:
        by_name = s.name_field != s.key and s.scope not in role.mask_names
        cond = f"n.{q(s.key)} STARTS WITH $q"
        exact = f"n.{q(s.key)} = $q"
        if by_name:
            cond += f" OR n.{q(s.name_field)} CONTAINS $q"
            exact += f" OR n.{q(s.name_field)} = $q"
        parts.append(
            f"MATCH (n:{q(s.label)}) WHERE {cond} RETURN n, "
            f"CASE WHEN {exact} THEN 0 ELSE 1 END AS rank, "
            f"toString(n.{q(s.key)}) AS k LIMIT $limit"
        )
    vis, params = visibility_predicate("n", role)
    cypher = (
        "CALL () { " + " UNION ALL ".join(parts) + " } "
        f"WITH n, rank, k WHERE {vis} RETURN n ORDER BY rank, k LIMIT $limit"
    )
    records, _, _ = driver.execute_query(
        _query(cypher, timeout), q=text, limit=limit + 1, **params, database_=database, routing_="r"
    )
    items = [e for e in (node_entity(r["n"]) for r in records) if e is not None]
    return items[:limit], len(items) > limit


# -- relationships --------------------------------------------------------------------------------


def _is_date(annotation: Any) -> bool:
    if annotation is dt.date:
        return True
    return any(_is_date(a) for a in typing.get_args(annotation))


def time_fields(spec: RelSpec) -> tuple[str, str | None] | None:
    """The (start, end) date properties of a relationship type; None when it has no date."""
    fields = spec.model.model_fields  # type: ignore[attr-defined]
    if "start_date" in spec.prop_fields and "end_date" in fields:
        return "start_date", "end_date"
    for name in spec.prop_fields:
        if _is_date(fields[name].annotation):
            return name, None
    return None


def runs_since(driver: neo4j.Driver, database: str, since: dt.datetime, timeout: float) -> list[str]:
    """Ids of the ingest runs started after ``since`` (what ``changed_since`` filters on)."""
    run = next(i for i in INTERNAL_LABELS if i.label == "IngestRun")
    records, _, _ = driver.execute_query(
        _query(f"MATCH (r:{q(run.label)}) WHERE r.started_at > $since RETURN r.{q(run.key)} AS id", timeout),
        since=since,
        database_=database,
        routing_="r",
    )
    return [r["id"] for r in records]


def entities_batch(
    driver: neo4j.Driver, database: str, role: Role, ids: list[tuple[str, str]], timeout: float
) -> list[dict[str, Any]]:
    """The entities among ``ids`` (label, key) that exist and the role may see, in request order."""
    by_label: dict[str, list[str]] = {}
    for label, key in ids:
        by_label.setdefault(label, []).append(key)
    found: dict[str, dict[str, Any]] = {}
    vis, params = visibility_predicate("n", role)
    for label, keys in by_label.items():
        if not role.reads_label(label):
            continue
        spec = node_spec(label)
        records, _, _ = driver.execute_query(
            _query(
                f"UNWIND $keys AS k MATCH (n:{q(label)} {{{q(spec.key)}: k}}) WHERE {vis} RETURN n", timeout
            ),
            keys=keys,
            **params,
            database_=database,
            routing_="r",
        )
        for rec in records:
            ent = node_entity(rec["n"])
            if ent is not None:
                found[ent["id"]] = ent
    return [found[entity_id(label, key)] for label, key in ids if entity_id(label, key) in found]


def relationships(
    driver: neo4j.Driver,
    database: str,
    role: Role,
    *,
    rel_type: str | None,
    from_id: tuple[str, str] | None,
    to_id: tuple[str, str] | None,
    since: dt.date | None,
    until: dt.date | None,
    limit: int,
    after: list[str] | None,
    timeout: float,
    changed_runs: list[str] | None = None,
) -> tuple[list[dict[str, Any]], list[str] | None, int]:
    """One page ordered by (type, from key, to key, key properties); keyset cursor on that order.

    Each item carries ``from_entity``/``to_entity`` (the endpoints in the entity shape, for the
    caller to mask). ``changed_runs``: only relationships that one of these ingest runs changed,
    or whose endpoint it changed. The third value is the total under the filters (all pages)."""
    specs = sorted(
        (
            s
            for s in REL_SPECS
            if role.reads_rel(s.type) and role.reads_label(s.from_label) and role.reads_label(s.to_label)
        ),
        key=lambda s: s.type,
    )
    if rel_type is not None:
        specs = [s for s in specs if s.type == rel_type]
    if from_id is not None:
        specs = [s for s in specs if s.from_label == from_id[0]]
    if to_id is not None:
        specs = [s for s in specs if s.to_label == to_id[0]]
    if since is not None or until is not None:
        specs = [s for s in specs if time_fields(s) is not None]
    vis_a, pa = visibility_predicate("a", role)
    vis_b, pb = visibility_predicate("b", role)
    args = {
        "from_key": from_id[1] if from_id else None,
        "to_key": to_id[1] if to_id else None,
        "since": since,
        "until": until,
        "runs": changed_runs or [],
        **pa,
        **pb,
    }

    def match(spec: RelSpec) -> str:
        fk, tk = node_spec(spec.from_label).key, node_spec(spec.to_label).key
        conds = [
            vis_a,
            vis_b,
            f"($from_key IS NULL OR a.{q(fk)} = $from_key)",
            f"($to_key IS NULL OR b.{q(tk)} = $to_key)",
        ]
        tf = time_fields(spec)
        if tf is not None and (since is not None or until is not None):
            start, end = tf
            if end is None:
                conds.append(
                    f"r.{q(start)} IS NOT NULL AND ($since IS NULL OR r.{q(start)} >= $since) "
                    f"AND ($until IS NULL OR r.{q(start)} <= $until)"
                )
            else:
                conds.append(
                    f"($since IS NULL OR r.{q(end)} IS NULL OR r.{q(end)} >= $since) "
                    f"AND ($until IS NULL OR r.{q(start)} IS NULL OR r.{q(start)} <= $until)"
                )
        if changed_runs is not None:
            stamp = q(CHANGE_STAMP)
            conds.append(f"(r.{stamp} IN $runs OR a.{stamp} IN $runs OR b.{stamp} IN $runs)")
        return (
            f"MATCH (a:{q(spec.from_label)})-[r:{q(spec.type)}]->(b:{q(spec.to_label)}) "
            f"WHERE {' AND '.join(conds)} "
        )

    def total() -> int:
        if not specs:
            return 0
        counts = " UNION ALL ".join(f"{match(s)} RETURN count(r) AS n" for s in specs)
        records, _, _ = driver.execute_query(
            _query(f"CALL () {{ {counts} }} RETURN sum(n) AS n", timeout),
            **args,
            database_=database,
            routing_="r",
        )
        return int(records[0]["n"] or 0)

    page_specs = [s for s in specs if after is None or s.type >= after[0]]
    items: list[dict[str, Any]] = []
    last: list[str] | None = None
    for spec in page_specs:
        want = limit - len(items)
        if want <= 0:
            break
        fk, tk = node_spec(spec.from_label).key, node_spec(spec.to_label).key
        tb = " + '|' + ".join(f"coalesce(toString(r.{q(p)}), '')" for p in spec.key_props) or "''"
        cursor_cond = "true"
        cur: dict[str, Any] = {}
        if after is not None and after[0] == spec.type:
            cursor_cond = "(ak > $a0 OR (ak = $a0 AND (bk > $b0 OR (bk = $b0 AND tb > $t0))))"
            cur = {"a0": after[1], "b0": after[2], "t0": after[3]}
        cypher = (
            match(spec) + f"WITH a, r, b, toString(a.{q(fk)}) AS ak, toString(b.{q(tk)}) AS bk, {tb} AS tb "
            f"WHERE {cursor_cond} RETURN a, r, b, ak, bk, tb ORDER BY ak, bk, tb LIMIT $n"
        )
        records, _, _ = driver.execute_query(
            _query(cypher, timeout), n=want + 1, **args, **cur, database_=database, routing_="r"
        )
        for rec in records[:want]:
            item = rel_edge(
                rec["r"], entity_id(spec.from_label, rec["ak"]), entity_id(spec.to_label, rec["bk"])
            )
            item["from_entity"], item["to_entity"] = node_entity(rec["a"]), node_entity(rec["b"])
            items.append(item)
            last = [spec.type, rec["ak"], rec["bk"], rec["tb"]]
        if len(records) > want:
            return number_parallel(items), last, total()
    # Exhausted this type list: a next page exists only if a later type still has rows; the
    # caller asks again with the cursor and gets an empty page at worst.
    return number_parallel(items), (last if len(items) >= limit and last is not None else None), total()
