"""``POST /reports``: the periodic bulletin (通报) as DOCX, PDF or HTML, for 从严办 and 领导.

The content comes from the prepared queries (``viz.report``); officers' names in the network
pictures are masked when the role masks names; each report appends an access record listing the
officers, clues and cases it shows.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AuditDep, DriverDep, PurposeDep, SettingsDep, require
from api.errors import ERROR_RESPONSES, NOT_FOUND
from api.security import Principal, mask_name
from viz.report.content import DEFAULT_OFFICE, build_report
from viz.report.period import parse_period
from viz.report.render import MEDIA_TYPES, render

router = APIRouter(tags=["reports"], responses=ERROR_RESPONSES)

ReportsPrincipal = Annotated[Principal, Depends(require("reports"))]


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    period: str = Field(
        ...,
        min_length=4,
        max_length=7,
        pattern=r"^[0-9]{4}(-[0-9]{1,2}|[QqHh][0-9])?$",
        title="统计期",
        description="2026-07（月）、2026Q3（季度）、2026H1（半年）或 2026（年）",
        examples=["2026Q2"],
    )
    unit: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        title="单位编码",
        description="只通报该单位及其下属单位；不填为全市",
    )
    format: Literal["docx", "pdf", "html"] = Field("docx", title="格式")
    office: str = Field(
        DEFAULT_OFFICE, min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]+$", title="印发单位"
    )


def _identity(name: str) -> str:
    return name


@router.post(
    "/reports",
    summary="生成定期通报 / generate the periodic bulletin",
    responses={
        **NOT_FOUND,
        200: {
            "description": "DOCX、PDF 或 HTML 文件 / the document",
            "content": {MEDIA_TYPES["docx"]: {}, "application/pdf": {}, "text/html": {}},
        },
    },
    response_class=Response,
)
def create_report(
    request: Request,
    principal: ReportsPrincipal,
    purpose: PurposeDep,
    driver: DriverDep,
    settings: SettingsDep,
    audit: AuditDep,
    body: Annotated[ReportRequest, Body()],
) -> Any:
    """Key figures against the previous period and last year, ratings, risk clusters, coverage gaps,
    overdue items and generated suggestions, in the customary structure of a 通报."""
    period = parse_period(body.period)
    masks_names = "officers" in principal.role.mask_names
    report = build_report(
        driver,
        settings.neo4j_database,
        period,
        unit_code=body.unit,
        office=body.office,
        mask_name=mask_name if masks_names else _identity,
    )
    data = render(report, body.format)
    audit.record(principal, request, entity_ids=report.entity_ids, params=body.model_dump())
    filename = f"report_{period.code}{'_' + body.unit if body.unit else ''}.{body.format}"
    return Response(
        data,
        media_type=MEDIA_TYPES[body.format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
