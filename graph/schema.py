"""The graph's one schema: every node type, relationship type, field and enum, declared once.

Read this module to learn the domain. Everything else derives from it:

* constraints and indexes (``graph.constraints``),
* the ingest contract: one input file per node type and per relationship type, with the
  column names (English field name or Chinese display name), types and enums (``ingest``),
* API models, access scopes and masking of personal fields (``api``),
* view labels, colours and shapes (``viz``).

Conventions
-----------
* Every node type has exactly one business key; writes MERGE on it.
* Enum values are the users' Chinese terms, because that is what the exports contain and what
  the analysts read; the member names are English identifiers.  Input may also use the member
  name (``DIVISION``) or a declared short alias (``1`` for the first of the four forms).
* A field's ``title`` is its Chinese display name and doubles as the accepted column header.
  ``json_schema_extra={"aliases": [...]}`` adds further accepted headers, and
  ``{"personal": True}`` marks personal data that is masked for roles without the scope.
* Postings and roles carry ``start_date``/``end_date`` so the graph answers
  "who served where, with whom, when"; an open ``end_date`` means "still in post".
"""

from __future__ import annotations

import builtins
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticUndefined

__all__ = [
    "NODE_SPECS",
    "REL_SPECS",
    "INTERNAL_LABELS",
    "NodeSpec",
    "RelSpec",
    "node_spec",
    "rel_spec",
    "parse_cn_date",
]


# ---------------------------------------------------------------------------------------------
# Value types
# ---------------------------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_cn_date(value: Any) -> Any:
    """Accept the date forms found in Chinese department exports.

    >>> parse_cn_date("2024年3月5日"), parse_cn_date("2024/3/5"), parse_cn_date("2024-03-05")
    (datetime.date(2024, 3, 5), datetime.date(2024, 3, 5), datetime.date(2024, 3, 5))
    """
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    if hasattr(value, "to_native"):  # neo4j.time.Date
        return value.to_native()
    text = str(value).strip()
    if not text:
        return None
    text = text.split(" ")[0].split("T")[0]
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # the common ISO form, parsed in C
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass  # e.g. 2024-02-30 or non-ASCII digits: the patterns below give the reason
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                return dt.date(y, mo, d)
            except ValueError as e:
                raise ValueError(f"不存在的日期 / no such date: {value!r}") from e
    raise ValueError(f"无法识别的日期 / unrecognised date: {value!r} (如 2024-03-05、2024/3/5、2024年3月5日)")


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


_TRUE = {"是", "有", "y", "yes", "true", "1", "√", "t"}
_FALSE = {"否", "无", "n", "no", "false", "0", "×", "f"}


def parse_cn_bool(value: Any) -> Any:
    """Accept 是/否, 有/无, Y/N, true/false, 1/0.

    >>> parse_cn_bool("是"), parse_cn_bool("否")
    (True, False)
    """
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"无法识别的是/否值 / not a yes/no value: {value!r}")


CnBool = Annotated[bool, BeforeValidator(parse_cn_bool)]
"""A yes/no field that accepts 是/否 as the exports write it."""

CnDate = Annotated[dt.date, BeforeValidator(parse_cn_date)]
"""A date that accepts ``2024-03-05``, ``2024/3/5``, ``2024.3.5``, ``2024年3月5日`` and ``20240305``."""


class CnEnum(StrEnum):
    """A StrEnum whose input may be the Chinese value, the English member name or an alias."""

    _aliases: ClassVar[dict[str, str]]

    @classmethod
    def _missing_(cls, value: object) -> Any:
        text = str(value).strip()
        for member in cls:
            if text == member.value or text.upper() == member.name:
                return member
        aliases = getattr(cls, "_aliases", {})
        alias = aliases.get(text) or aliases.get(text.casefold())
        if alias is not None:
            return cls(alias)
        return None


def _with_aliases(enum_cls: type[CnEnum], aliases: dict[str, str]) -> None:
    enum_cls._aliases = aliases  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# Enums: the users' vocabulary
# ---------------------------------------------------------------------------------------------


class UnitKind(CnEnum):
    """What kind of organ a unit is. Supervision bodies are units too."""

    BUREAU = "市公安局"
    SUB_BUREAU = "分局"
    DEPARTMENT = "机关部门"
    POLICE_BRANCH = "警种支队"
    STATION = "派出所"
    TEAM = "大队"
    SUPERVISION_BODY = "监督机构"
    EXTERNAL = "外部机关"
    OTHER = "其他"
    UNKNOWN = "未知"


class UnitLevel(CnEnum):
    CITY = "市级"
    DISTRICT = "区县级"
    GRASSROOTS = "基层"
    UNKNOWN = "未知"


class SupervisionFunction(CnEnum):
    """The supervision function of a supervision body (监督机构)."""

    STRICT_GOVERNANCE_OFFICE = "从严办"
    STATIONED_DISCIPLINE_GROUP = "驻局纪检监察组"
    ORGAN_DISCIPLINE_COMMITTEE = "机关纪委"
    INSPECTION = "督察"
    AUDIT = "审计"
    FINANCE = "警保"
    PETITION = "信访"
    PERSONNEL = "人事"
    LEGAL = "法制"
    ORGAN_PARTY_COMMITTEE = "机关党委"
    CITY_DISCIPLINE_COMMISSION = "市纪委监委"
    POLITICAL_LEGAL_COMMITTEE = "政法委"


class PoliceType(CnEnum):
    """警种: the police branch an officer or unit belongs to."""

    CRIMINAL = "刑侦"
    TRAFFIC = "交管"
    PUBLIC_ORDER = "治安"
    CYBER = "网安"
    ECONOMIC = "经侦"
    NARCOTICS = "禁毒"
    PATROL = "巡特警"
    LOCAL = "派出所"
    ENTRY_EXIT = "出入境"
    DETENTION = "监管"
    INTELLIGENCE = "情报"
    LEGAL = "法制"
    ADMIN = "综合"
    SUPERVISION = "纪检督察"
    OTHER = "其他"


class Rank(CnEnum):
    """职级. Jurisdiction rules split at 处级: the stationed group takes 处级 and above."""

    BUREAU = "厅局级"
    DIVISION = "处级"
    SECTION = "科级"
    STAFF = "科员"
    AUXILIARY = "辅警"
    UNKNOWN = "未知"


RANK_ORDER: dict[Rank, int] = {
    Rank.BUREAU: 4,
    Rank.DIVISION: 3,
    Rank.SECTION: 2,
    Rank.STAFF: 1,
    Rank.AUXILIARY: 0,
}
"""Higher is more senior; used by jurisdiction rules. ``Rank.UNKNOWN`` has no place in the order:
an officer of unknown rank is neither a leader nor 科级及以下 (iterate ``RANK_ORDER``, not ``Rank``)."""


class Gender(CnEnum):
    MALE = "男"
    FEMALE = "女"
    UNKNOWN = "未知"


class PartyOrgKind(CnEnum):
    COMMITTEE = "党委"
    GENERAL_BRANCH = "党总支"
    BRANCH = "党支部"
    UNKNOWN = "未知"


class BranchRating(CnEnum):
    FOUR_STRONG = "四强党支部"
    GOOD = "好"
    FAIR = "较好"
    AVERAGE = "一般"
    WEAK = "软弱涣散"


class ClueSource(CnEnum):
    PETITION = "信访举报"
    HOTLINE_12389 = "12389热线"
    INSPECTION = "督察发现"
    AUDIT = "审计发现"
    POLITICAL_INSPECTION = "政治督察"
    PATROL_INSPECTION = "政治巡察"
    INTERNET = "网络舆情"
    TRANSFER = "上级交办或移送"
    OTHER = "其他"
    UNKNOWN = "未知"


PETITION_SOURCES = frozenset({ClueSource.PETITION, ClueSource.HOTLINE_12389})


class DisciplineCategory(CnEnum):
    """The six disciplines, plus violations of law."""

    POLITICAL = "政治纪律"
    ORGANIZATIONAL = "组织纪律"
    INTEGRITY = "廉洁纪律"
    MASS = "群众纪律"
    WORK = "工作纪律"
    LIFE = "生活纪律"
    LAW = "违法犯罪"
    OTHER = "其他"
    UNKNOWN = "未知"


class ClueStatus(CnEnum):
    RECEIVED = "已受理"
    PRELIMINARY_CHECK = "初核中"
    TRANSFERRED = "已移送"
    CONCLUDED = "已了结"
    CASE_OPENED = "已立案"
    UNKNOWN = "未知"


class Form(CnEnum):
    """监督执纪“四种形态”."""

    FIRST = "第一种形态"
    SECOND = "第二种形态"
    THIRD = "第三种形态"
    FOURTH = "第四种形态"


_with_aliases(
    Form,
    {
        "1": "第一种形态",
        "2": "第二种形态",
        "3": "第三种形态",
        "4": "第四种形态",
        "一": "第一种形态",
        "二": "第二种形态",
        "三": "第三种形态",
        "四": "第四种形态",
    },
)


class CaseStatus(CnEnum):
    OPEN = "审查调查中"
    TRIAL = "审理中"
    CLOSED = "已结案"
    UNKNOWN = "未知"


class InvolvementRole(CnEnum):
    PRINCIPAL = "主要责任人"
    ACCOMPLICE = "参与人"
    LEADERSHIP = "领导责任"
    UNKNOWN = "未知"


class Finding(CnEnum):
    """What the check or investigation found about one allegation against one officer.

    ``SUSTAINED_FINDINGS`` (查实, 部分查实) is what "sustained" means everywhere. The source's own
    term is kept beside it (``finding_raw``); common foreign and colloquial terms map by alias.
    """

    SUSTAINED = "查实"
    PARTLY_SUSTAINED = "部分查实"
    NOT_SUSTAINED = "查无实据"
    UNFOUNDED = "不实"
    OTHER = "其他"
    UNKNOWN = "未知"


_with_aliases(
    Finding,
    {
        "属实": "查实",
        "基本属实": "查实",
        "部分属实": "部分查实",
        "不属实": "不实",
        "失实": "不实",
        "证据不足": "查无实据",
        "无法查实": "查无实据",
        "sustained": "查实",
        "partially sustained": "部分查实",
        "not sustained": "查无实据",
        "unfounded": "不实",
        "exonerated": "其他",
    },
)

SUSTAINED_FINDINGS = frozenset({Finding.SUSTAINED, Finding.PARTLY_SUSTAINED})
"""The findings that count as "sustained" (查实 or 部分查实)."""


class HandlerRole(CnEnum):
    """The part an officer plays in handling a clue or case (person-level handling)."""

    CASE_OFFICER = "承办人"
    CHECKER = "核查人"
    REVIEWER = "审理人"
    OTHER = "其他"
    UNKNOWN = "未知"


class ComplainantType(CnEnum):
    """反映人类别: who raised the clue."""

    PUBLIC = "群众"
    ORGANISATION = "单位"
    ANONYMOUS = "匿名"
    INTERNAL = "内部"
    OTHER = "其他"
    UNKNOWN = "未知"


class InspectionKind(CnEnum):
    POLITICAL = "政治督察"
    PATROL = "巡察"
    AUDIT = "审计"
    SPECIAL = "专项整治"
    OTHER = "其他"
    UNKNOWN = "未知"


class RectificationStatus(CnEnum):
    PENDING = "未整改"
    IN_PROGRESS = "整改中"
    DONE = "已整改"
    UNKNOWN = "未知"


class DutyType(CnEnum):
    """四责协同: the four responsibilities."""

    MAIN = "主体责任"
    SUPERVISION = "监督责任"
    FIRST_PERSON = "第一责任人责任"
    ONE_POST_TWO_DUTIES = "一岗双责"


class ResponsibilityStatus(CnEnum):
    NOT_STARTED = "未开始"
    IN_PROGRESS = "推进中"
    DONE = "已完成"


class SupervisionType(CnEnum):
    """The seed's seven kinds of supervision."""

    POLITICAL = "政治监督"
    DISCIPLINE = "纪律监督"
    CONDUCT = "警务督察"
    AUDIT = "审计监督"
    FINANCE = "财务监督"
    PETITION = "信访监督"
    CADRE = "干部监督"


class RankScope(CnEnum):
    """Which ranks a supervision rule covers inside the supervised units."""

    ALL = "全部"
    DIVISION_AND_ABOVE = "处级及以上"
    SECTION_AND_BELOW = "科级及以下"


class CommitteePosition(CnEnum):
    SECRETARY = "书记"
    DEPUTY_SECRETARY = "副书记"
    MEMBER = "委员"


# ---------------------------------------------------------------------------------------------
# Field helpers
# ---------------------------------------------------------------------------------------------


def F(
    title: str, *, default: Any = ..., personal: bool = False, aliases: tuple[str, ...] = (), **kw: Any
) -> Any:
    """A field with its Chinese display name (also an accepted column header)."""
    extra: dict[str, Any] = {}
    if personal:
        extra["personal"] = True
    if aliases:
        extra["aliases"] = list(aliases)
    return Field(default, title=title, json_schema_extra=extra or None, **kw)


class Record(BaseModel):
    """Base of every row model: strips text, treats blank cells as missing."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True, use_enum_values=False)

    @field_validator("*", mode="before")
    @classmethod
    def _blank(cls, value: Any, info: ValidationInfo) -> Any:
        value = _blank_to_none(value)
        if value is None and info.field_name is not None:
            default = cls.model_fields[info.field_name].default
            if default is not None and default is not PydanticUndefined:
                return default  # a blank cell of a defaulted field (e.g. rank → 未知) takes the default
        return value


class Period(Record):
    """Start and end of a posting or role. An empty end means still in post."""

    start_date: CnDate | None = F("开始日期", default=None, aliases=("任职日期", "起始日期"))
    end_date: CnDate | None = F("结束日期", default=None, aliases=("离任日期", "终止日期"))


# ---------------------------------------------------------------------------------------------
# Node models
# ---------------------------------------------------------------------------------------------


class Unit(Record):
    """单位/部门: the bureau, sub-bureaus, departments, police branches, stations, teams and
    supervision bodies. A tree through PART_OF."""

    code: str = F("单位编码", aliases=("单位代码",), min_length=1, max_length=64)
    name: str | None = F("单位名称", default=None, max_length=200)
    kind: UnitKind = F("单位类型", default=UnitKind.UNKNOWN)
    level: UnitLevel = F("层级", default=UnitLevel.UNKNOWN)
    district: str | None = F("所属区县", default=None, max_length=64)
    police_type: PoliceType | None = F("警种", default=None)
    supervision_function: SupervisionFunction | None = F("监督职能", default=None)


class PartyOrg(Record):
    """党组织: Party committees, general branches and branches, set up in units."""

    code: str = F("党组织编码", min_length=1, max_length=64)
    name: str | None = F("党组织名称", default=None, max_length=200)
    kind: PartyOrgKind = F("党组织类型", default=PartyOrgKind.UNKNOWN)
    rating: BranchRating | None = F("评定等次", default=None)
    established_on: CnDate | None = F("成立日期", default=None)


class Officer(Record):
    """民警/辅警, keyed by badge number (警号). Only the badge number is required: old records of
    retired officers often lack the name, the rank or the birth year."""

    badge_no: str = F("警号", min_length=1, max_length=32)
    name: str | None = F("姓名", default=None, max_length=64)
    gender: Gender | None = F("性别", default=None)
    birth_year: int | None = F("出生年份", default=None, ge=1900, le=2015, personal=True)
    rank: Rank = F("职级", default=Rank.UNKNOWN)
    police_type: PoliceType | None = F("警种", default=None)
    post: str | None = F("岗位", default=None, max_length=100)
    high_risk_post: CnBool = F("高风险岗位", default=False, description="权力集中、资金密集、资源富集岗位")
    auxiliary: CnBool = F("是否辅警", default=False)
    id_number: str | None = F("身份证号", default=None, personal=True, max_length=18)
    phone: str | None = F("联系电话", default=None, personal=True, max_length=20)


class Clue(Record):
    """问题线索: an allegation against officers or a unit. Number and received date are required."""

    clue_no: str = F("线索编号", min_length=1, max_length=64)
    received_on: CnDate = F("受理日期", aliases=("收到日期",))
    source: ClueSource = F("线索来源", default=ClueSource.UNKNOWN)
    category: DisciplineCategory = F("问题类别", default=DisciplineCategory.UNKNOWN)
    status: ClueStatus = F("办理状态", default=ClueStatus.UNKNOWN)
    summary: str | None = F("问题摘要", default=None, personal=True, max_length=4000)
    incident_on: CnDate | None = F("发生日期", default=None, aliases=("问题发生日期",))
    place: str | None = F("发生地点", default=None, max_length=200, personal=True)
    district: str | None = F("发生区县", default=None, max_length=64, aliases=("所属区县",))
    complainant_type: ComplainantType = F(
        "反映人类别", default=ComplainantType.UNKNOWN, aliases=("举报人类别",)
    )


class Case(Record):
    """违纪违法案件, opened from clues; the outcome is one of the four forms."""

    case_no: str = F("案件编号", min_length=1, max_length=64)
    title: str | None = F("案件名称", default=None, max_length=200)
    violation_type: DisciplineCategory = F("违纪违法类型", default=DisciplineCategory.UNKNOWN)
    opened_on: CnDate = F("立案日期")
    closed_on: CnDate | None = F("结案日期", default=None)
    status: CaseStatus = F("案件状态", default=CaseStatus.UNKNOWN)
    form: Form | None = F("处理形态", default=None, aliases=("四种形态",))
    outcome: str | None = F("处理结果", default=None, max_length=1000)
    summary: str | None = F("案情摘要", default=None, personal=True, max_length=4000)


class Inspection(Record):
    """政治督察、巡察、审计、专项整治: a joint team visits target units and finds problems."""

    code: str = F("检查编号", min_length=1, max_length=64)
    name: str | None = F("检查名称", default=None, max_length=200)
    kind: InspectionKind = F("检查类型", default=InspectionKind.UNKNOWN)
    started_on: CnDate | None = F("开始日期", default=None)
    ended_on: CnDate | None = F("结束日期", default=None)


class Rectification(Record):
    """整改事项: one problem found by an inspection, owned by a unit, with a deadline."""

    code: str = F("整改编号", min_length=1, max_length=64)
    problem: str | None = F("问题描述", default=None, max_length=2000)
    deadline: CnDate | None = F("整改期限", default=None)
    status: RectificationStatus = F("整改状态", default=RectificationStatus.UNKNOWN)
    completed_on: CnDate | None = F("完成日期", default=None)


class Responsibility(Record):
    """责任清单事项: a key task of the year, of one of the four responsibilities."""

    code: str = F("责任编号", min_length=1, max_length=64)
    year: int = F("年度", ge=2000, le=2100)
    task: str = F("任务内容", min_length=1, max_length=2000)
    duty_type: DutyType = F("责任类型")
    status: ResponsibilityStatus = F("完成状态", default=ResponsibilityStatus.NOT_STARTED)
    due_on: CnDate | None = F("完成时限", default=None)


# ---------------------------------------------------------------------------------------------
# Relationship models: the endpoint key columns plus the relationship's own properties
# ---------------------------------------------------------------------------------------------


class UnitPartOf(Record):
    unit_code: str = F("单位编码", min_length=1)
    parent_code: str = F("上级单位编码", min_length=1)


class PartyOrgPartOf(Record):
    org_code: str = F("党组织编码", min_length=1)
    parent_code: str = F("上级党组织编码", min_length=1)


class PartyOrgInUnit(Record):
    org_code: str = F("党组织编码", min_length=1)
    unit_code: str = F("单位编码", min_length=1)


class Posting(Period):
    """A posting; an empty start date means "start unknown" (kept, never invented)."""

    badge_no: str = F("警号", min_length=1)
    unit_code: str = F("单位编码", min_length=1)
    post: str | None = F("岗位", default=None, max_length=100)


class Membership(Period):
    badge_no: str = F("警号", min_length=1)
    org_code: str = F("党组织编码", min_length=1)


class OfficerOrgRole(Period):
    badge_no: str = F("警号", min_length=1)
    org_code: str = F("党组织编码", min_length=1)


class CommitteeSeat(OfficerOrgRole):
    position: CommitteePosition = F("职务", default=CommitteePosition.MEMBER)


class OfficerUnitRole(Period):
    badge_no: str = F("警号", min_length=1)
    unit_code: str = F("单位编码", min_length=1)


class Liaison(Record):
    badge_no: str = F("警号", min_length=1, aliases=("联系领导警号",))
    unit_code: str = F("单位编码", min_length=1, aliases=("联系点编码",))
    assigned_on: CnDate | None = F("确定日期", default=None)
    last_visit_on: CnDate | None = F("最近走访日期", default=None)
    visits: int = F("走访次数", default=0, ge=0)


class Supervision(Period):
    body_code: str = F("监督机构编码", min_length=1)
    unit_code: str = F("被监督单位编码", min_length=1)
    supervision_type: SupervisionType = F("监督类型")
    rank_scope: RankScope = F("职级范围", default=RankScope.ALL)
    include_subtree: CnBool = F("含下级单位", default=True)


class Allegation(Record):
    """What a clue or case alleges against one officer, what was found and how it was disposed of.

    One officer may face several allegations in one clue: the link is keyed by the category and
    the free-text label (see ``RelSpec.merge_keys``).
    """

    allegation_category: DisciplineCategory = F(
        "指控类别", default=DisciplineCategory.UNKNOWN, aliases=("问题类别", "违纪违法类型")
    )
    allegation: str | None = F("指控内容", default=None, max_length=500, aliases=("反映问题", "指控"))
    finding: Finding = F("核查结论", default=Finding.UNKNOWN, aliases=("查处结论", "调查结论"))
    finding_raw: str | None = F(
        "原始结论", default=None, max_length=200, description="来源系统中的原始结论用语"
    )
    disposition: str | None = F(
        "处理结果", default=None, max_length=500, aliases=("处分", "处理", "sanction")
    )
    disposition_form: Form | None = F("处理形态", default=None, aliases=("四种形态", "form"))

    @model_validator(mode="before")
    @classmethod
    def _finding_from_source_term(cls, data: Any) -> Any:
        """Keep the source's own term: a finding that is not one of ours goes to ``finding_raw``
        (the finding becomes 其他); a blank finding is read from ``finding_raw`` when it can be."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        finding = _blank_to_none(data.get("finding"))
        raw = _blank_to_none(data.get("finding_raw"))
        if finding is not None and not isinstance(finding, Finding):
            text = str(finding).strip()
            try:
                parsed = Finding(text)
            except ValueError:
                data["finding"] = Finding.OTHER
                data["finding_raw"] = raw if raw is not None else text
            else:
                if raw is None and text != parsed.value:
                    data["finding_raw"] = text
        elif finding is None and raw is not None:
            try:
                data["finding"] = Finding(str(raw))
            except ValueError:
                data["finding"] = Finding.OTHER
        return data


class _ClueOfficer(Record):
    clue_no: str = F("线索编号", min_length=1)
    badge_no: str = F("警号", min_length=1)


class ClueSubject(Allegation, _ClueOfficer):
    """An officer a clue concerns, with the allegation (endpoint columns come first)."""


class ClueUnit(Record):
    clue_no: str = F("线索编号", min_length=1)
    unit_code: str = F("单位编码", min_length=1)


class ClueTransfer(Record):
    clue_no: str = F("线索编号", min_length=1)
    body_code: str = F("承办机构编码", min_length=1)
    transferred_on: CnDate = F("移送日期")
    feedback_on: CnDate | None = F("反馈日期", default=None)
    feedback_result: str | None = F("反馈结果", default=None, max_length=1000)


class ClueHandler(Record):
    clue_no: str = F("线索编号", min_length=1)
    body_code: str = F("承办机构编码", min_length=1)
    assigned_on: CnDate | None = F("分办日期", default=None)


class _CaseOfficer(Record):
    case_no: str = F("案件编号", min_length=1)
    badge_no: str = F("警号", min_length=1)
    role: InvolvementRole = F("涉案角色", default=InvolvementRole.UNKNOWN)


class CaseSubject(Allegation, _CaseOfficer):
    """An officer a case involves, with the allegation, the finding and the disposition."""


class HandlingPeriod(Record):
    start_date: CnDate | None = F("开始日期", default=None, aliases=("分配日期",))
    end_date: CnDate | None = F("结束日期", default=None)


class _ClueWorkerKeys(Record):
    badge_no: str = F("警号", min_length=1, aliases=("办理人警号",))
    clue_no: str = F("线索编号", min_length=1)
    role: HandlerRole = F("办理角色", default=HandlerRole.UNKNOWN)


class ClueWorker(HandlingPeriod, _ClueWorkerKeys):
    """An officer who handles, checks or reviews a clue (person-level, beside the body)."""


class _CaseWorkerKeys(Record):
    badge_no: str = F("警号", min_length=1, aliases=("办理人警号",))
    case_no: str = F("案件编号", min_length=1)
    role: HandlerRole = F("办理角色", default=HandlerRole.UNKNOWN)


class CaseWorker(HandlingPeriod, _CaseWorkerKeys):
    """An officer who investigates or reviews a case (person-level, beside the body)."""


class CaseClue(Record):
    case_no: str = F("案件编号", min_length=1)
    clue_no: str = F("线索编号", min_length=1)


class CaseHandler(Record):
    case_no: str = F("案件编号", min_length=1)
    body_code: str = F("承办机构编码", min_length=1)


class InspectionTarget(Record):
    inspection_code: str = F("检查编号", min_length=1)
    unit_code: str = F("被检查单位编码", min_length=1)


class InspectionTeam(Record):
    inspection_code: str = F("检查编号", min_length=1)
    unit_code: str = F("参与部门编码", min_length=1)


class RectificationSource(Record):
    rectification_code: str = F("整改编号", min_length=1)
    inspection_code: str = F("检查编号", min_length=1)


class RectificationOwner(Record):
    rectification_code: str = F("整改编号", min_length=1)
    unit_code: str = F("责任单位编码", min_length=1)


class ResponsibilityOfficer(Record):
    responsibility_code: str = F("责任编号", min_length=1)
    badge_no: str = F("警号", min_length=1)


class ResponsibilityUnit(Record):
    responsibility_code: str = F("责任编号", min_length=1)
    unit_code: str = F("单位编码", min_length=1)


# ---------------------------------------------------------------------------------------------
# Declarations
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeSpec:
    """A node type: its label, business key, row model, input file and how it is shown."""

    label: str
    title: str  # Chinese display name
    model: type[Record]
    key: str  # business key property
    file: str  # input file stem (units → units.csv / units.xlsx)
    scope: str  # data scope a role needs to read it (api roles)
    name_field: str = "name"  # what a view shows as the node's caption
    indexes: tuple[str, ...] = ()
    color: str = "#888888"
    shape: str = "dot"

    # Derived once per spec (specs and their models never change): every API answer reads them
    # for each node it shapes or masks.
    @cached_property
    def fields(self) -> Mapping[str, Any]:
        return MappingProxyType(dict(self.model.model_fields))

    @cached_property
    def personal_fields(self) -> frozenset[str]:
        return frozenset(n for n, f in self.model.model_fields.items() if _is_personal(f))


@dataclass(frozen=True)
class RelSpec:
    """A relationship type: ``(from_label {key: row[from_field]})-[type]->(to_label …)``.

    ``key_props`` are relationship properties that, with both endpoints, identify one
    relationship (a posting is identified by officer, unit and start date); all other
    properties are set on it.

    Neo4j's MERGE cannot match a null property, so a key property that may be missing (an
    optional field: a posting's start date, an allegation's label) is merged through a derived
    text property (``merge_keys``): ``start_date`` → ``start_key``, ``allegation`` →
    ``allegation_key``, holding the ISO date or the text, and ``""`` when unknown. The field
    itself is stored as usual (null when unknown). Key properties with a default (an enum's
    ``未知``) are merged on directly.
    """

    type: str
    title: str
    model: builtins.type[Record]  # ``builtins``: the field ``type`` shadows the builtin here
    from_label: str
    from_field: str
    to_label: str
    to_field: str
    file: str
    scope: str
    key_props: tuple[str, ...] = ()
    color: str = "#999999"
    dashes: bool = False
    indexes: tuple[str, ...] = ()
    """Relationship properties with a range index (the newest visit date: data_as_of)."""

    @cached_property
    def prop_fields(self) -> tuple[str, ...]:
        return tuple(n for n in self.model.model_fields if n not in (self.from_field, self.to_field))

    @property
    def merge_keys(self) -> dict[str, str]:
        """Key field → the relationship property MERGE matches on (derived for optional keys)."""
        return {
            k: derived_key_name(k) if _optional_key(self.model.model_fields[k]) else k for k in self.key_props
        }

    @property
    def has_period(self) -> bool:
        """True when the relationship carries ``end_date`` (a snapshot can end it)."""
        return "end_date" in self.model.model_fields

    @property
    def indexed_props(self) -> tuple[str, ...]:
        """Every relationship property with a range index: ``indexes``, and for a relationship a
        snapshot can end, its ``SNAPSHOT_PROPS`` (so an ingest finds the ended ones by index; only
        the few relationships that carry the property are in it)."""
        return self.indexes + (SNAPSHOT_PROPS if self.has_period else ())


def derived_key_name(field_name: str) -> str:
    """``start_date`` → ``start_key``; ``allegation`` → ``allegation_key``."""
    return field_name.removesuffix("_date") + "_key"


def derived_key_value(value: Any) -> str:
    """The derived merge-key value: ISO date or text; ``""`` for unknown."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value.value if isinstance(value, CnEnum) else value)


def _optional_key(info: Any) -> bool:
    return not info.is_required() and info.default is None


def _is_personal(info: Any) -> bool:
    extra = info.json_schema_extra
    return bool(isinstance(extra, dict) and extra.get("personal"))


NODE_SPECS: tuple[NodeSpec, ...] = (
    NodeSpec(
        "Unit",
        "单位",
        Unit,
        "code",
        "units",
        "org",
        indexes=("name", "kind", "district"),
        color="#4e79a7",
        shape="box",
    ),
    NodeSpec(
        "PartyOrg",
        "党组织",
        PartyOrg,
        "code",
        "party_orgs",
        "org",
        indexes=("name", "kind"),
        color="#e15759",
        shape="triangle",
    ),
    NodeSpec(
        "Officer",
        "民警",
        Officer,
        "badge_no",
        "officers",
        "officers",
        indexes=("name", "rank", "police_type"),
        color="#59a14f",
        shape="dot",
    ),
    NodeSpec(
        "Clue",
        "问题线索",
        Clue,
        "clue_no",
        "clues",
        "clues",
        name_field="clue_no",
        indexes=("received_on", "status", "source", "category"),
        color="#f28e2b",
        shape="diamond",
    ),
    NodeSpec(
        "Case",
        "案件",
        Case,
        "case_no",
        "cases",
        "cases",
        name_field="case_no",
        indexes=("opened_on", "closed_on", "violation_type", "form"),
        color="#b07aa1",
        shape="star",
    ),
    NodeSpec(
        "Inspection",
        "检查",
        Inspection,
        "code",
        "inspections",
        "inspections",
        indexes=("kind", "started_on"),
        color="#76b7b2",
        shape="hexagon",
    ),
    NodeSpec(
        "Rectification",
        "整改事项",
        Rectification,
        "code",
        "rectifications",
        "inspections",
        name_field="code",
        indexes=("deadline", "status"),
        color="#edc948",
        shape="square",
    ),
    NodeSpec(
        "Responsibility",
        "责任清单",
        Responsibility,
        "code",
        "responsibilities",
        "responsibilities",
        name_field="task",
        indexes=("year", "duty_type"),
        color="#9c755f",
        shape="ellipse",
    ),
)

PERSONAL_LABELS: frozenset[str] = frozenset(s.label for s in NODE_SPECS if s.personal_fields)
"""Labels whose nodes carry personal data: every read of one is recorded in the access log."""

REL_SPECS: tuple[RelSpec, ...] = (
    RelSpec(
        "PART_OF",
        "隶属",
        UnitPartOf,
        "Unit",
        "unit_code",
        "Unit",
        "parent_code",
        "unit_tree",
        "org",
        color="#4e79a7",
    ),
    RelSpec(
        "ORG_PART_OF",
        "党组织隶属",
        PartyOrgPartOf,
        "PartyOrg",
        "org_code",
        "PartyOrg",
        "parent_code",
        "party_org_tree",
        "org",
        color="#e15759",
    ),
    RelSpec(
        "SET_UP_IN",
        "建在",
        PartyOrgInUnit,
        "PartyOrg",
        "org_code",
        "Unit",
        "unit_code",
        "party_org_units",
        "org",
        color="#e15759",
        dashes=True,
    ),
    RelSpec(
        "SERVES_IN",
        "任职于",
        Posting,
        "Officer",
        "badge_no",
        "Unit",
        "unit_code",
        "postings",
        "officers",
        key_props=("start_date",),
        color="#59a14f",
    ),
    RelSpec(
        "MEMBER_OF",
        "党员隶属",
        Membership,
        "Officer",
        "badge_no",
        "PartyOrg",
        "org_code",
        "memberships",
        "officers",
        color="#e15759",
        dashes=True,
    ),
    RelSpec(
        "SECRETARY_OF",
        "支部书记",
        OfficerOrgRole,
        "Officer",
        "badge_no",
        "PartyOrg",
        "org_code",
        "branch_secretaries",
        "officers",
        color="#d62728",
    ),
    RelSpec(
        "DISCIPLINE_COMMISSIONER_OF",
        "纪检委员",
        OfficerOrgRole,
        "Officer",
        "badge_no",
        "PartyOrg",
        "org_code",
        "discipline_commissioners",
        "officers",
        color="#8c564b",
    ),
    RelSpec(
        "COMMITTEE_MEMBER_OF",
        "党委班子成员",
        CommitteeSeat,
        "Officer",
        "badge_no",
        "PartyOrg",
        "org_code",
        "committee_members",
        "officers",
        color="#d62728",
    ),
    RelSpec(
        "HEADS",
        "单位负责人",
        OfficerUnitRole,
        "Officer",
        "badge_no",
        "Unit",
        "unit_code",
        "unit_heads",
        "officers",
        color="#2ca02c",
    ),
    RelSpec(
        "IN_CHARGE_OF",
        "分管",
        OfficerUnitRole,
        "Officer",
        "badge_no",
        "Unit",
        "unit_code",
        "leader_fields",
        "officers",
        color="#17becf",
    ),
    RelSpec(
        "LIAISES_WITH",
        "联系基层",
        Liaison,
        "Officer",
        "badge_no",
        "Unit",
        "unit_code",
        "liaisons",
        "liaisons",
        color="#bcbd22",
        dashes=True,
        indexes=("last_visit_on",),
    ),
    RelSpec(
        "SUPERVISES",
        "监督",
        Supervision,
        "Unit",
        "body_code",
        "Unit",
        "unit_code",
        "supervision",
        "org",
        key_props=("supervision_type", "rank_scope"),
        color="#7f7f7f",
    ),
    RelSpec(
        "CONCERNS",
        "反映",
        ClueSubject,
        "Clue",
        "clue_no",
        "Officer",
        "badge_no",
        "clue_subjects",
        "clues",
        key_props=("allegation_category", "allegation"),
        color="#f28e2b",
    ),
    RelSpec(
        "CONCERNS_UNIT",
        "反映单位",
        ClueUnit,
        "Clue",
        "clue_no",
        "Unit",
        "unit_code",
        "clue_units",
        "clues",
        color="#f28e2b",
        dashes=True,
    ),
    RelSpec(
        "TRANSFERRED_TO",
        "移送",
        ClueTransfer,
        "Clue",
        "clue_no",
        "Unit",
        "body_code",
        "clue_transfers",
        "clues",
        color="#ff7f0e",
    ),
    RelSpec(
        "HANDLED_BY",
        "承办",
        ClueHandler,
        "Clue",
        "clue_no",
        "Unit",
        "body_code",
        "clue_handlers",
        "clues",
        color="#ffbb78",
    ),
    RelSpec(
        "INVOLVES",
        "涉及",
        CaseSubject,
        "Case",
        "case_no",
        "Officer",
        "badge_no",
        "case_subjects",
        "cases",
        key_props=("allegation_category", "allegation"),
        color="#b07aa1",
    ),
    RelSpec(
        "ARISES_FROM",
        "源于线索",
        CaseClue,
        "Case",
        "case_no",
        "Clue",
        "clue_no",
        "case_clues",
        "cases",
        color="#b07aa1",
        dashes=True,
    ),
    RelSpec(
        "INVESTIGATED_BY",
        "查办",
        CaseHandler,
        "Case",
        "case_no",
        "Unit",
        "body_code",
        "case_handlers",
        "cases",
        color="#9467bd",
    ),
    RelSpec(
        "WORKS_ON_CLUE",
        "办理线索",
        ClueWorker,
        "Officer",
        "badge_no",
        "Clue",
        "clue_no",
        "clue_workers",
        "clues",
        key_props=("role",),
        color="#ffbb78",
        dashes=True,
    ),
    RelSpec(
        "WORKS_ON_CASE",
        "办理案件",
        CaseWorker,
        "Officer",
        "badge_no",
        "Case",
        "case_no",
        "case_workers",
        "cases",
        key_props=("role",),
        color="#9467bd",
        dashes=True,
    ),
    RelSpec(
        "TARGETS",
        "检查对象",
        InspectionTarget,
        "Inspection",
        "inspection_code",
        "Unit",
        "unit_code",
        "inspection_targets",
        "inspections",
        color="#76b7b2",
    ),
    RelSpec(
        "STAFFED_BY",
        "参与部门",
        InspectionTeam,
        "Inspection",
        "inspection_code",
        "Unit",
        "unit_code",
        "inspection_teams",
        "inspections",
        color="#76b7b2",
        dashes=True,
    ),
    RelSpec(
        "FOUND_BY",
        "发现于",
        RectificationSource,
        "Rectification",
        "rectification_code",
        "Inspection",
        "inspection_code",
        "rectification_sources",
        "inspections",
        color="#edc948",
    ),
    RelSpec(
        "ISSUED_TO",
        "责任单位",
        RectificationOwner,
        "Rectification",
        "rectification_code",
        "Unit",
        "unit_code",
        "rectification_owners",
        "inspections",
        color="#edc948",
        dashes=True,
    ),
    RelSpec(
        "ASSIGNED_TO",
        "责任人",
        ResponsibilityOfficer,
        "Responsibility",
        "responsibility_code",
        "Officer",
        "badge_no",
        "responsibility_officers",
        "responsibilities",
        color="#9c755f",
    ),
    RelSpec(
        "ASSIGNED_TO_UNIT",
        "责任单位",
        ResponsibilityUnit,
        "Responsibility",
        "responsibility_code",
        "Unit",
        "unit_code",
        "responsibility_units",
        "responsibilities",
        color="#9c755f",
        dashes=True,
    ),
)


@dataclass(frozen=True)
class InternalLabel:
    """Bookkeeping nodes that are not part of the domain (not ingested, not shown in views)."""

    label: str
    key: str
    indexes: tuple[str, ...] = field(default=())


INTERNAL_LABELS: tuple[InternalLabel, ...] = (
    InternalLabel("IngestRun", "run_id", ("started_at",)),
    InternalLabel("ApiToken", "token_id", ("token_hash",)),
    InternalLabel("AccessRecord", "record_id", ("at", "token_id")),
    InternalLabel("ApiSession", "session_hash", ("token_id",)),
)

PROVENANCE_PROPS = ("ingest_run", "source_file")
"""Stamped on every node and relationship an ingest run writes: the run id and the source file."""
CHANGE_STAMP = "changed_run"
"""The id of the last ingest run that changed a node's or relationship's values (or created it);
a rerun with the same data leaves it alone. Incremental sync (``changed_since``) reads it."""

RENAMED_REL_PROPS: dict[tuple[str, str], str] = {
    ("INVOLVES", "form"): "disposition_form",
    ("INVOLVES", "sanction"): "disposition",
}
"""Relationship properties renamed since earlier versions: (type, old name) → new name. An ingest
run moves old values over once (the old column headers stay accepted as aliases)."""

SNAPSHOT_PROPS = ("ended_by_run",)
"""Stamped on a relationship that a snapshot ingest ended (``end_date`` set to the export date):
the id of that run. A later export that lists the relationship again reopens it."""

_NODES_BY_LABEL = {s.label: s for s in NODE_SPECS}
_RELS_BY_TYPE = {s.type: s for s in REL_SPECS}


def node_spec(label: str) -> NodeSpec:
    """The declaration of a node label; ``KeyError`` names the known labels."""
    try:
        return _NODES_BY_LABEL[label]
    except KeyError:
        raise KeyError(f"unknown node type {label!r}; known: {', '.join(_NODES_BY_LABEL)}") from None


def rel_spec(rel_type: str) -> RelSpec:
    """The declaration of a relationship type; ``KeyError`` names the known types."""
    try:
        return _RELS_BY_TYPE[rel_type]
    except KeyError:
        raise KeyError(f"unknown relationship type {rel_type!r}; known: {', '.join(_RELS_BY_TYPE)}") from None


def _check_declarations() -> None:
    """Fail at import if a declaration contradicts itself."""
    labels = set(_NODES_BY_LABEL)
    files = [s.file for s in NODE_SPECS] + [s.file for s in REL_SPECS]
    assert len(files) == len(set(files)), "input file names must be unique"
    assert len(_RELS_BY_TYPE) == len(REL_SPECS), "relationship types must be unique"
    ident = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
    for n in NODE_SPECS:
        assert ident.match(n.label), n.label
        assert n.key in n.model.model_fields, f"{n.label}: key {n.key} is not a field"
        assert n.model.model_fields[n.key].is_required(), f"{n.label}: key must be required"
        assert n.name_field in n.model.model_fields, f"{n.label}: name_field {n.name_field}"
        for ix in n.indexes:
            assert ix in n.model.model_fields, f"{n.label}: index on unknown field {ix}"
    for r in REL_SPECS:
        assert ident.match(r.type), r.type
        for ix in r.indexes:
            assert ix in r.prop_fields, f"{r.type}: index on unknown property {ix}"
        assert r.from_label in labels and r.to_label in labels, r.type
        for f in (r.from_field, r.to_field, *r.key_props):
            assert f in r.model.model_fields, f"{r.type}: unknown field {f}"
        for f, stored in r.merge_keys.items():
            assert stored == f or stored not in r.model.model_fields, (
                f"{r.type}: derived key {stored} is a field"
            )


_check_declarations()


# =============================================================================================
# Supervision orders (督办) and consultations (会商): the office's own work.
#
# Not ingest data: these types are kept out of NODE_SPECS / REL_SPECS, so the ingest contract,
# the input-file discovery and ``kg ingest`` never read, write or delete them. They are created
# only through ``graph.orders`` (``kg order``, the /orders and /consultations API) and exist
# nowhere else: ``kg db backup`` saves them.
# =============================================================================================


class OrderKind(CnEnum):
    """督办措施: the five measures the office issues."""

    WORK_REMINDER = "工作提示"
    SUPERVISION_ORDER = "督办单"
    REMINDER_TALK = "提醒谈话"
    INQUIRY = "约谈函询"
    DISCIPLINE_RECOMMENDATION = "纪检建议书"


class OrderState(CnEnum):
    """已下发 → 已签收 → 已反馈 → 已办结; 退回 goes back to 已下发; 已撤销 ends it."""

    ISSUED = "已下发"
    SIGNED = "已签收"
    ANSWERED = "已反馈"
    CLOSED = "已办结"
    CANCELLED = "已撤销"


class OrderAction(CnEnum):
    """One step of an order's history (an ``OrderEvent``). Input may be the English name (``sign``)."""

    ISSUE = "下发"
    SIGN = "签收"
    FEEDBACK = "反馈"
    CLOSE = "办结"
    RETURN = "退回"
    CANCEL = "撤销"


class OrderPriority(CnEnum):
    NORMAL = "一般"
    IMPORTANT = "重要"
    URGENT = "紧急"


class ConsultationKind(CnEnum):
    REGULAR = "定期"
    THEMATIC = "专题"
    CASE = "个案"


class SupervisionOrder(Record):
    """督办单 and the other measures: issued by a body to a unit, about graph entities, with a deadline."""

    order_no: str = F("督办编号", aliases=("文号",), min_length=1, max_length=64)
    kind: OrderKind = F("督办类型", aliases=("措施类型",))
    title: str = F("标题", min_length=1, max_length=200)
    requirement: str | None = F("工作要求", default=None, max_length=4000)
    issued_on: CnDate = F("下发日期")
    deadline: CnDate = F("办理期限", aliases=("反馈期限",))
    priority: OrderPriority = F("紧急程度", default=OrderPriority.NORMAL)
    state: OrderState = F("办理状态", default=OrderState.ISSUED)
    answered_on: CnDate | None = F("反馈日期", default=None)
    closed_on: CnDate | None = F("办结日期", default=None)


class OrderEvent(Record):
    """One append-only step of an order's history; never changed once written."""

    event_id: str = F("事件编号", min_length=1, max_length=80)  # ``<order_no>#<seq>``
    order_no: str = F("督办编号", min_length=1, max_length=64)
    seq: int = F("序号", ge=1)
    action: OrderAction = F("办理环节")
    state_from: OrderState | None = F("原状态", default=None)
    state_to: OrderState = F("新状态")
    on: CnDate = F("办理日期")
    actor: str = F("办理人", min_length=1, max_length=100)
    role: str = F("角色", min_length=1, max_length=64)
    text: str | None = F("内容", default=None, max_length=4000)
    attachment_names: tuple[str, ...] = F("附件名称", default=())
    attachment_hashes: tuple[str, ...] = F("附件SHA-256", default=())


class Consultation(Record):
    """会商研讨: a meeting of supervision bodies on clues, cases and units; its decisions become orders."""

    consultation_no: str = F("会商编号", min_length=1, max_length=64)
    held_on: CnDate = F("会商日期")
    kind: ConsultationKind = F("会商类型")
    subject: str = F("议题", min_length=1, max_length=200)
    decisions: tuple[str, ...] = F("会商决定", default=())


class ClusterSnapshot(Record):
    """A risk cluster as it was when an order named it (cluster ids change with every run)."""

    snapshot_id: str = F("快照编号", min_length=1, max_length=64)
    cluster_id: str = F("群组编号", min_length=1, max_length=16)
    as_of: CnDate = F("截至日期")
    kind: str = F("群组类型", max_length=16)
    officers: tuple[str, ...] = F("民警警号", default=())


class OrderInput(Record):
    """A new order as issued (``kg order create``, ``kg order import``, POST /orders).

    ``targets`` are entity ids ``Label:key`` (``Unit:U01F01P02``, ``Officer:010203``, ``Clue:…``,
    ``Case:…``, ``Rectification:…``, ``ClusterSnapshot:…`` or ``Cluster:K3`` for a risk cluster
    of that date), separated by ``;``, ``,``, ``、`` or spaces in a spreadsheet cell.
    """

    order_no: str | None = F("督办编号", default=None, aliases=("文号",), max_length=64)
    kind: OrderKind = F("督办类型", aliases=("措施类型",))
    title: str = F("标题", min_length=1, max_length=200)
    requirement: str | None = F("工作要求", default=None, max_length=4000)
    issuer_code: str | None = F("下发单位编码", default=None, max_length=64)
    assignee_code: str = F("承办单位编码", aliases=("责任单位编码",), min_length=1, max_length=64)
    targets: tuple[str, ...] = F("督办对象", default=())
    issued_on: CnDate | None = F("下发日期", default=None)
    deadline: CnDate = F("办理期限", aliases=("反馈期限",))
    priority: OrderPriority = F("紧急程度", default=OrderPriority.NORMAL)

    @field_validator("targets", mode="before")
    @classmethod
    def _split_targets(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(p for p in re.split(r"[;；,，、\s]+", value) if p)
        return value


ORDER_TARGET_LABELS = ("Unit", "Officer", "Clue", "Case", "Rectification", "ClusterSnapshot")
"""What an order may be about."""

ORDER_NODE_SPECS: tuple[NodeSpec, ...] = (
    NodeSpec(
        "SupervisionOrder",
        "督办单",
        SupervisionOrder,
        "order_no",
        "orders",
        "orders",
        name_field="title",
        indexes=("state", "deadline", "issued_on", "kind"),
        color="#c0392b",
        shape="box",
    ),
    NodeSpec(
        "OrderEvent",
        "办理记录",
        OrderEvent,
        "event_id",
        "order_events",
        "orders",
        name_field="action",
        indexes=("order_no",),
        color="#999999",
        shape="dot",
    ),
    NodeSpec(
        "Consultation",
        "会商",
        Consultation,
        "consultation_no",
        "consultations",
        "orders",
        name_field="subject",
        indexes=("held_on",),
        color="#8e44ad",
        shape="hexagon",
    ),
    NodeSpec(
        "ClusterSnapshot",
        "风险群组快照",
        ClusterSnapshot,
        "snapshot_id",
        "cluster_snapshots",
        "orders",
        name_field="cluster_id",
        color="#e67e22",
        shape="dot",
    ),
)


@dataclass(frozen=True)
class OrderRel:
    """A relationship type of the orders block: ``(from_label)-[type]->(one of to_labels)``."""

    type: str
    title: str
    from_label: str
    to_labels: tuple[str, ...]


ORDER_REL_TYPES: tuple[OrderRel, ...] = (
    OrderRel("ORDER_ISSUED_BY", "下发单位", "SupervisionOrder", ("Unit",)),
    OrderRel("ORDER_ASSIGNED_TO", "承办单位", "SupervisionOrder", ("Unit",)),
    OrderRel("ORDER_ABOUT", "督办对象", "SupervisionOrder", ORDER_TARGET_LABELS),
    OrderRel("ORDER_HISTORY", "办理记录", "SupervisionOrder", ("OrderEvent",)),
    OrderRel("DECIDED_IN", "会商决定", "SupervisionOrder", ("Consultation",)),
    OrderRel("CONSULTATION_BODY", "参加单位", "Consultation", ("Unit",)),
    OrderRel("CONSULTATION_ABOUT", "会商对象", "Consultation", ("Unit", "Clue", "Case", "Officer")),
    OrderRel("SNAPSHOT_MEMBER", "群组成员", "ClusterSnapshot", ("Officer",)),
)

INTERNAL_LABELS = (*INTERNAL_LABELS, InternalLabel("OrderCounter", "name"))
"""``OrderCounter {name: "DB2026"}`` hands out order and consultation numbers."""

_ORDER_NODES = {s.label: s for s in ORDER_NODE_SPECS}
_ORDER_RELS = {r.type: r for r in ORDER_REL_TYPES}


def order_node_spec(label: str) -> NodeSpec:
    try:
        return _ORDER_NODES[label]
    except KeyError:
        raise KeyError(f"unknown order node type {label!r}; known: {', '.join(_ORDER_NODES)}") from None


def order_rel(rel_type: str) -> OrderRel:
    try:
        return _ORDER_RELS[rel_type]
    except KeyError:
        raise KeyError(f"unknown order relationship {rel_type!r}; known: {', '.join(_ORDER_RELS)}") from None


def _check_order_declarations() -> None:
    known = set(_NODES_BY_LABEL) | set(_ORDER_NODES)
    assert not set(_ORDER_NODES) & set(_NODES_BY_LABEL), "order labels must not be ingest labels"
    assert not set(_ORDER_RELS) & set(_RELS_BY_TYPE), "order relationship types must be new"
    for r in ORDER_REL_TYPES:
        assert r.from_label in known and set(r.to_labels) <= known, r.type
    for n in ORDER_NODE_SPECS:
        assert n.key in n.model.model_fields and n.name_field in n.model.model_fields, n.label


_check_order_declarations()
