"""Who is a disabled person (残疾人) and who is a household member (户内成员), issue 16 §6.

DESIGN.md "Data": a disabled person has a disability category or a certificate; household
members without one are registered for the household's sake and are never counted as 残疾人.
"""

from __future__ import annotations

from datetime import date

from canlian.registry.models import CertificateStatus, Person
from canlian.registry.tests.factories import make_person


def test_disabled_person_has_a_category_or_a_certificate(regions: dict[str, str]) -> None:
    village = regions["village_a"]
    head = make_person(region_code=village, name="户主", category=4, grade=2)
    household = head.household
    make_person(region_code=village, name="配偶", household=household, head=False)
    make_person(region_code=village, name="子女", household=household, head=False,
                birth=date(2010, 1, 1))
    # A certificate on record (here cancelled) without a category still makes a 残疾人.
    holder = make_person(region_code=village, name="持证")
    Person.objects.filter(pk=holder.pk).update(certificate_status=CertificateStatus.CANCELLED)

    assert set(Person.objects.disabled().values_list("name", flat=True)) == {"户主", "持证"}
    assert set(Person.objects.household_members_only().values_list("name", flat=True)) == {
        "配偶", "子女"}
    # The row-level property agrees with the set-based condition for every row.
    for person in Person.objects.all():
        assert person.is_disabled == Person.objects.disabled().filter(pk=person.pk).exists()
