"""Cross-check JSON API: the list history, findings with confirm / dismiss, and near-match
candidates — the same selectors, services, roles and masking as the pages (issue #8).

Refusals come back as 403 (role), 404 (outside the jurisdiction), 409 (already decided, or the
registry no longer agrees) and 422 (bad input). ID numbers are masked as on the pages and in
the export.

No `from __future__ import annotations`: django-ninja reads parameter types through the role
check wrapper (see canlian/core/api.py).
"""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from canlian.core.api_auth import MAX_ID, api_roles, refusal
from canlian.core.errors import DomainError
from canlian.core.idnumbers import mask_id_number
from canlian.core.roles import Role
from canlian.core.schemas import ErrorOut
from canlian.crosscheck import selectors, services
from canlian.crosscheck.models import Dataset, Finding, MatchCandidate
from canlian.crosscheck.permissions import CONFIRM_ROLES, DATASET_ROLES, VIEW_ROLES
from canlian.crosscheck.presentation import finding_action, finding_evidence

router = Router(tags=["数据比对"])
# As the candidate page: county staff decide, township staff and leaders look.
CANDIDATE_ROLES = CONFIRM_ROLES | {Role.TOWNSHIP_STAFF, Role.LEADER}
REFUSALS = {"wrong_role": 403, "jurisdiction": 404, "not_open": 409, "matched": 409,
            "taken": 409, "overlap": 409, "not_deceased": 409, "no_enrolment": 409,
            "deceased": 409}
FindingKindLiteral = Literal["", "deceased_alive", "deceased_enrolled", "paid_after_death",
                             "moved_out", "moved_enrolled", "status_start", "status_end",
                             "status_excludes", "mental_uncertified", "name_mismatch"]
FindingStatusLiteral = Literal["", "open", "confirmed", "dismissed", "obsolete"]


# ------------------------------------------------------------------ schemas


class DatasetOut(Schema):
    id: int
    kind: str
    kind_label: str
    source: str
    filename: str
    reference_month: date
    region_code: str
    row_count: int
    matched_count: int
    candidate_count: int
    finding_count: int
    imported_by_name: str
    imported_at: datetime
    matched_at: datetime | None
    match_runs: int


class KindCountOut(Schema):
    kind: str
    kind_label: str
    by_status: dict[str, int]


class DatasetDetailOut(DatasetOut):
    findings: list[KindCountOut] = Field(description="本辖区内由该数据产生的发现：按类型与状态计数")


class DatasetPage(Schema):
    items: list[DatasetOut]
    count: int


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_ID)


class FindingOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    match: str
    match_label: str
    dataset_id: int
    dataset_source: str
    row_number: int
    region_code: str
    person_id: int | None
    name: str
    id_number_masked: str
    evidence: list[str]
    action: str
    created_at: datetime
    decided_by_name: str
    decided_at: datetime | None
    decision_note: str


class FindingPage(Schema):
    items: list[FindingOut]
    count: int


class FindingQuery(Schema):
    kind: FindingKindLiteral = ""
    status: FindingStatusLiteral = Field("open", description="默认只列待处理；空文本为全部")
    dataset: int | None = Field(None, ge=1, le=MAX_ID)
    township: str = Field("", pattern=r"^(\d{9}|\d{12})?$",
                          description="乡镇（街道）区划代码，9 位或 12 位")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_ID)


class ConfirmIn(Schema):
    note: str = Field("", max_length=300)


class DismissIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300, description="排除理由，必填")


class CandidateOut(Schema):
    id: int
    status: str
    status_label: str
    reason: str
    reason_label: str
    dataset_id: int
    dataset_source: str
    row_number: int
    list_name: str
    list_id_number_masked: str
    person_id: int
    person_name: str
    person_id_number_masked: str
    region_code: str
    decided_at: datetime | None


class CandidatePage(Schema):
    items: list[CandidateOut]
    count: int


# ------------------------------------------------------------------ datasets


def _dataset_out(d: Dataset) -> dict[str, Any]:
    return {
        "id": d.pk, "kind": d.kind, "kind_label": d.get_kind_display(), "source": d.source,
        "filename": d.filename, "reference_month": d.reference_month,
        "region_code": d.region_id, "row_count": d.row_count,
        "matched_count": d.matched_count, "candidate_count": d.candidate_count,
        "finding_count": d.finding_count, "imported_by_name": d.imported_by.name,
        "imported_at": d.imported_at, "matched_at": d.matched_at, "match_runs": d.match_runs,
    }


@router.get("/crosscheck/datasets", response=DatasetPage, summary="比对数据导入记录")
@api_roles(DATASET_ROLES)
def crosscheck_dataset_list(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    found = selectors.datasets_for(request.auth)  # type: ignore[arg-type]
    items = found[page.offset:page.offset + page.limit]
    return {"items": [_dataset_out(d) for d in items], "count": found.count()}


@router.get("/crosscheck/datasets/{dataset_id}", response={200: DatasetDetailOut, 404: ErrorOut},
            summary="比对数据详情")
@api_roles(DATASET_ROLES)
def crosscheck_dataset_detail(request: HttpRequest,
                              dataset_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    dataset = selectors.dataset_get_for(actor=request.auth,  # type: ignore[arg-type]
                                        dataset_id=dataset_id)
    counts = selectors.dataset_counts(actor=request.auth,  # type: ignore[arg-type]
                                      dataset=dataset)
    return {**_dataset_out(dataset),
            "findings": [{"kind": c.kind, "kind_label": c.label, "by_status": c.by_status}
                         for c in counts]}


# ------------------------------------------------------------------ findings


def _finding_out(f: Finding) -> dict[str, Any]:
    # The person's number when matched, else the list's (kept only for outreach and typos):
    # masked exactly as the review queue and the export show it.
    number = f.person.id_number if f.person is not None else f.row.id_number
    return {
        "id": f.pk, "kind": f.kind, "kind_label": f.get_kind_display(), "status": f.status,
        "status_label": f.get_status_display(), "match": f.match,
        "match_label": f.get_match_display(), "dataset_id": f.dataset_id,
        "dataset_source": f.dataset.source, "row_number": f.row.row_number,
        "region_code": f.region_code, "person_id": f.person_id,
        "name": f.person.name if f.person is not None else f.row.name,
        "id_number_masked": mask_id_number(number), "evidence": finding_evidence(f),
        "action": finding_action(f), "created_at": f.created_at,
        "decided_by_name": f.decided_by.name if f.decided_by is not None else "",
        "decided_at": f.decided_at, "decision_note": f.decision_note,
    }


@router.get("/crosscheck/findings", response=FindingPage, summary="比对发现（筛选）")
@api_roles(VIEW_ROLES)
def crosscheck_finding_list(request: HttpRequest, filters: Query[FindingQuery]
                            ) -> dict[str, Any]:
    found = selectors.findings_for(actor=request.auth,  # type: ignore[arg-type]
                                   filters=selectors.FindingFilter(
                                       kind=filters.kind, status=filters.status,
                                       township=filters.township, dataset=filters.dataset))
    items = found.select_related("decided_by")[filters.offset:filters.offset + filters.limit]
    return {"items": [_finding_out(f) for f in items], "count": found.count()}


@router.get("/crosscheck/findings/{finding_id}", response={200: FindingOut, 404: ErrorOut},
            summary="比对发现详情")
@api_roles(VIEW_ROLES)
def crosscheck_finding_detail(request: HttpRequest,
                              finding_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    return _finding_out(selectors.finding_get_for(actor=request.auth,  # type: ignore[arg-type]
                                                  finding_id=finding_id))


def _finding_decide(request: HttpRequest, finding_id: int, decide: Any, **details: str) -> Any:
    """Confirm or dismiss through the service; the finding as it is afterwards."""
    finding = selectors.finding_get_for(actor=request.auth,  # type: ignore[arg-type]
                                        finding_id=finding_id)
    try:
        decide(actor=request.auth, finding=finding, request=request, **details)
    except DomainError as error:
        raise refusal(error, REFUSALS) from None
    return _finding_out(selectors.finding_get_for(actor=request.auth,  # type: ignore[arg-type]
                                                  finding_id=finding.pk))


@router.post("/crosscheck/findings/{finding_id}/confirm",
             response={200: FindingOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                       422: ErrorOut},
             summary="确认比对发现（按建议处理）")
@api_roles(CONFIRM_ROLES)
def crosscheck_finding_confirm(request: HttpRequest, body: ConfirmIn | None = None,
                               finding_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """Applies the proposed change through the registry or benefits services, audited."""
    return _finding_decide(request, finding_id, services.finding_confirm,
                           note=body.note if body else "")


@router.post("/crosscheck/findings/{finding_id}/dismiss",
             response={200: FindingOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                       422: ErrorOut},
             summary="排除比对发现（须填写理由）")
@api_roles(CONFIRM_ROLES)
def crosscheck_finding_dismiss(request: HttpRequest, body: DismissIn,
                               finding_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """The finding is wrong (e.g. the department's record is): nothing else changes."""
    return _finding_decide(request, finding_id, services.finding_dismiss, reason=body.reason)


# ------------------------------------------------------------------ near-match candidates


def _candidate_out(c: MatchCandidate) -> dict[str, Any]:
    return {
        "id": c.pk, "status": c.status, "status_label": c.get_status_display(),
        "reason": c.reason, "reason_label": c.get_reason_display(),
        "dataset_id": c.row.dataset_id, "dataset_source": c.row.dataset.source,
        "row_number": c.row.row_number, "list_name": c.row.name,
        "list_id_number_masked": mask_id_number(c.row.id_number),
        "person_id": c.person_id, "person_name": c.person.name,
        "person_id_number_masked": mask_id_number(c.person.id_number),
        "region_code": c.region_code, "decided_at": c.decided_at,
    }


@router.get("/crosscheck/candidates", response=CandidatePage, summary="疑似匹配（待确认）")
@api_roles(CANDIDATE_ROLES)
def crosscheck_candidate_list(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    found = (selectors.candidates_for(request.auth)  # type: ignore[arg-type]
             .order_by("row__dataset_id", "row__row_number", "pk"))
    items = found[page.offset:page.offset + page.limit]
    return {"items": [_candidate_out(c) for c in items], "count": found.count()}


def _candidate_decide(request: HttpRequest, candidate_id: int, *, accept: bool) -> Any:
    candidate = selectors.candidate_get_for(actor=request.auth,  # type: ignore[arg-type]
                                            candidate_id=candidate_id)
    decide = services.candidate_accept if accept else services.candidate_reject
    try:
        decide(actor=request.auth, candidate=candidate, request=request)  # type: ignore[arg-type]
    except DomainError as error:
        raise refusal(error, REFUSALS) from None
    return _candidate_out(selectors.candidate_get_for(actor=request.auth,  # type: ignore[arg-type]
                                                      candidate_id=candidate.pk))


@router.post("/crosscheck/candidates/{candidate_id}/accept",
             response={200: CandidateOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                       422: ErrorOut},
             summary="确认疑似匹配为同一人（生成该行的比对发现）")
@api_roles(CONFIRM_ROLES)
def crosscheck_candidate_accept(request: HttpRequest,
                                candidate_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    return _candidate_decide(request, candidate_id, accept=True)


@router.post("/crosscheck/candidates/{candidate_id}/reject",
             response={200: CandidateOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                       422: ErrorOut},
             summary="排除疑似匹配（不是同一人）")
@api_roles(CONFIRM_ROLES)
def crosscheck_candidate_reject(request: HttpRequest,
                                candidate_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    return _candidate_decide(request, candidate_id, accept=False)
