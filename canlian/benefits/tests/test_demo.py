"""The benefits demo hook of seed_demo (issue #6): believable enrolments, accounts and three
paid months on top of the registry's demo county."""

from __future__ import annotations

from io import StringIO

import pytest
from django.db import connection

from canlian.benefits.demo import PAID_MONTHS, seed_demo
from canlian.benefits.eligibility import eligible_persons
from canlian.benefits.models import (
    BatchStatus,
    EligibilityRun,
    Enrolment,
    EnrolmentStatus,
    LineStatus,
    PaymentAccount,
    PayrollBatch,
    PayrollLine,
    Policy,
)
from canlian.benefits.months import add_months, this_month
from canlian.core.models import User
from canlian.registry.demo import seed_demo as registry_seed_demo


@pytest.fixture
def demo(personas: dict[str, User]) -> str:
    registry_seed_demo(persons=800, stdout=StringIO())
    out = StringIO()
    seed_demo(persons=800, stdout=out)
    return out.getvalue()


def test_demo_enrols_most_eligible_persons_and_leaves_the_rest_to_discover(demo: str) -> None:
    assert "演示政策数据" in demo
    first_paid = add_months(this_month(), -PAID_MONTHS)
    for code in ("living_allowance", "care_subsidy"):
        policy = Policy.objects.get(code=code)
        eligible = eligible_persons(policy, first_paid, prefix="520322").count()
        enrolled = Enrolment.objects.filter(policy=policy,
                                            status=EnrolmentStatus.ENROLLED).count()
        assert 0 < enrolled <= eligible, code
        if code == "living_allowance":  # enough people for the share to show
            assert 0.7 * eligible <= enrolled <= 0.95 * eligible
    run = EligibilityRun.objects.get(month=this_month())
    assert run.summary["living_allowance"]["to_enrol"] > 0


def test_demo_pays_the_last_three_months_into_bank_accounts_with_review_history(demo: str) -> None:
    batches = PayrollBatch.objects.filter(policy__code__in=["living_allowance", "care_subsidy"])
    assert batches.count() == 2 * PAID_MONTHS
    assert set(batches.values_list("status", flat=True)) == {BatchStatus.APPROVED}
    # The few without an account were set aside (挂起), never paid.
    assert PayrollLine.objects.exclude(status__in=[LineStatus.PAID,
                                                   LineStatus.SET_ASIDE]).count() == 0
    set_aside = PayrollLine.objects.filter(status=LineStatus.SET_ASIDE)
    assert set_aside.exists()
    assert not PaymentAccount.objects.filter(person_id__in=set_aside.values("person_id"))
    assert PaymentAccount.objects.filter(person_id__in=PayrollLine.objects.filter(
        status=LineStatus.PAID).values("person_id")).count() > 0
    assert PayrollLine.objects.filter(period=add_months(this_month(), -1)).count() > 0
    account = PaymentAccount.objects.first()
    assert account is not None and len(account.account_number) == 19
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_number FROM benefits_paymentaccount LIMIT 1")
        assert cursor.fetchone()[0] != account.account_number  # stored encrypted
    enrolment = Enrolment.objects.filter(status=EnrolmentStatus.ENROLLED).first()
    assert enrolment is not None
    assert [s.action for s in enrolment.steps.all()] == [
        "申请", "乡镇（街道）初审", "县残联审核", "民政审定"]
    assert Enrolment.objects.filter(status=EnrolmentStatus.PENDING,
                                    next_step="township").exists()


def test_demo_history_keeps_separation_of_duties(demo: str) -> None:
    """不相容岗位分离: four different accounts per enrolment, 乡镇初审 by the person's township
    staff; every batch approved by another account than the one that generated it."""
    for enrolment in (Enrolment.objects.filter(status=EnrolmentStatus.ENROLLED)
                      .select_related("applied_by").prefetch_related("steps__actor")[:200]):
        actors = [s.actor for s in enrolment.steps.all()]
        assert len({a.pk for a in actors}) == 4 and actors[0] == enrolment.applied_by
        assert actors[1].role == "township_staff"
        assert enrolment.region_id.startswith(actors[1].region.prefix)
        assert {a.role for a in actors[2:]} == {"county_staff"}
    for batch in PayrollBatch.objects.all():
        assert batch.approved_by_id not in (None, batch.generated_by_id)


def test_running_the_demo_twice_changes_nothing(demo: str) -> None:
    counts = (Enrolment.objects.count(), PayrollLine.objects.count(),
              PaymentAccount.objects.count())
    out = StringIO()
    seed_demo(persons=800, stdout=out)
    assert "不再生成" in out.getvalue()
    assert (Enrolment.objects.count(), PayrollLine.objects.count(),
            PaymentAccount.objects.count()) == counts
