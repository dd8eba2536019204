"""A resident acts only for themselves, their registered household, or a ward staff verified
(issue 17 item 5): every other ID number gets one answer that says nothing about it, and no
application is created. The guardian link is asked for in the portal and verified by staff of
the ward's jurisdiction (DESIGN.md: the registry holds guardians)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from canlian.certificates import services
from canlian.certificates.models import Application
from canlian.certificates.tests.helpers import holder, submit
from canlian.core.crypto import blind_index
from canlian.core.errors import DomainError
from canlian.core.models import AuditEvent, User
from canlian.registry import guardians
from canlian.registry.models import GuardianLink, Person
from canlian.registry.tests.factories import make_id_number, make_person

API = "/api/v1/certificates/applications"


@pytest.fixture
def resident(personas: dict[str, User], regions: dict[str, str]) -> User:
    """The demo's kind of resident: a registered disabled person with a certificate."""
    me = holder(regions["village_a"], name="本人")
    user = personas["resident"]
    User.objects.filter(pk=user.pk).update(id_number=me.id_number,
                                           id_number_index=me.id_number_index)
    user.refresh_from_db()
    return user


def _strangers(personas: dict[str, User], regions: dict[str, str]) -> dict[str, str]:
    """ID numbers of people the resident has nothing to do with, in another township."""
    village = regions["village_b"]
    busy = holder(village, name="办理中")
    submit(personas["county_staff"], type="renewal", channel="window", region=village,
           person=busy)
    return {
        "unknown": make_id_number(),
        "registered_with_certificate": holder(village, name="持证人").id_number,
        "registered_without_certificate": make_person(region_code=village,
                                                      name="未持证").id_number,
        "open_application": busy.id_number,
    }


def test_every_unlinked_id_number_gets_the_same_answer_and_no_application(
        personas: dict[str, User], regions: dict[str, str], resident: User,
        client: Client) -> None:
    """补办 "for someone else" used to answer 该人员没有有效的残疾人证 or 已有正在办理的申请, or
    succeed: each told the caller about a stranger, and the success filed an application."""
    strangers = _strangers(personas, regions)
    before = Application.objects.count()
    client.force_login(resident)
    answers = set()
    for number in strangers.values():
        with pytest.raises(DomainError) as refused:
            services.application_submit(actor=resident, type="replacement", channel="online",
                                        name="某人", id_number=number,
                                        region_code=regions["village_b"],
                                        applicant_relation="监护人")
        response = client.post(API, {"type": "replacement", "channel": "online", "name": "某人",
                                     "id_number": number, "region_code": regions["village_b"],
                                     "applicant_relation": "监护人"},
                               content_type="application/json")
        answers.add((refused.value.code, refused.value.message, refused.value.field,
                     response.status_code, response.content))
    assert len(answers) == 1
    code, message, _, status, _ = answers.pop()
    assert (code, status) == ("not_linked", 403) and "关联" in message
    assert Application.objects.count() == before


def test_every_link_request_gets_the_same_answer(
        personas: dict[str, User], regions: dict[str, str], resident: User,
        client: Client) -> None:
    strangers = _strangers(personas, regions)
    client.force_login(resident)
    answers = set()
    for number in strangers.values():
        response = client.post(reverse("portal:wards"),
                               {"name": "某人", "id_number": number, "relation": "父母"})
        page = client.get(response.url).content.decode()
        answers.add((response.status_code, response.url, guardians.REQUESTED_MESSAGE in page))
    assert answers == {(302, reverse("portal:wards"), True)}
    assert GuardianLink.objects.filter(user=resident, status="pending").count() == 4
    # no application, and still nobody to apply for but themselves
    assert not Application.objects.filter(submitted_by=resident).exists()
    page = client.get(reverse("portal:apply")).content.decode()
    assert "被监护人：" not in page


def test_a_ward_is_usable_only_once_staff_of_its_jurisdiction_verified(
        personas: dict[str, User], regions: dict[str, str], resident: User,
        client: Client) -> None:
    ward = holder(regions["village_a2"], name="小红", category=5, grade=2)
    link = guardians.guardian_link_request(actor=resident, name="小红",
                                           id_number=ward.id_number, relation="父母")
    assert link.person == ward and link.region_id == ward.region_id
    assert not Person.objects.visible_to(resident).filter(pk=ward.pk).exists()
    with pytest.raises(DomainError, match="关联"):
        submit(resident, type="replacement", channel="online", region=ward.region_id,
               person=ward, applicant_relation="父母")
    # staff of another township do not see the request; a resident cannot verify
    client.force_login(personas["county_staff"])
    assert client.get(reverse("registry:guardian_detail", args=[link.pk])).status_code == 200
    other = User.objects.create(username="songkan", role="township_staff",
                                region_id=regions["township_b"], name="罗芳")
    with pytest.raises(DomainError) as outside:
        guardians.guardian_link_verify(actor=other, link=link)
    assert outside.value.code == "jurisdiction"
    with pytest.raises(DomainError):
        guardians.guardian_link_verify(actor=resident, link=link)
    client.force_login(personas["township_staff"])
    listed = client.get(reverse("registry:guardian_list")).content.decode()
    assert "小红" in listed
    client.post(reverse("registry:guardian_detail", args=[link.pk]), {"decision": "verify"})
    link.refresh_from_db()
    assert link.status == "verified" and link.decided_by == personas["township_staff"]
    assert AuditEvent.objects.filter(object_type="registry.guardianlink",
                                     object_id=str(link.pk)).count() == 2
    # now the ward is the resident's to act for: apply, and see them in the registry scope
    assert Person.objects.visible_to(resident).filter(pk=ward.pk).exists()
    client.force_login(resident)
    page = client.get(reverse("portal:apply")).content.decode()
    assert "被监护人：小红" in page
    response = client.post(reverse("portal:apply"), {"type": "replacement",
                                                     "applicant": f"ward-{link.pk}",
                                                     "region": ward.region_id}, follow=True)
    assert "申请已提交" in response.content.decode()
    app = Application.objects.get(id_number_index=ward.id_number_index)
    assert app.applicant_relation == "父母" and app.submitted_by == resident


def test_a_declined_link_shows_the_reason_and_stays_unusable(
        personas: dict[str, User], regions: dict[str, str], resident: User,
        client: Client) -> None:
    number = make_id_number()
    link = guardians.guardian_link_request(actor=resident, name="某人", id_number=number,
                                           relation="其他亲属")
    assert link.person is None and link.region_id == resident.region_id
    with pytest.raises(DomainError, match="未通过的原因"):
        guardians.guardian_link_reject(actor=personas["township_staff"], link=link, reason=" ")
    guardians.guardian_link_reject(actor=personas["township_staff"], link=link,
                                   reason="未能提供监护关系证明")
    client.force_login(resident)
    assert "未能提供监护关系证明" in client.get(reverse("portal:wards")).content.decode()
    assert not guardians.may_act_for(resident, blind_index(number))


def test_link_request_checks_only_the_shape_of_the_input(
        resident: User, client: Client) -> None:
    client.force_login(resident)
    page = client.post(reverse("portal:wards"), {"name": "某人", "id_number": "123",
                                                 "relation": "父母"}).content.decode()
    assert "被监护人身份证号：" in page
    own: Any = client.post(reverse("portal:wards"), {"name": "本人", "relation": "父母",
                                                     "id_number": resident.id_number})
    assert "为本人办理无须关联" in own.content.decode()
    assert not GuardianLink.objects.exists()
