"""The access log: AccessRecord nodes, appended by a background writer, read by 从严办.

Records are queued by the request and written in batches (one UNWIND per batch) by one thread,
so the log costs a request almost nothing. The queue is flushed at shutdown; when Neo4j is down
the records wait in memory and are written when it returns. No API route updates or deletes
AccessRecord nodes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import queue
import threading
import uuid
from typing import Any

import neo4j
from neo4j.exceptions import DriverError, Neo4jError

from api.cursor import encode_cursor
from api.security import Principal
from graph.access import ACCESS_INSERT, record_time
from graph.errors import KgError
from graph.shape import plain

log = logging.getLogger(__name__)

_INSERT = ACCESS_INSERT


MAX_IDS = 200_000
"""Most entity ids in one record (a prepared query returns at most 100,000 rows)."""


def make_record(
    principal: Principal | None,
    *,
    endpoint: str,
    method: str,
    path: str,
    params: dict[str, Any],
    entity_ids: list[str],
    outcome: str,
    status: int,
    purpose: str | None,
    client: str | None = None,
    name: str | None = None,
    role: str | None = None,
) -> dict[str, Any]:
    """One access record. ``principal`` None: a failed login or an unknown token (then ``name``
    and ``role`` may say who tried, e.g. the OS user of a command-line export)."""
    return {
        "record_id": uuid.uuid4().hex,
        "at": record_time(),
        "token_id": principal.token_id if principal else None,
        "name": principal.name if principal else name,
        "role": principal.role.name if principal else role,
        "client": client,
        "endpoint": endpoint,
        "method": method,
        "path": path,
        "params": json.dumps(plain(params), ensure_ascii=False, sort_keys=True, default=str),
        "entity_ids": sorted(set(entity_ids))[:MAX_IDS],
        "purpose": purpose,
        "outcome": outcome,
        "status": status,
    }


def failure_record(request: Any, outcome: str, status: int) -> dict[str, Any]:
    """A refused login or credential, with the client address (no secret is ever stored)."""
    route = request.scope.get("route")
    return make_record(
        None,
        endpoint=getattr(route, "path", request.url.path),
        method=request.method,
        path=request.url.path,
        params={},
        entity_ids=[],
        outcome=outcome,
        status=status,
        purpose=None,
        client=request.client.host if request.client else None,
    )


class AuditWriter:
    """One thread that writes queued access records in batches."""

    def __init__(self, get_driver: Any, database: str, *, batch: int = 500, interval: float = 0.2) -> None:
        self._get_driver = get_driver
        self._database = database
        self._batch = batch
        self._interval = interval
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=200_000)
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
            self._thread.start()

    def append(self, record: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            log.error("access log queue full; record %s written synchronously", record["record_id"])
            self._write([record])

    def flush(self) -> bool:
        """Write everything queued now. Returns False if Neo4j could not take it."""
        with self._lock:
            while True:
                try:
                    self._pending.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            while self._pending:
                chunk = self._pending[: self._batch]
                if not self._write(chunk):
                    return False
                del self._pending[: len(chunk)]
        return True

    def _write(self, rows: list[dict[str, Any]]) -> bool:
        try:
            driver = self._get_driver()
            driver.execute_query(_INSERT, rows=rows, database_=self._database)
            return True
        except (DriverError, Neo4jError, KgError, OSError, RuntimeError) as e:
            log.warning("access log write deferred (%d records): %s", len(rows), e)
            return False

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            if not self._queue.empty() or self._pending:
                self.flush()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if not self.flush():
            log.error("access log: %d records could not be written at shutdown", len(self._pending))


def read_records(
    driver: neo4j.Driver,
    database: str,
    *,
    timeout: float,
    token_id: str | None,
    role: str | None,
    endpoint: str | None,
    entity_id: str | None,
    outcome: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    limit: int,
    after: list[str] | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first; keyset pagination on (at, record_id)."""
    text = (
        "MATCH (a:AccessRecord) "
        "WHERE ($token_id IS NULL OR a.token_id = $token_id) AND ($role IS NULL OR a.role = $role) "
        "AND ($endpoint IS NULL OR a.endpoint = $endpoint) AND ($outcome IS NULL OR a.outcome = $outcome) "
        "AND ($entity IS NULL OR $entity IN a.entity_ids) "
        "AND ($since IS NULL OR a.at >= $since) AND ($until IS NULL OR a.at < $until) "
        "AND ($after_at IS NULL OR a.at < $after_at OR (a.at = $after_at AND a.record_id < $after_id)) "
        "RETURN a ORDER BY a.at DESC, a.record_id DESC LIMIT $limit"
    )
    after_at = dt.datetime.fromisoformat(after[0]) if after else None
    records, _, _ = driver.execute_query(
        neo4j.Query(text, timeout=timeout),
        token_id=token_id,
        role=role,
        endpoint=endpoint,
        outcome=outcome,
        entity=entity_id,
        since=since,
        until=until,
        after_at=after_at,
        after_id=after[1] if after else None,
        limit=limit + 1,
        database_=database,
        routing_="r",
    )
    rows = []
    for r in records[:limit]:
        a = dict(r["a"])
        a["at"] = a["at"].to_native().isoformat()
        try:
            a["params"] = json.loads(a.get("params") or "{}")
        except ValueError:
            pass
        rows.append(a)
    cursor = encode_cursor([rows[-1]["at"], rows[-1]["record_id"]]) if len(records) > limit else None
    return rows, cursor
