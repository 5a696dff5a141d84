"""Checking a known credential inside the request's first read (one transaction instead of two).

A token or session is checked against Neo4j on every request, so a revocation takes effect on the
next one (api/tokens.py). Who a credential belongs to (token id, name, role) never changes, so
once a credential has been resolved its principal is remembered (``Identities``); from then on the
request runs with that principal and the liveness check travels inside the request's first read,
as one guarded statement (``api.tokens.guarded_read``): on the event loop (``AsyncVerifyingDriver``)
always, on the sync routes (``VerifyingDriver``) once the read's columns are known (``ReadColumns``),
else in the same transaction as the read. Nothing leaves unverified:

* a dead credential found there answers 401, is logged and throttled, exactly as at the door;
* a request that read nothing is checked on its own before its answer starts (``VerifyGate``),
  so a dead credential gets 401, never a 403, 404 or 400 meant for a live one;
* access records of the request wait in the request until it is verified (``append_record``);
  they are written as soon as it is, and dropped only when the credential turned out dead (the
  request then returned nothing but the 401 and its own failure record).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import anyio.to_thread
import neo4j
from neo4j.exceptions import CypherSyntaxError, DriverError, Neo4jError
from starlette.requests import Request

from api.errors import Unauthorized, error_response
from api.security import Principal
from api.tokens import GUARD_PARAM, LIVE_SESSION_CYPHER, LIVE_TOKEN_CYPHER, guarded_read
from graph.errors import Neo4jUnavailable

log = logging.getLogger(__name__)

__all__ = [
    "AsyncVerifyingDriver",
    "Identities",
    "Pending",
    "VerifyGate",
    "VerifyingDriver",
    "append_record",
    "pending",
]

STATE_KEY = "kg_pending"
UNAVAILABLE = "图数据库暂时不可用，请稍后重试 / Neo4j is unavailable, retry later"


class Identities:
    """Principal of each credential hash seen live (bounded; forgotten when found dead)."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._known: dict[tuple[str, str], Principal] = {}

    def get(self, kind: str, digest: str) -> Principal | None:
        return self._known.get((kind, digest))

    def remember(self, kind: str, digest: str, principal: Principal) -> None:
        with self._lock:
            if len(self._known) >= self.size:
                self._known.clear()
            self._known[(kind, digest)] = principal

    def forget(self, kind: str, digest: str) -> None:
        with self._lock:
            self._known.pop((kind, digest), None)


@dataclass
class Pending:
    """A request running on a remembered principal whose credential is not yet re-checked."""

    kind: str  # "token" or "session"
    digest: str
    principal: Principal
    on_dead: Callable[[], Unauthorized]
    """Called once when the credential is found dead: logs, throttles, forgets; returns the 401."""
    state: str = "unverified"  # → "live" | "dead"
    records: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    error: Unauthorized | None = None

    @property
    def cypher(self) -> str:
        return LIVE_TOKEN_CYPHER if self.kind == "token" else LIVE_SESSION_CYPHER

    def settle(self, live: bool) -> None:
        """Record the check's answer; raise the 401 when the credential is dead."""
        with self.lock:
            if self.state == "unverified":
                self.state = "live" if live else "dead"
                if not live:
                    self.records.clear()
                    self.error = self.on_dead()
        self.raise_if_dead()

    def raise_if_dead(self) -> None:
        if self.state == "dead":
            assert self.error is not None
            raise self.error

    def check(self, driver: neo4j.Driver, database: str, timeout: float) -> None:
        """The check on its own (a request that read nothing through ``VerifyingDriver``)."""
        if self.state != "unverified":
            self.raise_if_dead()
            return
        records, _, _ = driver.execute_query(*self.check_query(timeout), database_=database, routing_="r")
        self.settle(bool(records))

    def check_query(self, timeout: float) -> tuple[neo4j.Query, dict[str, Any]]:
        """The liveness check alone: its query and parameters (either driver runs it)."""
        return neo4j.Query(self.cypher, timeout=timeout), {"hash": self.digest}  # type: ignore[arg-type]


def pending(request: Request) -> Pending | None:
    value = request.scope.get("state", {}).get(STATE_KEY)
    return cast(Pending | None, value)


def append_record(request: Request, record: dict[str, Any]) -> None:
    """Append an access record for this request: at once when its caller is verified, else kept
    with the request until it is (``VerifyGate`` writes or drops them)."""
    p = pending(request)
    if p is not None:
        with p.lock:
            if p.state == "unverified":
                p.records.append(record)
                return
            if p.state == "dead":
                return
    request.app.state.audit.append(record)


def _flush(request: Request, p: Pending) -> None:
    with p.lock:
        records, p.records = p.records, []
    for r in records:
        request.app.state.audit.append(r)


_PASSTHROUGH = frozenset({"parameters_", "routing_", "database_"})


@dataclass(frozen=True)
class _CheckedCall:
    """An ``execute_query`` call taken apart, to run it together with the credential check (in
    one transaction, or as one guarded statement); None from ``of`` when it uses options this
    cannot carry over (the check then runs first, on its own)."""

    text: str
    params: dict[str, Any]
    timeout: float | None
    metadata: dict[str, Any] | None
    database: str | None
    read: bool

    @classmethod
    def of(cls, query: Any, parameters: dict[str, Any] | None, kwargs: dict[str, Any]) -> _CheckedCall | None:
        config = {k: v for k, v in kwargs.items() if k.endswith("_")}
        if set(config) - _PASSTHROUGH:
            return None
        is_query = isinstance(query, neo4j.Query)
        return cls(
            text=query.text if is_query else query,
            params={**(parameters or {}), **{k: v for k, v in kwargs.items() if not k.endswith("_")}},
            timeout=query.timeout if is_query else None,
            metadata=query.metadata if is_query else None,
            database=config.get("database_"),
            read=config.get("routing_", neo4j.RoutingControl.WRITE) in ("r", neo4j.RoutingControl.READ),
        )


class ReadColumns:
    """The columns of each read's answer, in their order, learned from an earlier answer to the
    same text (a Cypher text's columns never change). With them a guarded read returns exactly
    the columns the read itself would (``guarded_read``); a text whose answer has columns that
    are not plain names (``RETURN count(*)``), or that cannot run as a subquery, is marked and
    keeps the two-statement transaction."""

    UNGUARDABLE: tuple[str, ...] = ()
    _NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._known: dict[str, tuple[str, ...]] = {}

    def get(self, text: str) -> tuple[str, ...] | None:
        return self._known.get(text)

    def learn(self, text: str, keys: list[str]) -> None:
        if text in self._known:
            return
        if len(self._known) >= self.size:
            self._known.clear()
        plain = all(self._NAME.fullmatch(k) for k in keys)
        self._known[text] = tuple(keys) if plain else self.UNGUARDABLE

    def refuse(self, text: str) -> None:
        self._known[text] = self.UNGUARDABLE


READ_COLUMNS = ReadColumns()


class VerifyingDriver:
    """The driver every route gets (``api.deps.DriverDep``). For a pending request its first
    ``execute_query`` carries the credential check: a read whose columns are known
    (``READ_COLUMNS``) as one guarded statement (one round trip), any other call together with
    the check in one managed transaction; any other use checks first; otherwise it is the driver
    itself."""

    def __init__(self, driver: neo4j.Driver, request: Request) -> None:
        self._driver = driver
        self._request = request

    def _unverified(self) -> Pending | None:
        p = pending(self._request)
        if p is None or p.state == "live":
            return None
        p.raise_if_dead()
        return p

    def _check(self, p: Pending) -> None:
        _check_request(self._request, p)

    def execute_query(self, query: Any, parameters_: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        p = self._unverified()
        if p is None:
            return self._driver.execute_query(query, parameters_, **kwargs)
        call = _CheckedCall.of(query, parameters_, kwargs)
        if call is None:
            self._check(p)
            return self._driver.execute_query(query, parameters_, **kwargs)
        columns = READ_COLUMNS.get(call.text) if call.read else None
        if columns:
            result = self._guarded(p, call, columns)
            if result is not None:
                return result

        @neo4j.unit_of_work(timeout=call.timeout, metadata=call.metadata)
        def work(tx: neo4j.ManagedTransaction) -> neo4j.EagerResult | None:
            if not tx.run(p.cypher, hash=p.digest).single():
                return None
            return tx.run(call.text, call.params).to_eager_result()

        with self._driver.session(
            database=call.database, bookmark_manager=self._driver.execute_query_bookmark_manager
        ) as session:
            result = session.execute_read(work) if call.read else session.execute_write(work)
        p.settle(result is not None)
        assert result is not None
        READ_COLUMNS.learn(call.text, result.keys)
        return result

    def _guarded(self, p: Pending, call: _CheckedCall, columns: tuple[str, ...]) -> Any:
        """The read and the check as one statement; None when the text cannot run that way."""
        guarded = neo4j.Query(
            guarded_read(p.cypher, call.text, columns),  # type: ignore[arg-type]
            timeout=call.timeout,
            metadata=call.metadata,
        )
        try:
            result = self._driver.execute_query(
                guarded, {**call.params, GUARD_PARAM: p.digest}, database_=call.database, routing_="r"
            )
        except CypherSyntaxError:
            READ_COLUMNS.refuse(call.text)
            return None
        if result.records:
            p.settle(True)
        else:  # a dead credential, or nothing found: the check alone tells
            self._check(p)
        return result

    def __getattr__(self, name: str) -> Any:
        p = self._unverified()
        if p is not None:
            self._check(p)
        return getattr(self._driver, name)


class VerifyGate:
    """Pure ASGI: before a pending request's answer starts, make sure its credential was checked
    (a dead one turns the answer into the 401); then write the request's access records."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def gated(message: dict[str, Any]) -> None:
            nonlocal replaced
            if replaced:
                return
            p = scope.get("state", {}).get(STATE_KEY)
            if p is not None and message["type"] == "http.response.start":
                request = Request(scope)
                try:
                    if p.state == "unverified":
                        await anyio.to_thread.run_sync(_check_request, request, p)
                    p.raise_if_dead()
                except Unauthorized as e:
                    if message["status"] != 401:
                        replaced = True
                        await _send_error(send, 401, "unauthorized", str(e))
                    else:
                        await send(message)
                    return
                except (DriverError, Neo4jError, Neo4jUnavailable, OSError):
                    replaced = True
                    await _send_error(send, 503, "neo4j_unavailable", UNAVAILABLE)
                    return
                _flush(request, p)
            await send(message)

        try:
            await self.app(scope, receive, gated)
        finally:
            p = scope.get("state", {}).get(STATE_KEY)
            if p is not None and p.records:  # records kept although no answer started
                request = Request(scope)
                try:
                    await anyio.to_thread.run_sync(_check_request, request, p)
                except (Unauthorized, DriverError, Neo4jError, Neo4jUnavailable, OSError) as e:
                    log.error("access records of an unanswered request not written: %s", e)
                else:
                    _flush(request, p)


def _check_request(request: Request, p: Pending) -> None:
    settings = request.app.state.settings
    p.check(request.app.state.drivers.get(), settings.neo4j_database, settings.kg_query_timeout)


async def _send_error(send: Any, status: int, code: str, message: str) -> None:
    """The error answer the exception handlers give (the outer middleware adds the security headers)."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    response = error_response(status, code, message, headers=headers)
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


class AsyncVerifyingDriver:
    """``VerifyingDriver`` for the async driver, used by the routes that read on the event loop.
    The first read of a pending request is sent as one guarded statement (``api.tokens.
    guarded_read``: the credential check, then the read), so the check costs no round trip of
    its own; only an empty answer asks the check alone. Anything else checks first."""

    def __init__(self, driver: neo4j.AsyncDriver, request: Request) -> None:
        self._driver = driver
        self._request = request

    async def execute_query(
        self, query: Any, parameters_: dict[str, Any] | None = None, **kwargs: Any
    ) -> Any:
        p = pending(self._request)
        if p is None or p.state == "live":
            return await self._driver.execute_query(query, parameters_, **kwargs)
        p.raise_if_dead()
        call = _CheckedCall.of(query, parameters_, kwargs)
        if call is None or not call.read:
            await self._check(p, call.database if call else kwargs.get("database_"))
            return await self._driver.execute_query(query, parameters_, **kwargs)
        guarded = neo4j.Query(
            guarded_read(p.cypher, call.text),  # type: ignore[arg-type]
            timeout=call.timeout,
            metadata=call.metadata,
        )
        result = await self._driver.execute_query(
            guarded, {**call.params, GUARD_PARAM: p.digest}, database_=call.database, routing_="r"
        )
        if result.records:
            p.settle(True)
        else:
            await self._check(p, call.database)
        return result

    async def _check(self, p: Pending, database: str | None) -> None:
        """The check on its own, with this driver."""
        if p.state == "unverified":
            settings = self._request.app.state.settings
            records, _, _ = await self._driver.execute_query(
                *p.check_query(settings.kg_query_timeout),
                database_=database or settings.neo4j_database,
                routing_="r",
            )
            p.settle(bool(records))
        p.raise_if_dead()
