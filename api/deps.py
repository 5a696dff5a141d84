"""FastAPI dependencies shared by every router (the views router included).

Use them as annotated parameters:

* ``driver: DriverDep`` — the process's one Neo4j driver (created lazily when Neo4j was down
  at start; raises ``Neo4jUnavailable`` → 503 while it stays down).
* ``settings: SettingsDep`` — the app's ``graph.settings.Settings``.
* ``principal: Annotated[Principal, Depends(require("views"))]`` — authenticate (Bearer token or
  ``kg_session`` cookie) and check the endpoint group; 401/403 otherwise. ``CurrentPrincipal`` only
  authenticates; ``PagePrincipal`` is the same for HTML pages, None instead of 401 (→ /login).
* ``purpose: PurposeDep`` — the stated purpose (``X-Access-Purpose`` header or ``?purpose=``), or None.
* ``audit: AuditDep`` then ``audit.record(principal, request, entity_ids=[…])`` — append an
  access record for a response that returns personal data.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Annotated, Any, cast
from urllib.parse import unquote

import anyio.to_thread
import neo4j
from fastapi import Depends, Query, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from api.audit import AuditWriter, failure_record, make_record
from api.auth import STATE_KEY, AsyncVerifyingDriver, Identities, Pending, VerifyingDriver, append_record
from api.errors import BadRequest, Forbidden, Unauthorized
from api.graphread import AutoCommitReads
from api.limits import Throttle, client_address
from api.security import Principal, clean_purpose, hash_token
from api.tokens import TokenCache, resolve_session
from graph.db import SyncAutoCommitReads, connection_target
from graph.errors import Neo4jUnavailable
from graph.settings import Settings

log = logging.getLogger(__name__)

COOKIE_NAME = "kg_session"
"""The browser session cookie set by ``POST /login``: an opaque server-side session id."""


class DriverHolder:
    """Owns the drivers of the process: the sync driver for the reads run in worker threads, and
    the async driver for the reads run on the event loop (created on first use there). Each
    reconnects by itself once created."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._driver: neo4j.Driver | None = None
        self._async: neo4j.AsyncDriver | None = None
        self._lock = threading.Lock()

    def get(self) -> neo4j.Driver:
        driver = self._driver
        if driver is not None:
            return driver
        with self._lock:
            if self._driver is None:
                self._driver = self._open()
            return self._driver

    def get_async(self) -> neo4j.AsyncDriver:
        """The async driver; call it on the event loop that serves the requests."""
        if self._async is None:
            self._async = self._open(neo4j.AsyncGraphDatabase.driver)
        return self._async

    def _open(self, factory: Callable[..., Any] = neo4j.GraphDatabase.driver) -> Any:
        try:
            uri, auth = connection_target(self.settings, start=False)
            return factory(
                uri,
                auth=auth,
                connection_timeout=3.0,
                connection_acquisition_timeout=10.0,
                max_transaction_retry_time=2.0,
                max_connection_pool_size=64,
                notifications_min_severity="OFF",
            )
        except (ValueError, OSError, neo4j.exceptions.ConfigurationError) as e:
            raise Neo4jUnavailable(f"无法创建 Neo4j 连接 / cannot create the Neo4j driver: {e}") from e

    def reachable(self) -> bool:
        try:
            self.get().verify_connectivity()
            return True
        except (neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError, Neo4jUnavailable, OSError) as e:
            log.warning("Neo4j unreachable: %s", e)
            return False

    def close(self) -> None:
        with self._lock:
            if self._driver is not None:
                self._driver.close()
                self._driver = None

    async def close_async(self) -> None:
        if self._async is not None:
            driver, self._async = self._async, None
            await driver.close()


class Audit:
    """Request-side face of the access log."""

    def __init__(self, writer: AuditWriter) -> None:
        self.writer = writer

    def record(
        self,
        principal: Principal,
        request: Request,
        *,
        entity_ids: list[str],
        outcome: str = "ok",
        status: int = 200,
        params: dict[str, Any] | None = None,
    ) -> None:
        route = request.scope.get("route")
        all_params: dict[str, Any] = {**request.path_params, **request.query_params}
        if params:
            all_params.update(params)
        all_params.pop("purpose", None)
        append_record(
            request,
            make_record(
                principal,
                endpoint=getattr(route, "path", request.url.path),
                method=request.method,
                path=request.url.path,
                params=all_params,
                entity_ids=entity_ids,
                outcome=outcome,
                status=status,
                purpose=getattr(request.state, "purpose", None),
                client=client_address(request),
            ),
        )


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def route_driver(request: Request) -> neo4j.Driver:
    """The driver, wrapped so that a request on a remembered credential checks it in its first
    read, and reads run as auto-commit transactions (``graph.db.SyncAutoCommitReads``)."""
    holder: DriverHolder = request.app.state.drivers
    reads = cast(neo4j.Driver, SyncAutoCommitReads(holder.get()))
    return cast(neo4j.Driver, VerifyingDriver(reads, request))


async def get_driver(request: Request) -> neo4j.Driver:
    return route_driver(request)


async def get_async_driver(request: Request) -> neo4j.AsyncDriver:
    """The async driver, with the same check of a remembered credential in the first read."""
    holder: DriverHolder = request.app.state.drivers
    reads = AutoCommitReads(holder.get_async())
    return cast(neo4j.AsyncDriver, AsyncVerifyingDriver(cast(neo4j.AsyncDriver, reads), request))


async def get_audit(request: Request) -> Audit:
    audit: Audit = request.app.state.audit_api
    return audit


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DriverDep = Annotated[neo4j.Driver, Depends(get_driver)]
AsyncDriverDep = Annotated[neo4j.AsyncDriver, Depends(get_async_driver)]
AuditDep = Annotated[Audit, Depends(get_audit)]

_bearer = HTTPBearer(
    auto_error=False, description="`kg token create` 生成的令牌 / a token from `kg token create`"
)
_cookie = APIKeyCookie(name=COOKIE_NAME, auto_error=False, description="登录页设置的 Cookie / set by /login")


# One authentication path for every route, API and page alike: ``current_principal`` resolves a
# Bearer token or the session cookie (401 otherwise); ``authenticated_principal`` is the dependency
# (cached tokens answered on the event loop, Neo4j asked in a worker thread otherwise) and
# ``page_principal`` its form for HTML pages (None → the page redirects to /login).


def _credential(bearer: HTTPAuthorizationCredentials | None, cookie: str | None) -> tuple[str, str] | None:
    """``("token", secret)`` from the Authorization header, else ``("session", id)`` from the cookie."""
    if bearer is not None:
        return ("token", bearer.credentials) if bearer.credentials else None
    return ("session", cookie) if cookie else None


def _refusal(request: Request, kind: str, digest: str) -> Unauthorized:
    """What a dead credential costs: forgotten, logged and counted against the address."""
    identities: Identities = request.app.state.identities
    identities.forget(kind, digest)
    throttle: Throttle = request.app.state.throttle
    throttle.fail(client_address(request))
    audit: AuditWriter = request.app.state.audit
    audit.append(failure_record(request, "bad_token" if kind == "token" else "bad_session", 401))
    return Unauthorized(
        "令牌无效、已过期或已撤销 / the token is unknown, expired or revoked"
        if kind == "token"
        else "登录已失效，请重新登录 / the session has ended: log in again at /login"
    )


def current_principal(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None,
    cookie: str | None,
) -> Principal:
    """The caller behind a Bearer token or a session cookie. Unknown, revoked or expired
    credentials answer 401, are written to the access log and count against the client
    address (429 past the limit). Blocking (it may ask Neo4j): call it in a worker thread."""
    cred = _credential(bearer, cookie)
    if cred is None:
        raise Unauthorized(
            "需要登录：请提供令牌 / authentication required: send a Bearer token "
            "(Authorization: Bearer …) or log in at /login"
        )
    kind, secret = cred
    settings: Settings = request.app.state.settings
    throttle: Throttle = request.app.state.throttle
    throttle.check(client_address(request))
    holder: DriverHolder = request.app.state.drivers
    if kind == "token":
        tokens: TokenCache = request.app.state.tokens
        principal = tokens.resolve(holder.get(), settings.neo4j_database, secret, settings.kg_query_timeout)
    else:
        principal = resolve_session(holder.get(), settings.neo4j_database, secret, settings.kg_query_timeout)
    if principal is None:
        raise _refusal(request, kind, hash_token(secret))
    identities: Identities = request.app.state.identities
    identities.remember(kind, hash_token(secret), principal)
    request.state.principal = principal
    return principal


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
CookieDep = Annotated[str | None, Depends(_cookie)]


async def _authenticate(
    request: Request, bearer: HTTPAuthorizationCredentials | None, cookie: str | None, *, defer: bool
) -> Principal:
    if bearer is not None:
        tokens: TokenCache = request.app.state.tokens
        hit, principal = tokens.cached(bearer.credentials)
        if hit and principal is not None:
            request.state.principal = principal
            return principal
    cred = _credential(bearer, cookie)
    if defer and cred is not None:
        kind, digest = cred[0], hash_token(cred[1])
        identities: Identities = request.app.state.identities
        known = identities.get(kind, digest)
        if known is not None:  # checked again inside the request's first read (api.auth)
            throttle: Throttle = request.app.state.throttle
            throttle.check(client_address(request))
            request.state.principal = known
            setattr(
                request.state,
                STATE_KEY,
                Pending(kind, digest, known, on_dead=lambda: _refusal(request, kind, digest)),
            )
            return known
    result: Principal = await anyio.to_thread.run_sync(current_principal, request, bearer, cookie)
    return result


async def authenticated_principal(request: Request, bearer: BearerDep, cookie: CookieDep) -> Principal:
    """The API's authentication. A credential seen before is checked again inside the request's
    first read (one transaction, see api.auth); a new one is resolved now, in a worker thread."""
    return await _authenticate(request, bearer, cookie, defer=True)


async def page_principal(request: Request, bearer: BearerDep, cookie: CookieDep) -> Principal | None:
    """The same authentication for HTML pages: None instead of 401, so the page can send the
    browser to /login (a refused credential is still logged and throttled)."""
    try:
        return await _authenticate(request, bearer, cookie, defer=False)
    except Unauthorized:
        return None


CurrentPrincipal = Annotated[Principal, Depends(authenticated_principal)]
PagePrincipal = Annotated[Principal | None, Depends(page_principal)]


def require(group: str) -> Callable[..., Any]:
    """A dependency that authenticates and checks that the role may use endpoint ``group``."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.role.can(group):
            raise Forbidden(
                f"角色“{principal.role.title}”无权访问此接口 / role {principal.role.name} "
                f"may not use the {group} endpoints"
            )
        return principal

    check.__name__ = f"require_{group}"
    return check


def _decode_header(value: str) -> str:
    """Header values arrive as Latin-1; accept percent-encoded or raw UTF-8 Chinese."""
    if "%" in value:
        return unquote(value)
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


async def get_purpose(
    request: Request,
    purpose: Annotated[
        str | None,
        Query(
            description="调阅事由 / purpose of access, 2–200 visible characters "
            "(or the X-Access-Purpose header, percent-encoded UTF-8)"
        ),
    ] = None,
) -> str | None:
    """The stated purpose, checked by ``api.security.clean_purpose`` (400 when invalid)."""
    header = request.headers.get("x-access-purpose")
    raw = purpose if purpose is not None else (_decode_header(header) if header is not None else None)
    request.state.purpose = None
    value = clean_purpose(raw)
    request.state.purpose = value
    return value


PurposeDep = Annotated[str | None, Depends(get_purpose)]


_QUERY_NAMES: dict[int, frozenset[str]] = {}


def _query_aliases(dependant: Any) -> set[str]:
    """Query parameter names a route declares, its dependencies' included."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_aliases(sub)
    return names


async def reject_unknown_query(request: Request) -> None:
    """422 for query parameters the route does not declare (a typo such as ``?depht=2`` is not
    silently ignored)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    names = _QUERY_NAMES.get(id(route))
    if names is None:
        names = _QUERY_NAMES[id(route)] = frozenset(_query_aliases(dependant))
    unknown = sorted(set(request.query_params) - names)
    if unknown:
        raise BadRequest(
            f"未知的查询参数 / unknown query parameters: {', '.join(unknown)}; "
            f"可用 / known: {', '.join(sorted(names)) or '(无 / none)'}"
        )
