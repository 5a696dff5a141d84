"""A repeatable, bounded attack on a served API over loopback: the review's classes, counted.

``python -m bench.attack`` starts its own embedded Neo4j in a temporary folder, loads the city
sample and serves the API as a ``kg serve`` subprocess; ``python -m bench.attack --base
http://127.0.0.1:8113`` targets a running ``kg serve`` instead (its Neo4j from the usual settings,
for the tokens, which are revoked at the end). Only loopback addresses are accepted.

Classes (requests tried / failures found are printed per class; exit 1 on any failure):

* ``roles``: every role × entities of every type, neighbourhoods, search, relationships, queries,
  views, audit — a failure is a 5xx, or a 200 carrying an entity or edge of a scope the role lacks;
* ``purpose``: every route to clue or case detail without a purpose, and bad purposes (too long,
  NUL, zero-width, punctuation) — a failure is anything but 400;
* ``search``: a leader searching every prefix of officers' names and badge numbers — a failure is
  any officer in the answer;
* ``injection``: Cypher, path and markup payloads in keys, ``q``, types, cursors and query
  parameters — a failure is a 5xx, a changed node count or markup reflected unescaped;
* ``oversize``: body, headers, query string, an 8 MB purpose, 12 concurrent depth-3 expansions —
  a failure is a 5xx, an accepted oversize request or a 429 without ``Retry-After``;
* ``csrf``: cross-site POSTs, GET logout, cookie attributes, a replayed session after logout;
* ``headers``: CSP ``frame-ancestors 'none'``, nosniff, no-store, X-Frame-Options on every answer;
* ``auth``: unknown tokens until the address is throttled (429) — run last.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import logging
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import neo4j

from api.security import get_role, load_roles
from api.tokens import create_token, revoke_token
from graph.schema import NODE_SPECS, REL_SPECS
from graph.settings import Settings, get_settings

log = logging.getLogger("bench.attack")

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PURPOSE = "安全测试"
SECURITY_HEADERS = {
    "content-security-policy": "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
}
INJECTIONS = [
    "' OR 1=1 //",
    '"}) MATCH (n) DETACH DELETE n //',
    "`) DETACH DELETE n //",
    "$badge_no",
    "x\\u0027 RETURN 1",
    "../../etc/passwd",
    "%00",
    "<script>alert(1)</script>",
    "<!--",
    "]]>",
    "${7*7}",
    "{{7*7}}",
    "x' CALL db.labels() YIELD label RETURN label //",
    "\u202e",
    "A" * 300,
]
BAD_PURPOSES = ["x" * 201, "核查\x00线索", "\u200b\u200b", ".", "--", "核" * 401]
_SCOPE_OF_LABEL = {s.label: s.scope for s in NODE_SPECS}
_SCOPE_OF_REL = {s.type: s.scope for s in REL_SPECS}


class Tally:
    def __init__(self) -> None:
        self.tried: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}

    def check(self, cls: str, ok: bool, what: str) -> None:
        self.tried[cls] += 1
        if not ok:
            self.failed[cls] += 1
            self.examples.setdefault(cls, [])
            if len(self.examples[cls]) < 5:
                self.examples[cls].append(what)


def _leaks(body: Any, scopes: frozenset[str]) -> list[str]:
    """Entities or edges in an answer whose scope the role lacks."""
    out: list[str] = []
    if not isinstance(body, dict):
        return out
    items = list(body.get("nodes") or []) + list(body.get("items") or [])
    if isinstance(body.get("center"), dict):
        items.append(body["center"])
    for n in items:
        t = n.get("type", "")
        scope = _SCOPE_OF_LABEL.get(t) or _SCOPE_OF_REL.get(t)
        if scope is not None and scope not in scopes and not n.get("aggregate"):
            out.append(f"{t}:{n.get('id')}")
    for e in body.get("edges") or []:
        if _SCOPE_OF_REL.get(e.get("type", ""), "org") not in scopes:
            out.append(f"edge {e.get('type')}")
    return out


def _carries_detail(body: Any) -> bool:
    text = json.dumps(body, ensure_ascii=False)
    return '"type": "Case"' in text or '"type": "Clue"' in text or '"Case:' in text or '"Clue:' in text


def run(base: str, driver: neo4j.Driver, db: str, budget: int) -> Tally:
    t = Tally()
    tokens: dict[str, tuple[str, str]] = {}
    for name in load_roles():
        info, secret = create_token(driver, db, name, f"攻击测试-{name}")
        tokens[name] = (info.token_id, secret)
    try:
        with httpx.Client(base_url=base, timeout=60) as http:
            _attack(http, driver, db, tokens, t, budget)
    finally:
        for token_id, _ in tokens.values():
            revoke_token(driver, db, token_id)
    return t


def _keys(driver: neo4j.Driver, db: str) -> dict[str, Any]:
    one = {}
    for s in NODE_SPECS:
        rec = driver.execute_query(
            f"MATCH (n:`{s.label}`) RETURN n.`{s.key}` AS k ORDER BY k LIMIT 1", database_=db
        ).records
        if rec:
            one[s.label] = rec[0]["k"]
    officers = driver.execute_query(
        "MATCH (o:Officer) RETURN o.badge_no AS b, o.name AS n ORDER BY b LIMIT 20", database_=db
    ).records
    case = driver.execute_query(
        "MATCH (k:Case)-[:INVOLVES]->() RETURN k.case_no AS k ORDER BY k LIMIT 1", database_=db
    ).records
    return {
        "one": one,
        "officers": [(r["b"], r["n"]) for r in officers],
        "case": case[0]["k"] if case else None,
    }


def _attack(
    http: httpx.Client,
    driver: neo4j.Driver,
    db: str,
    tokens: dict[str, tuple[str, str]],
    t: Tally,
    budget: int,
) -> None:
    k = _keys(driver, db)
    h = {name: {"Authorization": f"Bearer {secret}"} for name, (_, secret) in tokens.items()}
    hp = {name: {**v, "X-Access-Purpose": quote(PURPOSE)} for name, v in h.items()}
    officer = k["officers"][0][0]
    case = k["case"]

    # -- roles ---------------------------------------------------------------------------------
    for name in tokens:
        role = get_role(name)
        reqs: list[tuple[str, str, dict[str, Any], Any]] = []
        for label, key in k["one"].items():
            reqs.append(("GET", f"/entities/{label}/{quote(str(key))}", {}, None))
            reqs.append(("GET", f"/entities/{label}/{quote(str(key))}/neighbors", {"depth": 2}, None))
        reqs += [
            ("GET", "/search", {"q": "城"}, None),
            ("GET", "/relationships", {"limit": 200}, None),
            ("GET", "/queries", {}, None),
            ("POST", "/queries/violation_statistics", {}, {}),
            ("POST", "/queries/supervision_coverage", {}, {"limit": 200}),
            ("POST", "/queries/officer_profile", {}, {"badge_no": officer}),
            ("GET", "/views/officer_ego", {"badge_no": officer}, None),
            ("GET", "/views/accountability_chain", {"case_no": case}, None),
            ("GET", "/audit", {}, None),
        ]
        for method, path, params, body in reqs:
            r = http.request(method, path, params=params, headers=hp[name], json=body)
            leaks = (
                _leaks(r.json(), role.scopes)
                if r.headers.get("content-type", "").startswith("application/json") and r.status_code == 200
                else []
            )
            t.check(
                "roles",
                r.status_code < 500 and not leaks,
                f"{name} {method} {path}: {r.status_code} {leaks[:3]}",
            )

    # -- purpose ---------------------------------------------------------------------------------
    detail = [
        ("GET", f"/entities/Case/{case}", {}, None),
        ("GET", f"/entities/Case/{case}/neighbors", {}, None),
        ("GET", f"/entities/Officer/{officer}/neighbors", {"depth": 2}, None),
        ("GET", "/views/accountability_chain", {"case_no": case}, None),
        ("GET", "/views/officer_ego", {"badge_no": officer}, None),
        ("GET", "/views/risk_cluster", {"cluster_id": "K1"}, None),
        ("GET", "/search", {"q": str(case)[:3]}, None),
        ("GET", "/relationships", {"type": "INVOLVES"}, None),
        ("POST", "/queries/accountability_chain", {}, {"case_no": case}),
        ("POST", "/queries/risk_clusters", {}, {}),
        ("POST", "/queries/closed_loop", {}, {}),
        ("POST", "/queries/path_between", {}, {"source": f"Officer:{officer}", "target": f"Case:{case}"}),
    ]
    for name in tokens:
        for method, path, params, body in detail:
            r = http.request(method, path, params=params, headers=h[name], json=body)
            leaked = r.status_code == 200 and _carries_detail(r.json())
            t.check("purpose", r.status_code != 200 or not leaked, f"{name} {path}: {r.status_code}")
            for bad in BAD_PURPOSES[:2] if name != "strict_office" else BAD_PURPOSES:
                r = http.request(method, path, params={**params, "purpose": bad}, headers=h[name], json=body)
                t.check("purpose", r.status_code in (400, 403), f"{name} {path} bad purpose: {r.status_code}")

    # -- search recovery of masked names --------------------------------------------------------
    n = 0
    for badge, full in k["officers"]:
        for q in [full[:i] for i in range(1, len(full) + 1)] + [badge[:i] for i in range(2, len(badge) + 1)]:
            if n >= budget:
                break
            n += 1
            r = http.get("/search", params={"q": q}, headers=h["leader"])
            found = [i for i in r.json().get("items", []) if i.get("type") == "Officer"]
            t.check("search", r.status_code == 200 and not found, f"leader q={q!r}: {len(found)} officers")

    # -- injection --------------------------------------------------------------------------------
    domain = "MATCH (n) WHERE NOT (n:AccessRecord OR n:ApiToken OR n:ApiSession) RETURN count(n) AS c"
    before = driver.execute_query(domain, database_=db).records[0]["c"]
    for payload in INJECTIONS:
        enc = quote(payload, safe="")
        for method, path, params, body in [
            ("GET", f"/entities/Officer/{enc}", {}, None),
            ("GET", f"/entities/Unit/{enc}/neighbors", {}, None),
            ("GET", "/search", {"q": payload[:100]}, None),
            ("GET", "/search", {"q": "x", "types": payload}, None),
            ("GET", "/relationships", {"cursor": payload}, None),
            ("GET", "/relationships", {"from": f"Officer:{payload}"}, None),
            ("POST", "/queries/officer_profile", {}, {"badge_no": payload[:32]}),
            ("POST", "/queries/path_between", {}, {"source": f"Officer:{payload[:100]}", "target": "Unit:x"}),
            ("GET", "/views/officer_ego.html", {"badge_no": payload}, None),
            ("GET", "/audit", {"entity": payload}, None),
        ]:
            r = http.request(method, path, params=params, headers=hp["strict_office"], json=body)
            reflected = "<script>alert(1)</script>" in r.text and r.headers.get(
                "content-type", ""
            ).startswith("text/html")
            t.check(
                "injection",
                r.status_code < 500 and not reflected,
                f"{path} {payload[:20]!r}: {r.status_code}",
            )
    after = driver.execute_query(domain, database_=db).records[0]["c"]
    t.check("injection", after == before, f"domain node count changed: {before} → {after}")

    # -- oversize ---------------------------------------------------------------------------------
    s = hp["strict_office"]
    checks = [
        (
            http.post(
                "/queries/closed_loop",
                content=b"[" + b"1," * 600_000 + b"1]",
                headers={**s, "Content-Type": "application/json"},
            ),
            {413},
        ),
        (http.get("/search", params={"q": "城", "pad": "a" * 10_000}, headers=s), {414}),
        (http.get("/search", params={"q": "城"}, headers={**s, "X-Pad": "a" * 32_000}), {431}),
        (
            http.get(
                f"/entities/Case/{case}", headers={**h["strict_office"], "X-Access-Purpose": "a" * 8_000_000}
            ),
            {431},
        ),
        (http.post("/login", data={"token": "x" * 300}), {422}),
    ]
    for r, want in checks:
        t.check("oversize", r.status_code in want, f"{r.request.url.path}: {r.status_code} not in {want}")

    def deep(i: int) -> httpx.Response:
        return http.get(
            f"/entities/Officer/{k['officers'][i % len(k['officers'])][0]}/neighbors",
            params={"depth": 3, "limit": 2000},
            headers=s,
        )

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        for r in pool.map(deep, range(12)):
            ok = r.status_code == 200 or (r.status_code == 429 and r.headers.get("retry-after"))
            t.check("oversize", bool(ok), f"depth 3: {r.status_code}")

    # -- csrf -------------------------------------------------------------------------------------
    secret = tokens["discipline"][1]
    evil = {"Origin": "https://evil.example"}
    t.check(
        "csrf",
        http.post("/login", data={"token": secret}, headers=evil).status_code == 403,
        "cross-site login",
    )
    t.check("csrf", http.post("/logout", headers={"Origin": "null"}).status_code == 403, "null-origin logout")
    t.check(
        "csrf",
        http.post("/queries/closed_loop", json={}, headers={**s, **evil}).status_code == 403,
        "cross-site query",
    )
    t.check("csrf", http.get("/logout").status_code == 405, "GET /logout")
    r = http.post("/login", data={"token": secret}, follow_redirects=False)
    cookie = r.headers.get("set-cookie", "")
    sid = r.cookies.get("kg_session") or ""
    t.check(
        "csrf", r.status_code == 303 and bool(sid) and secret not in cookie, "session id is not the token"
    )
    t.check(
        "csrf", "httponly" in cookie.lower() and "samesite=strict" in cookie.lower(), f"cookie: {cookie[:80]}"
    )
    jar = {"kg_session": sid}
    t.check(
        "csrf",
        http.get("/entities/Unit/" + quote(str(k["one"]["Unit"])), cookies=jar).status_code == 200,
        "session works",
    )
    http.post("/logout", cookies=jar)
    t.check(
        "csrf",
        http.get("/entities/Unit/" + quote(str(k["one"]["Unit"])), cookies=jar).status_code == 401,
        "replayed session after logout",
    )

    # -- headers ----------------------------------------------------------------------------------
    for path in (
        "/health",
        "/login",
        "/",
        "/docs",
        "/nowhere",
        f"/entities/Officer/{officer}",
        "/queries",
        "/views",
        "/views/ecosystem_map.html",
    ):
        r = http.get(path, headers=h["strict_office"], follow_redirects=False)
        missing = [k2 for k2, v in SECURITY_HEADERS.items() if r.headers.get(k2) != v]
        t.check("headers", not missing, f"{path}: missing {missing}")

    # -- auth (last: it throttles this address) ------------------------------------------------------
    statuses: list[int] = []
    for i in range(12):
        r = http.get("/queries", headers={"Authorization": f"Bearer kg_guess{i}"})
        statuses.append(r.status_code)
        if r.status_code == 429:
            t.check("auth", bool(r.headers.get("retry-after")), "429 without Retry-After")
    # Earlier classes already spent some failures (a replayed session): the limit (10 a minute) is
    # reached within the first 11 attempts, and from then on every attempt waits.
    first = statuses.index(429) if 429 in statuses else len(statuses)
    t.check(
        "auth",
        first <= 10 and set(statuses[:first]) <= {401} and set(statuses[first:]) == {429},
        f"bad tokens: {statuses}",
    )
    t.tried["auth"] += len(statuses) - 1  # each request counts once


@contextmanager
def own_api() -> Iterator[tuple[str, neo4j.Driver, str]]:
    """An embedded Neo4j with the city sample and the API, in a temporary folder."""
    from api.serving import served_process
    from graph.constraints import apply_schema
    from graph.server import EmbeddedServer
    from graph.testing import free_port
    from ingest.job import run_ingest
    from ingest.sample import generate

    tmp = Path(tempfile.mkdtemp(prefix="kg-attack-"))
    server = EmbeddedServer(
        tmp / "var" / "neo4j", free_port(), heap="512m", pagecache="128m", watch_parent=True
    )
    try:
        server.start()
        user, password = server.auth()
        driver = neo4j.GraphDatabase.driver(
            server.uri, auth=(user, password), notifications_min_severity="OFF"
        )
        apply_schema(driver, "neo4j")
        log.info("loading the city sample")
        generate(tmp / "sample", scale="city")
        run_ingest(driver, "neo4j", tmp / "sample")
        settings = Settings(neo4j_uri=server.uri, neo4j_user=user, neo4j_password=password)
        with served_process(settings, var_dir=tmp / "var") as base:
            yield base, driver, "neo4j"
        driver.close()
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--base", help="a running API on loopback, e.g. http://127.0.0.1:8113 (default: start one)"
    )
    ap.add_argument("--budget", type=int, default=400, help="most search-recovery requests (default 400)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.base:
        host = urlsplit(args.base).hostname or ""
        if host not in LOOPBACK:
            print(f"只攻击本机地址 / loopback only: {host!r} refused", file=sys.stderr)
            return 2
        settings: Settings = get_settings()
        from graph.db import session_driver

        with session_driver(settings) as driver:
            tally = run(args.base.rstrip("/"), driver, settings.neo4j_database, args.budget)
    else:
        with own_api() as (base, driver, db):
            tally = run(base, driver, db, args.budget)
    print(f"{'class':<10} {'requests':>9} {'failures':>9}")
    for cls in ("roles", "purpose", "search", "injection", "oversize", "csrf", "headers", "auth"):
        print(f"{cls:<10} {tally.tried[cls]:>9} {tally.failed[cls]:>9}")
        for ex in tally.examples.get(cls, []):
            print(f"    {ex}")
    print(f"{'total':<10} {sum(tally.tried.values()):>9} {sum(tally.failed.values()):>9}")
    return 1 if sum(tally.failed.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
