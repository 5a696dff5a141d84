"""The data's own date, the period a query covers, and what kinds of data the graph holds.

Old exports must not be judged against today: the default ``as_of`` of every query is
``data_as_of`` (the newest business date in the graph), the default period of every time-based
query ends at ``as_of``, and the result says which period it used (``QueryResult.period``) and,
in ``notes``, when its answer rests on data that was never loaded (``data_presence``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import neo4j

from graph.errors import QueryParamError
from graph.schema import NODE_SPECS
from queries.common import run_cypher

__all__ = [
    "Window",
    "data_as_of",
    "data_presence",
    "has_domain_data",
    "empty_database_message",
    "resolve_window",
    "window_for",
    "STALE_DATA_DAYS",
    "EMPTY_EXIT_CODE",
]

EMPTY_EXIT_CODE = 3
"""Exit code of ``kg query run`` when the database holds no domain data (scripts notice)."""

STALE_DATA_DAYS = 30
"""An ``as_of`` more than this many days after the data's own date gets a note: later records
were not loaded, so anything "overdue" or "not visited lately" may only be missing."""

NODE_COUNT_FIELDS = (
    "units",
    "party_orgs",
    "officers",
    "clues",
    "cases",
    "inspections",
    "rectifications",
    "responsibilities",
)
assert len(NODE_COUNT_FIELDS) == len(NODE_SPECS)


def data_as_of(driver: neo4j.Driver, database: str) -> dt.date | None:
    """The newest clue, case, visit or inspection date in the graph; None when there is none."""
    records = run_cypher(driver, database, "data_as_of", {})
    latest = records[0]["latest"] if records else None
    return latest.to_native() if latest is not None else None


def data_presence(driver: neo4j.Driver, database: str) -> dict[str, int]:
    """How many nodes of each label and relationships of each type the graph holds (count store)."""
    records = run_cypher(driver, database, "data_presence", {})
    return {k: int(v or 0) for k, v in records[0].items()} if records else {}


def has_domain_data(presence: dict[str, int]) -> bool:
    return any(presence.get(f, 0) for f in NODE_COUNT_FIELDS)


def empty_database_message(settings: Any) -> str:
    """One line for stderr: which database is empty and which settings chose it."""
    if settings.neo4j_uri:
        where = f"NEO4J_URI={settings.neo4j_uri}（数据库 {settings.neo4j_database}）"
    else:
        where = f"内置数据库 KG_VAR_DIR={settings.kg_var_dir}，KG_NEO4J_PORT={settings.kg_neo4j_port}"
    return (
        f"数据库为空：{where} 中没有任何业务数据（单位、民警、线索……）；请检查 KG_VAR_DIR / NEO4J_URI 是否指向"
        f"已导入数据的库，或先运行 kg ingest DIR / the database holds no domain data: check KG_VAR_DIR / "
        f"NEO4J_URI, or load data with kg ingest DIR"
    )


@dataclass
class Window:
    """The dates a query runs with: ``as_of`` (state of the graph) and the period
    ``date_from``–``date_to`` (records dated in it are counted; ``date_from`` None = no lower bound)."""

    as_of: dt.date
    date_to: dt.date
    date_from: dt.date | None
    data_date: dt.date | None
    notes: list[str] = field(default_factory=list)

    def period(self) -> dict[str, Any]:
        return {
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat(),
        }

    def label(self) -> str:
        return f"{self.date_from.isoformat() if self.date_from else '最早记录'}~{self.date_to.isoformat()}"

    def summary(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "data_as_of": self.data_date.isoformat() if self.data_date else None,
        }


def resolve_window(
    driver: neo4j.Driver,
    database: str,
    *,
    as_of: dt.date | None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    default_days: int | None = None,
    default_from: dt.date | None = None,
) -> Window:
    """The query's dates, with the data's date read from the graph (``window_for``)."""
    return window_for(
        data_as_of(driver, database),
        as_of=as_of,
        date_from=date_from,
        date_to=date_to,
        default_days=default_days,
        default_from=default_from,
    )


def window_for(
    data_date: dt.date | None,
    *,
    as_of: dt.date | None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    default_days: int | None = None,
    default_from: dt.date | None = None,
    today: dt.date | None = None,
) -> Window:
    """Fill in the defaults: ``as_of`` = the data's date (``today`` when the graph has no dated
    record), ``date_to`` = ``as_of``, ``date_from`` = ``default_from``, else ``default_days`` days
    up to ``date_to``, else no lower bound. Notes say when the dates rest on missing data.

    A query that reads the data's date in its own statement (``officer_profile``) computes
    ``as_of`` there the same way and passes the date it read here."""
    notes: list[str] = []
    if as_of is None:
        if data_date is None:
            notes.append("图中没有任何带日期的业务数据（线索、案件、走访、检查），截至日期按今天计算。")
        as_of = data_date or today or dt.date.today()
    elif data_date is not None and (as_of - data_date).days > STALE_DATA_DAYS:
        notes.append(
            f"截至日期 {as_of.isoformat()} 晚于数据截至日期 {data_date.isoformat()}："
            "此后的记录没有导入，逾期、久未走访等判断可能只是数据缺失。"
        )
    end = date_to or as_of
    if date_from is not None:
        start: dt.date | None = date_from
    elif default_from is not None:
        start = default_from
    elif default_days is not None:
        start = end - dt.timedelta(days=default_days - 1)
    else:
        start = None
    if start is not None and start > end:
        raise QueryParamError(
            f"统计起始日期 {start.isoformat()} 晚于截止日期 {end.isoformat()} / "
            f"date_from {start.isoformat()} is after date_to {end.isoformat()}"
        )
    return Window(as_of=as_of, date_to=end, date_from=start, data_date=data_date, notes=notes)
