"""``kg db backup FILE`` / ``kg db restore FILE``: every node and relationship, online, as JSON Lines.

Orders, their events, consultations, tokens and the access log exist nowhere but in the graph (a
re-ingest restores the department data, not these), so they need a backup of their own.

Online (the default): one read transaction streams every node (labels, properties) and every
relationship (type, ends, properties) to ``FILE`` (gzip when it ends in ``.gz``); dates and
times keep their types (``{"$date": "2026-03-05"}``). Neo4j isolates reads at read-committed,
so the export counts nodes and relationships at its start and end and checks that every
relationship's ends were exported; a write that slipped in between makes it start again (three
tries), so the file is a consistent state of the graph.

Restore loads such a file into an empty database (``--replace`` wipes it first): schema first
(constraints), then nodes, then relationships, in batches; labels and relationship types are
checked as identifiers and backtick-quoted, values are parameters.

Offline (``--offline``, embedded server stopped): a tar.gz copy of the server's store folder,
and restore puts it back.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import logging
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import neo4j
import neo4j.time

from graph.constraints import apply_schema, q
from graph.db import read
from graph.errors import InputFileError, KgError

__all__ = ["BackupReport", "backup", "restore", "offline_backup", "offline_restore", "FORMAT"]

log = logging.getLogger(__name__)

FORMAT = "kg-backup"
VERSION = 1
BATCH = 5000
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TMP_LABEL = "KgRestoreTmp"
_TMP_PROP = "kg_restore_id"


class BackupReport(dict):  # type: ignore[type-arg]
    """``{"nodes": n, "relationships": m, "file": …}``."""


def _encode(value: Any) -> Any:
    if isinstance(value, neo4j.time.DateTime):
        return {"$datetime": value.iso_format()}
    if isinstance(value, neo4j.time.Date):
        return {"$date": value.iso_format()}
    if isinstance(value, neo4j.time.Time):
        return {"$time": value.iso_format()}
    if isinstance(value, neo4j.time.Duration):
        return {"$duration": [value.months, value.days, value.seconds, value.nanoseconds]}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        if "$datetime" in value:
            return (
                neo4j.time.DateTime.from_iso_format(value["$datetime"])
                if hasattr(neo4j.time.DateTime, "from_iso_format")
                else dt.datetime.fromisoformat(value["$datetime"])
            )
        if "$time" in value:
            return dt.time.fromisoformat(value["$time"])
        if "$duration" in value:
            m, d, s, ns = value["$duration"]
            return neo4j.time.Duration(months=m, days=d, seconds=s, nanoseconds=ns)
        raise InputFileError(f"备份文件中有无法识别的值 / unknown typed value in the backup: {value!r}")
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _open(path: Path, mode: str, *, gz: bool | None = None) -> IO[str]:
    if path.suffix == ".gz" if gz is None else gz:
        return io.TextIOWrapper(gzip.open(path, mode + "b"), encoding="utf-8")  # type: ignore[arg-type,type-var]
    return open(path, mode, encoding="utf-8")


def _export(tx: neo4j.ManagedTransaction, out: IO[str]) -> tuple[int, int]:
    def counts() -> tuple[int, int]:
        rec = tx.run(
            "CALL () { MATCH (n) RETURN count(n) AS n } CALL () { MATCH ()-[r]->() RETURN count(r) AS r } "
            "RETURN n, r"
        ).single()
        return (rec["n"], rec["r"]) if rec else (0, 0)

    before = counts()
    out.write(
        json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "nodes": before[0],
                "relationships": before[1],
            }
        )
        + "\n"
    )
    ids: set[str] = set()
    for rec in tx.run("MATCH (n) RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props"):
        ids.add(rec["id"])
        out.write(
            json.dumps(
                {"n": rec["id"], "labels": sorted(rec["labels"]), "props": _encode_props(rec["props"])},
                ensure_ascii=False,
            )
            + "\n"
        )
    rels = 0
    for rec in tx.run(
        "MATCH (a)-[r]->(b) RETURN elementId(a) AS s, elementId(b) AS e, type(r) AS type, "
        "properties(r) AS props"
    ):
        if rec["s"] not in ids or rec["e"] not in ids:
            raise _Changed()
        rels += 1
        out.write(
            json.dumps(
                {"r": [rec["s"], rec["e"]], "type": rec["type"], "props": _encode_props(rec["props"])},
                ensure_ascii=False,
            )
            + "\n"
        )
    if counts() != before or (len(ids), rels) != before:
        raise _Changed()
    return before


def _encode_props(props: dict[str, Any]) -> dict[str, Any]:
    return {k: _encode(v) for k, v in props.items()}


class _Changed(Exception):
    """The graph changed while it was being exported."""


def backup(driver: neo4j.Driver, database: str, path: Path, *, attempts: int = 3) -> BackupReport:
    """Write every node and relationship of ``database`` to ``path`` (see the module docstring)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    for attempt in range(attempts):
        try:
            with (
                _open(tmp, "w", gz=path.suffix == ".gz") as out,
                driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as s,
            ):
                tx = s.begin_transaction()
                try:
                    nodes, rels = _export(tx, out)  # type: ignore[arg-type]
                finally:
                    tx.close()
            tmp.replace(path)
            return BackupReport(nodes=nodes, relationships=rels, file=str(path))
        except _Changed:
            log.warning("the graph changed during backup attempt %d; starting again", attempt + 1)
        except OSError as e:
            raise KgError(f"无法写入备份文件 / cannot write the backup {path}: {e}") from e
    tmp.unlink(missing_ok=True)
    raise KgError(
        "备份期间数据库持续有写入，未能得到一致的备份；请停止写入后重试，或停机后用 --offline / the graph kept "
        "changing during the backup; stop writers and retry, or use --offline while stopped"
    )


def _read(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with _open(path, "r") as f:
            for line_no, line in enumerate(f, start=1):
                if line.strip():
                    try:
                        yield line_no, json.loads(line)
                    except json.JSONDecodeError as e:
                        raise InputFileError(
                            f"{path.name}: 第 {line_no} 行不是 JSON / line {line_no} is not JSON: {e}"
                        ) from e
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise InputFileError(f"无法读取备份文件 / cannot read the backup {path}: {e}") from e


def _ident(name: str, path: Path, line: int) -> str:
    if not isinstance(name, str) or not _IDENT.match(name):
        raise InputFileError(
            f"{path.name}: 第 {line} 行的标签或关系类型无效 / line {line}: bad label or type {name!r}"
        )
    return name


def _flush_nodes(
    driver: neo4j.Driver, database: str, labels: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    label_text = "".join(f":{q(lb)}" for lb in (*labels, _TMP_LABEL))
    driver.execute_query(
        f"UNWIND $rows AS r CREATE (n{label_text}) SET n = r.props, n.{q(_TMP_PROP)} = r.id",
        rows=rows,
        database_=database,
    )


def _flush_rels(driver: neo4j.Driver, database: str, rel_type: str, rows: list[dict[str, Any]]) -> None:
    driver.execute_query(
        f"UNWIND $rows AS r MATCH (a:{q(_TMP_LABEL)} {{{q(_TMP_PROP)}: r.s}}) MATCH (b:{q(_TMP_LABEL)} {{{q(_TMP_PROP)}: r.e}}) "
        f"CREATE (a)-[x:{q(rel_type)}]->(b) SET x = r.props",
        rows=rows,
        database_=database,
    )


def _count(driver: neo4j.Driver, database: str) -> tuple[int, int]:
    rec = read(
        driver,
        database,
        "CALL () { MATCH (n) RETURN count(n) AS n } CALL () { MATCH ()-[r]->() RETURN count(r) AS r } "
        "RETURN n, r",
    )[0]
    return rec["n"], rec["r"]


def wipe(driver: neo4j.Driver, database: str) -> None:
    with driver.session(database=database) as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def restore(driver: neo4j.Driver, database: str, path: Path, *, replace: bool = False) -> BackupReport:
    """Load a backup into an empty database (``replace``: wipe it first). Checks the counts after."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"备份文件不存在 / backup file not found: {path}")
    rows = _read(path)
    first = next(rows, None)
    if first is None or first[1].get("format") != FORMAT:
        raise InputFileError(f"{path.name}: 不是本系统的备份文件 / not a kg backup file")
    header = first[1]
    nodes, rels = _count(driver, database)
    if nodes and not replace:
        raise KgError(
            f"数据库不为空（{nodes} 个节点）；加 --replace 先清空再恢复 / the database holds {nodes} nodes; "
            "use --replace to wipe it first"
        )
    if nodes:
        wipe(driver, database)
    apply_schema(driver, database)
    driver.execute_query(
        f"CREATE INDEX kg_restore_tmp IF NOT EXISTS FOR (n:{q(_TMP_LABEL)}) ON (n.{q(_TMP_PROP)})",
        database_=database,
    )
    driver.execute_query("CALL db.awaitIndexes(300)", database_=database)
    node_batches: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    rel_batches: dict[str, list[dict[str, Any]]] = {}
    n_nodes = n_rels = 0
    try:
        for line, obj in rows:
            if "n" in obj:
                labels = tuple(_ident(lb, path, line) for lb in obj.get("labels", []))
                batch = node_batches.setdefault(labels, [])
                batch.append(
                    {"id": obj["n"], "props": {k: _decode(v) for k, v in obj.get("props", {}).items()}}
                )
                n_nodes += 1
                if len(batch) >= BATCH:
                    _flush_nodes(driver, database, labels, batch)
                    batch.clear()
            elif "r" in obj:
                for labels, batch in node_batches.items():
                    if batch:
                        _flush_nodes(driver, database, labels, batch)
                        batch.clear()
                rel_type = _ident(obj.get("type", ""), path, line)
                rb = rel_batches.setdefault(rel_type, [])
                rb.append(
                    {
                        "s": obj["r"][0],
                        "e": obj["r"][1],
                        "props": {k: _decode(v) for k, v in obj.get("props", {}).items()},
                    }
                )
                n_rels += 1
                if len(rb) >= BATCH:
                    _flush_rels(driver, database, rel_type, rb)
                    rb.clear()
            else:
                raise InputFileError(
                    f"{path.name}: 第 {line} 行无法识别 / line {line} is neither a node nor a relationship"
                )
        for labels, batch in node_batches.items():
            if batch:
                _flush_nodes(driver, database, labels, batch)
        for rel_type, rb in rel_batches.items():
            if rb:
                _flush_rels(driver, database, rel_type, rb)
    finally:
        with driver.session(database=database) as s:
            s.run(
                f"MATCH (n:{q(_TMP_LABEL)}) CALL (n) {{ REMOVE n:{q(_TMP_LABEL)}, n.{q(_TMP_PROP)} }} "
                "IN TRANSACTIONS OF 10000 ROWS"
            ).consume()
        driver.execute_query("DROP INDEX kg_restore_tmp IF EXISTS", database_=database)
    got = _count(driver, database)
    if got != (header.get("nodes", n_nodes), header.get("relationships", n_rels)) or got != (n_nodes, n_rels):
        raise KgError(
            f"恢复后的数量与备份不符 / restored counts {got} differ from the backup "
            f"({header.get('nodes')}, {header.get('relationships')})"
        )
    return BackupReport(nodes=got[0], relationships=got[1], file=str(path))


def offline_backup(home: Path, path: Path) -> BackupReport:
    """A tar.gz of the stopped embedded server's folder (store, password), without pid and log files."""

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        return None if info.name.endswith((".pid", ".log")) else info

    with tarfile.open(path, "w:gz") as tar:
        tar.add(home, arcname="neo4j", filter=keep)
    return BackupReport(file=str(path))


def offline_restore(home: Path, path: Path, *, replace: bool = False) -> BackupReport:
    if home.exists() and any(home.iterdir()) and not replace:
        raise KgError(f"{home} 不为空；加 --replace 覆盖 / {home} is not empty; use --replace")
    import shutil

    if home.exists():
        shutil.rmtree(home)
    home.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(path, "r:gz") as tar:
            tar.extractall(home.parent, filter="data")
            top = {m.name.split("/", 1)[0] for m in tar.getmembers()}
    except (OSError, tarfile.TarError) as e:
        raise InputFileError(f"无法读取离线备份 / cannot read the offline backup {path}: {e}") from e
    if top != {"neo4j"}:
        raise InputFileError(f"{path.name}: 不是离线备份 / not an offline backup")
    if home.name != "neo4j":
        (home.parent / "neo4j").rename(home)
    return BackupReport(file=str(path))
