"""API tokens: ApiToken nodes keyed by ``token_id``, holding only the SHA-256 of the secret."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import neo4j

from api.security import Principal, Role, get_role, hash_token, load_roles, new_token
from graph.errors import NotFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None


def create_token(driver: neo4j.Driver, database: str, role: str, name: str,
                 unit: str | None = None) -> tuple[TokenInfo, str]:
    """Store a new token; returns its info and the secret (shown once, never stored).

    ``unit``: the unit code the holder acts for (orders assigned to it: api/order_rights.py)."""
    r = get_role(role)
    token_id, secret = new_token()
    now = dt.datetime.now(dt.UTC)
    driver.execute_query(
        "MERGE (t:ApiToken {token_id: $id}) "
        "SET t.token_hash = $hash, t.name = $name, t.role = $role, t.created_at = $now, t.unit_code = $unit",
        id=token_id, hash=hash_token(secret), name=name, role=r.name, now=now, unit=unit, database_=database)
    log.info("created token %s for %s (%s)", token_id, name, r.name)
    return TokenInfo(token_id, name, r.name, now.isoformat(timespec="seconds"), None), secret


def revoke_token(driver: neo4j.Driver, database: str, token_id: str) -> TokenInfo:
    records, _, _ = driver.execute_query(
        "MATCH (t:ApiToken {token_id: $id}) SET t.revoked_at = coalesce(t.revoked_at, $now) RETURN t",
        id=token_id, now=dt.datetime.now(dt.UTC), database_=database)
    if not records:
        raise NotFound(f"没有编号为 {token_id!r} 的令牌 / no token with id {token_id!r}")
    return _info(records[0]["t"])


def list_tokens(driver: neo4j.Driver, database: str) -> list[TokenInfo]:
    records, _, _ = driver.execute_query("MATCH (t:ApiToken) RETURN t ORDER BY t.created_at, t.token_id",
                                         database_=database)
    return [_info(r["t"]) for r in records]


def _iso(value: Any) -> str | None:
    return None if value is None else value.to_native().isoformat(timespec="seconds")


def _info(t: Any) -> TokenInfo:
    return TokenInfo(t["token_id"], t.get("name", ""), t.get("role", ""), _iso(t.get("created_at")) or "",
                     _iso(t.get("revoked_at")))


class TokenCache:
    """Resolves secrets to principals, remembering answers for ``ttl`` seconds.

    A revoked token therefore stops working within ``ttl`` seconds in a running server.
    """

    def __init__(self, ttl: float = 10.0) -> None:
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
            neo4j.Query("MATCH (t:ApiToken {token_hash: $hash}) WHERE t.revoked_at IS NULL "
                        "RETURN t.token_id AS id, t.name AS name, t.role AS role", timeout=timeout),
            hash=digest, database_=database, routing_="r")
        principal: Principal | None = None
        if records:
            role: Role | None = load_roles().get(records[0]["role"])
            if role is not None:
                principal = Principal(records[0]["id"], records[0]["name"] or "", role)
        with self._lock:
            if len(self._cache) > 10000:
                self._cache.clear()
            self._cache[digest] = (now + self.ttl, principal)
        return principal

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
