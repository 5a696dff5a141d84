"""The bulletin as a Word document (python-docx), ready for the office to edit.

A4, 仿宋/黑体-like CJK fonts, the marking ``内部资料 注意保密`` in every page header, page numbers
in the footer (PAGE field), a table of contents field (Word fills it on opening: the document
asks to update fields), real Heading 1 styles, tables with Chinese header rows.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from viz.report.model import Figure, Note, Paragraph, Report, Table

__all__ = ["render_docx"]

BODY_FONT = "FangSong"  # 仿宋 on the office's machines; Word falls back when absent
HEADING_FONT = "SimHei"  # 黑体
TITLE_FONT = "SimSun"  # 宋体 (小标宋 is customary; not every machine has it)


def _east_asian(run_or_style: object, name: str) -> None:
    """Set the East Asian font (python-docx only sets the Latin one)."""
    element = run_or_style.element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:ascii"), name)
    fonts.set(qn("w:hAnsi"), name)


def _field(paragraph: object, instruction: str, placeholder: str = "") -> None:
    """A complex field (PAGE, TOC …): begin, instruction, separate, placeholder, end."""

    def run_with(child: Any) -> None:
        r = OxmlElement("w:r")
        r.append(child)
        paragraph._p.append(r)  # type: ignore[attr-defined]

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = instruction
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    text = OxmlElement("w:t")
    text.text = placeholder
    run_with(text)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _update_fields_on_open(doc: object) -> None:
    settings = doc.settings.element  # type: ignore[attr-defined]
    el = OxmlElement("w:updateFields")
    el.set(qn("w:val"), "true")
    settings.append(el)


def _styles(doc: object) -> None:
    styles = doc.styles  # type: ignore[attr-defined]
    normal = styles["Normal"]
    normal.font.size = Pt(12)
    _east_asian(normal, BODY_FONT)
    normal.paragraph_format.line_spacing = 1.35
    h1 = styles["Heading 1"]
    h1.font.size = Pt(15)
    h1.font.bold = False
    h1.font.color.rgb = RGBColor(0, 0, 0)
    _east_asian(h1, HEADING_FONT)
    h1.paragraph_format.space_before = Pt(12)
    h1.paragraph_format.space_after = Pt(6)
    title = styles["Title"]
    title.font.size = Pt(20)
    title.font.color.rgb = RGBColor(0, 0, 0)
    _east_asian(title, TITLE_FONT)


def _header_footer(doc: object, marking: str) -> None:
    section = doc.sections[0]  # type: ignore[attr-defined]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.0), Cm(2.5)
    section.left_margin, section.right_margin = Cm(2.6), Cm(2.4)
    head = section.header.paragraphs[0]
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = head.add_run(marking)
    run.bold = True
    run.font.size = Pt(10.5)
    run.font.color.rgb = RGBColor(0xB0, 0, 0)
    _east_asian(run, HEADING_FONT)
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    foot.add_run("第 ")
    _field(foot, "PAGE", "1")
    foot.add_run(" 页  共 ")
    _field(foot, "NUMPAGES", "1")
    foot.add_run(" 页")


def _table(doc: object, t: Table) -> None:
    cap = doc.add_paragraph()  # type: ignore[attr-defined]
    cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = cap.add_run(t.title)
    r.bold = True
    r.font.size = Pt(10.5)
    _east_asian(r, HEADING_FONT)
    table = doc.add_table(rows=1, cols=len(t.columns))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, name in zip(table.rows[0].cells, t.columns, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(name)
        run.bold = True
        run.font.size = Pt(9.5)
        _east_asian(run, HEADING_FONT)
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), "DCE6F2")
        cell._tc.get_or_add_tcPr().append(shading)
    # repeat the header row on every page
    trpr = table.rows[0]._tr.get_or_add_trPr()
    rep = OxmlElement("w:tblHeader")
    rep.set(qn("w:val"), "true")
    trpr.append(rep)
    for row in t.rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(str(value))
            run.font.size = Pt(9.5)
    doc.add_paragraph()  # type: ignore[attr-defined]


def render_docx(report: Report) -> bytes:
    doc = Document()
    _styles(doc)
    _header_footer(doc, report.marking)
    mark = doc.add_paragraph()
    r = mark.add_run(report.marking)
    r.bold = True
    r.font.color.rgb = RGBColor(0xB0, 0, 0)
    _east_asian(r, HEADING_FONT)
    title = doc.add_paragraph(report.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph(report.subtitle)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    issuer = doc.add_paragraph(
        f"{report.office}    {report.issued_on.year}年{report.issued_on.month}月{report.issued_on.day}日"
    )
    issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if report.data_as_of:
        asof = doc.add_paragraph(f"数据截至 {report.data_as_of.isoformat()}；统计范围：{report.scope}")
        asof.alignment = WD_ALIGN_PARAGRAPH.CENTER
    toc_head = doc.add_paragraph()
    tr = toc_head.add_run("目  录")
    tr.bold = True
    _east_asian(tr, HEADING_FONT)
    toc = doc.add_paragraph()
    _field(toc, 'TOC \\o "1-1" \\h \\z \\u', "（打开文档时更新目录；或右键“更新域”）")
    for s in report.sections:
        doc.add_heading(s.heading, level=1)
        for b in s.blocks:
            if isinstance(b, Paragraph):
                p = doc.add_paragraph(b.text)
                p.paragraph_format.first_line_indent = Pt(24)
            elif isinstance(b, Note):
                p = doc.add_paragraph()
                run = p.add_run(f"注：{b.text}")
                run.italic = True
                run.font.size = Pt(10)
                run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
            elif isinstance(b, Table):
                _table(doc, b)
            elif isinstance(b, Figure):
                doc.add_picture(io.BytesIO(b.png), width=Cm(b.width_cm))
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                cap = doc.add_paragraph(b.title)
                cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
                cap.runs[0].font.size = Pt(10)
    end = doc.add_paragraph(
        f"{report.office}\n{report.issued_on.year}年{report.issued_on.month}月{report.issued_on.day}日"
    )
    end.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _update_fields_on_open(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
