"""Due lists (issue #7 item 1): 遍访一次、每季度再回访一次 (seed 001), special-hardship
households on their own schedule (seed 004), overdue when a period passes without a visit."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from canlian.cases import selectors
from canlian.cases.due import DueState
from canlian.cases.models import VisitPurpose, VisitRound, VisitSchedule
from canlian.cases.panels import cases_todos
from canlian.cases.tests.helpers import disabled, on, visit
from canlian.core.models import Region, User
from canlian.registry.models import Household
from canlian.registry.tests.factories import make_family

pytestmark = pytest.mark.django_db


def _states(actor: User) -> dict[str, str]:
    persons, plan = selectors.due_list_for(actor=actor, state="")
    open_rows = {r["person"].name: r["state"] for r in selectors.due_rows(persons, plan)}
    done, _ = selectors.due_list_for(actor=actor, state=DueState.DONE)
    return {**open_rows, **{p.name: DueState.DONE for p in done}}


def _round(regions: dict[str, str], staff: User, started: date, due: date) -> VisitRound:
    return VisitRound.objects.create(name="2026 年遍访", region_id=regions["county"],
                                     started_on=started, due_on=due, created_by=staff)


def test_census_round_lists_every_living_person_until_their_first_visit(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    liaison = personas["village_liaison"]
    with on(date(2025, 12, 1)):
        visited = disabled(regions["village_a"], name="已遍访")
        waiting = disabled(regions["village_a"], name="未遍访")
        disabled(regions["village_a"], name="已故", living_status="deceased")
        _round(regions, personas["county_staff"], date(2026, 1, 5), date(2026, 3, 31))
    first = visit(visited, liaison, date(2026, 2, 10))
    assert first.purpose == VisitPurpose.CENSUS and first.round is not None
    assert visit(visited, liaison, date(2026, 2, 20)).purpose == VisitPurpose.FOLLOW_UP

    with on(date(2026, 3, 15)):
        assert _states(liaison) == {"已遍访": DueState.DONE, "未遍访": DueState.CENSUS}
    with on(date(2026, 4, 2)):
        # The round's deadline passed: still waiting is overdue; the visited person now owes
        # the second quarter's follow-up.
        assert _states(liaison) == {"已遍访": DueState.DUE, "未遍访": DueState.CENSUS_OVERDUE}
    assert waiting.pk


def test_quarterly_follow_up_is_due_in_the_next_quarter_and_overdue_after_it(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    liaison = personas["village_liaison"]
    with on(date(2025, 12, 1)):
        person = disabled(regions["village_a"], name="季度回访")
    visit(person, liaison, date(2026, 2, 10))
    with on(date(2026, 3, 30)):
        assert _states(liaison) == {"季度回访": DueState.DONE}
    with on(date(2026, 5, 6)):
        persons, plan = selectors.due_list_for(actor=liaison)
        [row] = selectors.due_rows(persons, plan)
        assert (row["state"], row["due_on"]) == (DueState.DUE, date(2026, 6, 30))
    with on(date(2026, 7, 3)):
        persons, plan = selectors.due_list_for(actor=liaison)
        [row] = selectors.due_rows(persons, plan)
        assert row["state"] == DueState.OVERDUE and row["is_overdue"]
        assert row["due_on"] == date(2026, 6, 30)
    visit(person, liaison, date(2026, 7, 4))
    with on(date(2026, 7, 5)):
        assert _states(liaison) == {"季度回访": DueState.DONE}


def test_severe_living_alone_are_visited_monthly_on_their_own_schedule(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    liaison, county = personas["village_liaison"], personas["county_staff"]
    with on(date(2025, 12, 1)):
        alone = disabled(regions["village_a"], name="重残独居", grade=1)
        family = Household.objects.create(region_id=regions["village_a"])
        with_family = disabled(regions["village_a"], name="重残同住", grade=1, household=family)
        disabled(regions["village_a"], name="家人", household=family, category=None,
                 grade=None)
        VisitSchedule.objects.create(name="重残独居 每月", region_id=regions["county"],
                                     interval_months=1, conditions=["severe", "alone"],
                                     created_by=county)
    visit(alone, liaison, date(2026, 4, 20))
    visit(with_family, liaison, date(2026, 4, 20))
    with on(date(2026, 5, 6)):
        persons, plan = selectors.due_list_for(actor=liaison)
        rows = {r["person"].name: r for r in selectors.due_rows(persons, plan)}
        assert set(rows) == {"重残独居"}
        assert (rows["重残独居"]["state"], rows["重残独居"]["due_on"]) == (DueState.DUE,
                                                                        date(2026, 5, 31))
        assert rows["重残独居"]["interval"] == 1
    with on(date(2026, 6, 2)):
        assert _states(liaison) == {"重残独居": DueState.OVERDUE, "重残同住": DueState.DONE}


def test_a_person_never_visited_and_newly_registered_is_due_not_overdue(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    with on(date(2026, 5, 6)):
        disabled(regions["village_a"], name="新登记")
        assert _states(personas["village_liaison"]) == {"新登记": DueState.DUE}
    with on(date(2025, 1, 6)):
        disabled(regions["village_a"], name="老档案")
    with on(date(2026, 5, 6)):
        assert _states(personas["village_liaison"])["老档案"] == DueState.OVERDUE


def test_each_liaison_sees_only_their_own_villages_list(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    with on(date(2026, 5, 6)):
        disabled(regions["village_a"], name="甲村")
        disabled(regions["village_b"], name="乙村")
        assert set(_states(personas["village_liaison"])) == {"甲村"}
        assert set(_states(personas["liaison_b"])) == {"乙村"}
        assert set(_states(personas["township_staff"])) == {"甲村"}
        assert set(_states(personas["county_staff"])) == {"甲村", "乙村"}


def test_township_sees_every_village_officers_list_as_counts(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    from canlian.organizations.tests.factories import make_liaison_officer

    make_liaison_officer(region_code=regions["village_a"], user=personas["village_liaison"])
    with on(date(2025, 1, 6)):
        for _ in range(3):
            disabled(regions["village_a"])
        disabled(regions["village_a2"])
    with on(date(2026, 5, 6)):
        villages = {v["code"]: v for v in selectors.due_by_village(
            actor=personas["township_staff"])}
    assert villages[regions["village_a"]]["overdue"] == 3
    assert villages[regions["village_a"]]["officers"] == [personas["village_liaison"].name]
    assert villages[regions["village_a2"]]["open"] == 1
    assert Region.objects.get(code=regions["village_a"]).name == villages[
        regions["village_a"]]["name"]


def test_visits_are_due_to_disabled_persons_not_to_their_household_members(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    """Issue 16 §6: the due list, its counts and the home page's 应走访的残疾人 hold the
    disabled head only, not the spouse and child without a disability."""
    with on(date(2026, 5, 6)):
        head, _ = make_family(region_code=regions["village_a"])
        liaison = personas["village_liaison"]
        assert set(_states(liaison)) == {head.name}
        summary = selectors.due_summary_for(actor=liaison)
        assert sum(summary.values()) == 1
        [village] = selectors.due_by_village(actor=personas["county_staff"])
        assert village["total"] == 1
        [todo] = [t for t in cases_todos(liaison) if t.label == "应走访的残疾人"]
        assert todo.count == 1


def test_due_list_names_the_village_liaison_posts_of_the_organisation_system(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    """Issue #16 §12: 走访待办 said 专职委员 未配备 for villages whose 专职委员 组织体系 lists,
    because it read user accounts. Who serves a village is one source, the 专职委员 posts: a
    post holder without an account is named, a liaison account counts only through the member
    it is linked to, an ended term does not count; the gap list's contacts read the same."""
    from canlian.benefits.selectors import liaisons_for_villages
    from canlian.organizations.tests.factories import make_liaison_officer as officer

    for village in ("village_a", "village_a2"):
        disabled(regions[village])
    officer(region_code=regions["village_a"], name="杨秀英", user=personas["village_liaison"])
    officer(region_code=regions["village_a2"], name="刘国华")  # no system account
    officer(region_code=regions["village_a2"], name="王前任", started_on=date(2020, 1, 1),
            ended_on=date(2025, 12, 31))
    client.force_login(personas["township_staff"])
    page = client.get(reverse("cases:due_list")).content.decode()
    rows = {name: page.split(f'<th scope="row">{name}</th><td>', 1)[1].split("</td>", 1)[0]
            for name in (Region.objects.get(code=regions["village_a"]).name,
                         Region.objects.get(code=regions["village_a2"]).name)}
    assert list(rows.values()) == ["杨秀英", "刘国华"]
    assert "未配备" not in page and personas["village_liaison"].name not in page
    contacts = liaisons_for_villages({regions["village_a"], regions["village_a2"]})
    assert {code: [o.name for o in found] for code, found in contacts.items()} == {
        regions["village_a"]: ["杨秀英"], regions["village_a2"]: ["刘国华"]}
    assert contacts[regions["village_a"]][0].user_id == personas["village_liaison"].pk


def test_census_due_date_past_means_overdue_and_late_registrations_get_their_own(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    """Issue #16 §11: on 8 December people showed "请于 2026年6月30日 前走访" with 遍访逾期 0.
    The rule (docs/visits.md 新登记人员的遍访期限): registered by the round's due date, the
    round's date; registered after it, 90 days after registration (NEW_PERSON_CENSUS_DAYS).
    A due date before today is 遍访逾期, and no unvisited person is shown a past date."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from canlian.cases.due import NEW_PERSON_CENSUS_DAYS
    from canlian.registry.models import Person

    assert NEW_PERSON_CENSUS_DAYS == 90
    _round(regions, personas["county_staff"], date(2026, 1, 1), date(2026, 6, 30))
    registered = {"三月登记": date(2026, 3, 1), "八月登记": date(2026, 8, 1),
                  "十二月登记": date(2026, 12, 1)}
    for name, day in registered.items():
        person = disabled(regions["village_a"], name=name)
        Person.objects.filter(pk=person.pk).update(created_at=datetime(
            day.year, day.month, day.day, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    liaison = personas["village_liaison"]

    def rows() -> dict[str, tuple[str, date]]:
        persons, plan = selectors.due_list_for(actor=liaison, state="")
        return {r["person"].name: (r["state"], r["due_on"])
                for r in selectors.due_rows(persons, plan)}

    with on(date(2026, 6, 15)):  # before the round's deadline
        assert rows()["三月登记"] == (DueState.CENSUS, date(2026, 6, 30))
    with on(date(2026, 10, 30)):  # 八月登记's own due date: still due today
        assert rows()["八月登记"] == (DueState.CENSUS, date(2026, 10, 30))
    with on(date(2026, 12, 8)):
        assert rows() == {"三月登记": (DueState.CENSUS_OVERDUE, date(2026, 6, 30)),
                          "八月登记": (DueState.CENSUS_OVERDUE, date(2026, 10, 30)),
                          "十二月登记": (DueState.CENSUS, date(2027, 3, 1))}
        assert selectors.due_summary_for(actor=liaison)[DueState.CENSUS_OVERDUE] == 2
        client.force_login(liaison)
        page = client.get(reverse("cases:due_list")).content.decode()
    assert "请于 2027年3月1日 前走访" in page
    assert "应于 2026年10月30日 前走访" in page and "请于 2026年" not in page
