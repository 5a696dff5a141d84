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

from api.cursor import RelationshipCursor
from api.security import Role, key_masked, visibility_predicate
from graph.constraints import q, rel_slots
from graph.db import READ_ATTEMPTS, is_plain_read
from graph.errors import NotFound
from graph.schema import CHANGE_STAMP, INTERNAL_LABELS, NODE_SPECS, REL_SPECS, RelSpec, node_spec
from graph.shape import entity_id, map_edge, node_entity, number_parallel, rel_edge
from queries.registry import expand_fragments, load_cypher

_T = typing.TypeVar("_T")

LEVEL_CAP = 5000
"""Most neighbour rows read per level of an expansion (``truncated`` says when it was reached)."""


def _query(text: str, timeout: float) -> neo4j.Query:
    return neo4j.Query(text, timeout=timeout)  # type: ignore[arg-type]


# A read that takes one or more round trips is written once, as a plan: a generator that yields
# ``(query, parameters)`` and is sent back each answer's records; what it returns is the result.
# ``run_plan`` drives it with the sync driver (the CLI, the bench), ``run_plan_async`` with the
# async driver on the API's event loop (no worker thread, no GIL hand-over per read).
Step = tuple[neo4j.Query, dict[str, Any]]
Plan = typing.Generator[Step, list[neo4j.Record], _T]


def run_plan(driver: neo4j.Driver, database: str, plan: Plan[_T]) -> _T:
    """Run every read of ``plan`` with the sync driver (read routing); return its result."""
    try:
        query, params = next(plan)
        while True:
            records, _, _ = driver.execute_query(query, params, database_=database, routing_="r")
            query, params = plan.send(list(records))
    except StopIteration as done:
        return typing.cast(_T, done.value)


async def run_plan_async(driver: neo4j.AsyncDriver, database: str, plan: Plan[_T]) -> _T:
    """The same with the async driver."""
    try:
        query, params = next(plan)
        while True:
            records, _, _ = await driver.execute_query(query, params, database_=database, routing_="r")
            query, params = plan.send(list(records))
    except StopIteration as done:
        return typing.cast(_T, done.value)


class AutoCommitReads:
    """An async driver whose read queries run as auto-commit transactions: one round trip (run
    and pull) instead of two (begin, run and pull, then commit), with the driver's bookmarks kept
    and a retry on transient errors as ``execute_query`` does. Reads of one statement only; any
    other call goes to the driver as it is. On this machine it served 1.6× the reads per second at
    one reader and 1.1× at eight (docs/api.md)."""

    def __init__(self, driver: neo4j.AsyncDriver) -> None:
        self._driver = driver

    async def execute_query(
        self, query: Any, parameters_: dict[str, Any] | None = None, **kwargs: Any
    ) -> neo4j.EagerResult:
        database, routing = kwargs.pop("database_", None), kwargs.pop("routing_", neo4j.RoutingControl.WRITE)
        if not is_plain_read(routing, kwargs):
            return await self._driver.execute_query(
                query, parameters_, database_=database, routing_=routing, **kwargs
            )
        params = {**(parameters_ or {}), **kwargs}
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                async with self._driver.session(
                    database=database,
                    default_access_mode=neo4j.READ_ACCESS,
                    bookmark_manager=self._driver.execute_query_bookmark_manager,
                ) as session:
                    result = await session.run(query, params)
                    return await result.to_eager_result()
            except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as e:
                if attempt == READ_ATTEMPTS or not e.is_retryable():
                    raise
        raise AssertionError("unreachable")


def entity_plan(role: Role, label: str, key: str, timeout: float) -> Plan[dict[str, Any]]:
    """One entity by label and business key, only if the role may see it."""
    spec = node_spec(label)
    vis, params = visibility_predicate("n", role)
    records = yield (
        _query(f"MATCH (n:{q(label)} {{{q(spec.key)}: $key}}) WHERE {vis} RETURN n", timeout),
        {"key": key, **params},
    )
    if not records:
        raise NotFound(f"没有{spec.title} {key!r} / no {label} with key {key!r}")
    entity = node_entity(records[0]["n"])
    assert entity is not None
    return entity


def current_units_plan(badges: list[str], timeout: float) -> Plan[dict[str, str]]:
    """Each officer's current unit name (open posting, latest start)."""
    records = yield (
        _query(
            "UNWIND $badges AS b MATCH (o:Officer {badge_no: b})-[s:SERVES_IN]->(u:Unit) "
            "WHERE s.end_date IS NULL OR s.end_date >= date() "
            "WITH b, u, s ORDER BY s.start_date DESC RETURN b, collect(u.name)[0] AS unit",
            timeout,
        ),
        {"badges": badges},
    )
    return {r["b"]: r["unit"] for r in records if r["unit"]}


@dataclass
class Expansion:
    center: dict[str, Any]
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    total: int
    truncated: bool


_REL_AS_MAP = expand_fragments("{{rel_map(r)}}")
"""A relationship as a map (graph.shape.REL_MAP_KEYS)."""


def neighbors_plan(
    role: Role,
    label: str,
    key: str,
    *,
    depth: int,
    rel_types: list[str] | None,
    node_types: list[str] | None,
    limit: int,
    timeout: float,
) -> Plan[Expansion]:
    """Breadth-first expansion, one query per level, only through what the role may see."""
    spec = node_spec(label)
    types = [
        r.type for r in REL_SPECS if role.reads_rel(r.type) and (rel_types is None or r.type in rel_types)
    ]
    labels = [n.label for n in NODE_SPECS if node_types is None or n.label in node_types]
    vis_c, params = visibility_predicate("c", role)
    vis_m, _ = visibility_predicate("m", role)
    step = f"type(r) IN $types AND any(l IN labels(m) WHERE l IN $labels) AND {vis_m}"
    # The center and its first level in one round trip and one row (the center is sent and
    # decoded once, not once per neighbour); further levels from element ids. Relationships come
    # as plain maps (``_REL_AS_MAP``).
    first = (
        f"MATCH (c:{q(label)} {{{q(spec.key)}: $key}}) WHERE {vis_c} "
        f"OPTIONAL CALL (c) {{ MATCH (c)-[r]-(m) WHERE {step} RETURN {_REL_AS_MAP} AS r, m LIMIT $cap }} "
        "RETURN c, collect(r) AS rs, collect(m) AS ms"
    )
    more = (
        f"UNWIND $frontier AS eid MATCH (n) WHERE elementId(n) = eid "
        f"MATCH (n)-[r]-(m) WHERE {step} RETURN {_REL_AS_MAP} AS r, m LIMIT $cap"
    )
    args = {"types": types, "labels": labels, "cap": LEVEL_CAP, **params}
    records = yield (_query(first, timeout), {"key": key, **args})
    if not records:
        raise NotFound(f"没有{spec.title} {key!r} / no {label} with key {key!r}")
    center_node = records[0]["c"]
    center = node_entity(center_node)
    assert center is not None
    pairs = list(zip(records[0]["rs"], records[0]["ms"], strict=True)) if depth >= 1 else []
    by_element: dict[str, dict[str, Any]] = {center_node.element_id: center}
    order: list[str] = []
    rels: dict[str, dict[str, Any]] = {}
    truncated = False
    frontier: list[str] = []
    for level in range(depth):
        if level > 0:
            if not frontier or not types:
                break
            records = yield (_query(more, timeout), {"frontier": frontier, **args})
            pairs = [(rec["r"], rec["m"]) for rec in records]
        truncated = truncated or len(pairs) >= LEVEL_CAP
        found: list[tuple[str, dict[str, Any]]] = []
        for r, m in pairs:
            rels.setdefault(r["eid"], r)
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
        s, e = r["from"], r["to"]
        if s in keep and e in keep:
            edges.append(map_edge(r["type"], r["props"], by_element[s]["id"], by_element[e]["id"]))
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


def _rel_slots(spec: RelSpec, role: Role) -> tuple[dict[str, str], dict[str, Any]]:
    """The schema names and the role's visibility for the relationship templates of one type."""
    vis_a, pa = visibility_predicate("a", role)
    vis_b, pb = visibility_predicate("b", role)
    slots = {
        **rel_slots(spec),
        "stamp": q(CHANGE_STAMP),
        "visible_a": vis_a,
        "visible_b": vis_b,
    }
    return slots, {**pa, **pb}


def _time_params(spec: RelSpec) -> dict[str, Any]:
    tf = time_fields(spec)
    if tf is None:
        return {"point": False, "start_field": "", "end_field": ""}
    start, end = tf
    return {"point": end is None, "start_field": start, "end_field": end or start}


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
    after: RelationshipCursor | None,
    timeout: float,
    changed_runs: list[str] | None = None,
) -> tuple[list[dict[str, Any]], RelationshipCursor | None, int]:
    """One page ordered by (type, from key, to key, key properties); keyset cursor on that order.

    Each item carries ``from_entity``/``to_entity`` (the endpoints in the entity shape, for the
    caller to mask). ``changed_runs``: only relationships that one of these ingest runs changed,
    or whose endpoint it changed. The third value is the total under the filters (all pages).
    The Cypher is ``queries/cypher/relationship_page.cypher`` and ``relationship_count.cypher``."""
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
    page_cf, count_cf = load_cypher("relationship_page"), load_cypher("relationship_count")
    filters = {
        "from_value": from_id[1] if from_id else None,
        "to_value": to_id[1] if to_id else None,
        "since": since,
        "until": until,
        "runs": changed_runs,
    }

    def read(text: str, params: dict[str, Any]) -> list[neo4j.Record]:
        records, _, _ = driver.execute_query(
            _query(text, timeout), params, database_=database, routing_=neo4j.RoutingControl.READ
        )
        return list(records)

    def total() -> int:
        """One count per type, all in one read transaction (one round trip each, no commits)."""

        @neo4j.unit_of_work(timeout=timeout)
        def count(tx: neo4j.ManagedTransaction) -> int:
            n = 0
            for spec in specs:
                slots, vis = _rel_slots(spec, role)
                rec = tx.run(count_cf.render(slots), {**filters, **_time_params(spec), **vis}).single()
                n += int(rec["n"] or 0) if rec else 0
            return n

        if not specs:
            return 0
        with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
            return session.execute_read(count)

    items: list[dict[str, Any]] = []
    last: RelationshipCursor | None = None
    for spec in (s for s in specs if after is None or s.type >= after.rel_type):
        want = limit - len(items)
        if want <= 0:
            break
        cur = after if after is not None and after.rel_type == spec.type else None
        slots, vis = _rel_slots(spec, role)
        params = {
            **filters,
            **_time_params(spec),
            **vis,
            "tie_props": list(spec.key_props),
            "after_from": cur.from_key if cur else None,
            "after_to": cur.to_key if cur else None,
            "after_tie": cur.tie if cur else None,
            "n": want + 1,
        }
        records = read(page_cf.render(slots), params)
        for rec in records[:want]:
            item = rel_edge(
                rec["r"], entity_id(spec.from_label, rec["ak"]), entity_id(spec.to_label, rec["bk"])
            )
            item["from_entity"], item["to_entity"] = node_entity(rec["a"]), node_entity(rec["b"])
            items.append(item)
            last = RelationshipCursor(spec.type, rec["ak"], rec["bk"], rec["tb"])
        if len(records) > want:
            return number_parallel(items), last, total()
    # Exhausted this type list: a next page exists only if a later type still has rows; the
    # caller asks again with the cursor and gets an empty page at worst.
    return number_parallel(items), (last if len(items) >= limit and last is not None else None), total()
