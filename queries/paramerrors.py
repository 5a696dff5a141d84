"""Parameters of a prepared query or view: their description, and their errors in Chinese then
English, for the command line and the API.

An unknown parameter names the nearest valid ones (``difflib``); a value of the wrong type names
the expected type; missing required parameters are listed together.
"""

from __future__ import annotations

import difflib
from enum import Enum
from typing import Any

from pydantic import BaseModel, ValidationError

__all__ = ["describe_errors", "param_specs", "type_name"]

_TYPE_NAMES = {
    "int": ("整数", "an integer"),
    "float": ("数值", "a number"),
    "bool": ("是/否（true/false）", "true or false"),
    "date": ("日期（2024-03-05 或 2024年3月5日）", "a date (2024-03-05)"),
    "str": ("文本", "text"),
}


def type_name(annotation: Any) -> tuple[str, str]:
    """Chinese and English name of a parameter's expected type."""
    import datetime as dt
    import typing
    from enum import Enum

    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        choices = "、".join(str(a) for a in typing.get_args(annotation))
        return f"以下之一：{choices}", f"one of {', '.join(str(a) for a in typing.get_args(annotation))}"
    if args and origin is not None:
        if typing.get_origin(annotation) is typing.Annotated:
            return type_name(args[0])
        return type_name(args[0])
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        values = [str(m.value) for m in annotation]
        return f"以下之一：{'、'.join(values)}", f"one of {', '.join(values)}"
    if annotation is dt.date:
        return _TYPE_NAMES["date"]
    name = getattr(annotation, "__name__", str(annotation))
    return _TYPE_NAMES.get(name, (name, name))


def _field_type(model: type[BaseModel], name: str) -> tuple[str, str]:
    field = model.model_fields.get(name)
    if field is None:
        return "", ""
    return type_name(field.annotation)


def describe_errors(query: str, model: type[BaseModel], raw: dict[str, Any], e: ValidationError) -> str:
    """One message for every problem in ``raw``: unknown, missing and ill-typed parameters."""
    known = list(model.model_fields)
    unknown, missing, bad = [], [], []
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"])
        name = str(err["loc"][0]) if err["loc"] else ""
        if err["type"] == "extra_forbidden":
            near = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
            hint = f"（是否想写 / did you mean: {', '.join(near)}）" if near else ""
            unknown.append(f"{name}{hint}")
        elif err["type"] == "missing":
            field = model.model_fields.get(name)
            title = f"（{field.title}）" if field is not None and field.title else ""
            missing.append(f"{name}{title}")
        else:
            if not loc:  # a check across parameters
                bad.append(_plain_msg(err))
                continue
            zh, en = _field_type(model, name)
            expect = f"应为{zh} / expected {en}" if zh else ""
            typ = str(err["type"])
            if typ.endswith(("_parsing", "_type")) or typ in ("enum", "literal_error") or not expect:
                detail = expect or _plain_msg(err)
            else:
                detail = _plain_msg(err)
            bad.append(f"{loc}={raw.get(name, err.get('input'))!r}: {detail}")
    parts = []
    if unknown:
        parts.append(f"未知参数 / unknown parameter(s): {'; '.join(unknown)}")
    if missing:
        parts.append(f"缺少必填参数 / missing required parameter(s): {', '.join(missing)}")
    if bad:
        parts.append(f"参数值有误 / bad value(s): {'; '.join(bad)}")
    valid = ", ".join(known) or "（无 / none）"
    return (
        f"查询 {query} 的参数有误 / bad parameters for {query}: "
        + " | ".join(parts)
        + f" —— 可用参数 / valid parameters: {valid}（kg query describe {query}）"
    )


_MSG = {
    "greater_than_equal": ("不能小于 {ge}", "must be ≥ {ge}"),
    "greater_than": ("必须大于 {gt}", "must be > {gt}"),
    "less_than_equal": ("不能大于 {le}", "must be ≤ {le}"),
    "less_than": ("必须小于 {lt}", "must be < {lt}"),
    "string_too_short": ("至少 {min_length} 个字符", "at least {min_length} characters"),
    "string_too_long": ("至多 {max_length} 个字符", "at most {max_length} characters"),
}


def _plain_msg(err: Any) -> str:
    ctx = err.get("ctx") or {}
    if err["type"] in _MSG:
        zh, en = _MSG[err["type"]]
        try:
            return f"{zh.format(**ctx)} / {en.format(**ctx)}"
        except (KeyError, IndexError):
            pass
    if err["type"] == "value_error" and ctx.get("error") is not None:
        return str(ctx["error"])
    return str(err["msg"])


def param_specs(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The parameters of a query or view as plain objects: name, type, required, default, title,
    description (and choices for an enum), for the CLI, the API and the pages."""
    schema = model.model_json_schema()
    props = schema.get("properties", {})
    out = []
    for name, field in model.model_fields.items():
        p = props.get(name, {})
        typ = p.get("type") or p.get("format")
        if not typ and "anyOf" in p:
            typ = "|".join(str(a.get("format") or a.get("type")) for a in p["anyOf"])
        if "enum" in p or "$ref" in p:
            ref = p.get("$ref", "").split("/")[-1]
            enum = p.get("enum") or schema.get("$defs", {}).get(ref, {}).get("enum")
            typ = "enum" if enum else typ
        default = None if field.is_required() else field.get_default(call_default_factory=True)
        if isinstance(default, Enum):
            default = default.value
        if default is not None and hasattr(default, "isoformat"):
            default = default.isoformat()
        out.append(
            {
                "name": name,
                "type": typ or "string",
                "required": field.is_required(),
                "default": default,
                "title": field.title or "",
                "description": field.description or "",
                **(
                    {
                        "choices": p.get("enum")
                        or schema.get("$defs", {}).get(p.get("$ref", "").split("/")[-1], {}).get("enum")
                    }
                    if ("enum" in p or "$ref" in p)
                    else {}
                ),
            }
        )
    return out
