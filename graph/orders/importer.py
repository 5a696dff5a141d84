"""``kg order import FILE``: orders from a spreadsheet, validated like ingest.

The file is read by ingest's reader (CSV in UTF-8 with or without BOM or GBK, or .xlsx; English
field names or Chinese column titles of ``graph.schema.OrderInput``), every row is validated by
the schema model and then issued in its own transaction. A row that fails (bad value, unknown
unit or target, a number already used for a different order) is rejected with file, line, field
and reason; read = loaded + rejected. Re-importing the same file changes nothing: an order whose
number exists with the same content counts as loaded (unchanged).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import neo4j

from graph.errors import KgError, NotFound
from graph.orders.store import Actor, create_order, list_orders
from graph.schema import OrderInput, order_node_spec
from ingest.columns import InputSpec
from ingest.reader import read_table
from ingest.validate import Reject, original_row, validate_table

__all__ = ["ImportReport", "import_orders"]


class _OrderInputSpec(InputSpec):
    @property
    def model(self) -> type[OrderInput]:  # type: ignore[override]
        return OrderInput


_SPEC = _OrderInputSpec("orders", "node", order_node_spec("SupervisionOrder"))


@dataclass
class ImportReport:
    file: str
    read: int = 0
    loaded: int = 0
    unchanged: int = 0
    rejected: int = 0
    orders: list[str] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def _same(existing: dict[str, object], row: OrderInput) -> bool:
    return (
        existing["kind"] == row.kind.value
        and existing["title"] == row.title
        and existing["assignee_code"] == row.assignee_code
        and existing["deadline"] == row.deadline.isoformat()
        and (row.issuer_code is None or existing["issuer_code"] == row.issuer_code)
        and (row.issued_on is None or existing["issued_on"] == row.issued_on.isoformat())
    )


def import_orders(
    driver: neo4j.Driver,
    database: str,
    path: Path,
    actor: Actor,
    *,
    default_issuer: str | None = None,
    today: dt.date | None = None,
) -> ImportReport:
    """Issue every valid row of ``path``; returns the report (``read == loaded + rejected``)."""
    table = read_table(path, _SPEC)
    valid, rejects = validate_table(table, _SPEC)
    report = ImportReport(file=path.name, read=len(table.rows), rejects=list(rejects))
    cells_of = dict(table.rows)
    for line, record in valid:
        row = OrderInput.model_validate(record.model_dump())
        if row.order_no:
            existing = list_orders(driver, database, order_no=row.order_no, limit=1)
            if existing:
                if _same(existing[0], row):
                    report.loaded += 1
                    report.unchanged += 1
                    report.orders.append(row.order_no)
                else:
                    report.rejects.append(
                        Reject(
                            path.name,
                            line,
                            "督办编号",
                            f"编号 {row.order_no} 已用于另一份督办单，"
                            "已下发的督办单不可覆盖 / the number is taken by a different order",
                            original_row(table, cells_of[line]),
                        )
                    )
                continue
        try:
            no = create_order(driver, database, row, actor, default_issuer=default_issuer, today=today)
        except KgError as e:
            field_name = "承办单位编码/下发单位编码/督办对象" if isinstance(e, NotFound) else ""
            report.rejects.append(
                Reject(path.name, line, field_name, str(e), original_row(table, cells_of[line]))
            )
            continue
        report.loaded += 1
        report.orders.append(no)
    report.rejected = len(report.rejects)
    return report
