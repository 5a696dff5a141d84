"""API tokens and browser sessions.

Tokens: ApiToken nodes keyed by ``token_id``, holding only the SHA-256 of the secret, an optional
``expires_at`` and ``revoked_at``. Sessions: ApiSession nodes keyed by the SHA-256 of an opaque
session id (the ``kg_session`` cookie), tied to the token that logged in, expiring, revoked at
logout and dead as soon as their token is revoked or expires. Both are checked against Neo4j on
every request, so a revocation takes effect on the next request.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import neo4j

from api.security import Principal, Role, get_role, hash_token, load_roles, new_token
from graph.db import read
from graph.errors import KgError, NotFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None
    expires_at: str | None = None


_DURATION = re.compile(r"^\s*(\d{1,5})\s*([dhm]|天|小时|分钟)\s*$")


def parse_expiry(text: str) -> dt.timedelta:
    """``90d``, ``12h``, ``30m`` (or 90天, 12小时, 30分钟) → a timedelta; a bad value → KgError.

    >>> parse_expiry("90d").days, parse_expiry("12h").seconds
    (90, 43200)
    """
    m = _DURATION.match(text or "")
    if not m or int(m.group(1)) == 0:
        raise KgError(
            f"有效期格式应为 90d、12h 或 30m / --expires must look like 90d, 12h or 30m; got {text!r}"
        )
    n, unit = int(m.group(1)), m.group(2)
    if unit in ("d", "天"):
        return dt.timedelta(days=n)
    if unit in ("h", "小时"):
        return dt.timedelta(hours=n)
    return dt.timedelta(minutes=n)


def create_token(
    driver: neo4j.Driver,
    database: str,
    role: str,
    name: str,
    unit: str | None = None,
    expires: dt.timedelta | None = None,
) -> tuple[TokenInfo, str]:
    """Store a new token; returns its info and the secret (shown once, never stored).

    ``unit``: the unit code the holder acts for (orders assigned to it: api/order_rights.py);
    ``expires``: the token's lifetime (none by default)."""
    r = get_role(role)
    token_id, secret = new_token()
    now = dt.datetime.now(dt.UTC)
    until = now + expires if expires is not None else None
    driver.execute_query(
        "MERGE (t:ApiToken {token_id: $id}) "
        "SET t.token_hash = $hash, t.name = $name, t.role = $role, t.created_at = $now, t.unit_code = $unit, "
        "t.expires_at = $until",
        id=token_id,
        hash=hash_token(secret),
        name=name,
        role=r.name,
        now=now,
        unit=unit,
        until=until,
        database_=database,
    )
    log.info("created token %s for %s (%s)", token_id, name, r.name)
    return TokenInfo(
        token_id,
        name,
        r.name,
        now.isoformat(timespec="seconds"),
        None,
        until.isoformat(timespec="seconds") if until else None,
    ), secret


def revoke_token(driver: neo4j.Driver, database: str, token_id: str) -> TokenInfo:
    """Revoke a token and every session it opened; the next request with either fails."""
    records, _, _ = driver.execute_query(
        "MATCH (t:ApiToken {token_id: $id}) SET t.revoked_at = coalesce(t.revoked_at, $now) "
        "WITH t OPTIONAL CALL (t) { MATCH (s:ApiSession {token_id: t.token_id}) "
        "SET s.revoked_at = coalesce(s.revoked_at, $now) RETURN count(s) AS n } RETURN t",
        id=token_id,
        now=dt.datetime.now(dt.UTC),
        database_=database,
    )
    if not records:
        raise NotFound(f"没有编号为 {token_id!r} 的令牌 / no token with id {token_id!r}")
    return _info(records[0]["t"])


SESSION_HOURS = 12
_LIVE_TOKEN = "t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > datetime())"
_PRINCIPAL = "RETURN t.token_id AS id, t.name AS name, t.role AS role"
LIVE_TOKEN_CYPHER = f"MATCH (t:ApiToken {{token_hash: $hash}}) WHERE {_LIVE_TOKEN} {_PRINCIPAL}"
"""The token whose secret hashes to ``$hash``, if it is live (not revoked, not expired)."""
LIVE_SESSION_CYPHER = (
    "MATCH (s:ApiSession {session_hash: $hash}) WHERE s.revoked_at IS NULL AND s.expires_at > datetime() "
    f"MATCH (t:ApiToken {{token_id: s.token_id}}) WHERE {_LIVE_TOKEN} {_PRINCIPAL}"
)
"""The token behind the live session whose id hashes to ``$hash``, if the token is live too."""

GUARD_PARAM = "__kg_hash"
"""The parameter that carries the credential's hash in a guarded read (``guarded_read``)."""


@lru_cache(maxsize=512)
def guarded_read(live_cypher: str, text: str, columns: tuple[str, ...] | None = None) -> str:
    """``text`` as one statement that returns its rows only while the credential is live: the
    liveness check (``LIVE_TOKEN_CYPHER`` or ``LIVE_SESSION_CYPHER``, on ``$__kg_hash``) first,
    then ``text`` as a subquery. With ``columns`` (the text's own, in its order) the answer has
    exactly those; without, they come back by name in alphabetical order, plus ``__kg_live``. No
    row means a dead credential or an empty answer: ask the check alone to tell them apart. Built
    once per read shape (a request's first read runs it, so it stays off the hot path)."""
    check = live_cypher.replace("$hash", "$" + GUARD_PARAM)
    ret = ", ".join(f"`{c}`" for c in columns) if columns is not None else "*"
    return (
        f"CALL () {{ {check} }} WITH count(*) AS __kg_live WHERE __kg_live > 0 "
        f"CALL () {{ {text} }} RETURN {ret}"
    )


def create_session(
    driver: neo4j.Driver, database: str, token_id: str, hours: float = SESSION_HOURS
) -> tuple[str, dt.datetime]:
    """A new opaque session id for a logged-in token; only its hash is stored."""
    sid = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    until = now + dt.timedelta(hours=hours)
    driver.execute_query(
        "CREATE (s:ApiSession {session_hash: $hash, token_id: $tid, created_at: $now, expires_at: $until})",
        hash=hash_token(sid),
        tid=token_id,
        now=now,
        until=until,
        database_=database,
    )
    return sid, until


def end_session(driver: neo4j.Driver, database: str, sid: str) -> bool:
    records, _, _ = driver.execute_query(
        "MATCH (s:ApiSession {session_hash: $hash}) SET s.revoked_at = coalesce(s.revoked_at, $now) RETURN s",
        hash=hash_token(sid),
        now=dt.datetime.now(dt.UTC),
        database_=database,
    )
    return bool(records)


def resolve_session(driver: neo4j.Driver, database: str, sid: str, timeout: float) -> Principal | None:
    """The principal of a live session of a live token, or None."""
    records, _, _ = driver.execute_query(
        neo4j.Query(LIVE_SESSION_CYPHER, timeout=timeout),  # type: ignore[arg-type]
        hash=hash_token(sid),
        database_=database,
        routing_="r",
    )
    return _principal(records)


def _principal(records: list[Any]) -> Principal | None:
    if not records:
        return None
    role: Role | None = load_roles().get(records[0]["role"])
    if role is None:
        return None
    return Principal(records[0]["id"], records[0]["name"] or "", role)


def list_tokens(driver: neo4j.Driver, database: str) -> list[TokenInfo]:
    records = read(driver, database, "MATCH (t:ApiToken) RETURN t ORDER BY t.created_at, t.token_id")
    return [_info(r["t"]) for r in records]


def _iso(value: Any) -> str | None:
    return None if value is None else value.to_native().isoformat(timespec="seconds")


def _info(t: Any) -> TokenInfo:
    return TokenInfo(
        t["token_id"],
        t.get("name", ""),
        t.get("role", ""),
        _iso(t.get("created_at")) or "",
        _iso(t.get("revoked_at")),
        _iso(t.get("expires_at")),
    )


class TokenCache:
    """Resolves secrets to principals, remembering answers for ``ttl`` seconds.

    The API uses ``ttl=0`` (every request asks Neo4j, so a revoked or expired token fails on the
    next request); a positive ``ttl`` trades that for fewer round trips.
    """

    def __init__(self, ttl: float = 0.0) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    def cached(self, secret: str) -> tuple[bool, Principal | None]:
        """``(True, answer)`` when the answer for ``secret`` is still cached; no I/O."""
        digest = hash_token(secret)
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and hit[0] > time.monotonic():
            return True, hit[1]
        return False, None

    def resolve(self, driver: neo4j.Driver, database: str, secret: str, timeout: float) -> Principal | None:
        digest = hash_token(secret)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
            if hit is not None and hit[0] > now:
                return hit[1]
        records, _, _ = driver.execute_query(
            neo4j.Query(LIVE_TOKEN_CYPHER, timeout=timeout),  # type: ignore[arg-type]
            hash=digest,
            database_=database,
            routing_="r",
        )
        principal = _principal(records)
        if self.ttl <= 0:
            return principal
        with self._lock:
            if len(self._cache) > 10000:
                self._cache.clear()
            self._cache[digest] = (now + self.ttl, principal)
        return principal

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
