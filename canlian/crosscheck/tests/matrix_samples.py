"""Jurisdiction-matrix samples for the cross-check pages and API operations (see
canlian/tests/test_jurisdiction_matrix.py): inside is the persona's village (village A for
county and township roles), outside is 汉阴县 (another county)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from canlian.core.models import User

Kwargs = dict[str, Any]
OTHER_COUNTY = "610921000000"
OTHER_VILLAGE = "610921100000"


def _village(actor: User, p: dict[str, User]) -> str:
    return actor.region_id if actor.region.level == "village" else p["village_liaison"].region_id


def _dataset(region: str, by: User) -> Any:
    from canlian.crosscheck.models import Dataset

    return Dataset.objects.create(kind="deaths", source="县民政局", filename="deaths.xlsx",
                                  reference_month=date(2026, 3, 1), region_id=region,
                                  row_count=1, imported_by=by)


def _row(village: str, by: User, region: str, name: str) -> Any:
    from canlian.core.crypto import blind_index
    from canlian.crosscheck.models import DatasetRow
    from canlian.registry.tests.factories import make_person

    person = make_person(region_code=village, name=name)
    row = DatasetRow.objects.create(dataset=_dataset(region, by), row_number=2, name=name,
                                    id_index=blind_index(person.id_number),
                                    id_number=person.id_number, id_valid=False,
                                    event_on=date(2026, 1, 15))
    return row, person


def _finding_at(village: str, by: User, region: str) -> Any:
    from canlian.crosscheck.models import Finding

    row, person = _row(village, by, region, "比对")
    return Finding.objects.create(
        kind="deceased_alive", dataset=row.dataset, row=row, person=person,
        region_code=village, subject_index=person.id_number_index,
        evidence_key="died:2026-01-15", match="exact",
        detail={"row": 2, "event_on": "2026-01-15", "list_name": "比对",
                "registry_name": "比对", "living_status": "alive"},
        created_at=timezone.now())


def _finding(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside = _finding_at(_village(actor, p), p["county_staff"], "520322000000")
    outside = _finding_at(OTHER_VILLAGE, p["other_county_admin"], OTHER_COUNTY)
    return {"finding_id": inside.pk}, {"finding_id": outside.pk}


def _dataset_sample(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside = _dataset("520322000000", p["county_staff"])
    outside = _dataset(OTHER_COUNTY, p["other_county_admin"])
    return {"dataset_id": inside.pk}, {"dataset_id": outside.pk}


def _candidate_at(village: str, by: User, region: str) -> Any:
    from canlian.crosscheck.models import MatchCandidate

    row, person = _row(village, by, region, "疑似")
    return MatchCandidate.objects.create(row=row, person=person, region_code=village,
                                         reason="digit")


def _candidate(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside = _candidate_at(_village(actor, p), p["county_staff"], "520322000000")
    outside = _candidate_at(OTHER_VILLAGE, p["other_county_admin"], OTHER_COUNTY)
    return {"candidate_id": inside.pk}, {"candidate_id": outside.pk}


def _questionnaire() -> Any:
    from canlian.crosscheck.management.commands.load_questionnaire import SHIPPED
    from canlian.crosscheck.survey import questionnaire_load

    return questionnaire_load(text=SHIPPED.read_text(encoding="utf-8")).questionnaire


def _survey_person(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.registry.tests.factories import make_disabled_person

    _questionnaire()  # the annual update surveys disabled persons (issue 16 §6)
    inside = make_disabled_person(region_code=_village(actor, p), name="采集")
    outside = make_disabled_person(region_code=OTHER_VILLAGE, name="外县")
    return {"person_id": inside.pk}, {"person_id": outside.pk}


def _proposal_at(village: str, by: User) -> Any:
    from canlian.crosscheck.models import SurveyProposal, SurveyResponse
    from canlian.registry.tests.factories import make_person

    person = make_person(region_code=village, name="答卷")
    response = SurveyResponse.objects.create(
        questionnaire=_questionnaire(), person=person, region_code=village,
        answers={"R0": "1", "R29": "1"}, collected_by=by, collected_at=timezone.now())
    return SurveyProposal.objects.create(response=response, person=person, region_code=village,
                                         item="R29", target="是否需长期照护",
                                         current_value="否", proposed_value="是")


def _proposal(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside = _proposal_at(_village(actor, p), p["village_liaison"])
    outside = _proposal_at(OTHER_VILLAGE, p["other_county_admin"])
    return {"proposal_id": inside.pk}, {"proposal_id": outside.pk}


def _with_body(body: Kwargs, pair: tuple[Kwargs, Kwargs | None]) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = pair
    return {**inside, "_body": body}, (None if outside is None else {**outside, "_body": body})


SAMPLES = {
    "crosscheck:finding_detail": _finding,
    "crosscheck:dataset_detail": _dataset_sample,
    "crosscheck:candidate_decide": _candidate,
    "crosscheck:survey_person": _survey_person,
    "crosscheck:proposal_decide": _proposal,
    "api:crosscheck_dataset_detail": _dataset_sample,
    "api:crosscheck_finding_detail": _finding,
    "api:crosscheck_finding_confirm": lambda a, p: _with_body({}, _finding(a, p)),
    "api:crosscheck_finding_dismiss": lambda a, p: _with_body({"reason": "部门数据有误"},
                                                             _finding(a, p)),
    "api:crosscheck_candidate_accept": _candidate,
    "api:crosscheck_candidate_reject": _candidate,
}
