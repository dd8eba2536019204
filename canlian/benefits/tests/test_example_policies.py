"""示例 policies (example or local rates, Policy.is_example) are marked 示例 wherever a policy
name is shown: the 360° panel's self-check, the person's benefits page, the enrolment list
(issue 16 §18)."""

from __future__ import annotations

import re
from datetime import date

import time_machine
from django.test import Client
from django.urls import reverse

from canlian.benefits.models import Policy
from canlian.benefits.tests.helpers import enrol, holder, load_catalog
from canlian.core.models import User

TAG = '<span class="status-tag" title="示例政策：标准与条件为示例，以当地正式文件为准">示例</span>'


def _names_with_tag(html: str, policies: list[Policy]) -> dict[str, bool]:
    return {p.name: bool(re.search(re.escape(p.name) + r"\s*" + re.escape(TAG), html))
            for p in policies}


@time_machine.travel("2026-03-15 10:00:00+08:00", tick=False)
def test_example_policies_are_labelled_wherever_a_policy_is_named(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    catalog = load_catalog()
    examples = [p for p in catalog.values() if p.is_example]
    national = catalog["care_subsidy"]
    assert examples and not national.is_example
    person = holder(regions["village_a"], grade=1, care=True)
    enrol(person, examples[0], date(2026, 1, 1), personas["county_staff"])
    client = Client()
    client.force_login(personas["county_staff"])
    for url in (reverse("registry:person_detail", args=[person.pk]),
                reverse("benefits:person_benefits", args=[person.pk])):
        html = client.get(url).content.decode()
        shown = _names_with_tag(html, [*examples, national])
        assert shown[national.name] is False
        assert all(shown[p.name] for p in examples if p.name in html), url
    listing = client.get(reverse("benefits:enrolment_list")).content.decode()
    assert _names_with_tag(listing, [examples[0]])[examples[0].name]
