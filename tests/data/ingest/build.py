"""Write the ingest test fixtures (run once; the files are committed): ``python tests/data/ingest/build.py``.

Each folder is a small, hand-checked export set; tests/test_ingest*.py know its exact contents.
The encodings are the point: GBK and BOM files cannot be typed in an editor reliably.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent


def write(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))


def xlsx(path: Path, rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)


def clean() -> None:
    d = HERE / "clean"
    # UTF-8 without BOM, Chinese headers (field titles)
    write(
        d / "units.csv",
        "单位编码,单位名称,单位类型,层级,所属区县,警种,监督职能\n"
        "U01,市公安局,市公安局,市级,,,\n"
        "U0101,东城分局,分局,区县级,东城区,,\n"
        "U010101,东城分局城关派出所,派出所,基层,东城区,派出所,\n"
        "U0102,刑侦支队,警种支队,市级,,刑侦,\n"
        "U02,从严办,监督机构,市级,,,从严办\n"
        "U03,驻局纪检监察组,监督机构,市级,,,驻局纪检监察组\n",
    )
    # UTF-8 with BOM, English headers (field names)
    write(
        d / "unit_tree.csv",
        "unit_code,parent_code\nU0101,U01\nU010101,U0101\nU0102,U01\nU02,U01\nU03,U01\n",
        "utf-8-sig",
    )
    # GBK
    write(
        d / "party_orgs.csv",
        "党组织编码,党组织名称,党组织类型,评定等次,成立日期\n"
        "P01,市公安局党委,党委,,2001年7月1日\n"
        "P0101,东城分局党委,党委,,2003/5/4\n"
        "P010101,城关派出所党支部,党支部,四强党支部,20100701\n",
        "gbk",
    )
    write(d / "party_org_units.csv", "党组织编码,单位编码\nP01,U01\nP0101,U0101\nP010101,U010101\n")
    write(d / "party_org_tree.csv", "org_code,parent_code\nP0101,P01\nP010101,P0101\n")
    # GBK, Chinese headers, badge numbers with leading zeros, a middle-dot name, 是/否 values
    write(
        d / "officers.csv",
        "警号,姓名,性别,出生年份,职级,警种,岗位,高风险岗位,是否辅警,身份证号,联系电话\n"
        "010001,欧阳·娜娜,女,1980,处级,刑侦,支队长,是,否,,\n"
        "010002,张伟,男,1975,厅局级,综合,局长,否,否,,\n"
        "010003,买买提·艾力,男,1990,科员,派出所,社区民警,否,否,,\n"
        "010004,李娜,女,1988,科级,派出所,所长,是,否,,\n"
        "010005,王强,男,1995,辅警,派出所,窗口辅警,是,是,,\n",
        "gbk",
    )
    # .xlsx: a real date cell, a Chinese date string, an alias header (任职日期)
    xlsx(
        d / "postings.xlsx",
        [
            ["警号", "单位编码", "任职日期", "结束日期", "岗位"],
            ["010001", "U0102", dt.datetime(2020, 1, 15), None, "支队长"],
            ["010002", "U01", "2018年3月5日", None, "局长"],
            ["010003", "U010101", "2021/9/1", None, "社区民警"],
            ["010004", "U010101", dt.date(2019, 6, 1), None, "所长"],
            ["010005", "U010101", "2022-02-01", None, "窗口辅警"],
        ],
    )
    write(
        d / "committee_members.csv",
        "警号,党组织编码,职务,开始日期\n010002,P01,书记,2018-03-05\n010001,P01,委员,2020-01-15\n",
    )
    # free text with a comma and an embedded line break (record spans lines 3-4)
    write(
        d / "clues.csv",
        "线索编号,受理日期,线索来源,问题类别,办理状态,问题摘要\n"
        "XS2024001,2024-03-05,12389热线,廉洁纪律,已移送,反映收受礼金\n"
        'XS2024002,2024年4月1日,信访举报,工作纪律,初核中,"反映窗口辅警态度差,\n多次推诿"\n'
        "XS2024003,2024/5/6,督察发现,群众纪律,已受理,\n",
    )
    write(d / "clue_subjects.csv", "线索编号,警号\nXS2024001,010004\nXS2024002,010005\n")
    write(
        d / "clue_transfers.csv",
        "线索编号,承办机构编码,移送日期,反馈日期,反馈结果\nXS2024001,U03,2024-03-10,,\n",
    )
    write(
        d / "cases.csv",
        "案件编号,案件名称,违纪违法类型,立案日期,结案日期,案件状态,四种形态\n"
        "AJ2024001,李某收受礼金案,廉洁纪律,2024-04-01,2024-08-01,已结案,2\n",
    )
    write(
        d / "case_subjects.csv",
        "案件编号,警号,涉案角色,处理形态,处分\nAJ2024001,010004,主要责任人,第二种形态,警告\n",
    )
    write(d / "case_clues.csv", "案件编号,线索编号\nAJ2024001,XS2024001\n")
    # rank_scope and include_subtree columns absent: their defaults (全部, 是) apply
    write(
        d / "supervision.csv", "监督机构编码,被监督单位编码,监督类型\nU03,U01,纪律监督\nU02,U0101,政治监督\n"
    )
    write(d / "notes.txt", "说明：本目录为测试数据。\n")


def dirty() -> None:
    d = HERE / "dirty"
    write(
        d / "units.csv",
        "单位编码,单位名称,单位类型,层级\n"
        "U01,市公安局,市公安局,市级\n"  # 2 ok
        "U0101,东城分局(旧名),分局,区县级\n"  # 3 ok, overwritten by line 6
        "U0199,错误单位,大队长,基层\n"  # 4 bad enum
        "U0198,,派出所,基层\n"  # 5 missing required name
        "U0101,东城分局,分局,区县级\n"  # 6 duplicate key: later row wins
        "U010101,城关派出所,派出所,基层\n",
    )  # 7 ok
    write(
        d / "officers.csv",
        "警号,姓名,职级,出生年份\n"
        "010001,欧阳·娜娜,处级,1980\n"  # 2 ok
        "010002,张伟,局长,1975\n"  # 3 bad enum rank
        "010003,买买提·艾力,科员,一九九零\n"  # 4 not an integer
        "010004,李娜,科级,1988,多余\n"  # 5 more cells than the header
        "010005,王强,辅警,1995\n",
    )  # 6 ok
    write(
        d / "clues.csv",
        "线索编号,受理日期,线索来源,问题类别,办理状态\n"
        "XS1,2024-02-30,信访举报,工作纪律,已受理\n"  # 2 no such date
        "XS2,,信访举报,工作纪律,已受理\n"  # 3 missing required date
        "XS3,2024年3月5日,信访举报,工作纪律,已受理\n"  # 4 ok
        "XS4,去年,信访举报,工作纪律,已受理\n",
    )  # 5 unrecognised date
    write(
        d / "postings.csv",
        "警号,单位编码,开始日期\n"
        "010001,U0101,2020-01-01\n"  # 2 ok
        "999999,U0101,2020-01-01\n"  # 3 dangling officer (and one rejected above)
        "010002,U0101,2020-01-01\n"  # 4 officer rejected in officers.csv → dangling
        "010005,U9999,2020-01-01\n"  # 5 dangling unit
        "010005,U010101,2021-01-01\n"  # 6 ok
        "010005,U010101,2021-01-01\n",
    )  # 7 duplicate of line 6: loaded, merged
    write(d / "clue_subjects.csv", "线索编号,警号\nXS3,010005\nXS1,010005\nXS3,888888\n")


def unreadable() -> None:
    # broken quoting: an opening quote never closed swallows the rest of the file
    write(HERE / "bad_quote" / "units.csv", "单位编码,单位名称,单位类型,层级\nU01,市公安局,市公安局,市级\n")
    write(
        HERE / "bad_quote" / "officers.csv",
        '警号,姓名,职级\n010001,欧阳·娜娜,处级\n010002,"张伟,厅局级\n010003,李娜,科级\n',
    )
    # a required column (职级 / rank) is missing
    write(HERE / "missing_column" / "officers.csv", "姓名,性别,职级\n欧阳·娜娜,女,处级\n")
    # not a table: a zip archive saved as .csv, and a text file saved as .xlsx
    (HERE / "not_a_table").mkdir(parents=True, exist_ok=True)
    (HERE / "not_a_table" / "units.csv").write_bytes(
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256))
    )
    write(HERE / "not_a_table" / "officers.xlsx", "这不是 Excel 文件\n")
    # a text file whose header is prose, not columns
    write(HERE / "not_a_table" / "clues.csv", "请在下方填写线索\n一些说明文字\n")


if __name__ == "__main__":
    clean()
    dirty()
    unreadable()
