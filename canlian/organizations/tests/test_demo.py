"""`manage.py seed_demo` builds 桐梓's organisations (seed 000: 25 township federations, 232
village associations) with deliberate gaps, links the demo liaison accounts, and is idempotent."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from canlian.core.models import User
from canlian.organizations.models import Member, OrgUnit, ThresholdKey, UnitKind
from canlian.organizations.selectors import composition_for, coverage_for, grassroots_summary


def test_seed_demo_builds_the_county_with_gaps_and_is_idempotent(db: object) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    assert OrgUnit.objects.filter(kind=UnitKind.TOWNSHIP_FEDERATION).count() == 25
    # Villages whose index % 17 == 5 have no association yet: 14 of 232.
    assert OrgUnit.objects.filter(kind=UnitKind.VILLAGE_ASSOCIATION).count() == 232 - 14
    assert OrgUnit.objects.filter(kind=UnitKind.SPECIAL_ASSOCIATION).count() == 5
    county_staff = User.objects.get(username="county")
    coverage = coverage_for(actor=county_staff)
    assert 0 < coverage.fulfilled < coverage.required
    assert coverage.townships_with_unit == 25
    rules = {r.key: r for r in composition_for(actor=county_staff).rules}
    assert rules[ThresholdKey.CONGRESS_DISABLED_OR_RELATIVE].share == Decimal("70.0")
    assert rules[ThresholdKey.CONGRESS_ROLE_MODEL_OR_GRASSROOTS].share == Decimal("55.0")
    assert rules[ThresholdKey.CONGRESS_ROLE_MODEL_OR_GRASSROOTS].passed is False
    assert rules[ThresholdKey.STAFF_DISABLED].share == Decimal("16.7")
    assert rules[ThresholdKey.PRESIDIUM_DISABLED_OR_RELATIVE].passed is True
    for username in ("chumi", "songkan"):
        assert Member.objects.filter(user__username=username).exists()
    assert len(grassroots_summary(actor=county_staff, year=timezone.localdate().year)) == 3
    before = (OrgUnit.objects.count(), Member.objects.count())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "已存在" in out.getvalue()
    assert (OrgUnit.objects.count(), Member.objects.count()) == before
