"""Generate the input contract (docs/input-contract.md) from the schema, so it cannot drift.

``python -m ingest.contract > docs/input-contract.md``; a test compares the committed file with
the generated text.
"""

from __future__ import annotations

import sys
from typing import Any

import annotated_types as at
from pydantic.fields import FieldInfo

from graph.schema import NodeSpec, RelSpec, node_spec
from ingest.columns import FieldType, InputSpec, accepted_headers, field_type, input_specs
from ingest.job import REJECT_HEADERS

__all__ = ["render_contract", "example_row"]

# Example values of the key columns, consistent across files so the examples join up.
_EXAMPLES: dict[str, str] = {
    "badge_no": "010203",
    "unit_code": "U0101",
    "parent_code": "U01",
    "body_code": "U03",
    "org_code": "P0101",
    "clue_no": "XS2024001",
    "case_no": "AJ2024001",
    "inspection_code": "JC2024001",
    "rectification_code": "ZG2024001",
    "responsibility_code": "ZR2024001",
    "name": "张伟",
    "post": "社区民警",
    "district": "东城区",
    "id_number": "",
    "phone": "",
    "year": "2024",
    "birth_year": "1985",
    "visits": "3",
    "allegation": "收受管理服务对象礼金",
    "finding_raw": "基本属实",
    "disposition": "诫勉",
    "place": "人民路与解放路交叉口",
    "incident_on": "2024-02-20",
}
_NODE_KEY_EXAMPLES: dict[str, str] = {
    "Unit": "U0101",
    "PartyOrg": "P0101",
    "Officer": "010203",
    "Clue": "XS2024001",
    "Case": "AJ2024001",
    "Inspection": "JC2024001",
    "Rectification": "ZG2024001",
    "Responsibility": "ZR2024001",
}


_NAME_EXAMPLES: dict[str, str] = {
    "Unit": "东城分局城关派出所",
    "PartyOrg": "城关派出所党支部",
    "Officer": "欧阳·娜娜",
    "Inspection": "2024年度政治督察",
}


def _limits(info: FieldInfo) -> list[str]:
    out = []
    for m in info.metadata:
        if isinstance(m, at.MaxLen):
            out.append(f"最多 {m.max_length} 字")
        elif isinstance(m, at.Ge):
            out.append(f"≥ {m.ge}")
        elif isinstance(m, at.Le):
            out.append(f"≤ {m.le}")
    return out


def _example(spec: InputSpec, name: str, info: FieldInfo, ft: FieldType) -> str:
    if isinstance(spec.spec, NodeSpec) and name == spec.spec.key:
        return _NODE_KEY_EXAMPLES.get(spec.spec.label, "K001")
    if name == "name" and isinstance(spec.spec, NodeSpec) and spec.spec.label in _NAME_EXAMPLES:
        return _NAME_EXAMPLES[spec.spec.label]
    if name in _EXAMPLES:
        return _EXAMPLES[name]
    if ft.kind == "enum" and ft.enum is not None:
        stated = [m for m in ft.enum if m.name not in ("UNKNOWN", "OTHER")]
        return str(stated[0].value)
    if ft.kind == "date":
        return (
            ""
            if ft.optional and name.startswith(("end", "closed", "completed", "feedback_on"))
            else "2024-03-05"
        )
    if ft.kind == "bool":
        return "是"
    if ft.kind == "int":
        return "1"
    if name.endswith("_code") or name == "code":
        return "K001"
    return f"{info.title}示例" if info.title else "示例"


def example_row(spec: InputSpec) -> tuple[list[str], list[str]]:
    """Header (Chinese titles) and one example row for a file."""
    headers, values = [], []
    for name, info in spec.model.model_fields.items():
        headers.append(info.title or name)
        values.append(_example(spec, name, info, field_type(info)))
    return headers, values


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _type_cell(info: FieldInfo, ft: FieldType) -> str:
    if ft.kind == "enum" and ft.enum is not None:
        values = "、".join(f"`{m.value}`" for m in ft.enum)
        aliases = getattr(ft.enum, "_aliases", {})
        extra = f"；简写 {'、'.join(f'`{a}`' for a in aliases)}" if aliases else ""
        return f"枚举：{values}{extra}"
    return ft.title


def _required_cell(info: FieldInfo, ft: FieldType) -> str:
    if info.is_required():
        return "**必填**"
    if info.default is None:
        return "可空"
    default = info.default.value if hasattr(info.default, "value") else info.default
    if isinstance(default, bool):
        default = "是" if default else "否"
    return f"可空，默认 `{default}`"


def _file_section(spec: InputSpec) -> list[str]:
    out = []
    s = spec.spec
    if isinstance(s, NodeSpec):
        out.append(f"### `{s.file}` — {s.title}（节点 `{s.label}`）")
        out.append("")
        out.append(f"业务键 / key: `{s.key}`（{s.model.model_fields[s.key].title}），按此键合并（MERGE）。")
    else:
        assert isinstance(s, RelSpec)
        src, dst = node_spec(s.from_label), node_spec(s.to_label)
        out.append(f"### `{s.file}` — {s.title}（关系 `{s.type}`）")
        out.append("")
        f_title = spec.model.model_fields[s.from_field].title
        t_title = spec.model.model_fields[s.to_field].title
        out.append(
            f"`({src.label})-[:{s.type}]->({dst.label})`：`{s.from_field}`（{f_title}）引用{src.title}的"
            f" `{src.key}`，`{s.to_field}`（{t_title}）引用{dst.title}的 `{dst.key}`。"
        )
        if s.key_props:
            keys = "、".join(f"`{k}`" for k in s.key_props)
            out.append(f"同一对端点按 {keys} 区分多条关系；其余列为关系属性。")
        else:
            out.append("同一对端点只有一条关系；其余列为关系属性。")
    doc = (s.model.__doc__ or "").strip().splitlines()
    if doc and isinstance(s, NodeSpec):
        out.append("")
        out.append(" ".join(line.strip() for line in doc))
    out.append("")
    out.append("| 中文列名 | 字段 field | 其他可用列名 | 类型 | 必填 | 约束 / 说明 |")
    out.append("|---|---|---|---|---|---|")
    for name, info in spec.model.model_fields.items():
        ft = field_type(info)
        aliases = [a for a in accepted_headers(info, name)[2:]]
        notes = _limits(info)
        if info.description:
            notes.append(info.description)
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("personal"):
            notes.append("个人信息（按权限脱敏）")
        out.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    info.title or "",
                    f"`{name}`",
                    "、".join(aliases),
                    _type_cell(info, ft),
                    _required_cell(info, ft),
                    "；".join(notes),
                )
            )
            + " |"
        )
    headers, values = example_row(spec)
    out.append("")
    out.append("示例 / example (`" + s.file + ".csv`):")
    out.append("")
    out.append("```csv")
    out.append(",".join(headers))
    out.append(",".join(values))
    out.append("```")
    out.append("")
    return out


_INTRO = """\
# 输入数据约定 / Input contract

> 本文件由 `python -m ingest.contract > docs/input-contract.md` 从 `graph/schema.py` 生成，请勿手工修改；
> 测试会检查它与模式一致。 / Generated from the schema; do not edit by hand.

`kg ingest DIR` 读取目录 `DIR` 顶层的文件：每种节点、每种关系各一个文件，文件名为下表中的名称加
`.csv` 或 `.xlsx`（大小写不限）。缺少的文件跳过；不认识的文件列为“已忽略”，不报错。先导入全部节点文件，
再导入关系文件。

## 通用规则 / General rules

- **格式**：CSV（UTF-8，带或不带 BOM；或 GBK/GB18030，自动识别；逗号分隔，整行为 Tab 分隔亦可）或
  Excel `.xlsx`（读取第一个工作表，公式取缓存值）。第一行非空行为表头。
- **表头**：英文字段名、中文列名或表中“其他可用列名”均可；不区分大小写、全角半角和空格。未识别的列被忽略，
  并在汇总中列出。同一字段出现两列、或缺少必填列，整个文件不导入。
- **空单元格**表示无值；可空列留空即可，有默认值的列留空时取默认值。文件中**没有**的可空列不会改动图中已有的值
  （部分导出只更新它包含的列），默认值只在新建节点或关系时填入。
- **日期**：`2024-03-05`、`2024/3/5`、`2024.3.5`、`2024年3月5日`、`20240305`；Excel 日期单元格亦可。
  不存在的日期（如 `2024-02-30`）被拒绝。
- **是/否**：`是`/`否`、`有`/`无`、`Y`/`N`、`true`/`false`、`1`/`0`、`√`/`×`。
- **枚举**：填写中文取值；也接受英文成员名（如 `DIVISION`）和列出的简写（如四种形态写 `1`–`4`）。
- **未知就写未知**：只有识别一条记录、说明它是什么的列是必填的（键、关系两端、线索的受理日期、案件的立案日期）；
  其余都可空。来源不知道的枚举值留空或填 `未知`（有的枚举还有 `其他`），图中存为 `未知`，查询把它当作未知，
  绝不当作某个真实取值（职级未知不是科员，类别未知不是工作纪律）。姓名可空（警号识别人）；出生年份 1900–2015。
- **没有开始日期的任职和职务**照样导入，记为“开始日期未知”（`start_date` 为空）。
- **关系的键**：同一对端点按表中“区分多条关系”的列区分（任职按开始日期，线索/案件涉及民警按指控类别和指控内容，
  办理人员按办理角色）。Neo4j 的 MERGE 不能按空值匹配，所以可空的键列另存一个派生的文本键：`start_date` →
  `start_key`，`allegation` → `allegation_key`（ISO 日期或原文，未知时为空字符串 `""`）；有默认值的键列（如
  `allegation_category` 默认 `未知`）直接按取值合并。同一民警在同一线索中可有多项指控，每项一条关系。
- **核查结论**（`finding`）：`查实`、`部分查实`（二者即“查实”口径）、`查无实据`、`不实`、`其他`、`未知`。来源自己的用语
  写在 `finding_raw`；`finding` 填了不在取值中的用语（如 `撤销`）时，记为 `其他` 并把原词存入 `finding_raw`；
  `finding` 留空而 `finding_raw` 可识别（如 `基本属实`、`不属实`）时按它填 `finding`。
- **快照导入**（`kg ingest DIR --snapshot [--as-of 日期]`）：每个关系文件视为完整的当前数据。以前从同名文件导入、
  本次文件中没有的、尚未结束的关系被结束（`end_date` = 导出日期，默认今天；`ended_by_run` = 本次导入批次），
  绝不删除；节点从不删除。只适用于有 `end_date` 列的关系（任职、党员隶属、各类职务、监督、办理人员）；
  其他关系（如线索涉及民警）不受影响。文件中有未通过校验的行时，该文件不按快照结束任何关系。后来的导出再次列出
  某条已被结束的关系时，它重新打开。
- **重复行**：同一文件中键相同的行，后一行覆盖前一行，均计为已导入（汇总中“重复”列给出条数）。
- **关系的端点**必须已在图中、或在本次导入的节点文件中；否则该行被拒绝，绝不创建空壳节点。
- **拒绝行**不影响其他行：每个文件满足 读取 = 导入 + 拒绝。拒绝行写入报告 CSV（默认 `DIR/rejects.csv`，
  UTF-8 带 BOM），列为 {reject_headers}；行号是文件中的物理行号（表头为第 1 行；含换行的单元格跨多行时，
  取该记录开始的行）。
- **无法读取的文件**（编码无法识别、不是表格、引号不成对导致无法解析、缺少必填列）整个文件不导入，
  命令以退出码 1 结束并说明原因；其他文件照常导入。其他失败（目录不存在、参数错误、Neo4j 不可用或导入中途断开）
  以中英文说明和退出码 2 结束；中途断开时已写入的部分保持一致，本次导入记为 `interrupted`，重新运行同一目录即可补齐。
- **旧列名**：改名的列仍接受旧列名（如 `case_subjects` 的 `处理形态`/`form` → `disposition_form`，`处分`/`sanction` →
  `disposition`）；旧版本写入的关系在下次导入时补上派生键和新属性名。
- 每个写入的节点和关系带有来源标记 `ingest_run`（导入批次号）和 `source_file`（文件名）；每次导入生成一个
  `IngestRun` 节点，记录开始、结束时间、目录及每个文件的读取/导入/拒绝行数。

## 文件一览 / Files

| 文件 file | 中文名 | 节点/关系 | 键或端点 |
|---|---|---|---|
"""


def render_contract() -> str:
    """The whole contract as Markdown."""
    out = [_INTRO.replace("{reject_headers}", "、".join(f"`{h}`" for h in REJECT_HEADERS)).rstrip("\n")]
    for spec in input_specs():
        s = spec.spec
        if isinstance(s, NodeSpec):
            out.append(f"| `{s.file}` | {s.title} | 节点 `{s.label}` | `{s.key}` |")
        else:
            assert isinstance(s, RelSpec)
            out.append(
                f"| `{s.file}` | {s.title} | 关系 `{s.type}` | "
                f"`{s.from_field}` → {s.from_label}，`{s.to_field}` → {s.to_label} |"
            )
    out.append("")
    out.append("## 节点文件 / Node files")
    out.append("")
    for spec in input_specs():
        if spec.kind == "node":
            out.extend(_file_section(spec))
    out.append("## 关系文件 / Relationship files")
    out.append("")
    for spec in input_specs():
        if spec.kind == "relationship":
            out.extend(_file_section(spec))
    return "\n".join(out).rstrip("\n") + "\n"


def main() -> None:
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    sys.stdout.write(render_contract())


if __name__ == "__main__":
    main()
