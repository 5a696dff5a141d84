"""The data's own date: the newest business date in the graph.

Old exports must not be judged against today: the default period of every time-based query ends
at ``data_as_of`` and the views' "数据截至" shows it.
"""

from __future__ import annotations

import datetime as dt

import neo4j

from queries.common import run_cypher

__all__ = ["data_as_of"]


def data_as_of(driver: neo4j.Driver, database: str) -> dt.date | None:
    """The newest clue, case, visit or inspection date in the graph; None when there is none."""
    records = run_cypher(driver, database, "data_as_of", {})
    latest = records[0]["latest"] if records else None
    return latest.to_native() if latest is not None else None
