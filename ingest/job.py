"""The ingest job: read → validate → load → report, one file at a time, nodes before relationships.

Each file is read and validated completely before any of it is written, so an unreadable file
changes nothing. For every file, rows read = rows loaded + rows rejected. Files are read as a
stream and each row is validated as it is read: what a file leaves in memory is its write rows
(one small dict per distinct key), not its cells or row models.

Rows whose key the run looked up and did not find are written with CREATE (no MERGE seek and
lock per row), and so are relationships with an endpoint created by this run (they cannot exist
yet); everything else with MERGE. Batches are written on a few threads (``ingest.writer``) while
the next file is read and validated; relationship files are written once every node file is.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import neo4j
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from graph.constraints import refresh_statistics
from graph.errors import IngestInterrupted, InputFileError
from graph.schema import NODE_SPECS, REL_SPECS, NodeSpec, RelSpec
from ingest.columns import InputSpec, input_specs
from ingest.loader import DEFAULT_BATCH_SIZE, NodeRows, RelRows, batch_writes, existing_keys, node_counts
from ingest.querybuilder import (
    ended_types,
    ingest_run_merge,
    mark_interrupted,
    reopen_listed,
    snapshot_end,
    upgrade_state,
    upgrade_statements,
)
from ingest.reader import open_table, scan_folder
from ingest.validate import Reject, RowValidator, original_row
from ingest.writer import DEFAULT_WRITERS, ParallelWriter

__all__ = [
    "FileReport",
    "IngestReport",
    "run_ingest",
    "write_rejects",
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_WRITERS",
    "DEFAULT_REJECTS_NAME",
    "mark_dead_runs_interrupted",
    "DRIVER_ERRORS",
]

log = logging.getLogger(__name__)

DEFAULT_REJECTS_NAME = "rejects.csv"
REJECT_HEADERS = ("文件(file)", "行号(line)", "字段(field)", "原因(reason)", "原始行(row)")


@dataclass
class FileReport:
    """What happened to one input file."""

    file: str  # the schema file stem
    kind: str  # "node" | "relationship"
    type: str  # label or relationship type
    path: str | None = None
    encoding: str | None = None
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    duplicates: int = 0  # rows that repeat an earlier row's key (counted as loaded)
    written: int = 0  # distinct nodes/relationships written
    ended: int = 0  # relationships a snapshot ended (absent from this export)
    snapshot_note: str | None = None  # why a snapshot did not apply to this file
    unknown_columns: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


@dataclass
class IngestReport:
    run_id: str
    folder: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    files: dict[str, FileReport] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    snapshot: bool = False
    as_of: dt.date | None = None  # the export date a snapshot ends relationships on
    interrupted_runs: list[str] = field(default_factory=list)  # earlier runs found dead and so marked

    @property
    def errors(self) -> dict[str, str]:
        """Files that could not be read at all (stem → message)."""
        return {k: f.error for k, f in self.files.items() if f.error}

    @property
    def ok(self) -> bool:
        """True when every present file was read (rejected rows do not count against it)."""
        return not self.errors

    @property
    def totals(self) -> dict[str, int]:
        return {
            k: sum(getattr(f, k) for f in self.files.values())
            for k in ("read", "loaded", "rejected", "ended")
        }

    @property
    def seconds(self) -> float:
        end = self.finished_at or dt.datetime.now().astimezone()
        return (end - self.started_at).total_seconds()


def new_run_id(now: dt.datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


UPGRADE_FINGERPRINT = hashlib.sha256(repr(upgrade_statements(REL_SPECS)).encode()).hexdigest()[:16]
"""Names the set of upgrade statements of this version; a run that completes records it
(``graph_upgrade`` on its ``IngestRun``), and the next run skips the upgrade when the latest
completed run has the same one (the graph was upgraded, and everything since was written with
the current keys)."""


@dataclass(frozen=True)
class GraphAtStart:
    """What a run reads about the graph once, before its first file (one statement each)."""

    node_counts: dict[str, int]
    """Nodes per input label: a label without nodes needs no key lookup."""
    ended_types: frozenset[str]
    """Relationship types with relationships a snapshot ended: only their files reopen what they list."""


def _graph_at_start(driver: neo4j.Driver, database: str) -> GraphAtStart:
    periods = tuple(s for s in REL_SPECS if s.has_period)
    records, _, _ = driver.execute_query(
        ended_types(periods),
        {"types": [s.type for s in periods]},
        database_=database,
        routing_=neo4j.RoutingControl.READ,
    )
    return GraphAtStart(
        node_counts(driver, database, tuple(s.label for s in NODE_SPECS)),
        frozenset(r["type"] for r in records),
    )


DRIVER_ERRORS: tuple[type[BaseException], ...] = (
    neo4j.exceptions.DriverError,
    neo4j.exceptions.Neo4jError,
    ConnectionError,
)
"""What the driver raises when Neo4j dies or the connection breaks mid-run."""


def run_ingest(
    driver: neo4j.Driver,
    database: str,
    folder: Path | str,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = False,
    console: Console | None = None,
    rejects_name: str = DEFAULT_REJECTS_NAME,
    snapshot: bool = False,
    as_of: dt.date | None = None,
    writers: int = DEFAULT_WRITERS,
) -> IngestReport:
    """Load every known file at the top level of ``folder`` and return the report.

    The uniqueness constraints must exist (``graph.constraints.apply_schema``). ``rejects_name``
    is a file in ``folder`` that is not input (the rejects report of an earlier run).

    ``snapshot``: each relationship file is the complete current set of its rows; relationships
    of its type that earlier runs loaded from the same file and that this run does not list are
    ended on ``as_of`` (default today), never deleted (docs/ingest.md, "Snapshots").

    ``writers``: write transactions run side by side (``ingest.writer``).

    Neo4j dying mid-run raises ``IngestInterrupted`` (the run is marked ``interrupted``, or will
    be on the next run's start); what was written stays consistent and a rerun resumes.
    """
    if batch_size < 1 or writers < 1:
        raise ValueError("batch_size and writers must be positive")
    folder = Path(folder)
    started = dt.datetime.now().astimezone()
    report = IngestReport(
        new_run_id(started),
        str(folder.resolve()),
        started,
        snapshot=snapshot,
        as_of=(as_of or started.date()) if snapshot else None,
    )
    inputs = scan_folder(folder, exclude=(rejects_name,))
    report.ignored = inputs.ignored
    run_keys: dict[str, set[Any]] = {}
    created: dict[str, set[Any]] = {}  # label → keys this run creates (looked up, not in the graph)
    writer: ParallelWriter | None = None
    status = "failed"
    try:
        report.interrupted_runs = mark_dead_runs_interrupted(driver, database)
        _record_run(driver, database, report, status="running")
        _upgrade_graph(driver, database)
        at_start = _graph_at_start(driver, database)
        with _progress(progress, console) as bar:
            writer = ParallelWriter(writers)
            after_rel = False  # the last file handed to the writer was a relationship file
            for spec in input_specs():
                if spec.file in inputs.conflicts:
                    report.files[spec.file] = FileReport(
                        spec.file, spec.kind, spec.name, error=str(inputs.conflicts[spec.file])
                    )
                    continue
                path = inputs.files.get(spec.file)
                if path is None:
                    continue
                is_rel = isinstance(spec.spec, RelSpec)
                fr = _ingest_file(
                    driver,
                    database,
                    spec,
                    path,
                    report,
                    run_keys,
                    created,
                    at_start,
                    batch_size,
                    bar,
                    writer,
                    after_nodes=is_rel and not after_rel,
                )
                after_rel = is_rel
                report.files[spec.file] = fr
                if fr.error:
                    log.error("%s", fr.error)
            done, writer = writer, None
            done.close()
            if any(created.values()):  # new entities: plan the next queries on the loaded graph
                refresh_statistics(driver, database)
            status = "completed" if report.ok else "completed_with_errors"
    except DRIVER_ERRORS as e:
        status = "interrupted"
        raise IngestInterrupted(
            f"导入中断：与 Neo4j 的连接在写入时断开（{type(e).__name__}: {e}）。已写入的部分保持一致，"
            f"本次导入 {report.run_id} 记为 interrupted。请在 Neo4j 恢复后（kg db status）重新运行同一目录"
            f"（kg ingest {folder}）：导入是幂等的，重复运行只会补齐未写入的部分。 / Ingest interrupted: the "
            f"connection to Neo4j broke while writing. What was written is consistent; run {report.run_id} is "
            f"marked interrupted. Once Neo4j is back, rerun the same folder (kg ingest {folder}): the ingest is "
            "idempotent and a rerun completes it."
        ) from e
    except BaseException:
        status = "interrupted"
        raise
    finally:
        if writer is not None:  # an error on the reading side: let the writer finish what it has
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - the first error is the one being raised
                log.exception("ingest writer failed")
        report.finished_at = dt.datetime.now().astimezone()
        try:
            _record_run(driver, database, report, status=status)
        except DRIVER_ERRORS:  # Neo4j is gone: the next run's start marks this one interrupted
            log.warning(
                "could not record the end of ingest run %s; it will be marked interrupted by the next run",
                report.run_id,
            )
    return report


def mark_dead_runs_interrupted(driver: neo4j.Driver, database: str) -> list[str]:
    """Mark ``interrupted`` the runs still ``running`` whose process on this host is gone
    (a run killed with Neo4j, or a process killed mid-run). Returns their run ids."""
    records, _, _ = driver.execute_query(  # properties(r): runs of earlier versions have no host or pid
        "MATCH (r:IngestRun {status: 'running'}) RETURN properties(r) AS p",
        database_=database,
        routing_=neo4j.RoutingControl.READ,
    )
    host = socket.gethostname()
    dead = [
        r["p"]["run_id"]
        for r in records
        if r["p"].get("host") in (None, host) and not _alive(r["p"].get("pid"))
    ]
    if not dead:
        return []
    records, _, _ = driver.execute_query(
        mark_interrupted(), {"dead": dead, "now": dt.datetime.now().astimezone()}, database_=database
    )
    return sorted(r["run_id"] for r in records)


def _alive(pid: int | None) -> bool:
    if not pid or pid == os.getpid():
        return False  # this process is starting a new run: an older run of its own is over
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _upgrade_graph(driver: neo4j.Driver, database: str) -> None:
    """Relationships written by earlier versions get the current merge keys (so reruns match
    them). Skipped when there is no relationship, or when the latest completed run recorded this
    version's ``UPGRADE_FINGERPRINT`` (everything written since has the current keys)."""
    records, _, _ = driver.execute_query(
        upgrade_state(), database_=database, routing_=neo4j.RoutingControl.READ
    )
    if records[0]["rels"] == 0 or records[0]["upgrade"] == UPGRADE_FINGERPRINT:
        return
    for query, params in upgrade_statements(REL_SPECS):
        driver.execute_query(query, params, database_=database)


def _ingest_file(
    driver: neo4j.Driver,
    database: str,
    spec: InputSpec,
    path: Path,
    report: IngestReport,
    run_keys: dict[str, set[Any]],
    created: dict[str, set[Any]],
    at_start: GraphAtStart,
    batch_size: int,
    bar: Progress | None,
    writer: ParallelWriter,
    after_nodes: bool,
) -> FileReport:
    """Read and validate one file, then hand its batches to ``writer``. ``after_nodes``: the
    first relationship file after node files waits for their writes (its endpoints)."""
    t0 = time.perf_counter()
    fr = FileReport(spec.file, spec.kind, spec.name, path=path.name)
    task = bar.add_task(f"校验 {path.name}", total=None) if bar else None
    rejects: list[Reject] = []
    originals: dict[int, list[str]] = {}  # cells of relationship rows whose endpoints may be dangling
    acc: NodeRows | RelRows
    try:
        table, rows = open_table(path, spec)  # streamed: only the write rows are kept
        present = {f for f in table.fields if f is not None}
        if "finding" in present:  # the finding's validator keeps the source term in finding_raw
            present.add("finding_raw")
        check = RowValidator(table, spec)
        if isinstance(spec.spec, NodeSpec):
            acc = NodeRows(spec, present)
        else:
            acc = RelRows(spec, present)
            in_from = run_keys.get(spec.spec.from_label, set())
            in_to = run_keys.get(spec.spec.to_label, set())
            from_field, to_field = spec.spec.from_field, spec.spec.to_field
        for line, cells in rows:
            fr.read += 1
            result = check(line, cells)
            if isinstance(result, Reject):
                rejects.append(result)
            elif isinstance(acc, NodeRows):
                acc.add(result.record)
            else:
                row = acc.add(line, result.record)
                if row[from_field] not in in_from or row[to_field] not in in_to:
                    originals[line] = cells
    except InputFileError as e:
        fr.error, fr.read = str(e), 0
        if bar and task is not None:
            bar.update(task, description=f"[red]失败 {path.name}", total=1, completed=0)
        return fr
    fr.encoding, fr.unknown_columns = table.encoding, table.unknown_columns
    invalid_rows = len(
        rejects
    )  # rows whose identity is uncertain (dangling endpoints are not: they exist nowhere)
    if isinstance(acc, NodeRows):
        prepared = acc.prepared()
        loaded = acc.valid
    else:
        rs: RelSpec = acc.rs
        valid = len(acc.rows)
        headers = {f: table.headers[i].strip() for i, f in enumerate(table.fields) if f}
        known_from = _known(driver, database, rs.from_label, acc.from_keys, run_keys)
        known_to = _known(driver, database, rs.to_label, acc.to_keys, run_keys)
        prepared, dangling = acc.prepared(
            known_from,
            known_to,
            path.name,
            lambda line: original_row(table, originals[line]),
            headers,
        )
        originals.clear()
        rejects.extend(dangling)
        rejects.sort(key=lambda r: r.line)
        loaded = valid - len(dangling)
    fr.loaded, fr.rejected, fr.duplicates = loaded, len(rejects), prepared.duplicates
    assert fr.read == fr.loaded + fr.rejected, (path.name, fr.read, fr.loaded, fr.rejected)
    report.rejects.extend(rejects)
    is_new: Callable[[dict[str, Any]], bool]
    if isinstance(spec.spec, NodeSpec):
        key, label = spec.spec.key, spec.spec.label
        keys = {r[key] for r in prepared.rows}
        run_keys.setdefault(label, set()).update(keys)
        new_keys = (
            keys if at_start.node_counts[label] == 0 else keys - existing_keys(driver, database, label, keys)
        )
        created.setdefault(label, set()).update(new_keys)
        is_new = lambda row: row[key] in new_keys  # noqa: E731
    else:
        assert isinstance(acc, RelRows)
        rs = acc.rs
        new_from, new_to = created.get(rs.from_label, set()), created.get(rs.to_label, set())
        is_new = lambda row: row[rs.from_field] in new_from or row[rs.to_field] in new_to  # noqa: E731
    if bar and task is not None:
        bar.update(task, description=f"待写 {path.name}", total=len(prepared.rows), completed=0)

    batches = batch_writes(
        driver,
        database,
        spec,
        prepared,
        run_id=report.run_id,
        source_file=path.name,
        batch_size=batch_size,
        on_batch=(lambda n: bar.advance(task, n)) if bar and task is not None else None,
        is_new=is_new,
    )

    def then(written: int) -> None:
        fr.written = written
        if isinstance(spec.spec, RelSpec) and spec.spec.has_period:
            _snapshot(driver, database, spec.spec, fr, report, present, invalid_rows, at_start)
        elif isinstance(spec.spec, RelSpec) and report.snapshot:
            fr.snapshot_note = "此类关系没有结束日期，快照不结束它 / no end_date: a snapshot never ends these"
        if bar and task is not None:
            bar.update(task, description=f"完成 {path.name}")
        fr.seconds = time.perf_counter() - t0
        log.info(
            "%s: read %d, loaded %d, rejected %d in %.2f s",
            path.name,
            fr.read,
            fr.loaded,
            fr.rejected,
            fr.seconds,
        )

    if bar and task is not None:
        bar.update(task, description=f"写入 {path.name}")
    writer.submit(batches, then, barrier=after_nodes)
    return fr


def _snapshot(
    driver: neo4j.Driver,
    database: str,
    rs: RelSpec,
    fr: FileReport,
    report: IngestReport,
    present: set[str],
    invalid_rows: int,
    at_start: GraphAtStart,
) -> None:
    """Reopen what this file lists again (when a snapshot ever ended any of its type); in a
    snapshot run, end what it no longer lists."""
    params = {"run_id": report.run_id}
    if rs.type in at_start.ended_types:
        driver.execute_query(reopen_listed(rs, "end_date" not in present), params, database_=database)
    if not report.snapshot:
        return
    if invalid_rows:
        fr.snapshot_note = (
            f"有 {invalid_rows} 行未通过校验，无法确定其是否仍有效，本文件未按快照结束关系 / "
            f"{invalid_rows} invalid rows: snapshot not applied to this file"
        )
        return
    records, _, _ = driver.execute_query(
        snapshot_end(rs),
        {**params, "as_of": report.as_of, "files": [f"{fr.file}.csv", f"{fr.file}.xlsx"]},
        database_=database,
    )
    fr.ended = int(records[0]["ended"])


def _known(
    driver: neo4j.Driver, database: str, label: str, wanted: set[Any], run_keys: dict[str, set[Any]]
) -> set[Any]:
    """The keys of ``wanted`` loaded in this run or already in the graph."""
    in_run = run_keys.get(label, set())
    rest = wanted - in_run
    return (wanted & in_run) | (existing_keys(driver, database, label, rest) if rest else set())


@contextmanager
def _progress(enabled: bool, console: Console | None) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        yield bar


def _record_run(driver: neo4j.Driver, database: str, report: IngestReport, *, status: str) -> None:
    """Create or update the run's ``IngestRun`` node (per-file counts as parallel lists and JSON)."""
    files = list(report.files.values())
    props: dict[str, Any] = {
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "folder": report.folder,
        "status": status,
        "files": [f.file for f in files],
        "rows_read": [f.read for f in files],
        "rows_loaded": [f.loaded for f in files],
        "rows_rejected": [f.rejected for f in files],
        "failed_files": [f.file for f in files if f.error],
        "rows_ended": [f.ended for f in files],
        "snapshot": report.snapshot,
        "as_of": report.as_of,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "ignored_files": report.ignored,
        "graph_upgrade": UPGRADE_FINGERPRINT,
        "file_reports": json.dumps([asdict(f) for f in files], ensure_ascii=False),
        **{f"total_{k}": v for k, v in report.totals.items()},
    }
    driver.execute_query(ingest_run_merge(), {"run_id": report.run_id, "props": props}, database_=database)


def write_rejects(report: IngestReport, path: Path | str) -> Path:
    """Write the rejects report (UTF-8 with BOM, so Excel opens it): file, line, field, reason, row."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(REJECT_HEADERS)
        for r in report.rejects:
            w.writerow([r.file, r.line, r.field, r.reason, json.dumps(r.row, ensure_ascii=False)])
    return path
