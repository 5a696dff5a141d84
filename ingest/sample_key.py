"""The answer key, computed from the rows the sample wrote with the definitions in
docs/architecture.md ("Definitions the queries use"). Pure functions over plain tuples."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from graph.schema import (
    ClueStatus,
    PartyOrgKind,
    Rank,
    RankScope,
    RectificationStatus,
    SupervisionType,
    UnitKind,
    UnitLevel,
)
from graph.thresholds import STALE_DAYS

__all__ = [
    "answer_key_sections",
    "is_current",
    "rank_admitted",
    "conflicts_of_interest",
    "STALE_DAYS",
    "OVERDUE_DAYS",
]

OVERDUE_DAYS = (30, 60, 90)
Rows = Sequence[tuple[str, ...]]


def _d(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def is_current(start: str, end: str, as_of: dt.date) -> bool:
    """``start_date <= as_of`` (or null) and ``end_date`` null or ``>= as_of``."""
    s, e = _d(start), _d(end)
    return (s is None or s <= as_of) and (e is None or e >= as_of)


_SCOPE_RANKS: dict[str, frozenset[str]] = {
    RankScope.ALL.value: frozenset(r.value for r in Rank),
    RankScope.DIVISION_AND_ABOVE.value: frozenset({Rank.BUREAU.value, Rank.DIVISION.value}),
    RankScope.SECTION_AND_BELOW.value: frozenset(
        {Rank.SECTION.value, Rank.STAFF.value, Rank.AUXILIARY.value}
    ),
}


def rank_admitted(scope: str, rank: str) -> bool:
    return rank in _SCOPE_RANKS[scope]


def _liaison(kept: dict[str, list[tuple[str, ...]]], as_of: dt.date, stale_days: int) -> dict[str, list[str]]:
    committees = {code for code, kind in kept["party_orgs"] if kind == PartyOrgKind.COMMITTEE.value}
    members = {
        b for b, org, s, e in kept["committee_members"] if org in committees and is_current(s, e, as_of)
    }
    grassroots = sorted(code for code, _, level in kept["units"] if level == UnitLevel.GRASSROOTS.value)
    latest: dict[str, dt.date | None] = {}
    covered: set[str] = set()
    for badge, unit, last in kept["liaisons"]:
        if badge not in members:
            continue
        covered.add(unit)
        d = _d(last)
        prev = latest.get(unit)
        latest[unit] = d if prev is None else (max(prev, d) if d else prev)
    limit = as_of - dt.timedelta(days=stale_days)

    def is_stale(unit: str) -> bool:
        last = latest.get(unit)
        return last is None or last < limit

    return {
        "uncovered_units": [u for u in grassroots if u not in covered],
        "stale_units": [u for u in grassroots if u in covered and is_stale(u)],
    }


def _supervision(kept: dict[str, list[tuple[str, ...]]], as_of: dt.date, stype: str) -> dict[str, object]:
    parent: dict[str, str] = {child: up for child, up in kept["unit_tree"]}
    rank: dict[str, str] = {badge: r for badge, r in kept["officers"]}
    unit_of: dict[str, str] = {}
    for badge, unit, s, e in kept["postings"]:
        if is_current(s, e, as_of):
            unit_of[badge] = unit
    rules: dict[str, list[tuple[str, str, bool]]] = defaultdict(
        list
    )  # supervised unit → (body, scope, subtree)
    for body, unit, t, scope, subtree, s, e in kept["supervision"]:
        if t == stype and is_current(s, e, as_of):
            rules[unit].append((body, scope, subtree == "是"))
    unsupervised: list[str] = []
    double: list[str] = []
    for badge in sorted(rank):
        if badge not in unit_of:  # not in post (retired, left): outside supervision coverage
            continue
        bodies: set[str] = set()
        node: str | None = unit_of.get(badge)
        depth = 0
        while node is not None:
            for rule_body, rule_scope, rule_subtree in rules.get(node, ()):
                if (depth == 0 or rule_subtree) and rank_admitted(rule_scope, rank[badge]):
                    bodies.add(rule_body)
            node, depth = parent.get(node), depth + 1
        if not bodies:
            unsupervised.append(badge)
        elif len(bodies) > 1:
            double.append(badge)
    branch_units = sorted(code for code, kind, _ in kept["units"] if kind == UnitKind.POLICE_BRANCH.value)
    orgs_in: dict[str, set[str]] = defaultdict(set)
    for org, unit in kept["party_org_units"]:
        orgs_in[unit].add(org)
    staffed_orgs = {org for _, org, s, e in kept["discipline_commissioners"] if is_current(s, e, as_of)}
    return {
        "type": stype,
        "unsupervised_officers": unsupervised,
        "double_claimed_officers": double,
        "police_branches_without_discipline_staff": [
            u for u in branch_units if not orgs_in[u] & staffed_orgs
        ],
    }


def _clue_loops(kept: dict[str, list[tuple[str, ...]]], as_of: dt.date) -> dict[str, object]:
    overdue: dict[str, list[str]] = {}
    for n in OVERDUE_DAYS:
        limit = as_of - dt.timedelta(days=n)
        overdue[str(n)] = sorted({c for c, t, fb in kept["clue_transfers"] if not fb and _d(t) <= limit})  # type: ignore[operator]
    touched = {c for (c,) in kept["clue_handlers"]} | {c for c, _, _ in kept["clue_transfers"]}
    no_handler = sorted(
        c for c, status, _ in kept["clues"] if c not in touched and status != ClueStatus.CONCLUDED.value
    )
    overdue_rect = sorted(
        code
        for code, deadline, status in kept["rectifications"]
        if status != RectificationStatus.DONE.value and _d(deadline) < as_of  # type: ignore[operator]
    )
    return {
        "overdue_transfers": overdue,
        "clues_without_handler": no_handler,
        "overdue_rectifications": overdue_rect,
    }


def conflicts_of_interest(kept: dict[str, list[tuple[str, ...]]]) -> list[list[str]]:
    """``[kind, key, handler, role, accused, unit]`` for every handler who, on the clue's received
    date (the case's opened date), held a posting in a unit where the accused also held one."""
    postings: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for badge, unit, s, e in kept["postings"]:
        postings[badge].append((unit, s, e))

    def units_at(badge: str, day: dt.date) -> set[str]:
        return {u for u, s, e in postings.get(badge, ()) if is_current(s, e, day)}

    out: set[tuple[str, ...]] = set()
    for kind, workers, subjects, dates in (
        ("Clue", kept["clue_workers"], kept["clue_subjects"], {c: d for c, _, d in kept["clues"]}),
        ("Case", kept["case_workers"], kept["case_subjects"], {c: d for c, d in kept["cases"]}),
    ):
        accused: dict[str, set[str]] = defaultdict(set)
        for item, badge in subjects:
            accused[item].add(badge)
        for handler, item, role in workers:
            day = _d(dates[item])
            assert day is not None
            for a in accused.get(item, ()):
                if a != handler:
                    for unit in units_at(handler, day) & units_at(a, day):
                        out.add((kind, item, handler, role, a, unit))
    return [list(t) for t in sorted(out)]


def answer_key_sections(
    kept: dict[str, list[tuple[str, ...]]],
    as_of: dt.date,
    *,
    stale_days: int = STALE_DAYS,
    supervision_type: str = SupervisionType.DISCIPLINE.value,
) -> dict[str, object]:
    """Every computed section of the answer key (clusters are planted and added by the caller)."""
    return {
        "liaison": _liaison(kept, as_of, stale_days),
        "supervision": _supervision(kept, as_of, supervision_type),
        **_clue_loops(kept, as_of),
        "conflicts_of_interest": conflicts_of_interest(kept),
    }
