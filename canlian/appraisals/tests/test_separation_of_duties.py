"""不相容岗位分离 in the quarterly appraisal (DESIGN.md "Data"; issue 16 item 3): an account that
entered manual scores of a quarter does not finalise it (定稿 approves those scores). Refused by
the service; the 定稿 button is not offered and says why; a forged POST changes nothing; another
county staff account finalises."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from canlian.appraisals import services
from canlian.appraisals.models import AppraisalQuarter, QuarterStatus
from canlian.appraisals.tests import helpers as h
from canlian.core.errors import DomainError
from canlian.core.models import User
from canlian.core.roles import Role

MANUAL = {"政策宣传与需求收集": "9", "工作纪律与台账资料": "8"}


def test_who_entered_manual_scores_cannot_finalise_the_quarter(
        personas: dict[str, User], regions: dict[str, str], make_user: Callable[..., User],
        client: Client) -> None:
    staff, second = personas["county_staff"], personas["county_staff_2"]
    liaison = personas["village_liaison"]
    h.scheme(staff)
    h.officer(regions["village_a"], liaison.name, user=liaison)
    h.officer(regions["village_a2"], "刘国华")
    quarter = h.compute(staff)
    results = list(quarter.results.order_by("pk"))
    assert len(results) >= 2
    for result in results:
        services.manual_scores_save(actor=staff, result=result, scores=MANUAL)
    # the second account re-scores one officer: its scores stand, the first's for the others
    services.manual_scores_save(actor=second, result=results[0], scores=MANUAL)
    for scorer in (staff, second):  # one officer's scores are enough to conflict
        with pytest.raises(DomainError) as refused:
            services.quarter_finalize(actor=scorer, quarter=quarter)
        assert refused.value.code == "separation_of_duties"
        client.force_login(scorer)
        page = client.get(reverse("appraisals:quarter_detail", args=[quarter.pk]))
        html = page.content.decode()
        assert "定稿须由他人进行" in html
        assert reverse("appraisals:quarter_finalize", args=[quarter.pk]) not in html
        with h.on(date(2026, 4, 13)):
            client.post(reverse("appraisals:quarter_finalize", args=[quarter.pk]))
        assert AppraisalQuarter.objects.get(pk=quarter.pk).status == QuarterStatus.DRAFT
    third = make_user(Role.COUNTY_STAFF, username="zulian")
    client.force_login(third)
    html = client.get(reverse("appraisals:quarter_detail", args=[quarter.pk])).content.decode()
    assert reverse("appraisals:quarter_finalize", args=[quarter.pk]) in html
    with h.on(date(2026, 4, 13)):
        done = services.quarter_finalize(actor=third, quarter=quarter)
    assert done.status == QuarterStatus.FINALIZED and done.finalized_by == third
