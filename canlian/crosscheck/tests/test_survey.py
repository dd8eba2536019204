"""Annual dynamic update (issue #8 §5; DOMAIN.md §9 动态1表): versioned questionnaire data with
skip logic evaluated safely, answers per person, completion rate per village (target ≥ 95 %),
contradictions with the registry proposed for review and applied through registry services."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from canlian.core.errors import DomainError
from canlian.core.models import AuditEvent, User
from canlian.crosscheck.management.commands.load_questionnaire import SHIPPED
from canlian.crosscheck.models import ProposalStatus, Questionnaire, SurveyProposal
from canlian.crosscheck.survey import (
    answers_clean,
    completion_by_village,
    proposal_decide,
    questionnaire_load,
    shown,
    survey_answers_import,
    survey_response_save,
)
from canlian.registry.models import HouseholdStatus, Person
from canlian.registry.tests.factories import make_disabled_person, make_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def questionnaire(region_data: None) -> Questionnaire:
    return questionnaire_load(text=SHIPPED.read_text(encoding="utf-8")).questionnaire


def test_loading_the_same_file_twice_changes_nothing(questionnaire: Questionnaire) -> None:
    again = questionnaire_load(text=SHIPPED.read_text(encoding="utf-8"))
    assert not again.created and Questionnaire.objects.count() == 1


def test_changed_content_needs_a_new_version(questionnaire: Questionnaire) -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace("婚姻状况", "婚姻")
    with pytest.raises(DomainError):
        questionnaire_load(text=text)
    newer = questionnaire_load(text=text.replace("version: 1", "version: 2"))
    assert newer.created and newer.questionnaire.is_active
    questionnaire.refresh_from_db()
    assert not questionnaire.is_active


def test_skip_logic_is_data_not_code() -> None:
    condition = {"all": [{"item": "R0", "in": ["1"]}, {"not": {"item": "R14", "in": ["2"]}}]}
    assert shown(condition, {"R0": "1", "R14": "1"})
    assert not shown(condition, {"R0": "1", "R14": "2"})
    assert shown({"item": "R27", "in": ["1"]}, {"R27": ["1", "3"]})
    assert not shown({"item": "R0", "in": ["__import__('os')"]}, {"R0": "1"})


def test_condition_may_only_refer_to_earlier_items() -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace("show_if: {item: R0, in: [\"2\", \"3\"]}",
                                                       "show_if: {item: R40, in: [\"1\"]}")
    with pytest.raises(DomainError, match="须在本题之前"):
        questionnaire_load(text=text)


def test_hidden_items_are_dropped_and_shown_required_ones_checked(
        questionnaire: Questionnaire) -> None:
    answers, errors = answers_clean(questionnaire, {"R0": "2", "R3": "1"})
    assert errors == {"R0A": "请填写"}
    answers, errors = answers_clean(questionnaire, {"R0": "1", "R3": "1", "R14": "2",
                                                    "R15": "1", "R0A": "2026-01-01"})
    assert errors == {} and "R15" not in answers and "R0A" not in answers


def test_contradictions_become_proposals_applied_through_the_registry(
        questionnaire: Questionnaire, personas: dict[str, User], regions: dict[str, str]) -> None:
    person = make_disabled_person(region_code=regions["village_a"], name="王五")
    response = survey_response_save(actor=personas["village_liaison"],
                                    questionnaire=questionnaire, person=person,
                                    raw={"R0": "1", "R3": "1", "R29": "1", "R27": ["1"]})
    proposals = {p.target: p for p in SurveyProposal.objects.filter(response=response)}
    assert set(proposals) == {"是否需长期照护", "status:dibao"}
    assert Person.objects.get(pk=person.pk).needs_long_term_care is False  # not yet
    township = personas["township_staff"]
    proposal_decide(actor=township, proposal=proposals["是否需长期照护"], apply=True)
    assert Person.objects.get(pk=person.pk).needs_long_term_care is True
    proposal_decide(actor=township, proposal=proposals["status:dibao"], apply=True)
    assert HouseholdStatus.objects.get(household_id=person.household_id).kind == "dibao"
    assert AuditEvent.objects.filter(object_type="crosscheck.surveyproposal").count() == 2


def test_dismissing_a_proposal_needs_a_reason_and_changes_nothing(
        questionnaire: Questionnaire, personas: dict[str, User], regions: dict[str, str]) -> None:
    person = make_disabled_person(region_code=regions["village_a"], name="王五")
    survey_response_save(actor=personas["village_liaison"], questionnaire=questionnaire,
                         person=person, raw={"R0": "1", "R3": "1", "R29": "1"})
    proposal = SurveyProposal.objects.get()
    with pytest.raises(DomainError):
        proposal_decide(actor=personas["township_staff"], proposal=proposal, apply=False)
    proposal_decide(actor=personas["township_staff"], proposal=proposal, apply=False,
                    note="家属称已康复")
    assert SurveyProposal.objects.get().status == ProposalStatus.DISMISSED
    assert Person.objects.get(pk=person.pk).needs_long_term_care is False


def test_completion_rate_per_village(questionnaire: Questionnaire, personas: dict[str, User],
                                     regions: dict[str, str]) -> None:
    people = [make_disabled_person(region_code=regions["village_a"], name=f"甲{i}") for i in range(20)]
    make_disabled_person(region_code=regions["village_b"], name="乙")
    for person in people[:19]:
        survey_response_save(actor=personas["village_liaison"], questionnaire=questionnaire,
                             person=person, raw={"R0": "1", "R3": "1"})
    rates = {r.code: r for r in completion_by_village(actor=personas["county_staff"],
                                                      questionnaire=questionnaire)}
    assert (rates[regions["village_a"]].percent, rates[regions["village_a"]].meets_target) == (
        95.0, True)
    assert (rates[regions["village_b"]].percent, rates[regions["village_b"]].meets_target) == (
        0.0, False)


def test_import_of_answers_is_all_or_nothing(questionnaire: Questionnaire,
                                             personas: dict[str, User],
                                             regions: dict[str, str]) -> None:
    person = make_disabled_person(region_code=regions["village_a"], name="王五")
    header = ["身份证号", "R0", "R3", "R27"]
    bad = survey_answers_import(actor=personas["township_staff"], questionnaire=questionnaire,
                                header=header, rows=[[person.id_number, "1", "7", ""]])
    assert [(e.row, e.column) for e in bad.errors] == [(2, "R3")] and bad.saved == 0
    good = survey_answers_import(actor=personas["township_staff"], questionnaire=questionnaire,
                                 header=header, rows=[[person.id_number, "1", "1", "1、3"]])
    assert good.saved == 1 and good.errors == []


def test_phone_page_for_a_liaison_officer(questionnaire: Questionnaire,
                                          personas: dict[str, User], regions: dict[str, str],
                                          client: Client) -> None:
    person = make_disabled_person(region_code=regions["village_a"], name="王五")
    client.force_login(personas["village_liaison"])
    url = reverse("crosscheck:survey_person", args=[person.pk])
    page = client.get(url).content.decode()
    assert "仅当" in page and 'name="R27"' in page
    response = client.post(url, {"channel": "phone", "R0": "1", "R3": "2", "R27": ["9"]})
    assert response.status_code == 302
    home = client.get(reverse("crosscheck:survey_home"))
    assert [p.done for p in home.context["page"]] == [True]


def test_survey_of_another_village_is_404(questionnaire: Questionnaire,
                                          personas: dict[str, User], regions: dict[str, str],
                                          client: Client) -> None:
    person = make_disabled_person(region_code=regions["village_a"], name="王五")
    client.force_login(personas["liaison_b"])
    assert client.get(reverse("crosscheck:survey_person", args=[person.pk])).status_code == 404


def test_survey_home_query_count_is_fixed(questionnaire: Questionnaire,
                                          personas: dict[str, User], regions: dict[str, str],
                                          client: Client,
                                          django_assert_max_num_queries: Any) -> None:
    for i in range(30):
        make_disabled_person(region_code=regions["village_a"], name=f"甲{i}")
    client.force_login(personas["county_staff"])
    with django_assert_max_num_queries(12):  # session, user, questionnaire, 2 grouped counts…
        client.get(reverse("crosscheck:survey_home"))


def test_survey_target_counts_disabled_persons_not_household_members(
        questionnaire: Questionnaire, personas: dict[str, User], regions: dict[str, str],
        client: Client) -> None:
    head, members = make_family(region_code=regions["village_a"])
    liaison = personas["village_liaison"]
    survey_response_save(actor=liaison, questionnaire=questionnaire, person=head,
                         raw={"R0": "1", "R3": "1"})
    [rate] = completion_by_village(actor=personas["county_staff"], questionnaire=questionnaire)
    assert (rate.persons, rate.done, rate.percent) == (1, 1, 100.0)
    client.force_login(liaison)
    home = client.get(reverse("crosscheck:survey_home"))
    assert [p.name for p in home.context["page"]] == [head.name]
    assert "残疾人 1 人（不含户内成员）" in home.content.decode()
    # A household member has no survey page and cannot be imported as answered.
    url = reverse("crosscheck:survey_person", args=[members[0].pk])
    assert client.get(url).status_code == 404
    imported = survey_answers_import(actor=personas["township_staff"],
                                     questionnaire=questionnaire, header=["身份证号", "R0", "R3"],
                                     rows=[[members[0].id_number, "1", "1"]])
    assert imported.saved == 0 and "户内成员" in imported.errors[0].message
