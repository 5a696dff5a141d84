"""Validate every row of a table with the schema's row model; bad rows become rejects.

A reject names the file, the physical line where the row starts, the column(s) at fault (as
headed in the file) and the reason in Chinese then English; it carries the original row.
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from graph.schema import Record
from ingest.columns import InputSpec
from ingest.reader import Table

__all__ = ["Reject", "ValidRow", "RowValidator", "validate_table", "explain_error", "original_row"]


class Reject(NamedTuple):
    """One rejected row: ``(file, line, field, reason, row)``."""

    file: str
    line: int
    field: str
    reason: str
    row: dict[str, str]


class ValidRow(NamedTuple):
    line: int
    record: Record


def _enum_values(enum_cls: type[enum.Enum]) -> str:
    return "、".join(str(m.value) for m in enum_cls)


def explain_error(err: ErrorDetails, spec: InputSpec) -> str:
    """A pydantic error in the analysts' words (Chinese, then English)."""
    kind = err["type"]
    value = err.get("input")
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    name = str(err["loc"][0]) if err["loc"] else ""
    if kind == "missing":
        return "必填值为空 / required value is missing"
    if kind == "enum":
        info = spec.model.model_fields.get(name)
        allowed = ctx.get("expected", "")
        ann = getattr(info, "annotation", None)
        for arg in (*getattr(ann, "__args__", ()), ann):
            if isinstance(arg, type) and issubclass(arg, enum.Enum):
                allowed = _enum_values(arg)
        return f"不是允许的取值 / not an allowed value: {value!r}；允许 / allowed: {allowed}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"不是整数 / not an integer: {value!r}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        op = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤", "less_than": "<"}[kind]
        return f"超出范围 / out of range: {value!r}（应 {op} {bound} / must be {op} {bound}）"
    if kind == "string_too_long":
        n = ctx.get("max_length")
        return f"超过最大长度 {n} 个字符 / longer than {n} characters"
    if kind == "string_too_short":
        return "必填值为空 / required value is missing"
    if kind in ("bool_parsing", "bool_type"):
        return f"不是“是/否”值 / not a yes/no value: {value!r}"
    return f"无效的值 / invalid value {value!r}: {err['msg']}"


def validate_table(table: Table, spec: InputSpec) -> tuple[list[ValidRow], list[Reject]]:
    """Validate all rows; every row ends up either valid or rejected, never both, never neither."""
    check = RowValidator(table, spec)
    valid: list[ValidRow] = []
    rejects: list[Reject] = []
    for line, cells in table.rows:
        result = check(line, cells)
        if isinstance(result, ValidRow):
            valid.append(result)
        else:
            rejects.append(result)
    return valid, rejects


class RowValidator:
    """Validates one row at a time against a table's header (for files read as a stream)."""

    def __init__(self, table: Table, spec: InputSpec) -> None:
        self.table, self.spec, self.model = table, spec, spec.model
        self.name = table.path.name
        self.columns = [(i, f) for i, f in enumerate(table.fields) if f is not None]
        self.header_of = {f: table.headers[i].strip() for i, f in self.columns}
        self.width = len(table.headers)

    def __call__(self, line: int, cells: list[str]) -> ValidRow | Reject:
        table, width = self.table, self.width
        if line in table.oversize:
            return Reject(self.name, line, "", table.oversize[line], original_row(table, cells))
        if (
            len(cells) != width
            and table.ragged
            and (len(cells) < width or any(c.strip() for c in cells[width:]))
        ):
            return Reject(
                self.name,
                line,
                "",
                f"列数与表头不一致 / the row has {len(cells)} cells, the header "
                f"{width} columns（可能是未加引号的逗号或换行）",
                original_row(table, cells),
            )
        data: dict[str, str] = {}
        for i, f in self.columns:
            if i < len(cells):
                value = cells[i]
                if value and not value.isspace():
                    data[f] = value
        try:
            return ValidRow(line, self.model.model_validate(data))
        except ValidationError as e:
            errors = e.errors(include_url=False)
            fields = []
            for err in errors:
                f = str(err["loc"][0]) if err["loc"] else ""
                fields.append(
                    self.header_of.get(
                        f, self.model.model_fields[f].title if f in self.model.model_fields else f
                    )
                    or f
                )
            reasons = [
                f"{col}: {explain_error(err, self.spec)}"
                if len(errors) > 1
                else explain_error(err, self.spec)
                for col, err in zip(fields, errors, strict=True)
            ]
            return Reject(
                self.name,
                line,
                "; ".join(dict.fromkeys(fields)),
                "; ".join(reasons),
                original_row(table, cells),
            )


def original_row(table: Table, cells: list[str]) -> dict[str, str]:
    """The row as the analyst sees it: header → cell (extra cells under ``列N``)."""
    out: dict[str, str] = {}
    for i, cell in enumerate(cells):
        header = table.headers[i].strip() if i < len(table.headers) else ""
        out[header or f"列{i + 1}"] = cell
    return out
