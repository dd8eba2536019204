"""Reminders and escalation (issue #7 item 3): cases due within two working days are reminded
to their unit; overdue cases are escalated to the level above (督办), again after five working
days, by SMS to the unit's staff; running twice a day changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from canlian.cases import services, tasks
from canlian.cases.models import CaseAction, CaseSource
from canlian.cases.reminders import cases_deadline_run
from canlian.cases.tests.helpers import federations, on
from canlian.core import sms
from canlian.core.crypto import blind_index
from canlian.core.models import User
from canlian.organizations.models import OrgUnit, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings: Any) -> list[sms.SentSms]:
    settings.SMS_BACKEND = "canlian.core.sms.MemoryBackend"
    sms.outbox.clear()
    return sms.outbox


def _phones(*users: User) -> None:
    for number, user in enumerate(users):
        phone = f"1390000{number:04d}"
        User.objects.filter(pk=user.pk).update(phone=phone, phone_index=blind_index(phone))


def test_overdue_cases_are_escalated_to_the_level_above_and_again_later(
        personas: dict[str, User], regions: dict[str, str], outbox: list,
        django_capture_on_commit_callbacks: Any) -> None:
    county_unit, township_unit = federations(regions["county"], regions["township_a"])
    _phones(personas["county_staff"], personas["township_staff"])
    village = OrgUnit.objects.create(kind=UnitKind.VILLAGE_ASSOCIATION, name="甲村残协",
                                     region_id=regions["village_a"], parent=township_unit)
    staff = personas["township_staff"]
    with on(date(2026, 3, 2)):
        case = services.case_register(actor=staff, source=CaseSource.HELP, category="care",
                                      title="托养", description="需要托养", region_code=
                                      regions["village_a"])
        services.case_assign(actor=staff, case=case, unit=village)
    assert case.accept_due_on == date(2026, 3, 5)
    with on(date(2026, 3, 6)), django_capture_on_commit_callbacks(execute=True):
        run = cases_deadline_run()
    case.refresh_from_db()
    assert run.escalated == 1
    assert (case.escalation_level, case.escalated_to) == (1, township_unit)
    assert any("督办" in m.text and case.reference in m.text for m in outbox)
    with on(date(2026, 3, 6)):
        assert cases_deadline_run().escalated == 0  # idempotent within the day
    with on(date(2026, 3, 13)):  # the fifth working day: not yet
        assert cases_deadline_run().escalated == 0
    with on(date(2026, 3, 16)):  # more than 5 working days later and still not accepted
        cases_deadline_run()
    case.refresh_from_db()
    assert (case.escalation_level, case.escalated_to) == (2, county_unit)
    with on(date(2026, 3, 26)):
        cases_deadline_run()
    case.refresh_from_db()
    assert case.escalation_level == 2  # nothing above the county federation
    assert case.events.filter(action=CaseAction.ESCALATE).count() == 2


def test_cases_due_within_two_working_days_are_reminded_once(
        personas: dict[str, User], regions: dict[str, str], outbox: list,
        django_capture_on_commit_callbacks: Any) -> None:
    federations(regions["county"], regions["township_a"])
    _phones(personas["township_staff"])
    with on(date(2026, 3, 2)):
        case = services.case_register(actor=personas["township_staff"], source=CaseSource.HELP,
                                      category="care", title="托养", description="需要托养",
                                      region_code=regions["village_a"])
    with on(date(2026, 3, 3)), django_capture_on_commit_callbacks(execute=True):
        assert cases_deadline_run().reminded == 1
        assert cases_deadline_run().reminded == 0
    assert any("2 个工作日内到期" in m.text for m in outbox)
    case.refresh_from_db()
    assert case.reminded_on == date(2026, 3, 3)


def test_the_daily_task_runs_the_same_check(personas: dict[str, User],
                                            regions: dict[str, str]) -> None:
    federations(regions["county"], regions["township_a"])
    with on(date(2026, 3, 2)):
        services.case_register(actor=personas["township_staff"], source=CaseSource.HELP,
                               category="care", title="托养", description="需要托养",
                               region_code=regions["village_a"])
    with on(date(2026, 3, 9)):
        result = tasks.run_case_deadlines.enqueue()
    assert result.return_value == {"escalated": 1, "reminded": 0}


def test_the_daily_command_reports_what_it_did(personas: dict[str, User],
                                               regions: dict[str, str]) -> None:
    from io import StringIO

    from django.core.management import call_command

    federations(regions["county"], regions["township_a"])
    with on(date(2026, 3, 2)):
        services.case_register(actor=personas["township_staff"], source=CaseSource.HELP,
                               category="care", title="托养", description="需要托养",
                               region_code=regions["village_a"])
    out = StringIO()
    with on(date(2026, 3, 9)):
        call_command("case_deadlines", stdout=out)
    assert "督办 1 件" in out.getvalue()
