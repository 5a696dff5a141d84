"""One city bureau of the sample: its unit tree, people, Party organisations and supervision work.

``CityBuilder.build()`` streams rows into a ``Sink`` and records the patterns it plants on purpose
(clusters of co-involved officers). Everything else the answer key lists is computed afterwards
from the written rows (``ingest.sample_key``), so background noise can never make the key wrong.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeVar

from graph.schema import (
    BranchRating,
    CaseStatus,
    ClueSource,
    ClueStatus,
    CommitteePosition,
    ComplainantType,
    DisciplineCategory,
    DutyType,
    Finding,
    Form,
    Gender,
    HandlerRole,
    InspectionKind,
    InvolvementRole,
    PartyOrgKind,
    PoliceType,
    Rank,
    RankScope,
    RectificationStatus,
    ResponsibilityStatus,
    SupervisionFunction,
    SupervisionType,
    UnitKind,
    UnitLevel,
)
from graph.thresholds import NEST_MIN_OFFICERS
from ingest.names import NameMaker, id_number, phone_number
from ingest.sample_sink import Sink, yes_no

__all__ = ["CityBuilder", "CityParams", "PlantedCluster"]

_E = TypeVar("_E", bound=Enum)


@dataclass(frozen=True)
class CityParams:
    sub_bureaus: int = 20
    stations: tuple[int, int] = (7, 10)
    clues: int = 5000
    case_share: float = 0.33
    inspections: int = 75
    problems_per_inspection: tuple[int, int] = (14, 26)
    responsibilities_per_committee_year: tuple[int, int] = (14, 22)
    planted: int = 8  # clusters of each kind, uncovered and stale units
    years: int = 4


@dataclass
class U:
    code: str
    name: str
    kind: UnitKind
    level: UnitLevel
    district: str | None
    police_type: PoliceType | None = None
    function: SupervisionFunction | None = None
    parent: str | None = None
    sub_bureau: str | None = None  # code of the 分局 whose subtree holds this unit
    region: str = "110101"
    officers: list[int] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)


@dataclass
class Off:
    badge: str
    rank: Rank
    unit: str
    post: str
    high_risk: bool
    start: dt.date


@dataclass
class PlantedCluster:
    kind: str
    officers: list[str]
    units: list[str]
    cases: list[str]
    clues: list[str]


_DISTRICTS = (
    "城东区",
    "城西区",
    "城南区",
    "城北区",
    "江北区",
    "江南区",
    "高新区",
    "经开区",
    "临江区",
    "滨湖区",
    "青山区",
    "白沙区",
    "桃源县",
    "清河县",
    "石门县",
    "龙泉县",
    "凤凰县",
    "长乐县",
    "安平县",
    "永宁县",
    "和平县",
    "新港区",
    "东湖区",
    "西山区",
    "南岭县",
)
_STATION_NAMES = (
    "城关",
    "东门",
    "西门",
    "南街",
    "北关",
    "河口",
    "新村",
    "中山路",
    "人民路",
    "解放路",
    "建设路",
    "桥头",
    "湖滨",
    "车站",
    "工业园",
    "开发区",
    "沙河",
    "柳林",
    "杨庄",
    "枫林",
    "松岗",
    "石桥",
)
_DEPARTMENTS = (
    "办公室",
    "政治部",
    "指挥中心",
    "科技信息化处",
    "宣传处",
    "教育训练处",
    "后勤服务中心",
    "政策研究室",
)
_SUPERVISION_BODIES = (
    ("从严办", "全面从严管党治警领导小组办公室", SupervisionFunction.STRICT_GOVERNANCE_OFFICE),
    ("JJZ", "驻局纪检监察组", SupervisionFunction.STATIONED_DISCIPLINE_GROUP),
    ("JGJW", "机关纪委", SupervisionFunction.ORGAN_DISCIPLINE_COMMITTEE),
    ("DC", "督察支队", SupervisionFunction.INSPECTION),
    ("SJ", "审计处", SupervisionFunction.AUDIT),
    ("JB", "警务保障部", SupervisionFunction.FINANCE),
    ("XF", "信访处", SupervisionFunction.PETITION),
    ("RS", "人事处", SupervisionFunction.PERSONNEL),
    ("FZ", "法制支队", SupervisionFunction.LEGAL),
    ("JGDW", "机关党委", SupervisionFunction.ORGAN_PARTY_COMMITTEE),
)
# 警种支队 with their 大队
_BRANCHES: tuple[tuple[str, PoliceType, tuple[str, ...]], ...] = (
    ("刑事侦查支队", PoliceType.CRIMINAL, ("重案大队", "技术大队", "反诈大队")),
    ("交通警察支队", PoliceType.TRAFFIC, ("车辆管理所", "事故处理大队", "高速公路大队")),
    ("治安管理支队", PoliceType.PUBLIC_ORDER, ("行动大队", "特行管理大队")),
    ("网络安全保卫支队", PoliceType.CYBER, ("侦查大队", "网络巡查大队")),
    ("经济犯罪侦查支队", PoliceType.ECONOMIC, ("金融犯罪侦查大队", "涉众型犯罪侦查大队")),
    ("禁毒支队", PoliceType.NARCOTICS, ("缉毒大队", "禁毒管理大队")),
    ("巡特警支队", PoliceType.PATROL, ("特警大队", "巡逻大队", "机动大队")),
    ("出入境管理支队", PoliceType.ENTRY_EXIT, ("签证大队",)),
    ("监所管理支队", PoliceType.DETENTION, ("看守所", "拘留所")),
    ("情报指挥支队", PoliceType.INTELLIGENCE, ("情报研判大队",)),
)
_SB_TEAMS = (
    ("刑侦大队", PoliceType.CRIMINAL),
    ("治安大队", PoliceType.PUBLIC_ORDER),
    ("交警大队", PoliceType.TRAFFIC),
)

# Posts: (name, high risk). High-risk posts are power-, fund- or resource-intensive.
_HIGH_RISK = ("执法办案", "涉案财物管理", "车管窗口", "工程项目", "采购")
_POSTS_BY_TYPE: dict[PoliceType | None, tuple[tuple[str, float], ...]] = {
    PoliceType.LOCAL: (
        ("社区警务", 4),
        ("户籍管理", 1.5),
        ("执法办案", 2.5),
        ("涉案财物管理", 0.3),
        ("接处警", 3),
        ("内勤", 1),
    ),
    PoliceType.CRIMINAL: (
        ("执法办案", 5),
        ("刑事技术", 2),
        ("涉案财物管理", 0.6),
        ("情报研判", 1),
        ("内勤", 0.5),
    ),
    PoliceType.TRAFFIC: (
        ("路面执勤", 4),
        ("事故处理", 1.5),
        ("执法办案", 1.2),
        ("车管窗口", 1.5),
        ("内勤", 0.5),
    ),
    PoliceType.PUBLIC_ORDER: (("执法办案", 3), ("特种行业管理", 1.5), ("治安巡查", 2), ("内勤", 0.5)),
    PoliceType.CYBER: (("网络巡查", 3), ("执法办案", 2), ("技术支持", 1.5)),
    PoliceType.ECONOMIC: (("执法办案", 4), ("涉案财物管理", 1), ("资金查控", 1.5)),
    PoliceType.NARCOTICS: (("执法办案", 4), ("涉案财物管理", 0.8), ("禁毒宣传", 1)),
    PoliceType.PATROL: (("巡逻防控", 5), ("特警处突", 3), ("装备管理", 0.6)),
    PoliceType.ENTRY_EXIT: (("证件受理", 3), ("执法办案", 1), ("外国人管理", 1.5)),
    PoliceType.DETENTION: (("监所管理", 5), ("执法办案", 0.5), ("医疗卫生", 0.5)),
    PoliceType.INTELLIGENCE: (("指挥调度", 3), ("情报研判", 3)),
    PoliceType.LEGAL: (("执法监督", 3), ("案件审核", 3)),
    PoliceType.SUPERVISION: (("纪检监察", 3), ("督察", 2), ("审计", 1)),
    PoliceType.ADMIN: (
        ("综合文秘", 3),
        ("组织人事", 1.5),
        ("财务", 1),
        ("采购", 0.6),
        ("工程项目", 0.4),
        ("宣传", 1),
    ),
}

_PROBLEMS = (
    "执法办案场所管理不规范",
    "涉案财物登记台账不全",
    "“三重一大”事项集体决策记录缺失",
    "公务用车使用登记不全",
    "党支部“三会一课”落实不到位",
    "接处警记录与执法记录仪视频不一致",
    "辅警管理制度不健全",
    "窗口单位收费公示不规范",
    "工程项目招投标程序不规范",
    "政府采购验收环节缺失",
    "案件审核把关不严",
    "信访件办理超期",
    "警务督察发现问题整改不彻底",
    "廉政风险点排查不全面",
    "民警八小时以外监督缺位",
    "执法记录仪使用率偏低",
    "值班备勤制度落实不严",
    "枪支弹药管理台账不规范",
    "内务管理不规范",
    "经费报销手续不全",
)
_TASKS = {
    DutyType.MAIN: (
        "研究部署年度全面从严管党治警工作",
        "召开党风廉政建设专题会议",
        "开展警示教育月活动",
        "落实意识形态工作责任制",
        "组织开展政治生态分析研判",
    ),
    DutyType.SUPERVISION: (
        "开展执法权力运行专项监督",
        "对高风险岗位开展廉政谈话",
        "督办问题线索按期办结",
        "开展“一案一整改”回头看",
        "对重点领域开展专项检查",
    ),
    DutyType.FIRST_PERSON: (
        "带头讲廉政党课",
        "与班子成员开展廉政谈话",
        "亲自督办重大信访件",
        "主持研究整改方案并督促落实",
    ),
    DutyType.ONE_POST_TWO_DUTIES: (
        "对分管部门开展廉政风险排查",
        "与分管部门负责人开展提醒谈话",
        "督促分管部门落实整改",
        "深入联系点调研指导",
    ),
}
_OUTCOMES = {
    Form.FIRST: ("谈话提醒", "批评教育", "责令检查", "诫勉"),
    Form.SECOND: ("警告处分", "记过处分", "党内警告", "严重警告"),
    Form.THIRD: ("记大过处分", "降级", "撤职", "留党察看"),
    Form.FOURTH: ("开除党籍、开除公职，移送司法机关", "移送检察机关审查起诉"),
}
_FEEDBACK = (
    "经核查，反映问题基本属实，已作诫勉处理",
    "经核查，反映问题不属实，予以了结",
    "已立案审查",
    "部分属实，已谈话提醒",
    "经初核，问题线索予以了结",
)
_SUMMARY = {
    DisciplineCategory.INTEGRITY: "反映其在{post}岗位收受管理服务对象礼品礼金",
    DisciplineCategory.WORK: "反映其在{post}工作中敷衍塞责、执法不规范",
    DisciplineCategory.MASS: "反映其在{post}工作中态度恶劣、吃拿卡要",
    DisciplineCategory.LIFE: "反映其存在违规饮酒、生活作风问题",
    DisciplineCategory.ORGANIZATIONAL: "反映其不如实报告个人有关事项",
    DisciplineCategory.POLITICAL: "反映其在网络发表不当言论",
    DisciplineCategory.LAW: "反映其在{post}工作中涉嫌违法违规",
}


def _cum(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


class CityBuilder:
    """Builds one city bureau. ``idx`` (1-based) prefixes every code so cities never collide."""

    def __init__(
        self,
        rng: random.Random,
        sink: Sink,
        idx: int,
        city: str,
        as_of: dt.date,
        params: CityParams,
        badges: Iterator[str],
        names: NameMaker,
    ) -> None:
        self.rng, self.sink, self.idx, self.city, self.as_of, self.p = rng, sink, idx, city, as_of, params
        self.badges, self.names = badges, names
        self.units: dict[str, U] = {}
        self.officers: list[Off] = []
        self.reserved: set[int] = set()  # officers in planted clusters: kept out of the noise
        self.clusters: list[PlantedCluster] = []
        self.px = f"{idx:02d}"
        self._clue_seq = itertools.count(1)
        self._case_seq = itertools.count(1)
        # The fields added later (allegations, handlers, clue places, the archive of old records)
        # draw from their own generator, so the rows and patterns of the first design stay identical.
        # Seeded from the state's integers only: hash(None) inside getstate() differs between
        # processes before Python 3.12, which made the files differ from run to run.
        self.xrng = random.Random(hash(rng.getstate()[1]) ^ idx)
        self.clue_log: list[tuple[str, list[int], dt.date, str | None]] = []  # no, subjects, received, body
        self.case_log: list[tuple[str, list[int], dt.date, str]] = []
        self.retired: list[str] = []

    # ------------------------------------------------------------------ helpers
    def day(self, days_ago: int) -> dt.date:
        return self.as_of - dt.timedelta(days=days_ago)

    def clip(self, d: dt.date) -> dt.date:
        return min(d, self.as_of)

    def iso(self, d: dt.date | None) -> str:
        return d.isoformat() if d else ""

    def body(self, key: str) -> str:
        return f"U{self.px}S{key}"

    # ------------------------------------------------------------------ build
    def build(self) -> list[PlantedCluster]:
        self._units()
        self._officers()
        self._party()
        self._leadership()
        self._supervision()
        self._liaisons()
        self._clusters()
        self._clues_and_cases()
        self._inspections()
        self._responsibilities()
        self._workers()
        self._archive()
        return self.clusters

    # ------------------------------------------------------------------ units
    def _add_unit(self, u: U) -> U:
        self.units[u.code] = u
        self.sink.row(
            "units",
            code=u.code,
            name=u.name,
            kind=u.kind.value,
            level=u.level.value,
            district=u.district or "",
            police_type=u.police_type.value if u.police_type else "",
            supervision_function=u.function.value if u.function else "",
        )
        if u.parent:
            self.sink.row("unit_tree", unit_code=u.code, parent_code=u.parent)
        return u

    def _units(self) -> None:
        rng, city, px = self.rng, self.city, self.px
        region_base = 320000 + (self.idx % 100) * 100
        root = self._add_unit(
            U(
                f"U{px}",
                f"{city}公安局",
                UnitKind.BUREAU,
                UnitLevel.CITY,
                None,
                PoliceType.ADMIN,
                region=f"{region_base:06d}",
            )
        )
        self.root = root.code
        for i, name in enumerate(_DEPARTMENTS, 1):
            self._add_unit(
                U(
                    f"U{px}J{i:02d}",
                    f"{city}公安局{name}",
                    UnitKind.DEPARTMENT,
                    UnitLevel.CITY,
                    None,
                    PoliceType.ADMIN,
                    parent=root.code,
                    region=root.region,
                )
            )
        for key, name, fn in _SUPERVISION_BODIES:
            code = self.body(key if key.isascii() else "CYB")
            self._add_unit(
                U(
                    code,
                    f"{city}公安局{name}",
                    UnitKind.SUPERVISION_BODY,
                    UnitLevel.CITY,
                    None,
                    PoliceType.SUPERVISION if fn is not SupervisionFunction.LEGAL else PoliceType.LEGAL,
                    function=fn,
                    parent=root.code,
                    region=root.region,
                )
            )
        self._add_unit(
            U(
                self.body("SJW"),
                f"{city}纪委监委",
                UnitKind.EXTERNAL,
                UnitLevel.CITY,
                None,
                function=SupervisionFunction.CITY_DISCIPLINE_COMMISSION,
                region=root.region,
            )
        )
        self._add_unit(
            U(
                self.body("ZFW"),
                f"{city}委政法委",
                UnitKind.EXTERNAL,
                UnitLevel.CITY,
                None,
                function=SupervisionFunction.POLITICAL_LEGAL_COMMITTEE,
                region=root.region,
            )
        )
        self.branches: list[str] = []
        for i, (name, ptype, teams) in enumerate(_BRANCHES, 1):
            b = self._add_unit(
                U(
                    f"U{px}Z{i:02d}",
                    f"{city}公安局{name}",
                    UnitKind.POLICE_BRANCH,
                    UnitLevel.CITY,
                    None,
                    ptype,
                    parent=root.code,
                    region=root.region,
                )
            )
            self.branches.append(b.code)
            for j, team in enumerate(teams, 1):
                self._add_unit(
                    U(
                        f"{b.code}D{j:02d}",
                        f"{b.name}{team}",
                        UnitKind.TEAM,
                        UnitLevel.GRASSROOTS,
                        None,
                        ptype,
                        parent=b.code,
                        region=root.region,
                    )
                )
        self.sub_bureaus: list[str] = []
        districts = list(_DISTRICTS)
        for i in range(1, self.p.sub_bureaus + 1):
            district = districts[(i - 1) % len(districts)]
            region = f"{region_base + i:06d}"
            sb = self._add_unit(
                U(
                    f"U{px}F{i:02d}",
                    f"{city}公安局{district}分局",
                    UnitKind.SUB_BUREAU,
                    UnitLevel.DISTRICT,
                    district,
                    PoliceType.ADMIN,
                    parent=root.code,
                    region=region,
                )
            )
            sb.sub_bureau = sb.code
            self.sub_bureaus.append(sb.code)
            short = district[:-1]
            self._add_unit(
                U(
                    f"{sb.code}JW",
                    f"{short}分局纪委",
                    UnitKind.SUPERVISION_BODY,
                    UnitLevel.DISTRICT,
                    district,
                    PoliceType.SUPERVISION,
                    SupervisionFunction.ORGAN_DISCIPLINE_COMMITTEE,
                    parent=sb.code,
                    sub_bureau=sb.code,
                    region=region,
                )
            )
            for j, station in enumerate(rng.sample(_STATION_NAMES, rng.randint(*self.p.stations)), 1):
                self._add_unit(
                    U(
                        f"{sb.code}P{j:02d}",
                        f"{short}分局{station}派出所",
                        UnitKind.STATION,
                        UnitLevel.GRASSROOTS,
                        district,
                        PoliceType.LOCAL,
                        parent=sb.code,
                        sub_bureau=sb.code,
                        region=region,
                    )
                )
            for j, (team, ptype) in enumerate(_SB_TEAMS, 1):
                self._add_unit(
                    U(
                        f"{sb.code}D{j:02d}",
                        f"{short}分局{team}",
                        UnitKind.TEAM,
                        UnitLevel.GRASSROOTS,
                        district,
                        ptype,
                        parent=sb.code,
                        sub_bureau=sb.code,
                        region=region,
                    )
                )

    # ------------------------------------------------------------------ officers
    def _headcount(self, u: U) -> tuple[int, list[Rank]]:
        """How many officers a unit has and the ranks of its leaders (first in the list)."""
        rng = self.rng
        k = u.kind
        if k is UnitKind.BUREAU:
            return 2, [Rank.BUREAU, Rank.BUREAU]  # 局长, 政委; deputies sit in their own fields below
        if k is UnitKind.EXTERNAL:
            return 0, []
        if k is UnitKind.SUB_BUREAU:
            return rng.randint(32, 46), [Rank.DIVISION] * 5
        if k is UnitKind.POLICE_BRANCH:
            return rng.randint(45, 70), [Rank.DIVISION] * 4
        if k is UnitKind.DEPARTMENT:
            return rng.randint(18, 30), [Rank.DIVISION] * 2
        if k is UnitKind.SUPERVISION_BODY:
            if u.level is UnitLevel.DISTRICT:
                return rng.randint(4, 6), [Rank.SECTION]
            return rng.randint(9, 15), [Rank.DIVISION] * 2
        if k is UnitKind.STATION:
            return rng.randint(34, 58), [Rank.SECTION] * 4
        return rng.randint(26, 42), [Rank.SECTION] * 3  # 大队

    def _new_officer(self, u: U, rank: Rank, leader_post: str | None) -> int:
        rng, as_of = self.rng, self.as_of
        aux = rank is Rank.AUXILIARY
        male = rng.random() < (0.82 if not aux else 0.75)
        if rank in (Rank.BUREAU, Rank.DIVISION):
            birth = rng.randint(as_of.year - 58, as_of.year - 40)
        elif rank is Rank.SECTION:
            birth = rng.randint(as_of.year - 56, as_of.year - 30)
        else:
            birth = rng.randint(as_of.year - 58, as_of.year - 22)
        ptype = u.police_type
        if leader_post:
            post, high = leader_post, False
        else:
            choices = _POSTS_BY_TYPE.get(ptype, _POSTS_BY_TYPE[PoliceType.ADMIN])
            post = rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]
            high = post in _HIGH_RISK
            if aux and high and post not in ("车管窗口",):
                post, high = "辅助勤务", False
        badge = next(self.badges)
        earliest = max(as_of.year - birth - 22, 1)
        start = self.day(rng.randint(20, min(earliest, 16) * 365))
        self.sink.row(
            "officers",
            badge_no=badge,
            name=self.names.name(male),
            gender=(Gender.MALE if male else Gender.FEMALE).value,
            birth_year=str(birth),
            rank=rank.value,
            police_type=ptype.value if ptype else "",
            post=post,
            high_risk_post=yes_no(high),
            auxiliary=yes_no(aux),
            id_number=id_number(rng, u.region, birth, male),
            phone=phone_number(rng),
        )
        self.officers.append(Off(badge, rank, u.code, post, high, start))
        i = len(self.officers) - 1
        u.officers.append(i)
        return i

    def _officers(self) -> None:
        rng = self.rng
        leader_posts = {
            UnitKind.BUREAU: ("局长", "政委"),
            UnitKind.SUB_BUREAU: ("局长", "政委", "副局长", "副局长", "副局长"),
            UnitKind.POLICE_BRANCH: ("支队长", "政委", "副支队长", "副支队长"),
            UnitKind.DEPARTMENT: ("主任", "副主任"),
            UnitKind.SUPERVISION_BODY: ("负责人", "副职"),
            UnitKind.STATION: ("所长", "教导员", "副所长", "副所长"),
            UnitKind.TEAM: ("大队长", "教导员", "副大队长"),
        }
        self.heads: dict[str, int] = {}
        self.deputies: list[int] = []  # 副局长 of the bureau: the other committee members
        for u in self.units.values():
            n, leader_ranks = self._headcount(u)
            posts = leader_posts.get(u.kind, ())
            for r_i, rank in enumerate(leader_ranks):
                i = self._new_officer(u, rank, posts[r_i] if r_i < len(posts) else "副职")
                if r_i == 0:
                    self.heads[u.code] = i
            for _ in range(n - len(leader_ranks)):
                r = rng.random()
                rank = Rank.SECTION if r < 0.18 else Rank.STAFF if r < 0.68 else Rank.AUXILIARY
                self._new_officer(u, rank, None)
        # Five deputy chiefs of the bureau serve in the departments they are in charge of.
        for code in [
            f"U{self.px}J01",
            f"U{self.px}J02",
            f"U{self.px}J03",
            self.branches[0],
            self.branches[1],
        ]:
            self.deputies.append(self._new_officer(self.units[code], Rank.DIVISION, "副局长"))
        # Postings: one current posting each; some officers also served elsewhere before.
        codes = sorted(c for c, u in self.units.items() if u.kind is not UnitKind.EXTERNAL)
        for o in self.officers:
            self.sink.row(
                "postings",
                badge_no=o.badge,
                unit_code=o.unit,
                start_date=o.start.isoformat(),
                end_date="",
                post=o.post,
            )
            if rng.random() < 0.15 and (self.as_of - o.start).days > 400:
                prev = rng.choice(codes)
                if prev != o.unit:
                    end = o.start - dt.timedelta(days=1)
                    begin = end - dt.timedelta(days=rng.randint(365, 8 * 365))
                    self.sink.row(
                        "postings",
                        badge_no=o.badge,
                        unit_code=prev,
                        start_date=begin.isoformat(),
                        end_date=end.isoformat(),
                        post="",
                    )

    # ------------------------------------------------------------------ Party organisations
    def _org(self, code: str, name: str, kind: PartyOrgKind, unit: str, parent: str | None) -> str:
        rng = self.rng
        rating = ""
        if kind is PartyOrgKind.BRANCH:
            rating = rng.choices([r.value for r in BranchRating], weights=[2, 4, 3, 1, 0.3])[0]
        self.sink.row(
            "party_orgs",
            code=code,
            name=name,
            kind=kind.value,
            rating=rating,
            established_on=dt.date(rng.randint(1985, 2020), rng.randint(1, 12), 1).isoformat(),
        )
        self.sink.row("party_org_units", org_code=code, unit_code=unit)
        if parent:
            self.sink.row("party_org_tree", org_code=code, parent_code=parent)
        self.units[unit].orgs.append(code)
        return code

    def _party(self) -> None:
        rng, px = self.rng, self.px
        self.bureau_committee = self._org(
            f"P{px}", f"中共{self.city}公安局委员会", PartyOrgKind.COMMITTEE, self.root, None
        )
        self.sb_committee: dict[str, str] = {}
        branch_names = ("第一党支部", "第二党支部", "第三党支部")
        for u in sorted(self.units.values(), key=lambda u: u.code):
            if u.kind in (UnitKind.BUREAU, UnitKind.EXTERNAL):
                continue
            if u.kind is UnitKind.SUB_BUREAU:
                c = self._org(
                    f"P{u.code}", f"中共{u.name}委员会", PartyOrgKind.COMMITTEE, u.code, self.bureau_committee
                )
                self.sb_committee[u.code] = c
                for j in range(rng.randint(2, 3)):
                    self._org(
                        f"P{u.code}-{j + 1}", f"{u.name}机关{branch_names[j]}", PartyOrgKind.BRANCH, u.code, c
                    )
            elif u.kind is UnitKind.POLICE_BRANCH:
                g = self._org(
                    f"P{u.code}",
                    f"{u.name}党总支",
                    PartyOrgKind.GENERAL_BRANCH,
                    u.code,
                    self.bureau_committee,
                )
                for j in range(rng.randint(1, 2)):
                    self._org(
                        f"P{u.code}-{j + 1}", f"{u.name}机关{branch_names[j]}", PartyOrgKind.BRANCH, u.code, g
                    )
        # Second pass: units below 分局 and 支队 hang their branches under the parent's org.
        for u in sorted(self.units.values(), key=lambda u: u.code):
            if u.kind in (UnitKind.STATION, UnitKind.TEAM):
                parent_org = f"P{u.parent}"
                n = rng.randint(2, 3) if u.kind is UnitKind.STATION else 1
                for j in range(n):
                    name = f"{u.name}党支部" if n == 1 else f"{u.name}{branch_names[j]}"
                    self._org(f"P{u.code}-{j + 1}", name, PartyOrgKind.BRANCH, u.code, parent_org)
            elif u.kind in (UnitKind.DEPARTMENT,) or (
                u.kind is UnitKind.SUPERVISION_BODY and u.level is UnitLevel.CITY
            ):
                self._org(
                    f"P{u.code}-1", f"{u.name}党支部", PartyOrgKind.BRANCH, u.code, self.bureau_committee
                )
        # Memberships: most police officers are Party members of a branch in their unit.
        office_branch = f"PU{px}J01-1"
        for o in self.officers:
            u = self.units[o.unit]
            member = rng.random() < (0.12 if o.rank is Rank.AUXILIARY else 0.86)
            if not member:
                continue
            branches = [c for c in u.orgs if "-" in c]  # branches, not the committee or general branch
            if u.kind is UnitKind.SUPERVISION_BODY and u.level is UnitLevel.DISTRICT:
                branches = [f"P{u.parent}-1"]
            org = rng.choice(branches) if branches else office_branch
            self.sink.row(
                "memberships", badge_no=o.badge, org_code=org, start_date=o.start.isoformat(), end_date=""
            )

    # ------------------------------------------------------------------ roles
    def _role(
        self, file: str, i: int, target: str, start: dt.date, end: dt.date | None = None, **extra: str
    ) -> None:
        key = "unit_code" if file in ("unit_heads", "leader_fields") else "org_code"
        self.sink.row(
            file,
            badge_no=self.officers[i].badge,
            **{key: target},
            start_date=start.isoformat(),
            end_date=self.iso(end),
            **extra,
        )

    def _leadership(self) -> None:
        rng = self.rng
        # Unit heads, and a former head for some units.
        for code in sorted(self.heads):
            i = self.heads[code]
            self._role("unit_heads", i, code, self.officers[i].start)
            if rng.random() < 0.2:
                other = rng.randrange(len(self.officers))
                if other != i and self.officers[other].rank in (Rank.SECTION, Rank.DIVISION):
                    end = self.officers[i].start - dt.timedelta(days=1)
                    self._role(
                        "unit_heads", other, code, end - dt.timedelta(days=rng.randint(400, 2000)), end
                    )
        # Branch secretaries and discipline commissioners.
        self.no_discipline_branches = set(self.branches[-3:-1])  # two 支队 plant a gap
        ended_branch = self.branches[-2]
        for u in sorted(self.units.values(), key=lambda u: u.code):
            staff = [i for i in u.officers if self.officers[i].rank is not Rank.AUXILIARY]
            if u.kind is UnitKind.SUPERVISION_BODY and u.level is UnitLevel.DISTRICT:
                continue
            for org in u.orgs:
                if not staff:
                    break
                is_committee = org == self.bureau_committee or org in self.sb_committee.values()
                if is_committee:
                    continue  # committee roles below
                sec = staff[0] if u.kind is not UnitKind.STATION else staff[min(1, len(staff) - 1)]
                self._role("branch_secretaries", sec, org, self.officers[sec].start)
                prev = rng.choice(staff)
                if rng.random() < 0.15 and prev != sec:
                    end = self.officers[sec].start - dt.timedelta(days=1)
                    self._role(
                        "branch_secretaries", prev, org, end - dt.timedelta(days=rng.randint(400, 2000)), end
                    )
                if u.code in self.no_discipline_branches:
                    if u.code == ended_branch:  # a commissioner who left: no current one
                        self._role(
                            "discipline_commissioners",
                            rng.choice(staff),
                            org,
                            self.day(rng.randint(1500, 2500)),
                            self.day(rng.randint(60, 400)),
                        )
                    continue
                dc = rng.choice(staff[1:] or staff)
                self._role("discipline_commissioners", dc, org, max(self.officers[dc].start, self.day(1800)))
        # Committees: the bureau's and each sub-bureau's.
        self.members: dict[str, list[int]] = {}
        bureau_root = self.units[self.root]
        jjz_head = self.heads[self.body("JJZ")]
        seats = (
            [
                (bureau_root.officers[0], CommitteePosition.SECRETARY),
                (bureau_root.officers[1], CommitteePosition.DEPUTY_SECRETARY),
            ]
            + [(d, CommitteePosition.MEMBER) for d in self.deputies]
            + [(jjz_head, CommitteePosition.MEMBER)]
        )
        self.members[self.bureau_committee] = [i for i, _ in seats]
        for i, pos in seats:
            self._role(
                "committee_members",
                i,
                self.bureau_committee,
                self.day(rng.randint(200, 2500)),
                position=pos.value,
            )
        self._role(
            "discipline_commissioners", jjz_head, self.bureau_committee, self.day(rng.randint(200, 1500))
        )
        for sb in self.sub_bureaus:
            org = self.sb_committee[sb]
            leaders = self.units[sb].officers[:5]
            jw_head = self.heads[f"{sb}JW"]
            team = leaders + [jw_head]
            self.members[org] = team
            for k, i in enumerate(team):
                pos = (
                    CommitteePosition.SECRETARY
                    if k == 0
                    else CommitteePosition.DEPUTY_SECRETARY
                    if k == 1
                    else CommitteePosition.MEMBER
                )
                self._role("committee_members", i, org, self.day(rng.randint(100, 2000)), position=pos.value)
            self._role("discipline_commissioners", jw_head, org, self.day(rng.randint(100, 1500)))
        # Fields in charge: bureau members split the city-level units, sub-bureau members their units.
        city_units = sorted(c for c, u in self.units.items() if u.parent == self.root)
        members = self.members[self.bureau_committee]
        for k, code in enumerate(city_units):
            self._role("leader_fields", members[k % len(members)], code, self.day(rng.randint(100, 1500)))
        for sb in self.sub_bureaus:
            subs = sorted(c for c, u in self.units.items() if u.parent == sb)
            team = self.members[self.sb_committee[sb]]
            for k, code in enumerate(subs):
                self._role("leader_fields", team[k % len(team)], code, self.day(rng.randint(100, 1500)))

    # ------------------------------------------------------------------ supervision rules
    def _supervises(
        self,
        body: str,
        unit: str,
        stype: SupervisionType,
        scope: RankScope,
        subtree: bool = True,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> None:
        self.sink.row(
            "supervision",
            body_code=body,
            unit_code=unit,
            supervision_type=stype.value,
            rank_scope=scope.value,
            include_subtree=yes_no(subtree),
            start_date=self.iso(start or dt.date(2019, 1, 1)),
            end_date=self.iso(end),
        )

    def _supervision(self) -> None:
        d, s = SupervisionType, RankScope
        root = self.root
        self._supervises(self.body("JJZ"), root, d.DISCIPLINE, s.DIVISION_AND_ABOVE)
        self._supervises(self.body("SJW"), root, d.POLITICAL, s.DIVISION_AND_ABOVE, subtree=False)
        self._supervises(self.body("CYB"), root, d.POLITICAL, s.ALL)
        self._supervises(self.body("DC"), root, d.CONDUCT, s.ALL)
        self._supervises(self.body("SJ"), root, d.AUDIT, s.ALL)
        self._supervises(self.body("JB"), root, d.FINANCE, s.ALL)
        self._supervises(self.body("XF"), root, d.PETITION, s.ALL)
        self._supervises(self.body("RS"), root, d.CADRE, s.DIVISION_AND_ABOVE)
        # 机关纪委: 科级及以下 of the bureau's own organs. 信访处's rule only starts next quarter (a gap);
        # 禁毒支队 was once under 督察, whose rule has ended (no double claim).
        late = self.body("XF")
        drugs = self.branches[5]
        for code in sorted(
            c
            for c, u in self.units.items()
            if u.parent == root
            and u.kind in (UnitKind.DEPARTMENT, UnitKind.POLICE_BRANCH, UnitKind.SUPERVISION_BODY)
        ):
            if code == late:
                self._supervises(
                    self.body("JGJW"),
                    code,
                    d.DISCIPLINE,
                    s.SECTION_AND_BELOW,
                    start=self.as_of + dt.timedelta(days=45),
                )
                continue
            if code == drugs:  # 督察 held this before the reform; its rule has ended
                self._supervises(
                    self.body("DC"),
                    code,
                    d.DISCIPLINE,
                    s.SECTION_AND_BELOW,
                    start=dt.date(2016, 1, 1),
                    end=dt.date(2020, 12, 31),
                )
            self._supervises(self.body("JGJW"), code, d.DISCIPLINE, s.SECTION_AND_BELOW)
        self._supervises(self.body("JGJW"), root, d.DISCIPLINE, s.SECTION_AND_BELOW, subtree=False)
        # Each 分局纪委 takes 科级及以下 of its subtree; one claims 全部 (overlaps the stationed group), and the
        # 机关纪委 also claims one station (two bodies, one officer).
        for k, sb in enumerate(self.sub_bureaus):
            scope = s.ALL if k == 2 else s.SECTION_AND_BELOW
            self._supervises(f"{sb}JW", sb, d.DISCIPLINE, scope)
        self._supervises(self.body("JGJW"), f"{self.sub_bureaus[3]}P01", d.DISCIPLINE, s.SECTION_AND_BELOW)

    def jurisdiction(self, i: int) -> str:
        o = self.officers[i]
        if o.rank in (Rank.BUREAU, Rank.DIVISION):
            return self.body("JJZ")
        sb = self.units[o.unit].sub_bureau
        return f"{sb}JW" if sb else self.body("JGJW")

    # ------------------------------------------------------------------ liaison
    def _liaisons(self) -> None:
        rng, n = self.rng, self.p.planted
        grassroots = sorted(c for c, u in self.units.items() if u.level is UnitLevel.GRASSROOTS)
        picked = rng.sample(grassroots, 2 * n + 3)
        uncovered, stale = set(picked[:n]), picked[n : 2 * n]
        boundary_ok, boundary_stale, mixed = picked[2 * n], picked[2 * n + 1], picked[2 * n + 2]
        bureau_members = self.members[self.bureau_committee]
        rows: list[tuple[int, str]] = []
        for k, code in enumerate(c for c in grassroots if self.units[c].sub_bureau is None):
            rows.append((bureau_members[k % len(bureau_members)], code))
        for sb in self.sub_bureaus:
            team = self.members[self.sb_committee[sb]]
            for k, code in enumerate(c for c in grassroots if self.units[c].sub_bureau == sb):
                rows.append((team[k % len(team)], code))
        extra_pool = [c for c in grassroots if c not in uncovered and c not in stale and c != mixed]
        for i in bureau_members:
            for code in rng.sample(extra_pool, 2):
                rows.append((i, code))
        # One unit's own liaison is stale but a bureau member visited lately: not stale.
        base = next(i for i, c in rows if c == mixed)
        rows.append((next(i for i in bureau_members if i != base), mixed))
        seen: set[tuple[int, str]] = set()
        for i, code in rows:
            if code in uncovered or (i, code) in seen:
                continue
            seen.add((i, code))
            last: dt.date | None
            if code == mixed and i == base:
                last = self.day(rng.randint(400, 700))
            elif code in stale:
                last = None if rng.random() < 0.3 else self.day(rng.randint(181, 700))
            elif code == boundary_ok:
                last = self.day(180)
            elif code == boundary_stale:
                last = self.day(181)
            else:
                last = self.day(rng.randint(0, 170))
            assigned = self.day(rng.randint(400, 1500))
            visits = 0 if last is None else rng.randint(1, 12)
            self.sink.row(
                "liaisons",
                badge_no=self.officers[i].badge,
                unit_code=code,
                assigned_on=assigned.isoformat(),
                last_visit_on=self.iso(last),
                visits=str(visits),
            )
        # A member who has left the committee still has a liaison row: it no longer covers the unit.
        former_unit = sorted(uncovered)[0]
        candidates = [
            i
            for i in self.units[self.sub_bureaus[0]].officers
            if self.officers[i].rank is Rank.SECTION and i not in self.reserved
        ]
        former = candidates[0]
        self._role(
            "committee_members",
            former,
            self.sb_committee[self.sub_bureaus[0]],
            self.day(2000),
            self.day(300),
            position=CommitteePosition.MEMBER.value,
        )
        self.sink.row(
            "liaisons",
            badge_no=self.officers[former].badge,
            unit_code=former_unit,
            assigned_on=self.day(1900).isoformat(),
            last_visit_on=self.day(320).isoformat(),
            visits="4",
        )

    # ------------------------------------------------------------------ clues and cases
    def _clue(
        self,
        subjects: list[int],
        received: dt.date,
        *,
        category: DisciplineCategory | None = None,
        status: ClueStatus | None = None,
        handler: bool = True,
        transfer: str = "auto",
        unit: str | None = None,
    ) -> tuple[str, ClueStatus]:
        """Write one clue with its subjects, handler and transfer. ``transfer``: auto | feedback | none."""
        rng = self.rng
        no = f"XS{received.year}-{self.px}{next(self._clue_seq):05d}"
        cat = category or rng.choices(_CATEGORIES, cum_weights=_CATEGORY_CUM)[0]
        src = rng.choices(_SOURCES, cum_weights=_SOURCE_CUM)[0]
        post = self.officers[subjects[0]].post if subjects else "窗口"
        summary = _SUMMARY[cat].format(post=post)
        if rng.random() < 0.2:
            summary += "，另反映其与辖区商户往来密切、\n多次接受宴请"
        age = (self.as_of - received).days
        body = self.jurisdiction(subjects[0]) if subjects else self.body("JGJW")
        who: str | None = None
        if handler:
            who = self.body("CYB") if rng.random() < 0.6 else body
            self.sink.row(
                "clue_handlers",
                clue_no=no,
                body_code=who,
                assigned_on=self.clip(received + dt.timedelta(days=rng.randint(0, 7))).isoformat(),
            )
        feedback: dt.date | None = None
        transferred: dt.date | None = None
        if transfer == "feedback" or (transfer == "auto" and rng.random() < 0.4):
            transferred = received + dt.timedelta(days=rng.randint(3, 20))
            if transferred > self.as_of:
                transferred = None
            else:
                tage = (self.as_of - transferred).days
                if transfer == "feedback" or tage >= 30:
                    feedback = transferred + dt.timedelta(
                        days=rng.randint(min(5, tage), min(max(tage, 5), 60))
                    )
                    feedback = self.clip(feedback)
                elif tage >= 6 and rng.random() < 0.5:
                    feedback = transferred + dt.timedelta(days=rng.randint(5, tage))
                self.sink.row(
                    "clue_transfers",
                    clue_no=no,
                    body_code=body,
                    transferred_on=transferred.isoformat(),
                    feedback_on=self.iso(feedback),
                    feedback_result=rng.choice(_FEEDBACK) if feedback else "",
                )
        if status is None:
            if transferred:
                status = ClueStatus.CONCLUDED if feedback and rng.random() < 0.7 else ClueStatus.TRANSFERRED
            elif age > 60:
                status = ClueStatus.CONCLUDED if rng.random() < 0.85 else ClueStatus.PRELIMINARY_CHECK
            else:
                status = ClueStatus.RECEIVED if rng.random() < 0.5 else ClueStatus.PRELIMINARY_CHECK
        self.sink.row(
            "clues",
            clue_no=no,
            received_on=received.isoformat(),
            source=src.value,
            category=cat.value,
            status=status.value,
            summary=summary,
            **self._clue_extras(received, src, self.officers[subjects[0]].unit if subjects else unit),
        )
        for i in subjects:
            self.sink.row(
                "clue_subjects", clue_no=no, badge_no=self.officers[i].badge, **self._allegation(cat, status)
            )
        if unit:
            self.sink.row("clue_units", clue_no=no, unit_code=unit)
        self.clue_log.append((no, subjects, received, who or (body if transferred else None)))
        return no, status

    # ------------------------------------------------------------------ fields added later (own generator)
    def _clue_extras(self, received: dt.date, src: ClueSource, unit: str | None) -> dict[str, str]:
        """Incident date, place, district and complainant type, as far as the source knows them."""
        x = self.xrng
        district = self.units[unit].district if unit else None
        incident = received - dt.timedelta(days=x.randint(0, 120)) if x.random() < 0.7 else None
        place = (
            f"{district or self.city}{x.choice(_STATION_NAMES)}{x.choice(_PLACES)}"
            if x.random() < 0.5
            else ""
        )
        kinds = _COMPLAINANTS.get(src, (ComplainantType.UNKNOWN,))
        return {
            "incident_on": self.iso(incident),
            "place": place,
            "district": district or "",
            "complainant_type": x.choice(kinds).value,
        }

    def _allegation(
        self,
        cat: DisciplineCategory,
        status: ClueStatus | None,
        *,
        form: Form | None = None,
        disposition: str = "",
    ) -> dict[str, str]:
        """One allegation with its finding: clue findings follow the clue's status, case findings the form."""
        x = self.xrng
        if form is not None:
            finding = Finding.SUSTAINED if x.random() < 0.85 else Finding.PARTLY_SUSTAINED
        elif status is ClueStatus.CASE_OPENED:
            finding = Finding.SUSTAINED if x.random() < 0.7 else Finding.PARTLY_SUSTAINED
        elif status is ClueStatus.CONCLUDED:
            finding = x.choices(_CLUE_FINDINGS, weights=[20, 15, 45, 20])[0]
        else:
            finding = Finding.UNKNOWN
        raw = x.choice(_RAW_FINDINGS[finding]) if finding in _RAW_FINDINGS and x.random() < 0.3 else ""
        if (
            form is None
            and finding in (Finding.SUSTAINED, Finding.PARTLY_SUSTAINED)
            and status is ClueStatus.CONCLUDED
        ):
            form, disposition = Form.FIRST, x.choice(_OUTCOMES[Form.FIRST])
        return {
            "allegation_category": cat.value,
            "allegation": x.choice(_ALLEGATIONS[cat]),
            "finding": finding.value,
            "finding_raw": raw,
            "disposition": disposition,
            "disposition_form": form.value if form else "",
        }

    def _staff(self, body: str) -> list[int]:
        return [i for i in self.units[body].officers if self.officers[i].rank is not Rank.AUXILIARY]

    def _workers(self) -> None:
        """Person-level handling: a 承办人 (and often a 核查人) from the handling body of each clue, a
        承办人 and a 审理人 for each case; and a few clues checked by a colleague of the accused's own
        unit (conflicts of interest; the answer key finds every conflict from the rows)."""
        x = self.xrng
        listed: set[tuple[int, str, HandlerRole]] = set()
        for no, _subjects, received, body in self.clue_log:
            staff = self._staff(body) if body else []
            if not staff:
                continue
            picked = x.sample(staff, min(len(staff), 2 if x.random() < 0.4 else 1))
            for role, i in zip((HandlerRole.CASE_OFFICER, HandlerRole.CHECKER), picked, strict=False):
                listed.add((i, no, role))
                start = self.clip(received + dt.timedelta(days=x.randint(0, 10)))
                self.sink.row(
                    "clue_workers",
                    badge_no=self.officers[i].badge,
                    clue_no=no,
                    role=role.value,
                    start_date=start.isoformat(),
                    end_date="",
                )
        for no, _subjects, opened, body in self.case_log:
            staff = self._staff(body)
            for role, i in zip(
                (HandlerRole.CASE_OFFICER, HandlerRole.REVIEWER),
                x.sample(staff, min(2, len(staff))),
                strict=False,
            ):
                self.sink.row(
                    "case_workers",
                    badge_no=self.officers[i].badge,
                    case_no=no,
                    role=role.value,
                    start_date=opened.isoformat(),
                    end_date="",
                )
        background = [
            (no, subs, rec)
            for no, subs, rec, body in self.clue_log
            if body and subs and not set(subs) & self.reserved
        ]
        for no, subs, received in x.sample(background, min(3, len(background))):
            accused = self.officers[subs[0]]
            mates = [
                i
                for i in self._staff(accused.unit)
                if i not in subs
                and self.officers[i].start <= received
                and (i, no, HandlerRole.CHECKER) not in listed
            ]
            if mates:
                self.sink.row(
                    "clue_workers",
                    badge_no=self.officers[x.choice(mates)].badge,
                    clue_no=no,
                    role=HandlerRole.CHECKER.value,
                    start_date=received.isoformat(),
                    end_date="",
                )

    def _archive(self) -> None:
        """Old records as a department first hands them over: retired officers (some without name,
        most of rank 未知, born from 1928, postings without a start date), complaints from years
        ago with category and source 未知 and several allegations each, and one mass complaint."""
        x = self.xrng
        units = sorted(c for c, u in self.units.items() if u.kind in (UnitKind.STATION, UnitKind.TEAM))
        for k in range(_RETIRED):
            badge = next(self.badges)
            male = x.random() < 0.85
            birth = x.randint(1928, 1962) if x.random() < 0.8 else None
            rank = Rank.UNKNOWN if x.random() < 0.7 else x.choice([Rank.SECTION, Rank.STAFF, Rank.DIVISION])
            self.sink.row(
                "officers",
                badge_no=badge,
                name=self.names.name(male) if k % 3 else "",
                gender=(Gender.MALE if male else Gender.FEMALE).value if x.random() < 0.8 else "",
                birth_year=str(birth) if birth else "",
                rank=rank.value,
                high_risk_post="否",
                auxiliary="否",
            )
            end = dt.date(x.randint(2009, 2019), x.randint(1, 12), 1)
            start = (
                "" if x.random() < 0.6 else dt.date(x.randint(1978, 2003), x.randint(1, 12), 1).isoformat()
            )
            self.sink.row(
                "postings",
                badge_no=badge,
                unit_code=x.choice(units),
                start_date=start,
                end_date=end.isoformat(),
                post="",
            )
            self.retired.append(badge)
        seq = itertools.count(1)
        for k in range(_ARCHIVE_CLUES):
            received = dt.date(x.randint(2013, 2019), x.randint(1, 12), x.randint(1, 28))
            no = f"XS{received.year}-{self.px}A{next(seq):03d}"
            mass = k == 0  # its 14 officers are named by no other clue: one complaint, nothing else ties them
            subjects = self.retired[:_MASS_SUBJECTS] if mass else [x.choice(self.retired[_MASS_SUBJECTS:])]
            cat = DisciplineCategory.UNKNOWN if x.random() < 0.5 else x.choice(_CATEGORIES)
            src = ClueSource.UNKNOWN if x.random() < 0.6 else x.choice(_SOURCES)
            self.sink.row(
                "clues",
                clue_no=no,
                received_on=received.isoformat(),
                source=src.value,
                category=cat.value,
                status=ClueStatus.CONCLUDED.value,
                summary="集体反映多名民警执法问题" if mass else "",
                incident_on="",
                place="",
                district="",
                complainant_type=(ComplainantType.PUBLIC if mass else x.choice(list(ComplainantType))).value,
            )
            for badge in subjects:
                cats = [cat] if mass else x.sample(_CATEGORIES, x.randint(1, 3))
                for c in cats:
                    finding = x.choice(
                        [
                            Finding.SUSTAINED,
                            Finding.NOT_SUSTAINED,
                            Finding.UNFOUNDED,
                            Finding.UNKNOWN,
                            Finding.OTHER,
                        ]
                    )
                    self.sink.row(
                        "clue_subjects",
                        clue_no=no,
                        badge_no=badge,
                        allegation_category=c.value,
                        allegation=x.choice(_ALLEGATIONS[c]),
                        finding=finding.value,
                        finding_raw="撤销" if finding is Finding.OTHER else "",
                        disposition="批评教育" if finding is Finding.SUSTAINED else "",
                        disposition_form=Form.FIRST.value if finding is Finding.SUSTAINED else "",
                    )

    def _case(
        self,
        subjects: list[int],
        clues: list[str],
        opened: dt.date,
        category: DisciplineCategory,
        form: Form | None = None,
    ) -> str:
        rng = self.rng
        no = f"AJ{opened.year}-{self.px}{next(self._case_seq):04d}"
        age = (self.as_of - opened).days
        if age < 90:
            status, closed = CaseStatus.OPEN, None
        elif age < 200 and rng.random() < 0.4:
            status, closed = CaseStatus.TRIAL, None
        else:
            status = CaseStatus.CLOSED
            closed = self.clip(opened + dt.timedelta(days=rng.randint(30, 180)))
        if status is CaseStatus.CLOSED:
            form = form or rng.choices(_FORMS, cum_weights=_FORM_CUM)[0]
        else:
            form = None
        outcome = rng.choice(_OUTCOMES[form]) if form else ""
        unit = self.units[self.officers[subjects[0]].unit]
        self.sink.row(
            "cases",
            case_no=no,
            title=f"{unit.name}{category.value}问题案",
            violation_type=category.value,
            opened_on=opened.isoformat(),
            closed_on=self.iso(closed),
            status=status.value,
            form=form.value if form else "",
            outcome=outcome,
            summary=f"经查，{len(subjects)}名民警{category.value}问题属实" if closed else "",
        )
        for k, i in enumerate(subjects):
            o = self.officers[i]
            role = (
                InvolvementRole.PRINCIPAL
                if k == 0
                else (
                    InvolvementRole.LEADERSHIP
                    if o.rank in (Rank.SECTION, Rank.DIVISION)
                    else InvolvementRole.ACCOMPLICE
                )
            )
            disposition = outcome if role is not InvolvementRole.LEADERSHIP else ("诫勉" if form else "")
            self.sink.row(
                "case_subjects",
                case_no=no,
                badge_no=o.badge,
                role=role.value,
                **self._allegation(category, None, form=form, disposition=disposition)
                if form
                else self._allegation(category, ClueStatus.PRELIMINARY_CHECK),
            )
        for c in clues:
            self.sink.row("case_clues", case_no=no, clue_no=c)
        self.sink.row("case_handlers", case_no=no, body_code=self.jurisdiction(subjects[0]))
        self.case_log.append((no, subjects, opened, self.jurisdiction(subjects[0])))
        return no

    def _pick_unit_officers(self, code: str, k: int) -> list[int]:
        pool = [i for i in self.units[code].officers if i not in self.reserved]
        chosen = self.rng.sample(pool, k)
        self.reserved.update(chosen)
        return chosen

    def _clusters(self) -> None:
        """Plant 窝案 (one case, ≥3 officers of one unit) and 串案 (2–3 cases across units, one link)."""
        rng, n = self.rng, self.p.planted
        grassroots = sorted(
            c
            for c, u in self.units.items()
            if u.kind in (UnitKind.STATION, UnitKind.TEAM) and len(u.officers) >= 12
        )
        units = rng.sample(grassroots, n + 3 * n)
        cats = [
            DisciplineCategory.INTEGRITY,
            DisciplineCategory.LAW,
            DisciplineCategory.WORK,
            DisciplineCategory.MASS,
        ]
        for k in range(n):  # 窝案
            code = units[k]
            offs = self._pick_unit_officers(code, rng.randint(NEST_MIN_OFFICERS, NEST_MIN_OFFICERS + 2))
            cat = rng.choice(cats)
            received = self.day(rng.randint(250, 1200))
            c1, _ = self._clue(
                offs, received, category=cat, status=ClueStatus.CASE_OPENED, transfer="feedback"
            )
            clues = [c1]
            if rng.random() < 0.6:
                c2, _ = self._clue(
                    offs[:2],
                    received + dt.timedelta(days=rng.randint(5, 60)),
                    category=cat,
                    status=ClueStatus.CASE_OPENED,
                    transfer="feedback",
                )
                clues.append(c2)
            case = self._case(
                offs,
                clues,
                received + dt.timedelta(days=rng.randint(70, 120)),
                cat,
                form=rng.choice([Form.SECOND, Form.THIRD]),
            )
            self.clusters.append(
                PlantedCluster("窝案", [self.officers[i].badge for i in offs], [code], [case], clues)
            )
        for k in range(n):  # 串案
            n_cases = 2 if k % 3 else 3
            case_units = units[n + 3 * k : n + 3 * k + n_cases]
            groups = [self._pick_unit_officers(code, 2) for code in case_units]
            cat = rng.choice(cats)
            received = self.day(rng.randint(250, 1200))
            cases, clues = [], []
            if k % 2 == 0:  # linked by one officer who is in every case
                linker = groups[0][0]
                for g_i, g in enumerate(groups):
                    members = g if g_i == 0 else [linker, *g]
                    c, _ = self._clue(
                        members,
                        received + dt.timedelta(days=10 * g_i),
                        category=cat,
                        status=ClueStatus.CASE_OPENED,
                        transfer="feedback",
                    )
                    clues.append(c)
                    cases.append(self._case(members, [c], received + dt.timedelta(days=80 + 10 * g_i), cat))
            else:  # linked by one clue that names officers of every case
                everyone = [i for g in groups for i in g]
                shared, _ = self._clue(
                    everyone, received, category=cat, status=ClueStatus.CASE_OPENED, transfer="feedback"
                )
                clues.append(shared)
                for g_i, g in enumerate(groups):
                    own, _ = self._clue(
                        g,
                        received + dt.timedelta(days=5 + 10 * g_i),
                        category=cat,
                        status=ClueStatus.CASE_OPENED,
                        transfer="feedback",
                    )
                    clues.append(own)
                    cases.append(
                        self._case(g, [shared, own], received + dt.timedelta(days=80 + 10 * g_i), cat)
                    )
            offs = sorted({i for g in groups for i in g})
            self.clusters.append(
                PlantedCluster(
                    "串案", [self.officers[i].badge for i in offs], sorted(case_units), cases, clues
                )
            )

    def _clues_and_cases(self) -> None:
        rng, p = self.rng, self.p
        weights = [
            0.0 if i in self.reserved else (8.0 if o.high_risk else 0.4 if o.rank is Rank.AUXILIARY else 1.0)
            for i, o in enumerate(self.officers)
        ]
        cum = _cum(weights)
        total = cum[-1]
        span = p.years * 365
        n_special = 3 * p.planted
        for _ in range(p.clues - n_special - len(self.clusters) * 2):
            received = self.day(int(span * (1 - rng.random() ** 1.15)))  # slightly more recent than old
            i = bisect.bisect_right(cum, rng.random() * total)
            i = min(i, len(self.officers) - 1)
            subjects = [i]
            u = self.units[self.officers[i].unit]
            if rng.random() < 0.1:  # a clue about the unit as a whole, naming nobody
                self._clue([], received, unit=u.code)
                continue
            if rng.random() < 0.07:
                mates = [j for j in u.officers if j != i and j not in self.reserved]
                if mates:
                    subjects.append(rng.choice(mates))
            age = (self.as_of - received).days
            opened = received + dt.timedelta(days=rng.randint(20, 90))
            if age > 100 and rng.random() < p.case_share / 0.9:
                cat = rng.choices(_CATEGORIES, cum_weights=_CATEGORY_CUM)[0]
                no, _ = self._clue(subjects, received, category=cat, status=ClueStatus.CASE_OPENED)
                self._case(subjects, [no], opened, cat)
            else:
                self._clue(subjects, received)
        self._planted_clue_loops()

    def _planted_clue_loops(self) -> None:
        """Transfers left without feedback at known ages, and clues nobody took on."""
        rng, n = self.rng, self.p.planted
        pool = [i for i in range(len(self.officers)) if i not in self.reserved]
        ages = [30, 31 + rng.randint(0, 25), 45, 60, 61 + rng.randint(0, 25), 75, 90, 120, 200, 29, 12]
        ages += [rng.randint(30, 400) for _ in range(max(0, n - 8))]
        for age in ages:
            i = rng.choice(pool)
            transferred = self.day(age)
            no = f"XS{transferred.year}-{self.px}{next(self._clue_seq):05d}"
            received = transferred - dt.timedelta(days=rng.randint(2, 15))
            self.sink.row(
                "clues",
                clue_no=no,
                received_on=received.isoformat(),
                source=ClueSource.PETITION.value,
                category=DisciplineCategory.WORK.value,
                status=ClueStatus.TRANSFERRED.value,
                summary="反映其办理案件久拖不决",
            )
            self.sink.row("clue_subjects", clue_no=no, badge_no=self.officers[i].badge)
            self.sink.row(
                "clue_handlers", clue_no=no, body_code=self.body("CYB"), assigned_on=received.isoformat()
            )
            self.sink.row(
                "clue_transfers",
                clue_no=no,
                body_code=self.jurisdiction(i),
                transferred_on=transferred.isoformat(),
                feedback_on="",
                feedback_result="",
            )
        for k in range(n + 4):
            i = rng.choice(pool)
            status = (
                ClueStatus.CONCLUDED
                if k >= n
                else rng.choice([ClueStatus.RECEIVED, ClueStatus.PRELIMINARY_CHECK])
            )
            self._clue([i], self.day(rng.randint(1, 500)), status=status, handler=False, transfer="none")

    # ------------------------------------------------------------------ inspections
    def _inspections(self) -> None:
        rng, p = self.rng, self.p
        targets_pool = sorted(
            c
            for c, u in self.units.items()
            if u.kind
            in (
                UnitKind.STATION,
                UnitKind.TEAM,
                UnitKind.POLICE_BRANCH,
                UnitKind.DEPARTMENT,
                UnitKind.SUB_BUREAU,
            )
        )
        teams_pool = [self.body(k) for k in ("CYB", "DC", "SJ", "FZ", "JB", "JJZ", "JGJW", "RS")]
        kinds = _known(InspectionKind)
        seq = itertools.count(1)
        for _ in range(p.inspections):
            kind = rng.choices(kinds, weights=[3, 3, 2, 2])[0]
            started = self.day(rng.randint(20, p.years * 365))
            ended: dt.date | None = started + dt.timedelta(days=rng.randint(10, 40))
            if ended and ended > self.as_of:
                ended = None
            code = f"JC{started.year}-{self.px}{next(seq):03d}"
            targets = rng.sample(targets_pool, rng.randint(2, 5))
            name = f"{started.year}年{kind.value}（第{rng.randint(1, 4)}轮）"
            self.sink.row(
                "inspections",
                code=code,
                name=name,
                kind=kind.value,
                started_on=started.isoformat(),
                ended_on=self.iso(ended),
            )
            for t in targets:
                self.sink.row("inspection_targets", inspection_code=code, unit_code=t)
            for t in rng.sample(teams_pool, rng.randint(2, 4)):
                self.sink.row("inspection_teams", inspection_code=code, unit_code=t)
            if not ended:
                continue
            for j in range(rng.randint(*p.problems_per_inspection)):
                rc = f"ZG{code[2:]}-{j + 1:02d}"
                deadline = ended + dt.timedelta(days=rng.randint(30, 180))
                completed: dt.date | None = None
                if deadline < self.as_of:
                    r = rng.random()
                    status = (
                        RectificationStatus.DONE
                        if r < 0.95
                        else RectificationStatus.IN_PROGRESS
                        if r < 0.98
                        else RectificationStatus.PENDING
                    )
                else:
                    status = rng.choices(_known(RectificationStatus), weights=[2, 5, 3])[0]
                if status is RectificationStatus.DONE:
                    completed = self.clip(
                        ended + dt.timedelta(days=rng.randint(5, (deadline - ended).days + 20))
                    )
                self.sink.row(
                    "rectifications",
                    code=rc,
                    problem=f"{self.units[targets[j % len(targets)]].name}{rng.choice(_PROBLEMS)}",
                    deadline=deadline.isoformat(),
                    status=status.value,
                    completed_on=self.iso(completed),
                )
                self.sink.row("rectification_sources", rectification_code=rc, inspection_code=code)
                self.sink.row(
                    "rectification_owners", rectification_code=rc, unit_code=targets[j % len(targets)]
                )

    # ------------------------------------------------------------------ responsibility lists
    def _responsibilities(self) -> None:
        rng, p = self.rng, self.p
        seq = itertools.count(1)
        committees = [(self.bureau_committee, self.root)] + [
            (self.sb_committee[sb], sb) for sb in self.sub_bureaus
        ]
        for year in range(self.as_of.year - p.years + 1, self.as_of.year + 1):
            for org, unit in committees:
                team = self.members[org]
                for _ in range(rng.randint(*p.responsibilities_per_committee_year)):
                    duty = rng.choices(list(DutyType), weights=[3, 2, 2, 4])[0]
                    if duty in (DutyType.MAIN, DutyType.FIRST_PERSON):
                        who, units = team[0], [unit]
                    elif duty is DutyType.SUPERVISION:
                        who = team[-1]
                        units = [self.body("JGJW") if unit == self.root else f"{unit}JW"]
                    else:
                        who = rng.choice(team[1:])
                        units = (
                            [unit]
                            if rng.random() < 0.3
                            else sorted(
                                {
                                    c
                                    for c, u in self.units.items()
                                    if u.parent == unit
                                    and u.kind is not UnitKind.EXTERNAL
                                    and rng.random() < 0.08
                                }
                            )[:2]
                            or [unit]
                        )
                    code = f"ZR{year}-{self.px}{next(seq):05d}"
                    due = dt.date(year, 12, 31) if rng.random() < 0.7 else dt.date(year, 6, 30)
                    if due < self.as_of:
                        status = (
                            ResponsibilityStatus.DONE
                            if rng.random() < 0.9
                            else ResponsibilityStatus.IN_PROGRESS
                        )
                    else:
                        status = rng.choices(list(ResponsibilityStatus), weights=[2, 5, 2])[0]
                    self.sink.row(
                        "responsibilities",
                        code=code,
                        year=str(year),
                        task=rng.choice(_TASKS[duty]),
                        duty_type=duty.value,
                        status=status.value,
                        due_on=due.isoformat(),
                    )
                    self.sink.row(
                        "responsibility_officers", responsibility_code=code, badge_no=self.officers[who].badge
                    )
                    for uc in units:
                        self.sink.row("responsibility_units", responsibility_code=code, unit_code=uc)


def _known(enum_cls: type[_E]) -> list[_E]:
    """The members that state a value (not 未知 / 其他): what the background rows draw from."""
    return [m for m in enum_cls if m.name not in ("UNKNOWN", "OTHER")]


_CATEGORIES = _known(DisciplineCategory)
_CATEGORY_CUM = _cum([4, 8, 25, 15, 30, 8, 10])
_SOURCES = _known(ClueSource)
_SOURCE_CUM = _cum([35, 15, 15, 5, 5, 8, 7, 10])
_FORMS = list(Form)
_FORM_CUM = _cum([62, 25, 9, 4])

# Fields added later: their vocabulary.
_RETIRED = 40
_ARCHIVE_CLUES = 40
_MASS_SUBJECTS = 14
_PLACES = ("路口", "市场", "小区", "办事大厅", "执法办案中心", "车管所窗口", "饭店", "工地")
_COMPLAINANTS: dict[ClueSource, tuple[ComplainantType, ...]] = {
    ClueSource.PETITION: (ComplainantType.PUBLIC, ComplainantType.PUBLIC, ComplainantType.ANONYMOUS),
    ClueSource.HOTLINE_12389: (ComplainantType.PUBLIC, ComplainantType.ANONYMOUS, ComplainantType.ANONYMOUS),
    ClueSource.INSPECTION: (ComplainantType.INTERNAL,),
    ClueSource.AUDIT: (ComplainantType.INTERNAL,),
    ClueSource.POLITICAL_INSPECTION: (ComplainantType.INTERNAL,),
    ClueSource.PATROL_INSPECTION: (ComplainantType.INTERNAL, ComplainantType.PUBLIC),
    ClueSource.INTERNET: (ComplainantType.ANONYMOUS, ComplainantType.PUBLIC),
    ClueSource.TRANSFER: (ComplainantType.ORGANISATION,),
}
_CLUE_FINDINGS = [Finding.SUSTAINED, Finding.PARTLY_SUSTAINED, Finding.NOT_SUSTAINED, Finding.UNFOUNDED]
_RAW_FINDINGS = {
    Finding.SUSTAINED: ("属实", "基本属实"),
    Finding.PARTLY_SUSTAINED: ("部分属实",),
    Finding.NOT_SUSTAINED: ("无法查实", "证据不足"),
    Finding.UNFOUNDED: ("不属实", "失实"),
}
_ALLEGATIONS: dict[DisciplineCategory, tuple[str, ...]] = {
    DisciplineCategory.POLITICAL: ("发表不当言论", "对抗组织审查"),
    DisciplineCategory.ORGANIZATIONAL: ("不如实报告个人有关事项", "违规办理因私出入境证件"),
    DisciplineCategory.INTEGRITY: ("收受礼品礼金", "违规接受宴请", "违规插手工程项目"),
    DisciplineCategory.MASS: ("态度恶劣", "吃拿卡要", "推诿扯皮"),
    DisciplineCategory.WORK: ("执法不规范", "敷衍塞责", "违规泄露案情"),
    DisciplineCategory.LIFE: ("违规饮酒", "生活作风问题"),
    DisciplineCategory.LAW: ("涉嫌滥用职权", "涉嫌徇私枉法"),
    DisciplineCategory.OTHER: ("其他问题",),
    DisciplineCategory.UNKNOWN: ("未说明",),
}
