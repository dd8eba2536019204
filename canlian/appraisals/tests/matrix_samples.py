"""Jurisdiction-matrix samples for the appraisal pages and API (see
canlian/tests/test_jurisdiction_matrix.py): inside is a result or quarter of 桐梓 in village A
(a village liaison officer's own result), outside one of 汉阴县, which no 桐梓 persona sees."""

from __future__ import annotations

from typing import Any

from canlian.core.models import User

Kwargs = dict[str, Any]
OTHER_REGION = "610921100000"  # 城关镇 of 汉阴县 (the shipped data has no villages there)


def _results(actor: User, p: dict[str, User], *, finalized: bool) -> tuple[Any, Any]:
    from canlian.appraisals.tests.helpers import stored_result

    mine = p["village_liaison"]
    inside = stored_result(mine.region_id, by=p["county_staff"], user=mine, name=mine.name,
                           finalized=finalized)
    outside = stored_result(OTHER_REGION, by=p["other_county_admin"], name="汉阴专职委员",
                            finalized=finalized)
    return inside, outside


def _result(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _results(actor, p, finalized=True)
    return {"result_id": inside.pk}, {"result_id": outside.pk}


def _draft_result(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _results(actor, p, finalized=False)
    return {"result_id": inside.pk}, {"result_id": outside.pk}


def _quarter(actor: User, p: dict[str, User], *, finalized: bool = False
             ) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _results(actor, p, finalized=finalized)
    return {"quarter_id": inside.quarter_id}, {"quarter_id": outside.quarter_id}


def _appeal(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from django.utils import timezone

    from canlian.appraisals.models import AppraisalAppeal

    found = []
    for result in _results(actor, p, finalized=True):
        found.append(AppraisalAppeal.objects.create(
            result=result, reason="走访记录漏算", filed_by=result.user or p["county_staff"],
            filed_at=timezone.now()))
    return {"appeal_id": found[0].pk}, {"appeal_id": found[1].pk}


SAMPLES = {
    "appraisals:quarter_detail": _quarter,
    "appraisals:quarter_finalize": _quarter,
    "appraisals:payment_list_export": lambda a, p: _quarter(a, p, finalized=True),
    "appraisals:result_detail": _result,
    "appraisals:result_scores": _draft_result,
    "appraisals:appeal_file": _result,
    "appraisals:appeal_decide": _appeal,
    "api:appraisal_result_detail": _result,
}
