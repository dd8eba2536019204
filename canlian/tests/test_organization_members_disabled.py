"""Organisation members linked to registry records count as 残疾人 by the registry's own
definition (issue 16 §6). Here, not in organizations' tests: organizations and registry are
independent layers, and only the project's tests may use both."""

from __future__ import annotations

from canlian.organizations.models import DISABLED_Q, Member
from canlian.organizations.tests.factories import make_member
from canlian.registry.models import CertificateStatus, Person
from canlian.registry.tests.factories import make_family


def test_a_member_linked_to_a_household_member_is_not_counted_as_disabled(
        regions: dict[str, str]) -> None:
    """Issue 16 §6: the registry's definition (a category or a certificate) decides whether a
    linked member is 残疾人; a relative registered in the household without one is not."""
    head, (spouse, child) = make_family(region_code=regions["village_a"])
    Person.objects.filter(pk=child.pk).update(certificate_status=CertificateStatus.EXPIRED)
    for person in (head, spouse, child):
        make_member(region_code=regions["village_a"], name=person.name, person=person)
    make_member(region_code=regions["village_a"], name="无档案")
    assert set(Member.objects.filter(DISABLED_Q).values_list("name", flat=True)) == {
        head.name, child.name}
