"""A small folder of dirty department exports, with the counts an ingest run must report for it.

What real exports do, one problem at a time: GBK and UTF-8-with-BOM files, an ``.xlsx``, Chinese
column headers and header aliases, Chinese date forms and impossible dates, a value outside an
enum, duplicated rows, badge numbers no officer file has, free text with commas and line breaks,
a broken quote and a missing required column. ``expected.json`` lists, per file, how many rows are
read, loaded and rejected (and on which physical lines), and which files must fail as a whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.schema import node_spec, rel_spec
from ingest.names import NameMaker, id_number, phone_number

__all__ = ["write_dirty"]


@dataclass
class _File:
    """Rows of one dirty file and what the ingest must make of them."""

    stem: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    bad: list[bool] = field(default_factory=list)  # True: the row must be rejected
    dup: list[bool] = field(default_factory=list)  # True: repeats an earlier row's key

    def add(self, cells: list[Any], *, bad: bool = False, dup: bool = False) -> None:
        self.rows.append(cells)
        self.bad.append(bad)
        self.dup.append(dup)


def _freeze_zip(path: Path) -> None:
    """Rewrite a zip (an .xlsx) with fixed timestamps so the same seed gives the same bytes."""
    with zipfile.ZipFile(path) as zf:
        entries = [(info.filename, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"<dcterms:(created|modified)([^>]*)>[^<]*<",
                    rb"<dcterms:\1\2>2026-01-01T00:00:00Z<",
                    data,
                )
            zf.writestr(
                zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)),
                data,
                compress_type=zipfile.ZIP_DEFLATED,
            )


def _titles(model_fields: dict[str, Any], names: list[str]) -> list[str]:
    return [model_fields[n].title for n in names]


def _csv_text(f: _File) -> tuple[str, list[int]]:
    """The CSV text (``\\r\\n`` line ends, as Excel writes) and the physical line each row starts on."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(f.headers)
    lines = []
    for row in f.rows:
        lines.append(buf.getvalue().count("\n") + 1)
        w.writerow(row)
    return buf.getvalue(), lines


def _expect(f: _File, lines: list[int], name: str, encoding: str) -> dict[str, Any]:
    rejected = [ln for ln, bad in zip(lines, f.bad, strict=True) if bad]
    return {
        "file": name,
        "encoding": encoding,
        "read": len(f.rows),
        "loaded": len(f.rows) - len(rejected),
        "rejected": len(rejected),
        "duplicates": sum(1 for b, d in zip(f.bad, f.dup, strict=True) if d and not b),
        "reject_lines": rejected,
    }


def write_dirty(out: Path, *, seed: int, as_of: dt.date) -> Path:
    """Write the dirty folder and its ``expected.json``; returns the path of the latter."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        if old.is_file():
            old.unlink()
    rng = random.Random(seed * 7919 + 1)
    names = NameMaker(rng)
    expected: dict[str, Any] = {"as_of": as_of.isoformat(), "files": {}, "failures": {}}

    # units.csv: UTF-8 with BOM, Chinese headers; one bad enum, one duplicated row.
    uf = node_spec("Unit").model.model_fields
    ucols = ["code", "name", "kind", "level", "district", "police_type", "supervision_function"]
    units = _File("units", _titles(uf, ucols))
    units.add(["D01", "临港市公安局", "市公安局", "市级", "", "综合", ""])
    units.add(["D01S01", "临港市公安局驻局纪检监察组", "监督机构", "市级", "", "纪检督察", "驻局纪检监察组"])
    units.add(["D01S02", "临港市公安局机关纪委", "监督机构", "市级", "", "纪检督察", "机关纪委"])
    units.add(["D01Z01", "临港市公安局交通警察支队", "警种支队", "市级", "", "交管", ""])
    units.add(["D01Z01D01", "临港市公安局交通警察支队车辆管理所", "大队", "基层", "", "交管", ""])
    units.add(["D01F01", "临港市公安局港城分局", "分局", "区县级", "港城区", "综合", ""])
    for j, st in enumerate(("海门", "渔港", "新城", "南湾"), 1):
        units.add([f"D01F01P{j:02d}", f"港城分局{st}派出所", "派出所", "基层", "港城区", "派出所", ""])
    units.add(["D01F01P02", "港城分局渔港派出所", "派出所", "基层", "港城区", "派出所", ""], dup=True)
    units.add(["D01F01X01", "港城分局临时卡点", "派出单位", "基层", "港城区", "派出所", ""], bad=True)
    text, lines = _csv_text(units)
    (out / "units.csv").write_text(text, encoding="utf-8-sig", newline="")
    expected["files"]["units"] = _expect(units, lines, "units.csv", "UTF-8 (BOM)")
    station_codes = [f"D01F01P{j:02d}" for j in range(1, 5)]

    # officers.csv: GBK, Chinese headers, minority names with a middle dot; bad rank, bad year, a duplicate.
    of = node_spec("Officer").model.model_fields
    ocols = [
        "badge_no",
        "name",
        "gender",
        "birth_year",
        "rank",
        "police_type",
        "post",
        "high_risk_post",
        "auxiliary",
        "id_number",
        "phone",
    ]
    officers = _File("officers", _titles(of, ocols))
    badges = [f"{n:06d}" for n in rng.sample(range(200_000, 290_000), 30)]
    fixed_names = {0: "阿依古丽·买买提", 1: "艾力·吐尔逊", 2: "欧阳明"}
    posts = ["社区警务", "执法办案", "户籍管理", "车管窗口", "接处警"]
    for k, badge in enumerate(badges):
        male = k != 0 and rng.random() < 0.8
        name = fixed_names.get(k) or names.name(male)
        birth = rng.randint(1968, 2000)
        post = posts[k % len(posts)]
        rank = "科级" if k < 4 else ("辅警" if k % 7 == 6 else "科员")
        officers.add(
            [
                badge,
                name,
                "男" if male else "女",
                birth,
                rank,
                "派出所",
                post,
                "是" if post in ("执法办案", "车管窗口") else "否",
                "是" if rank == "辅警" else "否",
                id_number(rng, "371002", birth, male),
                phone_number(rng),
            ]
        )
    officers.add(list(officers.rows[5]), dup=True)
    officers.add(["299999", "周正", "男", 1985, "副科", "派出所", "社区警务", "否", "否", "", ""], bad=True)
    officers.add(
        ["299998", "吴迪", "男", "八五年", "科员", "派出所", "社区警务", "否", "否", "", ""], bad=True
    )
    text, lines = _csv_text(officers)
    (out / "officers.csv").write_bytes(text.encode("gbk"))
    expected["files"]["officers"] = _expect(officers, lines, "officers.csv", "GBK/GB18030")

    # postings.xlsx: header aliases, dates as Excel dates and as Chinese text; a bad date, a missing
    # start date (loaded: start unknown), a badge number the officer file lacks.
    pf = rel_spec("SERVES_IN").model.model_fields
    postings = _File("postings", ["警号", "单位编码", "任职日期", "离任日期", _titles(pf, ["post"])[0]])
    date_forms = [
        lambda d: d,
        lambda d: f"{d.year}年{d.month}月{d.day}日",
        lambda d: f"{d.year}/{d.month}/{d.day}",
        lambda d: d.isoformat(),
        lambda d: f"{d.year}.{d.month}.{d.day}",
    ]
    for k, badge in enumerate(badges):
        start = as_of - dt.timedelta(days=rng.randint(100, 4000))
        form = date_forms[k % len(date_forms)]
        postings.add([badge, station_codes[k % len(station_codes)], form(start), None, posts[k % len(posts)]])
    postings.add([badges[0], "D01Z01D01", "2015年3月1日", "2019年12月31日", "车管窗口"])
    postings.add([badges[1], "D01F01P01", "2023-02-30", None, "社区警务"], bad=True)
    postings.add([badges[2], "D01F01P01", None, None, "社区警务"])  # start unknown: kept as such
    postings.add(["123456", "D01F01P01", "2024-03-05", None, "社区警务"], bad=True)  # no such officer
    postings.add([badges[3], "D01F01X01", "2024-03-05", None, "社区警务"], bad=True)  # the rejected unit
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "任职记录"
    ws.append(postings.headers)
    for row in postings.rows:
        ws.append(row)
    wb.properties.creator = "sample"
    wb.save(out / "postings.xlsx")
    _freeze_zip(out / "postings.xlsx")
    expected["files"]["postings"] = _expect(
        postings, list(range(2, 2 + len(postings.rows))), "postings.xlsx", "xlsx"
    )

    # clues.csv: UTF-8, English headers; summaries with commas, quotes and line breaks; a bad date,
    # a bad status, an unquoted comma (a ragged row) and a duplicated row.
    clues = _File("clues", ["clue_no", "received_on", "source", "category", "status", "summary"])
    clue_nos = [f"XS2025-D{k:04d}" for k in range(1, 21)]
    texts = [
        "反映其在执法办案中，收受当事人财物，数额较大",
        "反映其多次在工作日午间饮酒，\n影响值班",
        "反映其对群众“冷硬横推”，态度恶劣",
        "反映其违规插手工程项目，\r\n为亲属承揽业务提供便利，并收受好处",
        '反映其"借款"未还，金额约三万元',
    ]
    for k, no in enumerate(clue_nos):
        received = as_of - dt.timedelta(days=rng.randint(20, 600))
        received_text = (
            received.isoformat() if k % 3 else f"{received.year}年{received.month}月{received.day}日"
        )
        clues.add(
            [
                no,
                received_text,
                "信访举报" if k % 2 else "12389热线",
                "廉洁纪律" if k % 3 else "工作纪律",
                "初核中" if k % 4 else "已移送",
                texts[k % len(texts)],
            ]
        )
    clues.add(list(clues.rows[3]), dup=True)
    clues.add(["XS2025-D0901", "2025年13月1日", "信访举报", "廉洁纪律", "初核中", "日期错误"], bad=True)
    clues.add(["XS2025-D0902", "2025-04-01", "信访举报", "廉洁纪律", "处理中", "状态不在取值范围"], bad=True)
    text, lines = _csv_text(clues)
    ragged = "XS2025-D0903,2025-04-02,信访举报,廉洁纪律,初核中,反映其收受购物卡,数额不详\r\n"
    lines.append(text.count("\n") + 1)
    clues.add(["<ragged>"], bad=True)
    text += ragged
    (out / "clues.csv").write_text(text, encoding="utf-8", newline="")
    expected["files"]["clues"] = _expect(clues, lines, "clues.csv", "UTF-8")

    # clue_subjects.csv: two badge numbers the officer file lacks, one clue number nobody has.
    subjects = _File("clue_subjects", ["线索编号", "警号"])
    for k, no in enumerate(clue_nos):
        subjects.add([no, badges[(k * 3) % len(badges)]])
    subjects.add([clue_nos[0], "654321"], bad=True)
    subjects.add([clue_nos[1], "299999"], bad=True)  # the officer row rejected above
    subjects.add(["XS2099-D9999", badges[0]], bad=True)
    text, lines = _csv_text(subjects)
    (out / "clue_subjects.csv").write_text(text, encoding="utf-8", newline="")
    expected["files"]["clue_subjects"] = _expect(subjects, lines, "clue_subjects.csv", "UTF-8")

    # clue_transfers.csv: GBK, mixed date forms, blank feedback; one transfer to an unknown body.
    tf = rel_spec("TRANSFERRED_TO").model.model_fields
    tcols = ["clue_no", "body_code", "transferred_on", "feedback_on", "feedback_result"]
    transfers = _File("clue_transfers", _titles(tf, tcols))
    for k, no in enumerate(clue_nos[:10]):
        sent = as_of - dt.timedelta(days=10 + 9 * k)
        fb = sent + dt.timedelta(days=20) if k % 2 else None
        transfers.add(
            [
                no,
                "D01S02",
                f"{sent.year}/{sent.month}/{sent.day}",
                fb.isoformat() if fb else "",
                "经核查，反映问题部分属实，已谈话提醒" if fb else "",
            ]
        )
    transfers.add([clue_nos[10], "D09S99", "2025/5/6", "", ""], bad=True)
    text, lines = _csv_text(transfers)
    (out / "clue_transfers.csv").write_bytes(text.encode("gbk"))
    expected["files"]["clue_transfers"] = _expect(transfers, lines, "clue_transfers.csv", "GBK/GB18030")

    # cases.csv: a quote opened in a title and never closed. The whole file must fail.
    cf = list(node_spec("Case").model.model_fields)
    good = "AJ2025-D001,港城分局海门派出所违反廉洁纪律案,廉洁纪律,2025-03-01,,审查调查中,,,\r\n"
    broken = 'AJ2025-D002,"港城分局渔港派出所违反工作纪律案,工作纪律,2025-04-01,,审查调查中,,,\r\n'
    (out / "cases.csv").write_text(
        ",".join(cf) + "\r\n" + good + broken + good.replace("D001", "D003"), encoding="utf-8", newline=""
    )
    expected["failures"]["cases"] = {
        "file": "cases.csv",
        "reason": "引号不成对 / broken quote",
        "error_contains": "引号",
    }

    # memberships.csv: the org_code column is missing. The whole file must fail.
    (out / "memberships.csv").write_text(
        "警号,开始日期\r\n" + "".join(f"{b},2020-01-01\r\n" for b in badges[:5]), encoding="utf-8", newline=""
    )
    expected["failures"]["memberships"] = {
        "file": "memberships.csv",
        "reason": "缺少必填列 党组织编码 / missing required column org_code",
        "error_contains": "党组织编码",
    }

    path = out / "expected.json"
    path.write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
