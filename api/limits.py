"""Limits that keep one client from exhausting the API, and the headers every answer carries.

* ``LimitsMiddleware`` (pure ASGI): request bodies up to ``MAX_BODY`` (413), the request line's
  query string up to ``MAX_QUERY`` bytes and ``MAX_PARAMS`` parameters (414), all headers together
  up to ``MAX_HEADERS`` bytes (431), unsafe methods (POST …) from another origin (403: a browser
  always sends ``Origin`` on a cross-site POST); and on every answer the security headers (no
  framing, no MIME sniffing, no caching, no referrer).
* ``expensive(request, flag)``: a bounded number of expensive reads at a time (neighbourhoods of
  depth ≥ 2, whole-graph queries and views); the next one gets 429 with ``Retry-After``.
* ``Throttle``: failed logins and unknown tokens per client address; past the limit, 429.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request

from api.errors import TooMany

MAX_BODY = 1024 * 1024
MAX_QUERY = 8 * 1024
MAX_PARAMS = 100
MAX_HEADERS = 16 * 1024
EXPENSIVE_CONCURRENCY = 4
RETRY_AFTER = 2

SECURITY_HEADERS = [
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


def _error(status: int, code: str, message: str) -> tuple[int, bytes]:
    import orjson

    return status, orjson.dumps({"error": code, "message": message, "detail": None})


class LimitsMiddleware:
    """Refuses oversize requests before they reach a route; adds the security headers."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._check(scope)
        if refusal is not None:
            await self._send(send, *refusal)
            return

        # The body is read here, at most MAX_BODY bytes (Content-Length may be absent: chunked),
        # and handed on in one piece.
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = bool(message.get("more_body", False))
            if len(body) > MAX_BODY:
                await self._send(send, *_too_large())
                return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return dict(await receive())

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in names
                ]
            await send(message)

        await self.app(scope, replay, send_with_headers)

    @staticmethod
    def _check(scope: dict[str, Any]) -> tuple[int, bytes] | None:
        headers = scope.get("headers", [])
        if sum(len(k) + len(v) + 4 for k, v in headers) > MAX_HEADERS:
            return _error(
                431,
                "headers_too_large",
                f"请求头过大（上限 {MAX_HEADERS // 1024} KB）/ request headers "
                f"larger than {MAX_HEADERS // 1024} KB",
            )
        qs: bytes = scope.get("query_string", b"")
        if len(qs) > MAX_QUERY or qs.count(b"&") + 1 > MAX_PARAMS:
            return _error(
                414,
                "query_too_long",
                f"查询参数过多或过长（上限 {MAX_PARAMS} 个、{MAX_QUERY // 1024} KB）"
                f" / more than {MAX_PARAMS} query parameters or "
                f"{MAX_QUERY // 1024} KB of them",
            )
        if scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
            origin = next((v for k, v in headers if k == b"origin"), None)
            host = next((v for k, v in headers if k == b"host"), b"")
            if origin is not None and urlsplit(origin.decode("latin-1")).netloc.encode("latin-1") != host:
                return _error(
                    403,
                    "cross_origin",
                    "拒绝跨站请求 / cross-site request refused (Origin does not match this server)",
                )
        for k, v in headers:
            if k == b"content-length":
                try:
                    if int(v) > MAX_BODY:
                        return _too_large()
                except ValueError:
                    return _error(400, "bad_request", "Content-Length 无效 / invalid Content-Length")
        return None

    @staticmethod
    async def _send(send: Any, status: int, body: bytes) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                    *SECURITY_HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _too_large() -> tuple[int, bytes]:
    return _error(
        413,
        "body_too_large",
        f"请求体过大（上限 {MAX_BODY // 1024 // 1024} MB）/ request body larger "
        f"than {MAX_BODY // 1024 // 1024} MB",
    )


class Gate:
    """At most ``size`` expensive reads at a time; no queue (a queue would only hold memory)."""

    def __init__(self, size: int = EXPENSIVE_CONCURRENCY) -> None:
        self.size = size
        self._sem = threading.BoundedSemaphore(size)

    @contextmanager
    def hold(self) -> Iterator[None]:
        if not self._sem.acquire(blocking=False):
            raise TooMany(
                f"同时进行的大范围查询已达上限（{self.size} 个），请稍后重试 / {self.size} expensive reads "
                f"are already running; retry in {RETRY_AFTER} s",
                RETRY_AFTER,
            )
        try:
            yield
        finally:
            self._sem.release()


@contextmanager
def expensive(request: Request, flag: bool = True) -> Iterator[None]:
    """Hold a place among the expensive reads while the block runs (when ``flag``)."""
    gate: Gate | None = getattr(request.app.state, "gate", None)
    if not flag or gate is None:
        yield
        return
    with gate.hold():
        yield


FAILURE_LIMIT = 10
"""Failed credentials per client address and minute, for the whole server."""


def worker_share(total: int, workers: int) -> int:
    """A worker process's part of a limit meant for the whole server (``kg serve --workers N``):
    with each worker holding this many, the server as a whole never exceeds ``total``.

    >>> worker_share(10, 1), worker_share(10, 2), worker_share(4, 3), worker_share(4, 8)
    (10, 5, 1, 1)
    """
    return max(1, total // max(1, workers))


class Throttle:
    """Failures per client address in a sliding window; past ``limit`` the address waits."""

    def __init__(self, limit: int = FAILURE_LIMIT, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._lock = threading.Lock()
        self._fails: dict[str, deque[float]] = {}

    def _prune(self, q: deque[float], now: float) -> None:
        while q and q[0] <= now - self.window:
            q.popleft()

    def check(self, address: str) -> None:
        """429 while ``address`` is over the limit."""
        now = time.monotonic()
        with self._lock:
            q = self._fails.get(address)
            if q is None:
                return
            self._prune(q, now)
            if len(q) >= self.limit:
                wait = max(1, int(q[0] + self.window - now) + 1)
                raise TooMany(
                    f"失败次数过多，请 {wait} 秒后重试 / too many failed attempts from this address; "
                    f"retry in {wait} s",
                    wait,
                )

    def fail(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._fails) > 100_000:
                self._fails.clear()
            q = self._fails.setdefault(address, deque())
            self._prune(q, now)
            q.append(now)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
