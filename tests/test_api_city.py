"""The role matrix on the city sample: every role × every endpoint family, on real keys.

Expectations are derived in this file from api/roles.toml (parsed here with tomllib, not through
api.security) and from the stored entities read with Cypher: which status each role gets, which
fields come back in clear or masked, which rows a row filter keeps, and which access records the
log must hold afterwards. The test reads the city database; it writes only tokens and access
records, and deletes both at the end.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.tokens import create_token
from graph.constraints import q
from graph.schema import NODE_SPECS, REL_SPECS, node_spec
from graph.settings import Settings
from queries.registry import all_queries, get_query
from viz.views import get_view

pytestmark = pytest.mark.neo4j

ROLES_FILE = Path(__file__).resolve().parents[1] / "api" / "roles.toml"
PURPOSE_LABELS = {"Clue", "Case"}  # reading one clue's or case's details needs a purpose
PERSONAL_LABELS = {s.label for s in NODE_SPECS if s.personal_fields}
SCOPE_OF_LABEL = {s.label: s.scope for s in NODE_SPECS}
SCOPE_OF_REL = {s.type: s.scope for s in REL_SPECS}
PURPOSE = "城市样本角色矩阵测试"
AGGREGATE_QUERY = "violation_statistics"
ROW_QUERY = "unit_overview"
VIEW = "unit_view"


@dataclass(frozen=True)
class RoleRow:
    """One row of api/roles.toml with its documented defaults applied."""

    name: str
    endpoints: frozenset[str]
    scopes: frozenset[str]
    personal: frozenset[str]
    mask_names: frozenset[str]
    aggregate_only: bool
    clue_sources: frozenset[str] | None
    inspection_kinds: frozenset[str] | None

    def can(self, group: str) -> bool:
        return group in self.endpoints

    def reads(self, label: str) -> bool:
        return SCOPE_OF_LABEL[label] in self.scopes

    def reads_rel(self, rel_type: str) -> bool:
        return SCOPE_OF_REL[rel_type] in self.scopes

    def sees(self, raw: dict[str, Any]) -> bool:
        """Scope and row filters on one stored entity (``raw`` from :func:`_raw_nodes`)."""
        label, props = raw["label"], raw["props"]
        if not self.reads(label):
            return False
        if label == "Clue" and self.clue_sources is not None:
            return props.get("source") in self.clue_sources
        if label == "Inspection" and self.inspection_kinds is not None:
            return props.get("kind") in self.inspection_kinds
        if label == "Rectification" and self.inspection_kinds is not None:
            return raw["found_by_kind"] in self.inspection_kinds
        return True

    def may_run(self, scopes: frozenset[str], aggregate: bool) -> bool:
        if not scopes <= self.scopes:
            return False
        if self.aggregate_only and not aggregate:
            return False
        filtered = {
            s
            for s, f in (("clues", self.clue_sources), ("inspections", self.inspection_kinds))
            if f is not None
        }
        return aggregate or not (scopes & filtered)


def role_table() -> dict[str, RoleRow]:
    with open(ROLES_FILE, "rb") as f:
        data = tomllib.load(f)["roles"]
    out = {}
    for name, r in data.items():
        scopes = frozenset(r.get("scopes", []))
        out[name] = RoleRow(
            name=name,
            endpoints=frozenset(r.get("endpoints", [])),
            scopes=scopes,
            personal=frozenset(r.get("personal", scopes)),
            mask_names=frozenset(r.get("mask_names", [])),
            aggregate_only=bool(r.get("aggregate_only", False)),
            clue_sources=frozenset(r["clue_sources"]) if "clue_sources" in r else None,
            inspection_kinds=frozenset(r["inspection_kinds"]) if "inspection_kinds" in r else None,
        )
    return out


ROLES = role_table()


# -- real keys from the city sample -------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return value.iso_format() if hasattr(value, "iso_format") else value


def _raw(node: neo4j.graph.Node, found_by_kind: str | None = None) -> dict[str, Any]:
    label = next(lbl for lbl in node.labels if lbl in SCOPE_OF_LABEL)
    spec = node_spec(label)
    props = {k: _plain(v) for k, v in dict(node).items()}
    return {
        "label": label,
        "key": str(props[spec.key]),
        "id": f"{label}:{props[spec.key]}",
        "props": props,
        "found_by_kind": found_by_kind,
    }


def _raw_nodes(driver: neo4j.Driver, database: str, cypher: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of ``RETURN n`` as raw entities, with the kind of the inspection that found a rectification."""
    records, _, _ = driver.execute_query(
        f"{cypher} OPTIONAL MATCH (n)-[:FOUND_BY]->(i:Inspection) RETURN n, min(i.kind) AS kind",
        **params,
        database_=database,
        routing_="r",
    )
    return [_raw(r["n"], r["kind"]) for r in records]


@dataclass
class Sample:
    entities: list[dict[str, Any]]  # one or more per label
    officer: dict[str, Any]
    unit: dict[str, Any]
    neighbours: dict[str, list[tuple[str, dict[str, Any]]]]  # entity id → (rel type, raw neighbour)
    clues_of_officer: list[dict[str, Any]]
    rects_of_unit: list[dict[str, Any]]
    officer_names: dict[str, str]


def _neighbours(
    driver: neo4j.Driver, db: str, label: str, key_field: str, key: str
) -> list[tuple[str, dict[str, Any]]]:
    records, _, _ = driver.execute_query(
        f"MATCH (c:{q(label)} {{{q(key_field)}: $key}})-[r]-(n) OPTIONAL MATCH (n)-[:FOUND_BY]->(i:Inspection) "
        "RETURN type(r) AS t, n, min(i.kind) AS kind",
        key=key,
        database_=db,
        routing_="r",
    )
    return [(r["t"], _raw(r["n"], r["kind"])) for r in records]


def read_sample(driver: neo4j.Driver, db: str) -> Sample:
    # An officer with many kinds of neighbours (clues, a case, postings, liaison, duties), few enough
    # to fit in one page of neighbours.
    officer = _raw_nodes(
        driver,
        db,
        """
        MATCH (o:Officer)-[r]-(m) WITH o, count(r) AS degree, count(DISTINCT type(r)) AS kinds,
              count(DISTINCT CASE WHEN m:Clue THEN m.source END) AS sources
        WHERE degree <= 150 WITH o AS n, kinds, sources ORDER BY kinds DESC, sources DESC, n.badge_no LIMIT 1
        WITH n""",
    )[0]
    unit = _raw_nodes(
        driver,
        db,
        """
        MATCH (u:Unit)-[r]-(m) WITH u, count(r) AS degree, count(DISTINCT type(r)) AS kinds,
              count(DISTINCT CASE WHEN m:Rectification THEN 1 END) AS rects
        WHERE degree <= 150 AND EXISTS { (u)<-[:SERVES_IN]-(:Officer) }
        WITH u AS n, kinds, rects ORDER BY kinds DESC, rects DESC, n.code LIMIT 1 WITH n""",
    )[0]
    entities: list[dict[str, Any]] = [officer, unit]
    for label in ("PartyOrg", "Case", "Responsibility"):
        key = node_spec(label).key
        entities += _raw_nodes(driver, db, f"MATCH (n:{q(label)}) WITH n ORDER BY n.{q(key)} LIMIT 1 WITH n")
    # One clue per source, one inspection per kind, one rectification per kind of finding inspection:
    # the row filters of roles.toml are tried on each.
    entities += _raw_nodes(
        driver,
        db,
        "MATCH (n:Clue) WITH n.source AS s, min(n.clue_no) AS k MATCH (n:Clue {clue_no: k}) WITH n",
    )
    entities += _raw_nodes(
        driver,
        db,
        "MATCH (n:Inspection) WITH n.kind AS s, min(n.code) AS k MATCH (n:Inspection {code: k}) WITH n",
    )
    entities += _raw_nodes(
        driver,
        db,
        "MATCH (n:Rectification)-[:FOUND_BY]->(i:Inspection) "
        "WITH i.kind AS s, min(n.code) AS k MATCH (n:Rectification {code: k}) WITH n",
    )
    assert {e["label"] for e in entities} == {s.label for s in NODE_SPECS}
    neighbours = {
        officer["id"]: _neighbours(driver, db, "Officer", "badge_no", officer["key"]),
        unit["id"]: _neighbours(driver, db, "Unit", "code", unit["key"]),
    }
    clues = [n for t, n in neighbours[officer["id"]] if t == "CONCERNS"]
    rects = [n for t, n in neighbours[unit["id"]] if t == "ISSUED_TO"]
    names = {
        r["k"]: r["name"]
        for r in driver.execute_query(
            "MATCH (o:Officer) RETURN o.badge_no AS k, o.name AS name", database_=db, routing_="r"
        ).records
    }
    return Sample(entities, officer, unit, neighbours, clues, rects, names)


# -- expectations ---------------------------------------------------------------------------------------


def entity_status(role: RoleRow, raw: dict[str, Any], purpose: str | None) -> int:
    if not role.can("entities") or not role.reads(raw["label"]):
        return 403
    if raw["label"] in PURPOSE_LABELS and not purpose:
        return 400
    if alias_only(role, raw["label"]):
        return 404  # this role names officers only by the alias the API hands out
    return 200 if role.sees(raw) else 404


def alias_only(role: RoleRow, label: str) -> bool:
    """Officers' badge numbers go with their names: masked names, aliased keys."""
    return label == "Officer" and "officers" in role.mask_names


def is_masked(shown: Any, clear: Any) -> bool:
    text = str(shown)
    return shown != clear and ("*" in text or "屏蔽" in text)


def check_masking(role: RoleRow, body: dict[str, Any], raw: dict[str, Any], purpose: str | None) -> None:
    """Personal fields in clear only with the scope in ``personal`` and a purpose; names masked
    for scopes in ``mask_names`` (officers then by alias); everything else as stored."""
    spec = node_spec(raw["label"])
    where = (role.name, raw["id"])
    aliased = alias_only(role, raw["label"])
    if aliased:
        assert body["key"].startswith("~") and body["id"] == f"Officer:{body['key']}", where
    else:
        assert body["id"] == raw["id"] and body["key"] == raw["key"], where
    clear = spec.scope in role.personal and purpose is not None
    for f, value in raw["props"].items():
        if f == spec.key and aliased:
            assert body["props"][f] == body["key"], where
            continue
        if f in spec.personal_fields:
            assert (body["props"][f] == value) if clear else is_masked(body["props"][f], value), (where, f)
        elif f == spec.name_field and spec.scope in role.mask_names and f != spec.key:
            assert is_masked(body["props"][f], value) and body["props"][f][0] == value[0], (where, f)
            assert body["caption"].startswith(body["props"][f]), where
        elif f in spec.fields:
            assert body["props"].get(f) == value, (where, f)


def personal(ids: list[str]) -> tuple[str, ...]:
    return tuple(sorted({i for i in ids if i.partition(":")[0] in PERSONAL_LABELS}))


# -- fixtures -------------------------------------------------------------------------------------------


@dataclass
class Caller:
    role: RoleRow
    token_id: str
    secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}


@pytest.fixture(scope="module")
def city(
    city_driver: neo4j.Driver, city_settings: Settings
) -> Iterator[tuple[TestClient, dict[str, Caller], Sample]]:
    db = city_settings.neo4j_database
    sample = read_sample(city_driver, db)
    callers: dict[str, Caller] = {}
    try:
        for name, row in ROLES.items():
            info, secret = create_token(city_driver, db, name, f"城市矩阵-{name}")
            callers[name] = Caller(row, info.token_id, secret)
        with TestClient(create_app(city_settings)) as client:
            yield client, callers, sample
    finally:
        ids = [c.token_id for c in callers.values()]
        city_driver.execute_query(
            "MATCH (a:AccessRecord) WHERE a.token_id IN $ids DETACH DELETE a", ids=ids, database_=db
        )
        city_driver.execute_query(
            "MATCH (t:ApiToken) WHERE t.token_id IN $ids DETACH DELETE t", ids=ids, database_=db
        )


class Log:
    """The access records the log must hold, counted per token."""

    def __init__(self) -> None:
        self.reads: Counter[tuple[str, str, str, str | None, tuple[str, ...]]] = Counter()
        self.denials: Counter[tuple[str, str, str, int]] = Counter()

    def expect(
        self, caller: Caller, endpoint: str, status: int, purpose: str | None, ids: tuple[str, ...]
    ) -> None:
        if status == 200 and ids:
            self.reads[(caller.token_id, caller.role.name, endpoint, purpose, ids)] += 1
        elif status in (400, 403):
            self.denials[
                (caller.token_id, endpoint, "forbidden" if status == 403 else "purpose_required", status)
            ] += 1


# -- the matrix -----------------------------------------------------------------------------------------


def test_role_matrix_on_city_sample(city: tuple[TestClient, dict[str, Caller], Sample]) -> None:
    client, callers, sample = city
    log = Log()
    statuses: dict[tuple[str, str], tuple[int, int]] = {}  # (role, request) → (got, want)
    view_ids: dict[frozenset[str], tuple[str, ...]] = {}  # scopes → personal ids in the unit view
    assert list(callers)[0] == "strict_office"  # all scopes, names in clear: seen first

    def got(c: Caller, what: str, status: int, want: int) -> bool:
        statuses[(c.role.name, what)] = (status, want)
        return status == want == 200

    for c in callers.values():
        role = c.role
        assert got(c, "health", client.get("/health", headers=c.headers).status_code, 200)

        # Entities, one or more of every type; clues and cases with and without a purpose.
        for raw in sample.entities:
            for purpose in [None, PURPOSE] if raw["label"] in PURPOSE_LABELS else [None]:
                r = client.get(
                    f"/entities/{raw['label']}/{raw['key']}",
                    headers=c.headers,
                    params={"purpose": purpose} if purpose else {},
                )
                want = entity_status(role, raw, purpose)
                log.expect(c, "/entities/{type}/{key}", want, purpose, personal([raw["id"]]))
                if got(c, f"entity {raw['id']} purpose={bool(purpose)}", r.status_code, want):
                    check_masking(role, r.json(), raw, purpose)

        # Neighbours of an officer and of a unit: only visible entities through readable relationships.
        # (with a purpose: an officer's neighbourhood holds his clues and cases)
        for centre in (sample.officer, sample.unit):
            r = client.get(
                f"/entities/{centre['label']}/{centre['key']}/neighbors",
                headers=c.headers,
                params={"purpose": PURPOSE},
            )
            want = 200 if role.can("entities") and role.reads(centre["label"]) else 403
            if alias_only(role, centre["label"]) and want == 200:
                want = 404
            if got(c, f"neighbors {centre['id']}", r.status_code, want):
                body = r.json()
                expected = {
                    n["id"]: n
                    for t, n in sample.neighbours[centre["id"]]
                    if role.reads_rel(t) and role.sees(n)
                }
                shown = {n["id"] for n in body["nodes"] if not alias_only(role, n["type"])}
                assert shown == {i for i in expected if not alias_only(role, expected[i]["label"])}, role.name
                assert sum(alias_only(role, n["type"]) for n in body["nodes"]) == sum(
                    alias_only(role, n["label"]) for n in expected.values()
                ), role.name
                assert body["truncated"] is False
                check_masking(role, body["center"], centre, PURPOSE)
                for n in body["nodes"]:
                    if not alias_only(role, n["type"]):
                        check_masking(role, n, expected[n["id"]], PURPOSE)
                ids = {n["id"] for n in body["nodes"]} | {body["center"]["id"]}
                for e in body["edges"]:
                    assert role.reads_rel(e["type"]) and {e["from"], e["to"]} <= ids
                log.expect(
                    c, "/entities/{type}/{key}/neighbors", 200, PURPOSE, personal([centre["id"], *expected])
                )
            else:
                log.expect(c, "/entities/{type}/{key}/neighbors", want, PURPOSE, ())

        # Search by the officer's full name.
        name = sample.officer["props"]["name"]
        r = client.get("/search", params={"q": name}, headers=c.headers)
        want = 200 if role.can("search") else 403
        if got(c, "search", r.status_code, want):
            items = r.json()["items"]
            found = [i["id"] for i in items]
            # a role that sees names masked cannot search by them (leaders find no officer)
            assert (sample.officer["id"] in found) == (
                role.reads("Officer") and not alias_only(role, "Officer")
            )
            assert not any(i["type"] == "Officer" for i in items) or not alias_only(role, "Officer")
            assert all(role.reads(i["type"]) for i in items), role.name
            for i in items:
                if i["id"] == sample.officer["id"]:
                    check_masking(role, i, sample.officer, None)
            log.expect(c, "/search", 200, None, personal(found))
        else:
            log.expect(c, "/search", want, None, ())

        # Relationships: the clues about the officer (personal), the rectifications issued to the unit.
        want = 200 if role.can("relationships") else 403
        for params, rel, ends, others in (
            (
                {"type": "CONCERNS", "to": sample.officer["id"]},
                "CONCERNS",
                ("Clue", "Officer"),
                sample.clues_of_officer,
            ),
            (
                {"type": "ISSUED_TO", "to": sample.unit["id"]},
                "ISSUED_TO",
                ("Rectification", "Unit"),
                sample.rects_of_unit,
            ),
        ):
            r = client.get(
                "/relationships", params={**params, "limit": 1000, "purpose": PURPOSE}, headers=c.headers
            )
            if got(c, f"relationships {rel}", r.status_code, want):
                items = r.json()["items"]
                readable = role.reads_rel(rel) and all(role.reads(lbl) for lbl in ends)
                pairs = {(n["id"], params["to"]) for n in others if readable and role.sees(n)}
                assert {(e["from"], e["to"]) for e in items} == pairs, (role.name, rel)
                assert len(items) == sum(1 for n in others if readable and role.sees(n)), (role.name, rel)
                log.expect(
                    c,
                    "/relationships",
                    200,
                    PURPOSE,
                    personal([x for e in items for x in (e["from"], e["to"])]),
                )
            else:
                log.expect(c, "/relationships", want, PURPOSE, ())

        # Prepared queries: the list, an aggregate one (never logged) and a row listing (logged).
        r = client.get("/queries", headers=c.headers)
        if got(c, "queries", r.status_code, 200 if role.can("queries") else 403):
            assert {i["name"] for i in r.json()["items"]} == {
                q.name for q in all_queries() if role.may_run(frozenset(q.scopes), q.aggregate)
            }, role.name
        else:
            log.expect(c, "/queries", 403, None, ())
        agg = get_query(AGGREGATE_QUERY)
        assert agg.aggregate
        r = client.post(f"/queries/{AGGREGATE_QUERY}", json={}, headers=c.headers)
        want = 200 if role.can("queries") and role.may_run(frozenset(agg.scopes), True) else 403
        if got(c, f"query {AGGREGATE_QUERY}", r.status_code, want):
            assert r.json()["name"] == AGGREGATE_QUERY
        # Each prepared query has its own route; the access log names it.
        log.expect(c, f"/queries/{AGGREGATE_QUERY}", want, None, ())
        rows = get_query(ROW_QUERY)
        assert not rows.aggregate
        r = client.post(
            f"/queries/{ROW_QUERY}", json={"unit_code": sample.unit["key"], "depth": 1}, headers=c.headers
        )
        want = 200 if role.can("queries") and role.may_run(frozenset(rows.scopes), False) else 403
        if got(c, f"query {ROW_QUERY}", r.status_code, want):
            body = r.json()
            assert all(role.reads(n["type"]) for n in body["nodes"])
            listed = personal([n["id"] for n in body["nodes"]])
            assert listed, "the unit overview lists officers"
            log.reads[(c.token_id, role.name, f"/queries/{ROW_QUERY}", None, listed)] += 1
        else:
            log.expect(c, f"/queries/{ROW_QUERY}", want, None, ())

        # A view as JSON: the unit's picture, names masked per role.
        view_scopes: set[str] = set()
        for qn in get_view(VIEW).queries:
            view_scopes |= set(get_query(qn).scopes)
        r = client.get(
            f"/views/{VIEW}", params={"unit_code": sample.unit["key"], "purpose": PURPOSE}, headers=c.headers
        )
        want = 200 if role.can("views") and view_scopes <= role.scopes else 403
        if got(c, f"view {VIEW}", r.status_code, want):
            nodes = [n for n in r.json()["nodes"] if not n.get("aggregate")]
            assert all(
                role.sees({"label": n["type"], "props": n["props"], "found_by_kind": None})
                for n in nodes
                if n["type"] != "Rectification"
            )
            officers = [n for n in nodes if n["type"] == "Officer"]
            assert officers, "the unit view shows its officers"
            for n in officers:
                if alias_only(role, "Officer"):
                    assert n["key"].startswith("~") and n["props"]["name"].endswith("**")
                    assert n["key"] not in sample.officer_names
                else:
                    assert n["props"]["name"] == sample.officer_names[n["key"]]
                for f in node_spec("Officer").personal_fields & set(n["props"]):
                    assert ("*" in str(n["props"][f])) != ("officers" in role.personal), (role.name, f)
            if alias_only(
                role, "Officer"
            ):  # the record names the real ids: those a role of the same scopes saw
                seen = view_ids[role.scopes]
            else:
                seen = view_ids.setdefault(role.scopes, personal([n["id"] for n in nodes]))
            log.expect(c, "/views/{name}", 200, PURPOSE, seen)
        else:
            log.expect(c, "/views/{name}", want, PURPOSE, ())

        # The access log itself: 从严办 only.
        r = client.get("/audit", params={"limit": 1}, headers=c.headers)
        want = 200 if role.can("audit") else 403
        got(c, "audit", r.status_code, want)
        log.expect(c, "/audit", want, None, ())

    wrong = {k: v for k, v in statuses.items() if v[0] != v[1]}
    assert not wrong, f"(role, request): (got, expected) {wrong}"
    # Every role got through somewhere and was refused somewhere (the table is not trivial).
    assert all(
        any(g == 200 for (r, w), (g, _) in statuses.items() if r == role and w != "health") for role in ROLES
    )
    assert all(
        any(g == 403 for (r, _), (g, _) in statuses.items() if r == role)
        for role in ROLES
        if role != "strict_office"
    )

    # The access log: one record per personal-data read (who, role, endpoint, purpose, keys) and
    # one per refusal; nothing for reads without personal data or for aggregates.
    assert client.app.state.audit.flush()  # type: ignore[attr-defined]
    auditor = next(c for c in callers.values() if c.role.can("audit"))
    reads: Counter[tuple[str, str, str, str | None, tuple[str, ...]]] = Counter()
    denials: Counter[tuple[str, str, str, int]] = Counter()
    for c in callers.values():
        r = client.get("/audit", params={"token_id": c.token_id, "limit": 1000}, headers=auditor.headers)
        assert r.status_code == 200 and r.json()["next_cursor"] is None
        for rec in r.json()["items"]:
            assert rec["token_id"] == c.token_id and rec["role"] == c.role.name
            assert rec["name"] == f"城市矩阵-{c.role.name}"
            if rec["outcome"] == "ok":
                reads[
                    (rec["token_id"], rec["role"], rec["endpoint"], rec["purpose"], tuple(rec["entity_ids"]))
                ] += 1
            else:
                denials[(rec["token_id"], rec["endpoint"], rec["outcome"], rec["status"])] += 1
    assert reads == log.reads
    assert denials == log.denials
    assert any(k[3] == PURPOSE for k in reads), "a clue read with its purpose is logged"
