"""Helpers shared by the query definitions: parameters, running a Cypher file, entity shapes."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

import neo4j
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from graph import schema
from graph.orders.machine import ANSWERED_STATES, OPEN_STATES
from graph.schema import (
    PETITION_SOURCES,
    RANK_ORDER,
    ClueStatus,
    CommitteePosition,
    Form,
    OrderAction,
    OrderState,
    PartyOrgKind,
    Rank,
    RankScope,
    RectificationStatus,
    UnitKind,
    UnitLevel,
    parse_cn_date,
)
from graph.settings import get_settings
from graph.shape import plain
from graph.thresholds import STALE_DAYS
from queries.registry import load_cypher

log = logging.getLogger(__name__)
# Notifications about absent labels or types only mean an empty part of the graph here.
logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)

__all__ = [
    "AsOf",
    "Params",
    "UNKNOWN",
    "SUSTAINED_FINDINGS",
    "STALE_DAYS",
    "KNOWN_RANKS",
    "LEADER_RANKS",
    "RANK_SCOPES",
    "PETITION_SOURCE_VALUES",
    "SCHEMA_PARAMS",
    "run_cypher",
]

AsOf = Annotated[dt.date, BeforeValidator(parse_cn_date)]
"""A date parameter that accepts the Chinese forms (2026年6月30日) as well as ISO."""


def as_of_field() -> Any:
    return Field(
        None,
        title="截至日期",
        description="as_of：按此日期判断“当前”任职、职务与逾期；不填则为数据截至日期（图中最新的业务日期），"
        "图中没有带日期的数据时为今天",
    )


def date_from_field(default: str = "") -> Any:
    return Field(
        None,
        title="统计起始日期",
        description="date_from：统计期起点（含）" + (f"；不填则{default}" if default else ""),
    )


def date_to_field() -> Any:
    return Field(None, title="统计截止日期", description="date_to：统计期终点（含）；不填则为截至日期 as_of")


class Params(BaseModel):
    """Base of every parameter model: unknown parameters are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


UNKNOWN = "未知"
"""The enum member a source uses when it does not know a value. Queries treat it like null:
never as a real value (rank 未知 is not 科员 and not a leader; category 未知 is not 工作纪律)."""


SUSTAINED_FINDINGS: list[str] = sorted(f.value for f in schema.SUSTAINED_FINDINGS)
"""Findings of an allegation (``finding`` on CONCERNS / INVOLVES) that count as sustained."""

# Internal parameters derived from the schema's vocabulary (declared in the .cypher headers).
# Only ranks with a place in RANK_ORDER are real ranks; 未知 (or any member without an order) is not.
KNOWN_RANKS: list[Rank] = [r for r in Rank if r in RANK_ORDER and r.value != UNKNOWN]
LEADER_RANKS: list[str] = [r.value for r in KNOWN_RANKS if RANK_ORDER[r] >= RANK_ORDER[Rank.DIVISION]]
RANK_SCOPES: dict[str, list[str]] = {
    RankScope.ALL.value: [r.value for r in Rank],
    RankScope.DIVISION_AND_ABOVE.value: LEADER_RANKS,
    RankScope.SECTION_AND_BELOW.value: [
        r.value for r in KNOWN_RANKS if RANK_ORDER[r] <= RANK_ORDER[Rank.SECTION]
    ],
}
"""Ranks each rank scope admits. An officer whose rank is unknown is admitted only by 全部: a
rank-restricted rule cannot be judged for him (the queries count such officers in their notes)."""
PETITION_SOURCE_VALUES: list[str] = sorted(s.value for s in PETITION_SOURCES)

SCHEMA_PARAMS: dict[str, Any] = {
    "unknown": UNKNOWN,
    "grassroots_level": UnitLevel.GRASSROOTS.value,
    "police_branch_kind": UnitKind.POLICE_BRANCH.value,
    "excluded_kinds": [UnitKind.SUPERVISION_BODY.value, UnitKind.EXTERNAL.value],
    "committee_kind": PartyOrgKind.COMMITTEE.value,
    "secretary_position": CommitteePosition.SECRETARY.value,
    "leader_ranks": LEADER_RANKS,
    "rank_scope_all": RankScope.ALL.value,
    "rank_scopes": RANK_SCOPES,
    "petition_sources": PETITION_SOURCE_VALUES,
    "sustained": SUSTAINED_FINDINGS,
    "first_form": Form.FIRST.value,
    "concluded_status": ClueStatus.CONCLUDED.value,
    "done_status": RectificationStatus.DONE.value,
    "open_states": sorted(s.value for s in OPEN_STATES),
    "answered_states": sorted(s.value for s in ANSWERED_STATES),
    "feedback_action": OrderAction.FEEDBACK.value,
    "closed_state": OrderState.CLOSED.value,
    "cancelled_state": OrderState.CANCELLED.value,
}
"""The schema's vocabulary as Cypher parameters: a ``.cypher`` file writes ``$committee_kind``, never
``'党委'``, and ``run_cypher`` supplies every one the file uses, so renaming an enum member is one
edit in ``graph.schema``. These names are never user parameters nor passed by a query's code
(``tests/test_queries_registry.py`` checks both)."""


def run_cypher(
    driver: neo4j.Driver,
    database: str,
    name: str,
    params: Mapping[str, Any],
    slots: dict[str, str] | None = None,
) -> list[neo4j.Record]:
    """Run the Cypher file ``name`` (read routing, server-side timeout) with exactly its params.

    ``params`` may hold more keys than the file uses (a whole parameter model); the schema's
    vocabulary (``SCHEMA_PARAMS``) is added here. A key the file needs but neither supplies is a
    programming error, and so is a caller passing a vocabulary name itself.
    """
    cf = load_cypher(name)
    missing = cf.params - set(params) - set(SCHEMA_PARAMS)
    if missing:
        raise ValueError(f"{name}: parameters not supplied: {sorted(missing)}")
    shadowed = cf.params & set(params) & set(SCHEMA_PARAMS)
    if shadowed:
        raise ValueError(f"{name}: schema parameters passed by the caller: {sorted(shadowed)}")
    values = {k: params[k] if k in params else SCHEMA_PARAMS[k] for k in cf.params}
    query = neo4j.Query(cf.render(slots), timeout=get_settings().kg_query_timeout)  # type: ignore[arg-type]
    records, _, _ = driver.execute_query(
        query, values, database_=database, routing_=neo4j.RoutingControl.READ
    )
    log.debug("query %s returned %d records", name, len(records))
    return list(records)


def record_rows(records: Iterable[neo4j.Record]) -> list[dict[str, Any]]:
    return [{k: plain(v) for k, v in r.items()} for r in records]
