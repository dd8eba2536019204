"""不相容岗位分离 in certificate applications (DESIGN.md "Data"; issue 16 item 3): the review
decision (县残联审核, approve or refuse) is taken by a county staff account that did not submit,
accept or assess the same application. Each account that took an earlier step is refused by the
service, the page (the action is not offered; a forged POST changes nothing) and the API (403),
and another county staff account may decide."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from canlian.certificates import services, workflow
from canlian.certificates.models import Application, Step
from canlian.certificates.tests.helpers import submit
from canlian.core.errors import DomainError
from canlian.core.models import User
from canlian.core.roles import Role
from canlian.registry.tests.factories import make_id_number

API = "/api/v1/certificates/applications"


def _at_review(personas: dict[str, User], regions: dict[str, str],
               make_user: Callable[..., User]) -> tuple[Application, dict[str, User]]:
    """A 新办 at the county window: recorded by one county staff account, accepted (and the
    assessment assigned, the notice ended) by another, assessed by the assessor."""
    actors = {"submitter": make_user(Role.COUNTY_STAFF, username="window"),
              "acceptor": make_user(Role.COUNTY_STAFF, username="acceptor"),
              "assessor": personas["assessor"],
              "independent": make_user(Role.COUNTY_STAFF, username="reviewer")}
    app = submit(actors["submitter"], type="new", channel="window",
                 region=regions["village_a"], id_number=make_id_number())
    acceptor = actors["acceptor"]
    services.application_accept(actor=acceptor, application=app,
                                received=workflow.materials_required(app))
    assessment = services.assessment_assign(actor=acceptor, application=app,
                                            assessor=actors["assessor"], institution="县人民医院",
                                            place="hospital")
    app.refresh_from_db()
    services.assessment_record(actor=actors["assessor"], assessment=assessment,
                               result="qualified", category=4, grade=3)
    app.refresh_from_db()
    services.publicity_complete(actor=acceptor, application=app, today=app.step_due_on)
    app.refresh_from_db()
    assert app.step == Step.REVIEW
    # A doctor who later joins the county federation keeps their account: still the assessor.
    User.objects.filter(pk=actors["assessor"].pk).update(role=Role.COUNTY_STAFF)
    actors["assessor"].refresh_from_db()
    return app, actors


@pytest.mark.parametrize("who", ["submitter", "acceptor", "assessor"])
def test_who_submitted_accepted_or_assessed_cannot_review(
        who: str, personas: dict[str, User], regions: dict[str, str],
        make_user: Callable[..., User], client: Client) -> None:
    app, actors = _at_review(personas, regions, make_user)
    actor = actors[who]
    version = app.version
    for decide in (lambda: services.review_approve(actor=actor, application=app),
                   lambda: services.application_reject(actor=actor, application=app,
                                                       reason="材料不实")):
        with pytest.raises(DomainError) as refused:
            decide()
        assert refused.value.code == "separation_of_duties"
        assert "不相容岗位分离" in refused.value.message
    client.force_login(actor)
    detail = client.get(reverse("certificates:application_detail", args=[app.pk])).content
    for action in ("review", "reject"):
        assert reverse("certificates:application_action", args=[app.pk, action]) not in \
            detail.decode()
    page = client.post(reverse("certificates:application_action", args=[app.pk, "review"]),
                       {"version": version, "note": ""}).content.decode()
    assert "请由另一名县残联工作人员审核" in page
    response = client.post(f"{API}/{app.pk}/transitions",
                           {"action": "reject", "version": version, "reason": "材料不实"},
                           content_type="application/json")
    assert response.status_code == 403 and "不相容岗位分离" in response.json()["detail"]
    app.refresh_from_db()
    assert (app.step, app.version, app.status) == (Step.REVIEW, version, "in_progress")


def test_another_county_staff_account_reviews(
        personas: dict[str, User], regions: dict[str, str], make_user: Callable[..., User],
        client: Client) -> None:
    app, actors = _at_review(personas, regions, make_user)
    client.force_login(actors["independent"])
    detail = client.get(reverse("certificates:application_detail", args=[app.pk])).content
    assert reverse("certificates:application_action", args=[app.pk, "review"]) in \
        detail.decode()
    response = client.post(f"{API}/{app.pk}/transitions",
                           {"action": "review", "version": app.version},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["step"] == Step.PRODUCE
    review = app.steps.get(step=Step.REVIEW)
    assert review.done_by == actors["independent"]


def test_refusal_at_acceptance_is_not_a_review_decision(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    """Refusing at 受理 (e.g. not this county's matter) stays with the accepting officer, who
    may also have recorded the application at the window."""
    staff = personas["county_staff"]
    app = submit(staff, type="new", channel="window", region=regions["village_a"],
                 id_number=make_id_number())
    done = services.application_reject(actor=staff, application=app, reason="户籍不在本县")
    assert done.status == "rejected"
